package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// AuditStore reads an account's audit trail (the stores that change
// things append to it in their own transactions).
type AuditStore struct {
	pool *pgxpool.Pool
}

// NewAuditStore returns an AuditStore on pool.
func NewAuditStore(pool *pgxpool.Pool) *AuditStore { return &AuditStore{pool: pool} }

// auditSelect reads the events picked by the subquery %s (aliased e, with
// a column key: the keyset cursor's text form of at) with who did it, to
// whom, and the invitation and group as they are now. Every join is on the
// event's own account.
const auditSelect = `SELECT e.id, e.at, e.action,
       coalesce(e.actor_id, 0), coalesce(a.name, ''), coalesce(a.email, ''), a.id IS NOT NULL,
       coalesce(e.target_user_id, 0), coalesce(t.name, ''), coalesce(t.email, ''), t.id IS NOT NULL,
       coalesce(e.invitation_id, 0), coalesce(i.kind, ''), coalesce(i.email, ''), coalesce(i.label, ''), coalesce(ib.name, ''),
       coalesce(e.group_id, 0), coalesce(g.name, ''), e.detail, e.key
FROM (%s) e
LEFT JOIN users a ON a.account_id = e.account_id AND a.id = e.actor_id
LEFT JOIN users t ON t.account_id = e.account_id AND t.id = e.target_user_id
LEFT JOIN invitations i ON i.account_id = e.account_id AND i.id = e.invitation_id
LEFT JOIN users ib ON ib.account_id = i.account_id AND ib.id = i.invited_by
LEFT JOIN groups g ON g.account_id = e.account_id AND g.id = e.group_id
ORDER BY e.at %s, e.id %s`

// collectEvents reads rows of auditSelect, returning the events and their
// cursor keys.
func collectEvents(rows pgx.Rows) ([]roster.AuditEvent, []string, error) {
	var events []roster.AuditEvent
	var keys []string
	for rows.Next() {
		var e roster.AuditEvent
		var key string
		if err := rows.Scan(&e.ID, &e.At, &e.Action,
			&e.Actor.ID, &e.Actor.Name, &e.Actor.Email, &e.Actor.Exists,
			&e.Target.ID, &e.Target.Name, &e.Target.Email, &e.Target.Exists,
			&e.InvitationID, &e.InvitationKind, &e.InvitationEmail, &e.InvitationLabel, &e.InvitedByName,
			&e.GroupID, &e.GroupName, &e.Detail, &key); err != nil {
			rows.Close()
			return nil, nil, err
		}
		events = append(events, e)
		keys = append(keys, key)
	}
	return events, keys, rows.Err()
}

// FindAuditEvents returns one page of the account's audit events matching
// f, newest first. Paging is by keyset on (at, id), which every filter's
// index ends with, so any page costs the same. The count is bounded as
// the People table's is. A malformed cursor is EINVALID.
func (s *AuditStore) FindAuditEvents(ctx context.Context, accountID int64, f roster.AuditFilter) (roster.AuditPage, error) {
	var page roster.AuditPage
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = roster.PageSize
	}
	backward := f.Before != ""
	cursor := f.After
	if backward {
		cursor = f.Before
	}
	var cursorAt string
	var cursorID int64
	if cursor != "" {
		var err error
		if cursorAt, cursorID, err = decodeCursor(cursor); err == nil {
			err = checkTimestamp(cursorAt)
		}
		if err != nil || cursorAt == "-infinity" {
			return page, roster.Errorf(roster.EINVALID, "page cursor is not valid")
		}
	}
	err := pgx.BeginTxFunc(ctx, s.pool, readPlanned, func(tx pgx.Tx) error {
		var targets []int64
		if f.Target != "" {
			// The person with that email, and anyone of that email removed
			// from the account since (their events keep their id).
			rows, err := tx.Query(ctx, `SELECT id FROM users WHERE account_id = $1 AND lower(email) = lower($2)
			UNION
			SELECT target_user_id FROM audit_events WHERE account_id = $1 AND action = 'removed_person'
			  AND target_user_id IS NOT NULL AND lower(detail->>'email') = lower($2)`, accountID, f.Target)
			if err != nil {
				return err
			}
			if targets, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return err
			}
			if len(targets) == 0 {
				page.TargetUnknown = true
				return nil
			}
		}
		w := &where{}
		auditConditions(w, accountID, f, targets)
		filterSQL, filterArgs := w.sql(), slices.Clone(w.args)

		// Newest first; walking back reverses the order and the comparison.
		op, dir := "<", "DESC"
		if backward {
			op, dir = ">", "ASC"
		}
		if cursor != "" {
			w.add("(at, id) "+op+" (%s::text::timestamptz, %s)", cursorAt, cursorID)
		}
		rows, err := tx.Query(ctx, fmt.Sprintf(auditSelect, auditPageSQL(w, dir, limit+1), dir, dir), w.args...)
		if err != nil {
			return err
		}
		events, keys, err := collectEvents(rows)
		if err != nil {
			return err
		}
		more := len(events) > limit
		if more {
			events, keys = events[:limit], keys[:limit]
		}
		if backward {
			slices.Reverse(events)
			slices.Reverse(keys)
		}
		page.Events = events
		if n := len(events); n > 0 {
			first := encodeCursor(keys[0], events[0].ID)
			last := encodeCursor(keys[n-1], events[n-1].ID)
			if backward {
				page.Next = last
				if more {
					page.Prev = first
				}
			} else {
				if more {
					page.Next = last
				}
				if cursor != "" {
					page.Prev = first
				}
			}
		}
		err = tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM audit_events WHERE %s LIMIT %d) s`,
			filterSQL, roster.CountLimit+1), filterArgs...).Scan(&page.Total)
		if page.Total > roster.CountLimit {
			page.Total, page.TotalCapped = roster.CountLimit, true
		}
		return err
	})
	return page, err
}

// auditConditions adds the filter's conditions on audit_events; targets
// are the ids the target email stands for.
func auditConditions(w *where, accountID int64, f roster.AuditFilter, targets []int64) {
	w.add("account_id = %s", accountID)
	switch len(targets) {
	case 0:
	case 1: // the usual case, and the one an index walks in order
		w.add("target_user_id = %s", targets[0])
	default:
		w.add("target_user_id = ANY(%s)", targets)
	}
	if f.ActorID != 0 {
		w.add("actor_id = %s", f.ActorID)
	}
	if f.Action != "" {
		w.add("action = %s", f.Action)
	}
	if !f.From.IsZero() {
		w.add("at >= %s", f.From)
	}
	if until := f.Until(); !until.IsZero() {
		w.add("at < %s", until)
	}
}

// auditPageSQL picks one page of events in direction dir: an index range
// scan that stops after limit rows.
func auditPageSQL(w *where, dir string, limit int) string {
	return fmt.Sprintf(`SELECT *, at::text AS key FROM audit_events WHERE %s ORDER BY at %s, id %s LIMIT %d`, w.sql(), dir, dir, limit)
}

// UserHistory returns the latest limit events (at most 500) in which the
// person is the target or the actor, newest first. Each side is one index
// range scan, however long the other's history.
func (s *AuditStore) UserHistory(ctx context.Context, accountID, userID int64, limit int) ([]roster.AuditEvent, error) {
	if limit <= 0 || limit > 500 {
		limit = roster.PageSize
	}
	inner := fmt.Sprintf(`SELECT *, at::text AS key FROM audit_events WHERE account_id = $1 AND id IN (
	    (SELECT id FROM audit_events WHERE account_id = $1 AND target_user_id = $2 ORDER BY at DESC, id DESC LIMIT %[1]d)
	    UNION
	    (SELECT id FROM audit_events WHERE account_id = $1 AND actor_id = $2 ORDER BY at DESC, id DESC LIMIT %[1]d))
	ORDER BY at DESC, id DESC LIMIT %[1]d`, limit)
	rows, err := s.pool.Query(ctx, fmt.Sprintf(auditSelect, inner, "DESC", "DESC"), accountID, userID)
	if err != nil {
		return nil, err
	}
	events, _, err := collectEvents(rows)
	return events, err
}

// AuditActions lists the actions recorded in the account, by name: a skip
// scan of the action index, one probe per distinct action.
func (s *AuditStore) AuditActions(ctx context.Context, accountID int64) ([]string, error) {
	rows, err := s.pool.Query(ctx, `WITH RECURSIVE a(action) AS (
	    (SELECT action FROM audit_events WHERE account_id = $1 ORDER BY action LIMIT 1)
	    UNION ALL
	    SELECT (SELECT e.action FROM audit_events e WHERE e.account_id = $1 AND e.action > a.action ORDER BY e.action LIMIT 1)
	    FROM a WHERE a.action IS NOT NULL)
	SELECT action FROM a WHERE action IS NOT NULL`, accountID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
