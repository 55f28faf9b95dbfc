package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// InvitationStore reads and changes invitations, invite links and join
// requests. Changes that send email enqueue it on queue in their own
// transaction; key makes the links' tokens.
type InvitationStore struct {
	pool  *pgxpool.Pool
	queue *Queue
	key   roster.TokenKey
}

// NewInvitationStore returns an InvitationStore on pool. Reading needs
// neither queue nor key.
func NewInvitationStore(pool *pgxpool.Pool, queue *Queue, key roster.TokenKey) *InvitationStore {
	return &InvitationStore{pool: pool, queue: queue, key: key}
}

// boundedCount counts the rows of from, stopping past CountLimit; "0" when
// the branch is not shown.
func boundedCount(with bool, from string) string {
	if !with {
		return "0"
	}
	return fmt.Sprintf("(SELECT count(*) FROM (SELECT 1 FROM %s LIMIT %d) c)", from, roster.CountLimit+1)
}

// FindInvitations returns one page of the Invitations table: invitations and
// links, and join requests awaiting approval, newest first, keyset paged.
// soon is the account's "expiring soon" window. A malformed cursor is
// EINVALID.
func (s *InvitationStore) FindInvitations(ctx context.Context, accountID int64, f roster.InvitationFilter, now time.Time, soon time.Duration) (roster.InvitationPage, error) {
	var page roster.InvitationPage
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = roster.PageSize
	}
	args := []any{accountID}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	nowP := func() string { return arg(now) }

	inv := []string{"i.account_id = $1"}
	jr := []string{"j.account_id = $1", "j.status = 'pending'"}
	withInvitations, withRequests := true, true
	invFrom, alsoPastExpiry, pastFrom, expiringWindow := "invitations i", "", "", ""
	switch f.Status {
	case roster.InvitePending:
		inv = append(inv, "i.status = 'pending' AND i.expires_at > "+nowP())
		withRequests = false
	case roster.InviteExpiringSoon:
		from, to := nowP(), arg(now.Add(soon))
		inv = append(inv, "i.status = 'pending' AND i.expires_at > "+from+" AND i.expires_at <= "+to)
		// The window is a short range of expires_at whose rows were made
		// long ago: read it by its index and sort it, rather than walking
		// every pending invitation newest first to reach them.
		invFrom = "(SELECT * FROM invitations WHERE account_id = $1 AND status = 'pending' AND expires_at > " + from +
			" AND expires_at <= " + to + " OFFSET 0) i"
		expiringWindow = "i.account_id = $1 AND i.status = 'pending' AND i.expires_at > " + from + " AND i.expires_at <= " + to
		withRequests = false
	case roster.InviteExpired:
		// Marked expired, or pending past expiry and not swept yet: two
		// index walks merged (an OR of the two walked every invitation).
		inv = append(inv, "i.status = 'expired'")
		pastP := nowP()
		alsoPastExpiry = "i.status = 'pending' AND i.expires_at <= " + pastP
		// The sweeper keeps these few: read them by expiry, not by walking
		// every pending invitation newest first.
		pastFrom = "(SELECT * FROM invitations WHERE account_id = $1 AND status = 'pending' AND expires_at <= " + pastP + " OFFSET 0) i"
		withRequests = false
	case roster.InviteAccepted, roster.InviteRevoked:
		inv = append(inv, "i.status = "+arg(f.Status))
		withRequests = false
	case roster.InviteJoinRequest:
		withInvitations = false
	}
	if f.Query != "" {
		p := arg("%" + escapeLike(strings.ToLower(f.Query)) + "%")
		inv = append(inv, "lower(coalesce(i.email, i.label, '')) LIKE "+p)
		jr = append(jr, "lower(j.email) LIKE "+p)
	}
	if f.InvitedBy != 0 {
		p := arg(f.InvitedBy)
		inv = append(inv, "i.invited_by = "+p)
		jr = append(jr, "l.invited_by = "+p)
	}
	if f.GroupID != 0 {
		p := arg(f.GroupID)
		sub := "(SELECT array_agg(g.id) FROM groups g WHERE g.account_id = $1 AND g.path @> ARRAY[" + p + "::bigint])"
		inv = append(inv, "i.group_ids && "+sub)
		jr = append(jr, "j.group_ids && "+sub)
	}
	if f.Scope != nil {
		sg := "(SELECT coalesce(array_agg(g.id), '{}') FROM groups g WHERE g.account_id = $1 AND g.path && " + arg(f.Scope) + "::bigint[])"
		inv = append(inv, "cardinality(i.group_ids) > 0 AND i.group_ids <@ "+sg)
		jr = append(jr, "cardinality(j.group_ids) > 0 AND j.group_ids <@ "+sg)
	}
	if f.RoleID != 0 {
		p := arg(f.RoleID)
		inv = append(inv, "i.role_ids @> ARRAY["+p+"::bigint]")
		jr = append(jr, "j.role_ids @> ARRAY["+p+"::bigint]")
	}
	// The bounded count reads only the filtered tables (no inviter join):
	// it is computed from the same conditions before the page's keyset.
	invCount := boundedCount(withInvitations, "invitations i WHERE "+strings.Join(inv, " AND "))
	if alsoPastExpiry != "" {
		invCount += " + " + boundedCount(true, "invitations i WHERE "+strings.Join(append([]string{inv[0], alsoPastExpiry}, inv[2:]...), " AND "))
	}
	countSQL := fmt.Sprintf(`SELECT %s + %s`, invCount,
		boundedCount(withRequests, "join_requests j JOIN invitations l ON l.account_id = j.account_id AND l.id = j.invitation_id WHERE "+strings.Join(jr, " AND ")))
	countArgs := slices.Clone(args)
	// A status alone (no search or other filter, not a group
	// administrator's subtrees): the counters kept with the rows give the
	// exact count, where the bounded one read up to 10,001 index entries
	// a status (3-12 ms at 200,000 invitations) to show "10,000+". Pending
	// ones past their expiry that the sweeper has not marked yet count as
	// expired here, as in the table: a short range of the pending-expiry
	// index (the dashboard does the same).
	exact := false
	// A status alone is one or two index walks newest first whatever the
	// values ("expiring soon", its window: windowSQL below), and keeps its
	// plans: planning them (0.6-1.5 ms) cost more than running them.
	read := func(run func(tx querier) error) error {
		return pgx.BeginTxFunc(ctx, s.pool, readPlanned, func(tx pgx.Tx) error { return run(tx) })
	}
	statusAlone := f.Query == "" && f.InvitedBy == 0 && f.GroupID == 0 && f.Scope == nil && f.RoleID == 0
	if statusAlone {
		read = func(run func(tx querier) error) error { return readKept(ctx, s.pool, run) }
		kept := func(col string) string {
			return "coalesce((SELECT " + col + " FROM invitation_counters WHERE account_id = $1), 0)"
		}
		past := "(SELECT count(*) FROM invitations WHERE account_id = $1 AND status = 'pending' AND expires_at <= $2)"
		exact = true
		switch f.Status {
		case "":
			// and the join requests awaiting approval, counted as the
			// dashboard counts them: an admin's queue, not a table's worth
			countSQL, countArgs = "SELECT "+kept("invitations_total")+
				" + (SELECT count(*) FROM join_requests WHERE account_id = $1 AND status = 'pending')", []any{accountID}
		case roster.InvitePending:
			countSQL, countArgs = "SELECT "+kept("invitations_pending")+" - "+past, []any{accountID, now}
		case roster.InviteExpired:
			countSQL, countArgs = "SELECT "+kept("invitations_expired")+" + "+past, []any{accountID, now}
		case roster.InviteAccepted:
			countSQL, countArgs = "SELECT "+kept("invitations_accepted"), []any{accountID}
		case roster.InviteRevoked:
			countSQL, countArgs = "SELECT "+kept("invitations_revoked"), []any{accountID}
		default:
			exact = false
		}
	}

	backward := f.Before != ""
	cursor := f.After
	if backward {
		cursor = f.Before
	}
	dir := "DESC"
	if backward {
		dir = "ASC"
	}
	if cursor != "" {
		key, id, err := decodeCursor(cursor)
		if err != nil {
			return page, err
		}
		at, src, ok := strings.Cut(key, "|")
		if !ok || (src != "0" && src != "1") || checkTimestamp(at) != nil {
			return page, roster.Errorf(roster.EINVALID, "page cursor is not valid")
		}
		op, bound := "<", "<="
		if backward {
			op, bound = ">", ">="
		}
		// Each branch gets the keyset: its own sort key against the
		// cursor's, plus a plain range on created_at for the index.
		atP, srcP, idP := arg(at), arg(src), arg(id)
		inv = append(inv, fmt.Sprintf("(i.created_at, 0, i.id) %s (%s::text::timestamptz, %s::int, %s::bigint) AND i.created_at %s %s::text::timestamptz", op, atP, srcP, idP, bound, atP))
		jr = append(jr, fmt.Sprintf("(j.created_at, 1, j.id) %s (%s::text::timestamptz, %s::int, %s::bigint) AND j.created_at %s %s::text::timestamptz", op, atP, srcP, idP, bound, atP))
	}
	// Nothing but the "expiring soon" window: one statement reads the
	// window's ids and creation times from its covering index once, for
	// the page (sorted, past the keyset) and for the count, and only the
	// page's rows are read. Materialised, its plan is that whatever the
	// window, and it keeps it: two statements planned with the window's
	// values took 8-10 ms, this one 6.8.
	windowSQL := ""
	if expiringWindow != "" && statusAlone {
		after := "TRUE"
		if len(inv) > 2 { // the keyset
			after = inv[len(inv)-1]
		}
		windowSQL = fmt.Sprintf(`WITH w AS MATERIALIZED (SELECT i.id, i.created_at FROM invitations i WHERE %s),
		p AS (SELECT i.id, i.created_at FROM w i WHERE %s ORDER BY i.created_at %s, i.id %s LIMIT %d)
		SELECT 0 AS src, i.id, i.kind, coalesce(i.email, ''), coalesce(i.label, ''), i.status, i.group_ids, i.role_ids,
		    i.invited_by, coalesce(ib.name, ''), i.created_at, i.sent_at, i.expires_at, i.accepted_at,
		    coalesce(i.delivery, ''), coalesce(i.delivery_error, ''), coalesce(i.max_uses, 0), i.use_count,
		    i.allowed_domains, i.approval_required, 0::bigint AS request_id, i.id AS key_id, i.created_at::text, (SELECT count(*) FROM w)
		FROM p JOIN invitations i ON i.account_id = $1 AND i.id = p.id
		LEFT JOIN users ib ON ib.account_id = i.account_id AND ib.id = i.invited_by
		ORDER BY p.created_at %s, p.id %s`, expiringWindow, after, dir, dir, limit+1, dir, dir)
	}
	// Each branch walks its own index newest first and stops at a page;
	// the outer query merges at most two pages. (Sorting the union as a
	// whole read every matching invitation first.)
	var parts []string
	if withInvitations {
		// Expired is two walks, one per status; every other view one.
		conds, froms := [][]string{inv}, []string{invFrom}
		if alsoPastExpiry != "" {
			conds = append(conds, append([]string{inv[0], alsoPastExpiry}, inv[2:]...))
			froms = append(froms, pastFrom)
		}
		for k, c := range conds {
			parts = append(parts, fmt.Sprintf(`(SELECT 0 AS src, i.id, i.kind, coalesce(i.email, ''), coalesce(i.label, ''), i.status, i.group_ids, i.role_ids,
		    i.invited_by, coalesce(ib.name, ''), i.created_at, i.sent_at, i.expires_at, i.accepted_at,
		    coalesce(i.delivery, ''), coalesce(i.delivery_error, ''), coalesce(i.max_uses, 0), i.use_count,
		    i.allowed_domains, i.approval_required, 0::bigint AS request_id, i.id AS key_id
		FROM %s LEFT JOIN users ib ON ib.account_id = i.account_id AND ib.id = i.invited_by
		WHERE %s
		ORDER BY i.created_at %s, i.id %s LIMIT %d)`, froms[k], strings.Join(c, " AND "), dir, dir, limit+1))
		}
	}

	if withRequests {
		parts = append(parts, fmt.Sprintf(`(SELECT 1 AS src, l.id, 'link', j.email, coalesce(l.label, ''), l.status, j.group_ids, j.role_ids,
		    l.invited_by, coalesce(ib.name, ''), j.created_at, NULL::timestamptz, l.expires_at, NULL::timestamptz,
		    '', '', coalesce(l.max_uses, 0), l.use_count, l.allowed_domains, l.approval_required, j.id, j.id AS key_id
		FROM join_requests j
		JOIN invitations l ON l.account_id = j.account_id AND l.id = j.invitation_id
		LEFT JOIN users ib ON ib.account_id = l.account_id AND ib.id = l.invited_by
		WHERE %s
		ORDER BY j.created_at %s, j.id %s LIMIT %d)`, strings.Join(jr, " AND "), dir, dir, limit+1))
	}
	q := fmt.Sprintf(`SELECT x.*, x.created_at::text FROM (%s) x (src, id, kind, email, label, status, group_ids, role_ids,
	    invited_by, inviter, created_at, sent_at, expires_at, accepted_at, delivery, delivery_error, max_uses, use_count,
	    allowed_domains, approval_required, request_id, key_id)
	ORDER BY x.created_at %s, x.src %s, x.key_id %s
	LIMIT %d`, strings.Join(parts, "\nUNION ALL\n"), dir, dir, dir, limit+1)

	err := read(func(tx querier) error {
		var windowCount int64 = -1
		var rows pgx.Rows
		var err error
		if windowSQL != "" {
			rows, err = tx.Query(ctx, windowSQL, args...)
		} else {
			rows, err = tx.Query(ctx, q, args...)
		}
		if err != nil {
			return err
		}
		// Each row's keyset position; only the first and the last are
		// made cursors.
		type position struct {
			at  string
			src int
			id  int64
		}
		var keys []position
		for rows.Next() {
			var v roster.Invitation
			var src int
			var keyID int64
			var at string
			dest := []any{&src, &v.ID, &v.Kind, &v.Email, &v.Label, &v.Status, &v.GroupIDs, &v.RoleIDs,
				&v.InvitedByID, &v.InvitedByName, &v.CreatedAt, &v.SentAt, &v.ExpiresAt, &v.AcceptedAt,
				&v.Delivery, &v.DeliveryError, &v.MaxUses, &v.UseCount, &v.AllowedDomains, &v.ApprovalNeeded,
				&v.JoinRequestID, &keyID, &at}
			if windowSQL != "" {
				dest = append(dest, &windowCount)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			page.Invitations = append(page.Invitations, v)
			keys = append(keys, position{at, src, keyID})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		more := len(page.Invitations) > limit
		if more {
			page.Invitations, keys = page.Invitations[:limit], keys[:limit]
		}
		if backward {
			slices.Reverse(page.Invitations)
			slices.Reverse(keys)
		}
		if n := len(keys); n > 0 {
			cursorOf := func(k position) string { return encodeCursor(k.at+"|"+strconv.Itoa(k.src), k.id) }
			if backward {
				page.Next = cursorOf(keys[n-1])
				if more {
					page.Prev = cursorOf(keys[0])
				}
			} else {
				if more {
					page.Next = cursorOf(keys[n-1])
				}
				if cursor != "" {
					page.Prev = cursorOf(keys[0])
				}
			}
		}
		// A first page that is not full is the whole set: no count needed.
		if cursor == "" && !more {
			page.Total = int64(len(page.Invitations))
			return nil
		}
		if windowCount >= 0 {
			page.Total = windowCount
		} else {
			// (The window's count comes with its rows; past its end, here.)
			err = tx.QueryRow(ctx, countSQL, countArgs...).Scan(&page.Total)
		}
		if !exact && page.Total > roster.CountLimit {
			page.Total, page.TotalCapped = roster.CountLimit, true
		}
		return err
	})
	return page, err
}

// InvitationsInScope returns those of ids that are invitations of the
// account whose every group lies in the scope's subtrees (all of them for
// a nil scope): what a group administrator may act on.
func (s *InvitationStore) InvitationsInScope(ctx context.Context, accountID int64, scope, ids []int64) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT i.id FROM invitations i
	WHERE i.account_id = $1 AND i.id = ANY($2) AND ($3::bigint[] IS NULL OR (cardinality(i.group_ids) > 0
	  AND i.group_ids <@ (SELECT coalesce(array_agg(g.id), '{}') FROM groups g WHERE g.account_id = $1 AND g.path && $3::bigint[])))
	ORDER BY i.id`, accountID, ids, scope)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
