package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/roster-hub/roster/internal/roster"
)

// ExportUsers streams every person matching f (or, when ids is not empty,
// those people only) in the view's order to fn, one at a time, from one
// consistent snapshot: memory stays flat whatever the size.
func (s *UserStore) ExportUsers(ctx context.Context, accountID int64, f roster.UserFilter, ids []int64, fn func(roster.User) error) error {
	sc, ok := sortColumns[f.Sort]
	if !ok {
		sc = sortColumns[roster.SortName]
	}
	w := &where{}
	w.add("u.account_id = %s", accountID)
	if len(ids) > 0 {
		w.add("u.id = ANY(%s)", uniqueIDs(ids))
		if f.Scope != nil {
			w.add(inScopeSQL, accountID, f.Scope)
		}
	} else {
		userConditions(w, accountID, f)
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	q := fmt.Sprintf(`SELECT u.id, u.email, u.name, u.status, u.created_at, u.last_sign_in_at, coalesce(ib.name, ''),
	       coalesce((SELECT array_agg(m.group_id ORDER BY m.group_id) FROM memberships m WHERE m.account_id = u.account_id AND m.user_id = u.id), '{}'),
	       coalesce((SELECT array_agg(ra.group_id ORDER BY ra.group_id, ra.role_id) FROM role_assignments ra WHERE ra.account_id = u.account_id AND ra.user_id = u.id), '{}'),
	       coalesce((SELECT array_agg(ra.role_id ORDER BY ra.group_id, ra.role_id) FROM role_assignments ra WHERE ra.account_id = u.account_id AND ra.user_id = u.id), '{}')
	FROM users u LEFT JOIN users ib ON ib.account_id = u.account_id AND ib.id = u.invited_by
	WHERE %s ORDER BY %s %s, u.id %s`, w.sql(), sc.col, dir, dir)
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q, w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var u roster.User
		var groups, raGroups, raRoles []int64
		for rows.Next() {
			u = roster.User{AccountID: accountID}
			if err := rows.Scan(&u.ID, &u.Email, &u.Name, &u.Status, &u.CreatedAt, &u.LastSignInAt, &u.InvitedByName, &groups, &raGroups, &raRoles); err != nil {
				return err
			}
			for _, g := range groups {
				m := roster.Membership{GroupID: g}
				for i := range raGroups {
					if raGroups[i] == g {
						m.RoleIDs = append(m.RoleIDs, raRoles[i])
					}
				}
				u.Memberships = append(u.Memberships, m)
			}
			if err := fn(u); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
