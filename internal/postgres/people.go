package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-hub/roster/internal/roster"
)

// People changes are made in one transaction that first locks the account
// row: changes that could remove the last administrator are serialised,
// and after the change the account must still have an active
// administrator (Administrator on the root group) or nothing is written.
//
// The lock is FOR NO KEY UPDATE, not FOR UPDATE: every insert that refers
// to the account (an audit event, a person, an invitation) takes a key
// share lock on its row for the foreign key, and FOR UPDATE blocks those.
// A sign-in or an accepted invitation, holding the dashboard counters'
// row and then inserting its audit event, deadlocked with a bulk action
// holding the account row and then moving the counters (found by the load
// test, TestLoad in cmd/roster).

// errLastAdmin refuses a change that would leave the account without an
// active account administrator.
var errLastAdmin = roster.Errorf(roster.ECONFLICT, "person.last_admin")

func (s *UserStore) change(ctx context.Context, accountID int64, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, accountID); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		var ok bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users u
		  JOIN role_assignments ra ON ra.account_id = u.account_id AND ra.user_id = u.id
		  JOIN roles r ON r.account_id = ra.account_id AND r.id = ra.role_id AND r.key = 'administrator'
		  JOIN groups g ON g.account_id = ra.account_id AND g.id = ra.group_id AND g.parent_id IS NULL
		  WHERE u.account_id = $1 AND u.status = 'active')`, accountID).Scan(&ok)
		if err != nil {
			return err
		}
		if !ok {
			return errLastAdmin
		}
		return nil
	})
}

// ownPeople keeps the ids that are people of the account.
func ownPeople(ctx context.Context, tx pgx.Tx, accountID int64, ids []int64) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE account_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`, accountID, uniqueIDs(ids))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func auditPeople(ctx context.Context, tx pgx.Tx, accountID, actorID int64, action string, ids []int64, now time.Time, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id, detail)
	SELECT $1, $2, $3, $4, id, $6 FROM unnest($5::bigint[]) AS t(id)`, accountID, now, actorID, action, ids, detail)
	return err
}

// endSessions makes the people's open sessions stop working at their next
// request.
func endSessions(ctx context.Context, tx pgx.Tx, accountID int64, ids []int64) error {
	if _, err := tx.Exec(ctx, `UPDATE users SET session_version = session_version + 1 WHERE account_id = $1 AND id = ANY($2)`, accountID, ids); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1 AND user_id = ANY($2)`, accountID, ids)
	return err
}

// SetStatus deactivates or reactivates people; deactivated people's
// sessions end at once. It returns how many changed. ECONFLICT
// "person.last_admin" when it would leave no active administrator.
func (s *UserStore) SetStatus(ctx context.Context, accountID, actorID int64, ids []int64, status string, now time.Time) (int, error) {
	if status != roster.StatusActive && status != roster.StatusDeactivated {
		return 0, roster.Errorf(roster.EINVALID, "unknown status")
	}
	n := 0
	err := s.change(ctx, accountID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE users SET status = $3 WHERE account_id = $1 AND id = ANY($2) AND status <> $3 RETURNING id`,
			accountID, uniqueIDs(ids), status)
		if err != nil {
			return err
		}
		changed, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		n = len(changed)
		action := "reactivated"
		if status == roster.StatusDeactivated {
			action = "deactivated"
			if err := endSessions(ctx, tx, accountID, changed); err != nil {
				return err
			}
		}
		return auditPeople(ctx, tx, accountID, actorID, action, changed, now, nil)
	})
	return n, err
}

// Remove deletes a person from the account (their memberships go with
// them; audit events keep their id). ENOTFOUND; ECONFLICT
// "person.last_admin"; ECONFLICT "person.remove_self" for the actor.
func (s *UserStore) Remove(ctx context.Context, accountID, actorID, userID int64, now time.Time) error {
	if userID == actorID {
		return roster.Errorf(roster.ECONFLICT, "person.remove_self")
	}
	return s.change(ctx, accountID, func(tx pgx.Tx) error {
		var email, name string
		err := tx.QueryRow(ctx, `DELETE FROM users WHERE account_id = $1 AND id = $2 RETURNING email, name`, accountID, userID).Scan(&email, &name)
		if err != nil {
			return mapError(err, "person")
		}
		return auditPeople(ctx, tx, accountID, actorID, "removed_person", []int64{userID}, now, map[string]any{"email": email, "name": name})
	})
}

// AddToGroup makes people members of a group with the given roles there
// (roles they already hold there stay). It returns how many people it
// changed. EINVALID for a group or role not of the account.
func (s *UserStore) AddToGroup(ctx context.Context, accountID, actorID int64, ids []int64, groupID int64, roleIDs []int64, now time.Time) (int, error) {
	n := 0
	err := s.change(ctx, accountID, func(tx pgx.Tx) error {
		if _, _, err := grants(ctx, tx, accountID, []int64{groupID}, roleIDs); err != nil {
			return err
		}
		people, err := ownPeople(ctx, tx, accountID, ids)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id, created_at)
		SELECT $1, u, $3, $4 FROM unnest($2::bigint[]) u ON CONFLICT DO NOTHING`, accountID, people, groupID, now)
		if err != nil {
			return err
		}
		tag2, err := tx.Exec(ctx, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id, created_at)
		SELECT $1, u, $3, r, $5 FROM unnest($2::bigint[]) u CROSS JOIN unnest($4::bigint[]) r ON CONFLICT DO NOTHING`,
			accountID, people, groupID, uniqueIDs(roleIDs), now)
		if err != nil {
			return err
		}
		n = len(people)
		if tag.RowsAffected()+tag2.RowsAffected() == 0 {
			n = 0
			return nil
		}
		return auditPeople(ctx, tx, accountID, actorID, "group_added", people, now, map[string]any{"group": groupID, "roles": uniqueIDs(roleIDs)})
	})
	return n, err
}

// RemoveFromGroup ends people's membership of a group (and the roles they
// held in it). It returns how many it changed. ECONFLICT
// "person.last_admin" when it would leave no active administrator.
func (s *UserStore) RemoveFromGroup(ctx context.Context, accountID, actorID int64, ids []int64, groupID int64, now time.Time) (int, error) {
	n := 0
	err := s.change(ctx, accountID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM memberships WHERE account_id = $1 AND user_id = ANY($2) AND group_id = $3 RETURNING user_id`,
			accountID, uniqueIDs(ids), groupID)
		if err != nil {
			return err
		}
		changed, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		n = len(changed)
		if err := s.endAdminSessions(ctx, tx, accountID, changed); err != nil {
			return err
		}
		return auditPeople(ctx, tx, accountID, actorID, "group_removed", changed, now, map[string]any{"group": groupID})
	})
	return n, err
}

// endAdminSessions ends the sessions of people who no longer hold
// Administrator anywhere but did a moment ago (so losing the role takes
// effect on their next request, as deactivation does).
func (s *UserStore) endAdminSessions(ctx context.Context, tx pgx.Tx, accountID int64, ids []int64) error {
	rows, err := tx.Query(ctx, `SELECT u.id FROM users u WHERE u.account_id = $1 AND u.id = ANY($2) AND u.admin_grants = 0
	  AND EXISTS (SELECT 1 FROM sessions s WHERE s.account_id = u.account_id AND s.user_id = u.id)`, accountID, ids)
	if err != nil {
		return err
	}
	lost, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(lost) == 0 {
		return err
	}
	return endSessions(ctx, tx, accountID, lost)
}

// SetGroupRoles sets exactly which roles a person holds in one group they
// belong to (edit in place). ENOTFOUND when they are not a member;
// ECONFLICT "person.last_admin".
func (s *UserStore) SetGroupRoles(ctx context.Context, accountID, actorID, userID, groupID int64, roleIDs []int64, now time.Time) error {
	return s.change(ctx, accountID, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM memberships WHERE account_id = $1 AND user_id = $2 AND group_id = $3`, accountID, userID, groupID).Scan(&one); err != nil {
			return mapError(err, "membership")
		}
		if _, _, err := grants(ctx, tx, accountID, []int64{groupID}, roleIDs); err != nil {
			return err
		}
		roleIDs = uniqueIDs(roleIDs)
		if _, err := tx.Exec(ctx, `DELETE FROM role_assignments WHERE account_id = $1 AND user_id = $2 AND group_id = $3 AND NOT role_id = ANY($4)`,
			accountID, userID, groupID, roleIDs); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id, created_at)
		SELECT $1, $2, $3, r, $5 FROM unnest($4::bigint[]) r ON CONFLICT DO NOTHING`, accountID, userID, groupID, roleIDs, now); err != nil {
			return err
		}
		if err := s.endAdminSessions(ctx, tx, accountID, []int64{userID}); err != nil {
			return err
		}
		return auditPeople(ctx, tx, accountID, actorID, "roles_changed", []int64{userID}, now, map[string]any{"group": groupID, "roles": roleIDs})
	})
}

// GrantRole gives people a role in a group, making them members of it if
// need be. It returns how many it changed. EINVALID for a group or role
// not of the account.
func (s *UserStore) GrantRole(ctx context.Context, accountID, actorID int64, ids []int64, groupID, roleID int64, now time.Time) (int, error) {
	return s.AddToGroup(ctx, accountID, actorID, ids, groupID, []int64{roleID}, now)
}

// RevokeRole takes a role from people in every group where they hold it.
// It returns how many people it changed. ECONFLICT "person.last_admin".
func (s *UserStore) RevokeRole(ctx context.Context, accountID, actorID int64, ids []int64, roleID int64, now time.Time) (int, error) {
	n := 0
	err := s.change(ctx, accountID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM role_assignments WHERE account_id = $1 AND user_id = ANY($2) AND role_id = $3 RETURNING user_id`,
			accountID, uniqueIDs(ids), roleID)
		if err != nil {
			return err
		}
		changed, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		changed = uniqueIDs(changed)
		n = len(changed)
		if err := s.endAdminSessions(ctx, tx, accountID, changed); err != nil {
			return err
		}
		return auditPeople(ctx, tx, accountID, actorID, "role_revoked", changed, now, map[string]any{"role": roleID})
	})
	return n, err
}

// CameThrough returns the invitation a person joined through, if any.
func (s *UserStore) CameThrough(ctx context.Context, accountID, userID int64) (*roster.Invitation, error) {
	var inv roster.Invitation
	err := s.pool.QueryRow(ctx, `SELECT i.id, i.kind, coalesce(i.email, ''), coalesce(i.label, ''), i.status, i.created_at, coalesce(ib.name, '')
	FROM users u JOIN invitations i ON i.account_id = u.account_id AND i.id = u.invitation_id
	LEFT JOIN users ib ON ib.account_id = i.account_id AND ib.id = i.invited_by
	WHERE u.account_id = $1 AND u.id = $2`, accountID, userID).Scan(&inv.ID, &inv.Kind, &inv.Email, &inv.Label, &inv.Status, &inv.CreatedAt, &inv.InvitedByName)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	return &inv, err
}

// ApplyBulk makes one bulk action to people ids with the method it names
// and returns how many changed. EINVALID as BulkAction.Check says, and as
// the method does; ECONFLICT "person.last_admin".
func (s *UserStore) ApplyBulk(ctx context.Context, accountID, actorID int64, a roster.BulkAction, ids []int64, now time.Time) (int, error) {
	if err := a.Check(); err != nil {
		return 0, err
	}
	switch a.Action {
	case "add_group":
		var roles []int64
		if a.RoleID > 0 {
			roles = []int64{a.RoleID}
		}
		return s.AddToGroup(ctx, accountID, actorID, ids, a.GroupID, roles, now)
	case "remove_group":
		return s.RemoveFromGroup(ctx, accountID, actorID, ids, a.GroupID, now)
	case "grant_role":
		return s.GrantRole(ctx, accountID, actorID, ids, a.GroupID, a.RoleID, now)
	case "revoke_role":
		return s.RevokeRole(ctx, accountID, actorID, ids, a.RoleID, now)
	case "deactivate":
		return s.SetStatus(ctx, accountID, actorID, ids, roster.StatusDeactivated, now)
	default: // reactivate
		return s.SetStatus(ctx, accountID, actorID, ids, roster.StatusActive, now)
	}
}
