package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/roster-hub/roster/internal/roster"
)

// grants checks that groups and roles are the account's own and returns
// their display forms for emails: group paths and role labels ("@key" for
// built-in roles, translated when the email is written). EINVALID when an
// id is not the account's or no group is given.
func grants(ctx context.Context, tx pgx.Tx, accountID int64, groupIDs, roleIDs []int64) (groups, roles []string, err error) {
	groupIDs, roleIDs = uniqueIDs(groupIDs), uniqueIDs(roleIDs)
	rows, err := tx.Query(ctx, `SELECT g.id, (SELECT array_agg(p.name ORDER BY array_position(g.path, p.id))
	        FROM groups p WHERE p.account_id = g.account_id AND p.id = ANY(g.path[2:]) ), g.name
	FROM groups g WHERE g.account_id = $1 AND g.id = ANY($2) ORDER BY g.id`, accountID, groupIDs)
	if err != nil {
		return nil, nil, err
	}
	var id int64
	var path []string
	var name string
	n := 0
	_, err = pgx.ForEachRow(rows, []any{&id, &path, &name}, func() error {
		n++
		if len(path) == 0 {
			groups = append(groups, name)
		} else {
			groups = append(groups, strings.Join(path, " › "))
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if n != len(groupIDs) {
		return nil, nil, roster.Errorf(roster.EINVALID, "invite.unknown_group")
	}
	rows, err = tx.Query(ctx, `SELECT coalesce('@' || key, name) FROM roles WHERE account_id = $1 AND id = ANY($2) ORDER BY position, id`, accountID, roleIDs)
	if err != nil {
		return nil, nil, err
	}
	if roles, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, nil, err
	}
	if len(roles) != len(roleIDs) {
		return nil, nil, roster.Errorf(roster.EINVALID, "invite.unknown_role")
	}
	return groups, roles, nil
}

func uniqueIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// accountInfo is what emails say about the account and the actor.
type accountInfo struct {
	Name                 string
	Locale               string
	ValidityDays         int
	LinkValidityHours    int
	ActorName, ActorMail string
}

func loadAccountInfo(ctx context.Context, tx pgx.Tx, accountID, actorID int64) (accountInfo, error) {
	var a accountInfo
	err := tx.QueryRow(ctx, `SELECT a.name, a.default_locale, a.invite_validity_days, a.link_validity_hours,
	       coalesce(u.name, ''), coalesce(u.email, '')
	FROM accounts a LEFT JOIN users u ON u.account_id = a.id AND u.id = $2
	WHERE a.id = $1`, accountID, actorID).Scan(&a.Name, &a.Locale, &a.ValidityDays, &a.LinkValidityHours, &a.ActorName, &a.ActorMail)
	return a, mapError(err, "account")
}

// CreateEmailInvitations invites each address of one "Add users" submit
// and reports per address what happened. Valid addresses are invited even
// when others are not; each invitation's email is queued in the same
// transaction. EINVALID when a group or role is not the account's.
func (s *InvitationStore) CreateEmailInvitations(ctx context.Context, accountID, actorID int64, in roster.EmailInvites, now time.Time) ([]roster.InviteResult, error) {
	if len(in.Addresses) > roster.MaxAddresses {
		return nil, roster.Errorf(roster.EINVALID, "invite.too_many")
	}
	results := make([]roster.InviteResult, len(in.Addresses))
	at := map[string]int{}
	emails := make([]string, len(in.Addresses))
	for i, a := range in.Addresses {
		emails[i] = strings.ToLower(a.Email)
		if _, seen := at[emails[i]]; !seen {
			at[emails[i]] = i // an address given twice is decided at its first place
		}
		results[i] = roster.InviteResult{Email: a.Email, Name: a.Name}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		groups, roles, err := grants(ctx, tx, accountID, in.GroupIDs, in.RoleIDs)
		if err != nil {
			return err
		}
		info, err := loadAccountInfo(ctx, tx, accountID, actorID)
		if err != nil {
			return err
		}
		validity := in.ValidityDays
		if validity <= 0 || validity > 180 {
			validity = info.ValidityDays
		}
		expires := now.Add(time.Duration(validity) * 24 * time.Hour)
		locale := cmpOr(in.Locale, info.Locale)

		// People who already have an account.
		rows, err := tx.Query(ctx, `SELECT lower(email), account_id, id, status FROM users WHERE lower(email) = ANY($1)`, emails)
		if err != nil {
			return err
		}
		var email, status string
		var acc, uid int64
		if _, err := pgx.ForEachRow(rows, []any{&email, &acc, &uid, &status}, func() error {
			r := &results[at[email]]
			switch {
			case acc != accountID:
				r.Outcome = roster.OutcomeOtherAccount
			case status == roster.StatusDeactivated:
				r.Outcome, r.UserID = roster.OutcomeDeactivated, uid
			default:
				r.Outcome, r.UserID = roster.OutcomeMember, uid
			}
			return nil
		}); err != nil {
			return err
		}
		// Pending invitations past their expiry are expired now, so they
		// neither block a new one nor count as "already invited".
		if _, err := tx.Exec(ctx, `UPDATE invitations SET status = 'expired'
		WHERE account_id = $1 AND kind = 'email' AND status = 'pending' AND expires_at <= $2 AND lower(email) = ANY($3)`, accountID, now, emails); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT lower(email), id FROM invitations
		WHERE account_id = $1 AND kind = 'email' AND status = 'pending' AND lower(email) = ANY($2)`, accountID, emails)
		if err != nil {
			return err
		}
		var invID int64
		if _, err := pgx.ForEachRow(rows, []any{&email, &invID}, func() error {
			r := &results[at[email]]
			if r.Outcome == "" {
				r.Outcome, r.InvitationID = roster.OutcomeAlreadyInvited, invID
			}
			return nil
		}); err != nil {
			return err
		}
		var newEmails []string
		var nonces, hashes [][]byte
		var remaining = -1
		if actorID != 0 {
			if remaining, err = inviteQuota(ctx, tx, accountID, actorID, now); err != nil {
				return err
			}
		}
		for i := range results {
			if results[i].Outcome == "" && at[emails[i]] == i {
				if remaining >= 0 && len(newEmails) >= remaining {
					// Over the administrator's daily limit: said per
					// address, never dropped silently.
					results[i].Outcome = roster.OutcomeOverLimit
					continue
				}
				n := roster.NewNonce()
				newEmails = append(newEmails, results[i].Email)
				nonces = append(nonces, n)
				hashes = append(hashes, roster.TokenHash(s.key.Token(n)))
			}
		}
		if len(newEmails) == 0 {
			return nil
		}
		rows, err = tx.Query(ctx, `INSERT INTO invitations (account_id, kind, email, token_nonce, token_hash, group_ids, role_ids,
		    message, locale, invited_by, created_at, sent_at, expires_at, delivery)
		SELECT $1, 'email', t.email, t.nonce, t.hash, $5, $6, nullif($7, ''), $8, $9, $10, $10, $11, 'queued'
		FROM unnest($2::text[], $3::bytea[], $4::bytea[]) AS t(email, nonce, hash)
		ON CONFLICT (account_id, lower(email)) WHERE kind = 'email' AND status = 'pending' DO NOTHING
		RETURNING id, email, token_nonce`,
			accountID, newEmails, nonces, hashes, uniqueIDs(in.GroupIDs), uniqueIDs(in.RoleIDs), in.Message, locale, actorID, now, expires)
		if err != nil {
			return err
		}
		var jobs []river.JobArgs
		var ids []int64
		var nonce []byte
		if _, err := pgx.ForEachRow(rows, []any{&invID, &email, &nonce}, func() error {
			r := &results[at[strings.ToLower(email)]]
			r.Outcome, r.InvitationID = roster.OutcomeInvited, invID
			ids = append(ids, invID)
			jobs = append(jobs, roster.EmailJob{
				Template: roster.EmailInvitation, AccountID: accountID, InvitationID: invID, Nonce: slices.Clone(nonce),
				To: email, ToName: r.Name, Locale: locale, AccountName: info.Name, FromName: info.ActorName, FromEmail: info.ActorMail,
				Groups: groups, Roles: roles, ExpiresAt: expires, Message: in.Message,
			})
			return nil
		}); err != nil {
			return err
		}
		// An address invited by someone else meanwhile: report it as such.
		for i := range results {
			if results[i].Outcome == "" {
				results[i].Outcome = roster.OutcomeAlreadyInvited
			}
		}
		if err := enqueue(ctx, s.queue, tx, jobs...); err != nil {
			return err
		}
		if err := spendInviteQuota(ctx, tx, accountID, actorID, now, len(ids)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, invitation_id, detail)
		SELECT $1, $2, $3, 'invited', id, jsonb_build_object('email', email) FROM invitations WHERE account_id = $1 AND id = ANY($4)`,
			accountID, now, actorID, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Again in the same submit: as the first time, and invited only once.
	for i := range results {
		if first := at[emails[i]]; first != i {
			r := results[first]
			if r.Outcome == roster.OutcomeInvited {
				r.Outcome = roster.OutcomeAlreadyInvited
			}
			results[i].Outcome, results[i].InvitationID, results[i].UserID = r.Outcome, r.InvitationID, r.UserID
		}
	}
	return results, nil
}

// inviteQuota returns how many more invitations the administrator may make
// today (UTC): the account's daily limit less what they spent today. It
// locks the administrator's row of the day until the transaction ends, so
// two submits at once cannot both spend the rest; spendInviteQuota records
// what the transaction invited.
func inviteQuota(ctx context.Context, tx pgx.Tx, accountID, actorID int64, now time.Time) (int, error) {
	day := now.UTC().Format("2006-01-02")
	if _, err := tx.Exec(ctx, `INSERT INTO invite_quota_usage (account_id, user_id, day) VALUES ($1, $2, $3::date)
	ON CONFLICT DO NOTHING`, accountID, actorID, day); err != nil {
		return 0, mapError(err, "administrator")
	}
	var limit, used int
	err := tx.QueryRow(ctx, `SELECT a.invites_per_admin_per_day, q.used
	FROM invite_quota_usage q JOIN accounts a ON a.id = q.account_id
	WHERE q.account_id = $1 AND q.user_id = $2 AND q.day = $3::date FOR UPDATE OF q`, accountID, actorID, day).Scan(&limit, &used)
	if err != nil {
		return 0, mapError(err, "account")
	}
	return max(limit-used, 0), nil
}

// InviteQuotaLeft returns how many more invitations the administrator may
// make today (UTC), without taking any of them.
func (s *InvitationStore) InviteQuotaLeft(ctx context.Context, accountID, actorID int64, now time.Time) (int, error) {
	var left int
	err := s.pool.QueryRow(ctx, `SELECT a.invites_per_admin_per_day - coalesce((SELECT q.used FROM invite_quota_usage q
	    WHERE q.account_id = a.id AND q.user_id = $2 AND q.day = $3::date), 0)
	FROM accounts a WHERE a.id = $1`, accountID, actorID, now.UTC().Format("2006-01-02")).Scan(&left)
	return max(left, 0), mapError(err, "account")
}

func spendInviteQuota(ctx context.Context, tx pgx.Tx, accountID, actorID int64, now time.Time, n int) error {
	if n == 0 || actorID == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE invite_quota_usage SET used = used + $4 WHERE account_id = $1 AND user_id = $2 AND day = $3::date`,
		accountID, actorID, now.UTC().Format("2006-01-02"), n)
	return err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// CreateInviteLink makes a shareable invite link and returns it with its
// token. EINVALID for unknown groups or roles.
func (s *InvitationStore) CreateInviteLink(ctx context.Context, accountID, actorID int64, in roster.LinkInvite, now time.Time) (roster.Invitation, string, error) {
	var inv roster.Invitation
	var token string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, _, err := grants(ctx, tx, accountID, in.GroupIDs, in.RoleIDs); err != nil {
			return err
		}
		if actorID != 0 {
			remaining, err := inviteQuota(ctx, tx, accountID, actorID, now)
			if err != nil {
				return err
			}
			if remaining < 1 {
				return roster.Errorf(roster.ETOOMANY, "invite.over_limit")
			}
			if err := spendInviteQuota(ctx, tx, accountID, actorID, now, 1); err != nil {
				return err
			}
		}
		nonce := roster.NewNonce()
		token = s.key.Token(nonce)
		domains := in.AllowedDomains
		if domains == nil {
			domains = []string{}
		}
		inv = roster.Invitation{Kind: roster.KindLink, Label: in.Label, Status: roster.InvitePending, GroupIDs: uniqueIDs(in.GroupIDs),
			RoleIDs: uniqueIDs(in.RoleIDs), CreatedAt: now, ExpiresAt: now.Add(time.Duration(in.ValidityHours) * time.Hour),
			MaxUses: in.MaxUses, AllowedDomains: domains, ApprovalNeeded: in.Approval, InvitedByID: &actorID}
		err := tx.QueryRow(ctx, `INSERT INTO invitations (account_id, kind, label, token_nonce, token_hash, group_ids, role_ids, invited_by,
		    created_at, expires_at, max_uses, allowed_domains, approval_required, locale)
		VALUES ($1, 'link', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, nullif($13, '')) RETURNING id`,
			accountID, in.Label, nonce, roster.TokenHash(token), inv.GroupIDs, inv.RoleIDs, actorID, now, inv.ExpiresAt, in.MaxUses, domains, in.Approval, in.Locale).Scan(&inv.ID)
		if err != nil {
			return err
		}
		return auditInvitation(ctx, tx, accountID, actorID, "link_created", inv.ID, map[string]any{"label": in.Label})
	})
	return inv, token, err
}

func auditInvitation(ctx context.Context, tx pgx.Tx, accountID, actorID int64, action string, invitationID int64, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, actor_id, action, invitation_id, detail) VALUES ($1, nullif($2, 0), $3, $4, $5)`,
		accountID, actorID, action, invitationID, detail)
	return err
}

// InvitationLink returns the current token of an invitation or link, for
// "Copy link". ENOTFOUND when it is not the account's.
func (s *InvitationStore) InvitationLink(ctx context.Context, accountID, id int64) (roster.Invitation, string, error) {
	var inv roster.Invitation
	var nonce []byte
	err := s.pool.QueryRow(ctx, `SELECT id, kind, coalesce(email, ''), coalesce(label, ''), status, expires_at, token_nonce, group_ids, role_ids
	FROM invitations WHERE account_id = $1 AND id = $2`, accountID, id).Scan(&inv.ID, &inv.Kind, &inv.Email, &inv.Label, &inv.Status, &inv.ExpiresAt, &nonce, &inv.GroupIDs, &inv.RoleIDs)
	if err != nil {
		return inv, "", mapError(err, "invitation")
	}
	return inv, s.key.Token(nonce), nil
}

// Resend issues a fresh link for each pending or expired email invitation
// among ids (the old link stops working), resets its expiry and queues the
// email again. Accepted and revoked ones are never touched. It returns how
// many were resent.
func (s *InvitationStore) Resend(ctx context.Context, accountID, actorID int64, ids []int64, now time.Time) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		info, err := loadAccountInfo(ctx, tx, accountID, actorID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, email, group_ids, role_ids, coalesce(message, ''), coalesce(locale, '') FROM invitations
		WHERE account_id = $1 AND id = ANY($2) AND kind = 'email' AND status IN ('pending', 'expired')
		ORDER BY id FOR UPDATE`, accountID, uniqueIDs(ids))
		if err != nil {
			return err
		}
		type row struct {
			id              int64
			email           string
			groups, roles   []int64
			message, locale string
		}
		var todo []row
		var r row
		if _, err := pgx.ForEachRow(rows, []any{&r.id, &r.email, &r.groups, &r.roles, &r.message, &r.locale}, func() error {
			todo = append(todo, r)
			return nil
		}); err != nil {
			return err
		}
		expires := now.Add(time.Duration(info.ValidityDays) * 24 * time.Hour)
		for _, r := range todo {
			groups, roles, err := grants(ctx, tx, accountID, r.groups, r.roles)
			if err != nil {
				groups, roles = nil, nil // a group was deleted meanwhile: the email lists what remains
			}
			nonce := roster.NewNonce()
			// An expired invitation whose address has been invited again
			// meanwhile is left alone (the unique index says so).
			tag, err := tx.Exec(ctx, `UPDATE invitations SET token_nonce = $3, token_hash = $4, status = 'pending', expires_at = $5,
			    sent_at = $6, delivery = 'queued', delivery_error = NULL, reminders_sent = 0, resent_count = resent_count + 1
			WHERE account_id = $1 AND id = $2
			  AND NOT EXISTS (SELECT 1 FROM invitations o WHERE o.account_id = $1 AND o.id <> $2 AND o.kind = 'email'
			                  AND o.status = 'pending' AND lower(o.email) = lower($7))`,
				accountID, r.id, nonce, roster.TokenHash(s.key.Token(nonce)), expires, now, r.email)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				continue
			}
			n++
			err = enqueue(ctx, s.queue, tx, roster.EmailJob{Template: roster.EmailInvitation, AccountID: accountID, InvitationID: r.id,
				Nonce: nonce, To: r.email, Locale: cmpOr(r.locale, info.Locale), AccountName: info.Name, FromName: info.ActorName,
				FromEmail: info.ActorMail, Groups: groups, Roles: roles, ExpiresAt: expires, Message: r.message})
			if err != nil {
				return err
			}
			if err := auditInvitation(ctx, tx, accountID, actorID, "resent", r.id, map[string]any{"email": r.email}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// Revoke ends each pending invitation or link among ids; it returns how
// many it revoked.
func (s *InvitationStore) Revoke(ctx context.Context, accountID, actorID int64, ids []int64, now time.Time) (int, error) {
	return s.changeEach(ctx, accountID, actorID, ids, "revoked",
		`UPDATE invitations SET status = 'revoked', revoked_at = $3, revoked_by = $4
		WHERE account_id = $1 AND id = ANY($2) AND status = 'pending' RETURNING id`, now, actorID)
}

// Extend gives each pending invitation or link among ids a fresh validity
// from now (the account's default), keeping its link.
func (s *InvitationStore) Extend(ctx context.Context, accountID, actorID int64, ids []int64, now time.Time) (int, error) {
	return s.changeEach(ctx, accountID, actorID, ids, "extended",
		`UPDATE invitations i SET expires_at = $3::timestamptz + CASE WHEN i.kind = 'email' THEN make_interval(days => a.invite_validity_days)
		                                            ELSE make_interval(hours => a.link_validity_hours) END,
		    status = 'pending', reminders_sent = 0
		FROM accounts a WHERE a.id = i.account_id AND i.account_id = $1 AND i.id = ANY($2)
		  AND (i.status = 'pending' OR (i.status = 'expired' AND i.kind = 'link'))
		RETURNING i.id`, now)
}

// RemoveExpired deletes expired invitations among ids (all of the
// account's expired ones when ids is empty); it returns how many.
func (s *InvitationStore) RemoveExpired(ctx context.Context, accountID, actorID int64, ids []int64, now time.Time) (int, error) {
	all := len(ids) == 0
	return s.changeEach(ctx, accountID, actorID, ids, "removed",
		`DELETE FROM invitations WHERE account_id = $1 AND ($4 OR id = ANY($2))
		  AND (status = 'expired' OR (status = 'pending' AND expires_at <= $3)) RETURNING id`, now, all)
}

// changeEach runs one UPDATE/DELETE … RETURNING id over ids and audits
// each changed row with action.
func (s *InvitationStore) changeEach(ctx context.Context, accountID, actorID int64, ids []int64, action, sql string, args ...any) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, sql, append([]any{accountID, uniqueIDs(ids)}, args...)...)
		if err != nil {
			return err
		}
		changed, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		n = len(changed)
		if n == 0 {
			return nil
		}
		// Removed rows are gone: their events name the id in the detail only.
		invitation := "id"
		if action == "removed" {
			invitation = "NULL::bigint"
		}
		_, err = tx.Exec(ctx, fmt.Sprintf(`INSERT INTO audit_events (account_id, actor_id, action, invitation_id, detail)
		SELECT $1, $2, $3, %s, jsonb_build_object('invitation', id) FROM unnest($4::bigint[]) AS t(id)`, invitation),
			accountID, actorID, action, changed)
		return err
	})
	return n, err
}

// Regenerate gives an invite link a new token: the old link stops working.
func (s *InvitationStore) Regenerate(ctx context.Context, accountID, actorID, id int64) (string, error) {
	nonce := roster.NewNonce()
	token := s.key.Token(nonce)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE invitations SET token_nonce = $3, token_hash = $4
		WHERE account_id = $1 AND id = $2 AND kind = 'link' AND status = 'pending'`, accountID, id, nonce, roster.TokenHash(token))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return roster.Errorf(roster.ENOTFOUND, "invitation not found")
		}
		return auditInvitation(ctx, tx, accountID, actorID, "link_regenerated", id, nil)
	})
	return token, err
}

// JoinedThrough lists the people who joined through an invite link and the
// requests made through it.
func (s *InvitationStore) JoinedThrough(ctx context.Context, accountID, linkID int64) ([]roster.JoinRequest, error) {
	rows, err := s.pool.Query(ctx, `SELECT j.id, j.invitation_id, j.email, j.name, j.status, j.group_ids, j.role_ids, j.created_at, coalesce(j.user_id, 0)
	FROM join_requests j WHERE j.account_id = $1 AND j.invitation_id = $2 AND j.status <> 'unconfirmed'
	ORDER BY j.created_at DESC, j.id DESC LIMIT 1000`, accountID, linkID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanJoinRequest)
}

func scanJoinRequest(row pgx.CollectableRow) (roster.JoinRequest, error) {
	var j roster.JoinRequest
	err := row.Scan(&j.ID, &j.InvitationID, &j.Email, &j.Name, &j.Status, &j.GroupIDs, &j.RoleIDs, &j.CreatedAt, &j.UserID)
	return j, err
}

// JoinRequest returns one join request. ENOTFOUND when not the account's.
func (s *InvitationStore) JoinRequest(ctx context.Context, accountID, id int64) (roster.JoinRequest, error) {
	rows, err := s.pool.Query(ctx, `SELECT j.id, j.invitation_id, j.email, j.name, j.status, j.group_ids, j.role_ids, j.created_at, coalesce(j.user_id, 0)
	FROM join_requests j WHERE j.account_id = $1 AND j.id = $2`, accountID, id)
	if err != nil {
		return roster.JoinRequest{}, err
	}
	j, err := pgx.CollectExactlyOneRow(rows, scanJoinRequest)
	return j, mapError(err, "join request")
}
