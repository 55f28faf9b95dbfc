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
	switch f.Status {
	case roster.InvitePending:
		inv = append(inv, "i.status = 'pending' AND i.expires_at > "+nowP())
		withRequests = false
	case roster.InviteExpiringSoon:
		inv = append(inv, "i.status = 'pending' AND i.expires_at > "+nowP()+" AND i.expires_at <= "+arg(now.Add(soon)))
		withRequests = false
	case roster.InviteExpired:
		inv = append(inv, "(i.status = 'expired' OR (i.status = 'pending' AND i.expires_at <= "+nowP()+"))")
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
	if f.RoleID != 0 {
		p := arg(f.RoleID)
		inv = append(inv, "i.role_ids @> ARRAY["+p+"::bigint]")
		jr = append(jr, "j.role_ids @> ARRAY["+p+"::bigint]")
	}
	var parts []string
	if withInvitations {
		parts = append(parts, `SELECT 0 AS src, i.id, i.kind, coalesce(i.email, ''), coalesce(i.label, ''), i.status, i.group_ids, i.role_ids,
		    i.invited_by, coalesce(ib.name, ''), i.created_at, i.sent_at, i.expires_at, i.accepted_at,
		    coalesce(i.delivery, ''), coalesce(i.delivery_error, ''), coalesce(i.max_uses, 0), i.use_count,
		    i.allowed_domains, i.approval_required, 0::bigint AS request_id
		FROM invitations i LEFT JOIN users ib ON ib.account_id = i.account_id AND ib.id = i.invited_by
		WHERE `+strings.Join(inv, " AND "))
	}
	if withRequests {
		parts = append(parts, `SELECT 1 AS src, l.id, 'link', j.email, coalesce(l.label, ''), l.status, j.group_ids, j.role_ids,
		    l.invited_by, coalesce(ib.name, ''), j.created_at, NULL::timestamptz, l.expires_at, NULL::timestamptz,
		    '', '', coalesce(l.max_uses, 0), l.use_count, l.allowed_domains, l.approval_required, j.id
		FROM join_requests j
		JOIN invitations l ON l.account_id = j.account_id AND l.id = j.invitation_id
		LEFT JOIN users ib ON ib.account_id = l.account_id AND ib.id = l.invited_by
		WHERE `+strings.Join(jr, " AND "))
	}
	union := strings.Join(parts, "\nUNION ALL\n")
	countArgs := slices.Clone(args)

	backward := f.Before != ""
	cursor := f.After
	if backward {
		cursor = f.Before
	}
	keyset, dir := "", "DESC"
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
		op := "<"
		if backward {
			op = ">"
		}
		keyset = fmt.Sprintf("WHERE (x.created_at, x.src, x.key_id) %s (%s::text::timestamptz, %s::int, %s)", op, arg(at), arg(src), arg(id))
	}
	q := fmt.Sprintf(`SELECT x.*, x.created_at::text FROM (
	  SELECT u.*, CASE WHEN u.src = 0 THEN u.id ELSE u.request_id END AS key_id FROM (%s) u (src, id, kind, email, label, status, group_ids, role_ids,
	    invited_by, inviter, created_at, sent_at, expires_at, accepted_at, delivery, delivery_error, max_uses, use_count,
	    allowed_domains, approval_required, request_id)
	) x %s
	ORDER BY x.created_at %s, x.src %s, x.key_id %s
	LIMIT %d`, union, keyset, dir, dir, dir, limit+1)

	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		var keys []string
		for rows.Next() {
			var v roster.Invitation
			var src int
			var keyID int64
			var at string
			if err := rows.Scan(&src, &v.ID, &v.Kind, &v.Email, &v.Label, &v.Status, &v.GroupIDs, &v.RoleIDs,
				&v.InvitedByID, &v.InvitedByName, &v.CreatedAt, &v.SentAt, &v.ExpiresAt, &v.AcceptedAt,
				&v.Delivery, &v.DeliveryError, &v.MaxUses, &v.UseCount, &v.AllowedDomains, &v.ApprovalNeeded,
				&v.JoinRequestID, &keyID, &at); err != nil {
				return err
			}
			page.Invitations = append(page.Invitations, v)
			keys = append(keys, encodeCursor(at+"|"+strconv.Itoa(src), keyID))
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
			if backward {
				page.Next = keys[n-1]
				if more {
					page.Prev = keys[0]
				}
			} else {
				if more {
					page.Next = keys[n-1]
				}
				if cursor != "" {
					page.Prev = keys[0]
				}
			}
		}
		err = tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM (%s) u LIMIT %d) s`, union, roster.CountLimit+1), countArgs...).Scan(&page.Total)
		if page.Total > roster.CountLimit {
			page.Total, page.TotalCapped = roster.CountLimit, true
		}
		return err
	})
	return page, err
}
