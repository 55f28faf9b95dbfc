package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-hub/roster/internal/roster"
)

// lookupChunk is how many addresses one set-based lookup takes.
const lookupChunk = 10_000

// Import row filters for ImportRows.
const (
	ImportRowsAll        = "all"          // every row, by line
	ImportRowsProblems   = "problems"     // rows skipped or wrong in the dry run
	ImportRowsNotInvited = "not_invited"  // problems, and rows the import did not invite after all
	importDryRunKeep     = 24 * time.Hour // an unconfirmed dry run is kept this long
	importFinishedKeep   = 30 * 24 * time.Hour
)

// PrepareImport completes the dry run of an uploaded CSV: among rows the
// file alone would invite, it skips addresses that already belong to a
// person (of this account, deactivated, or of another account) or have a
// pending invitation, each decided with set-based lookups. It keeps the
// rows for the confirm and returns the summary. Nothing else is written:
// no invitation, no email, no audit event.
func (s *InvitationStore) PrepareImport(ctx context.Context, accountID, actorID int64, fileName string, ignored []string, rows []roster.ImportRow, now time.Time) (roster.Import, error) {
	im := roster.Import{AccountID: accountID, ActorID: actorID, FileName: fileName, CreatedAt: now, Status: roster.ImportDryRun, Ignored: ignored}
	if ignored == nil {
		ignored = []string{}
	}
	at := map[string]int{}
	var emails []string
	for i, r := range rows {
		if r.Outcome == roster.ImportInvite {
			e := strings.ToLower(r.Email)
			at[e] = i
			emails = append(emails, e)
		}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Abandoned dry runs and old finished imports go.
		if _, err := tx.Exec(ctx, `DELETE FROM csv_imports WHERE account_id = $1
		AND ((status = 'dry_run' AND created_at < $2) OR (status = 'done' AND finished_at < $3))`,
			accountID, now.Add(-importDryRunKeep), now.Add(-importFinishedKeep)); err != nil {
			return err
		}
		for start := 0; start < len(emails); start += lookupChunk {
			chunk := emails[start:min(start+lookupChunk, len(emails))]
			// An address is one sign-in across accounts: another account's
			// person is only reported as such, nothing of them is read.
			ur, err := tx.Query(ctx, `SELECT lower(email), account_id = $1, status FROM users WHERE lower(email) = ANY($2)`, accountID, chunk)
			if err != nil {
				return err
			}
			var email, status string
			var own bool
			if _, err := pgx.ForEachRow(ur, []any{&email, &own, &status}, func() error {
				r := &rows[at[email]]
				r.Outcome = roster.ImportSkip
				switch {
				case !own:
					r.Reason = "csv.reason_other_account"
				case status == roster.StatusDeactivated:
					r.Reason = "csv.reason_deactivated"
				default:
					r.Reason = "csv.reason_member"
				}
				return nil
			}); err != nil {
				return err
			}
			ir, err := tx.Query(ctx, `SELECT DISTINCT lower(email) FROM invitations
			WHERE account_id = $1 AND kind = 'email' AND status = 'pending' AND expires_at > $3 AND lower(email) = ANY($2)`, accountID, chunk, now)
			if err != nil {
				return err
			}
			if _, err := pgx.ForEachRow(ir, []any{&email}, func() error {
				if r := &rows[at[email]]; r.Outcome == roster.ImportInvite {
					r.Outcome, r.Reason = roster.ImportSkip, "csv.reason_invited"
				}
				return nil
			}); err != nil {
				return err
			}
		}
		for _, r := range rows {
			im.Total++
			switch r.Outcome {
			case roster.ImportInvite:
				im.ToInvite++
			case roster.ImportSkip:
				im.Skipped++
			default:
				im.Errors++
			}
		}
		err := tx.QueryRow(ctx, `INSERT INTO csv_imports (account_id, actor_id, file_name, created_at, ignored, total, to_invite, skipped, errors)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			accountID, actorID, fileName, now, ignored, im.Total, im.ToInvite, im.Skipped, im.Errors).Scan(&im.ID)
		if err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"csv_import_rows"},
			[]string{"account_id", "import_id", "line", "email", "name", "groups", "roles", "group_ids", "role_ids", "outcome", "reason", "detail", "locale"},
			pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				r := rows[i]
				g, ro := r.GroupIDs, r.RoleIDs
				if g == nil {
					g = []int64{}
				}
				if ro == nil {
					ro = []int64{}
				}
				return []any{accountID, im.ID, r.Line, clip(r.Email, 1000), r.Name, clip(r.Groups, 2000), clip(r.Roles, 2000), g, ro, r.Outcome, r.Reason, clip(r.Detail, 500), clip(r.Locale, 35)}, nil
			}))
		return err
	})
	if err != nil {
		return roster.Import{}, err
	}
	return im, nil
}

// clip shortens what is only shown back (a cell of a malformed row can be
// long) to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

const importColumns = `id, account_id, coalesce(actor_id, 0), file_name, created_at, status, ignored,
	total, to_invite, skipped, errors, done, invited, failed, finished_at`

func scanImport(row pgx.Row) (roster.Import, error) {
	var im roster.Import
	err := row.Scan(&im.ID, &im.AccountID, &im.ActorID, &im.FileName, &im.CreatedAt, &im.Status, &im.Ignored,
		&im.Total, &im.ToInvite, &im.Skipped, &im.Errors, &im.Done, &im.Invited, &im.Failed, &im.FinishedAt)
	return im, mapError(err, "import")
}

// Import returns one CSV import of the account. ENOTFOUND when it is not
// the account's (or has been cleaned away).
func (s *InvitationStore) Import(ctx context.Context, accountID, id int64) (roster.Import, error) {
	return scanImport(s.pool.QueryRow(ctx, `SELECT `+importColumns+` FROM csv_imports WHERE account_id = $1 AND id = $2`, accountID, id))
}

const importRowColumns = `line, email, name, groups, roles, group_ids, role_ids, outcome, reason, detail, coalesce(result, ''), result_reason`

func scanImportRow(row pgx.CollectableRow) (roster.ImportRow, error) {
	var r roster.ImportRow
	err := row.Scan(&r.Line, &r.Email, &r.Name, &r.Groups, &r.Roles, &r.GroupIDs, &r.RoleIDs, &r.Outcome, &r.Reason, &r.Detail, &r.Result, &r.ResultReason)
	return r, err
}

// ImportRows returns up to limit rows of an import by line: all, the dry
// run's problems, or those not invited (problems and rows the import
// could not invite after all).
func (s *InvitationStore) ImportRows(ctx context.Context, accountID, id int64, which string, limit int) ([]roster.ImportRow, error) {
	cond := ""
	switch which {
	case roster.ImportRowsProblems:
		cond = ` AND outcome <> 'invite'`
	case roster.ImportRowsNotInvited:
		cond = ` AND (outcome <> 'invite' OR result IS DISTINCT FROM 'invited')`
	}
	rows, err := s.pool.Query(ctx, `SELECT `+importRowColumns+` FROM csv_import_rows
	WHERE account_id = $1 AND import_id = $2`+cond+` ORDER BY line LIMIT $3`, accountID, id, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanImportRow)
}

// EachImportRow calls fn with every row of an import, by line, streaming
// (the report of a 100,000-row file is not held in memory).
func (s *InvitationStore) EachImportRow(ctx context.Context, accountID, id int64, fn func(roster.ImportRow) error) error {
	rows, err := s.pool.Query(ctx, `SELECT `+importRowColumns+` FROM csv_import_rows
	WHERE account_id = $1 AND import_id = $2 ORDER BY line`, accountID, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanImportRow(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ConfirmImport starts a dry run's import: it queues the job (in the same
// transaction) and audits the start. Confirming an import already started
// returns it as it is, so a double click starts one job. ENOTFOUND when
// the import is not the account's.
func (s *InvitationStore) ConfirmImport(ctx context.Context, accountID, actorID, id int64, now time.Time) (roster.Import, error) {
	var im roster.Import
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		im, err = scanImport(tx.QueryRow(ctx, `SELECT `+importColumns+` FROM csv_imports WHERE account_id = $1 AND id = $2 FOR UPDATE`, accountID, id))
		if err != nil || im.Status != roster.ImportDryRun {
			return err
		}
		if im.ToInvite == 0 {
			// Nothing to do: done at once, without a job.
			im.Status, im.FinishedAt = roster.ImportDone, &now
		} else {
			im.Status = roster.ImportQueued
		}
		if _, err := tx.Exec(ctx, `UPDATE csv_imports SET status = $3, actor_id = $4, confirmed_at = $5, finished_at = $6
		WHERE account_id = $1 AND id = $2`, accountID, id, im.Status, actorID, now, im.FinishedAt); err != nil {
			return err
		}
		im.ActorID = actorID
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, detail) VALUES ($1, $2, $3, 'csv_import_started', $4)`,
			accountID, now, actorID, map[string]any{"import_id": id, "file": im.FileName, "rows": im.Total, "to_invite": im.ToInvite,
				"skipped": im.Skipped, "errors": im.Errors}); err != nil {
			return err
		}
		if im.ToInvite == 0 {
			return auditImportFinished(ctx, tx, im, now)
		}
		_, err = s.queue.InsertTx(ctx, tx, ImportArgs{AccountID: accountID, ImportID: id}, nil)
		return err
	})
	if err != nil {
		return roster.Import{}, err
	}
	return im, nil
}

func auditImportFinished(ctx context.Context, tx pgx.Tx, im roster.Import, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, detail) VALUES ($1, $2, nullif($3, 0), 'csv_import_finished', $4)`,
		im.AccountID, now, im.ActorID, map[string]any{"import_id": im.ID, "file": im.FileName, "rows": im.Total, "invited": im.Invited,
			"not_invited": im.Failed, "skipped": im.Skipped, "errors": im.Errors})
	return err
}

// importFetch is how many rows the job reads at a time; it groups them by
// their groups and roles and invites each group in batches.
// importAnalyzeEvery is how many rows it invites between refreshes of the
// planner's statistics.
const (
	importFetch        = 5000
	importAnalyzeEvery = 20_000
)

// RunImport invites the rows of a confirmed import in batches of
// roster.ImportBatch through CreateEmailInvitations (each batch one
// transaction, its emails queued in it), recording each row's result and
// the progress after each batch, and audits the end. Run again after a
// crash, it carries on where the recorded progress stops (a batch that
// was invited but not recorded reads as "already invited").
func (s *InvitationStore) RunImport(ctx context.Context, accountID, id int64) error {
	im, err := scanImport(s.pool.QueryRow(ctx, `UPDATE csv_imports SET status = 'running'
	WHERE account_id = $1 AND id = $2 AND status IN ('queued', 'running') RETURNING `+importColumns, accountID, id))
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return nil // done already, or removed
	}
	if err != nil {
		return err
	}
	last, sinceAnalyze := 0, 0
	for {
		rows, err := s.pool.Query(ctx, `SELECT line, email, name, group_ids, role_ids, locale FROM csv_import_rows
		WHERE account_id = $1 AND import_id = $2 AND outcome = 'invite' AND result IS NULL AND line > $3
		ORDER BY line LIMIT $4`, accountID, id, last, importFetch)
		if err != nil {
			return err
		}
		type pending struct {
			line        int
			email, name string
			groups      []int64
			roles       []int64
			locale      string
		}
		var todo []pending
		var p pending
		if _, err := pgx.ForEachRow(rows, []any{&p.line, &p.email, &p.name, &p.groups, &p.roles, &p.locale}, func() error {
			todo = append(todo, p)
			return nil
		}); err != nil {
			return err
		}
		if len(todo) == 0 {
			break
		}
		last = todo[len(todo)-1].line
		// Rows with the same groups, roles and language go together.
		var order []string
		sets := map[string][]pending{}
		for _, p := range todo {
			k := fmt.Sprint(p.groups, p.roles, p.locale)
			if _, ok := sets[k]; !ok {
				order = append(order, k)
			}
			sets[k] = append(sets[k], p)
		}
		for _, k := range order {
			set := sets[k]
			for start := 0; start < len(set); start += roster.ImportBatch {
				batch := set[start:min(start+roster.ImportBatch, len(set))]
				in := roster.EmailInvites{GroupIDs: batch[0].groups, RoleIDs: batch[0].roles, Locale: batch[0].locale, Addresses: make([]roster.Address, len(batch))}
				for i, p := range batch {
					in.Addresses[i] = roster.Address{Email: p.email, Name: p.name}
				}
				lines := make([]int32, len(batch))
				results := make([]string, len(batch))
				reasons := make([]string, len(batch))
				res, err := s.CreateEmailInvitations(ctx, accountID, im.ActorID, in, time.Now())
				if err != nil && roster.ErrorCode(err) != roster.EINVALID {
					return err
				}
				invited := 0
				for i, p := range batch {
					lines[i] = int32(p.line)
					if err != nil {
						// A group or role was deleted since the dry run.
						results[i], reasons[i] = roster.ImportError, "csv.reason_grant_gone"
						continue
					}
					results[i] = res[i].Outcome
					if res[i].Outcome == roster.OutcomeInvited {
						invited++
					}
				}
				if err := s.recordImportBatch(ctx, accountID, id, lines, results, reasons, invited); err != nil {
					return err
				}
				// A large import grows the invitations table faster than
				// autovacuum refreshes its statistics, and plans made for
				// the small table read it whole for every batch.
				if sinceAnalyze += len(batch); sinceAnalyze >= importAnalyzeEvery {
					sinceAnalyze = 0
					if _, err := s.pool.Exec(ctx, `ANALYZE invitations, csv_import_rows`); err != nil {
						return err
					}
				}
			}
		}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		now := time.Now()
		im, err := scanImport(tx.QueryRow(ctx, `UPDATE csv_imports SET status = 'done', finished_at = $3
		WHERE account_id = $1 AND id = $2 AND status = 'running' RETURNING `+importColumns, accountID, id, now))
		if roster.ErrorCode(err) == roster.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		return auditImportFinished(ctx, tx, im, now)
	})
}

// recordImportBatch writes the results of one batch and moves the
// progress, in one transaction.
func (s *InvitationStore) recordImportBatch(ctx context.Context, accountID, id int64, lines []int32, results, reasons []string, invited int) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The line range keeps the join to the batch's part of the
		// primary key (else each batch reads every row of the import).
		tag, err := tx.Exec(ctx, `UPDATE csv_import_rows r SET result = t.result, result_reason = t.reason
		FROM unnest($3::int[], $4::text[], $5::text[]) AS t(line, result, reason)
		WHERE r.account_id = $1 AND r.import_id = $2 AND r.line BETWEEN $6 AND $7 AND r.line = t.line AND r.result IS NULL`,
			accountID, id, lines, results, reasons, slices.Min(lines), slices.Max(lines))
		if err != nil {
			return err
		}
		n := int(tag.RowsAffected())
		invited = min(invited, n)
		_, err = tx.Exec(ctx, `UPDATE csv_imports SET done = done + $3, invited = invited + $4, failed = failed + $5
		WHERE account_id = $1 AND id = $2`, accountID, id, n, invited, n-invited)
		return err
	})
}
