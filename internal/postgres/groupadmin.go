package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roster-hub/roster/internal/roster"
)

// Group and role administration: the Groups and Roles screens. Structural
// changes to a tree (create, move, delete) take the account's tree lock
// first — the root group's row, FOR NO KEY UPDATE, which still leaves
// foreign-key checks of new memberships alone — so they run one after the
// other per account and each sees the tree as the previous one left it. That is what keeps concurrent moves from ever making a cycle; the
// rows a change touches are then locked as well.

// maxGroupName and maxRoleName bound names (the schema's CHECKs), in
// characters; maxRoleDescription bounds a role's one-line description.
const (
	maxGroupName       = 100
	maxRoleName        = 100
	maxRoleDescription = 300
)

// cleanName trims a group or role name and folds runs of white space into
// one space. EINVALID "groups.name_required", "groups.name_too_long" or
// "groups.name_invalid" (control characters).
func cleanName(name string, limit int) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case name == "":
		return "", roster.Errorf(roster.EINVALID, "groups.name_required")
	case utf8.RuneCountInString(name) > limit:
		return "", roster.Errorf(roster.EINVALID, "groups.name_too_long")
	case strings.ContainsFunc(name, unicode.IsControl):
		return "", roster.Errorf(roster.EINVALID, "groups.name_invalid")
	}
	return name, nil
}

// lockGroupTree takes the account's tree lock (see above) and returns the
// root group's id. ENOTFOUND for an unknown account.
func lockGroupTree(ctx context.Context, tx pgx.Tx, accountID int64) (int64, error) {
	var root int64
	err := tx.QueryRow(ctx, `SELECT id FROM groups WHERE account_id = $1 AND parent_id IS NULL FOR NO KEY UPDATE`, accountID).Scan(&root)
	return root, mapError(err, "account")
}

type lockedGroup struct {
	parentID *int64
	name     string
	path     []int64
}

// lockGroup reads one group of the account and locks its row. ENOTFOUND
// when the account has no such group.
func lockGroup(ctx context.Context, tx pgx.Tx, accountID, groupID int64) (lockedGroup, error) {
	return lockGroupAs(ctx, tx, accountID, groupID, "UPDATE")
}

// lockGroupForMove is lockGroup for a move, whose rows' keys do not change:
// FOR NO KEY UPDATE, which a new membership's foreign key check (FOR KEY
// SHARE) does not wait on, nor the move on it. (The move holds the
// account's group counts lock, which that membership may be waiting for.)
func lockGroupForMove(ctx context.Context, tx pgx.Tx, accountID, groupID int64) (lockedGroup, error) {
	return lockGroupAs(ctx, tx, accountID, groupID, "NO KEY UPDATE")
}

func lockGroupAs(ctx context.Context, tx pgx.Tx, accountID, groupID int64, strength string) (lockedGroup, error) {
	var g lockedGroup
	err := tx.QueryRow(ctx, `SELECT parent_id, name, path FROM groups WHERE account_id = $1 AND id = $2 FOR `+strength,
		accountID, groupID).Scan(&g.parentID, &g.name, &g.path)
	if errors.Is(err, pgx.ErrNoRows) {
		return g, roster.Errorf(roster.ENOTFOUND, "error.not_found")
	}
	return g, err
}

// siblingNamed reports whether parentID already has a subgroup named name
// (case-insensitive) other than exceptID.
func siblingNamed(ctx context.Context, tx pgx.Tx, accountID, parentID, exceptID int64, name string) (bool, error) {
	var taken bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM groups WHERE account_id = $1 AND parent_id = $2 AND lower(name) = lower($3) AND id <> $4)`,
		accountID, parentID, name, exceptID).Scan(&taken)
	return taken, err
}

// nameTaken turns the sibling-name unique violation of a concurrent change
// into the same error the explicit check gives.
func nameTaken(err error, key string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return &roster.Error{Code: roster.ECONFLICT, Message: key, Err: err}
	}
	return err
}

func auditGroup(ctx context.Context, tx pgx.Tx, accountID, actorID int64, action string, groupID int64, now time.Time, detail map[string]any) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, group_id, detail) VALUES ($1, $2, nullif($3, 0), $4, $5, $6)`,
		accountID, now, actorID, action, groupID, detail)
	return err
}

// GroupCounts returns, per group of the account, the people who are
// members of the group itself (direct) and of the group or any of its
// subgroups (subtree; each person once), as the triggers keep them
// (migration 00024): the folded counts and the deltas since, a few
// hundred rows whatever the size of the account. Groups without members
// are absent from the maps.
func (s *GroupStore) GroupCounts(ctx context.Context, accountID int64) (direct, subtree map[int64]int64, err error) {
	rows, err := s.pool.Query(ctx, groupCountsSQL, accountID)
	if err != nil {
		return nil, nil, err
	}
	return collectGroupCounts(rows)
}

// groupCountsSQL reads the kept counts of an account's groups.
const groupCountsSQL = `SELECT group_id, sum(direct)::bigint, sum(subtree)::bigint FROM (
	    SELECT group_id, direct, subtree FROM group_member_counts WHERE account_id = $1
	    UNION ALL
	    SELECT group_id, direct, subtree FROM group_member_deltas WHERE account_id = $1) c
	GROUP BY group_id`

// groupRecountSQL counts an account's groups from its memberships, the
// plain way: each membership towards every group on its group's path,
// each person once per group. The consistency check compares the kept
// counts with it.
const groupRecountSQL = `SELECT a.id, count(*) FILTER (WHERE a.id = m.group_id), count(DISTINCT m.user_id)
	FROM memberships m
	JOIN groups g ON g.account_id = m.account_id AND g.id = m.group_id
	CROSS JOIN LATERAL unnest(g.path) AS a(id)
	WHERE m.account_id = $1
	GROUP BY a.id`

func collectGroupCounts(rows pgx.Rows) (direct, subtree map[int64]int64, err error) {
	direct, subtree = map[int64]int64{}, map[int64]int64{}
	var id, d, st int64
	_, err = pgx.ForEachRow(rows, []any{&id, &d, &st}, func() error {
		if d != 0 {
			direct[id] = d
		}
		if st != 0 {
			subtree[id] = st
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return direct, subtree, nil
}

// GroupUsage says what keeps a group from being deleted: its members, its
// subgroups, and the open invitations and join requests that would put
// people in it (pending ones, and expired ones that can still be resent or
// extended). ENOTFOUND when the account has no such group.
func (s *GroupStore) GroupUsage(ctx context.Context, accountID, groupID int64) (members, subgroups, invitations int64, err error) {
	err = s.pool.QueryRow(ctx, groupUsageSQL, accountID, groupID).Scan(&members, &subgroups, &invitations)
	if errors.Is(err, pgx.ErrNoRows) {
		err = roster.Errorf(roster.ENOTFOUND, "error.not_found")
	}
	return members, subgroups, invitations, err
}

const groupUsageSQL = `SELECT
    (SELECT count(*) FROM memberships m WHERE m.account_id = g.account_id AND m.group_id = g.id),
    (SELECT count(*) FROM groups c WHERE c.account_id = g.account_id AND c.parent_id = g.id),
    (SELECT count(*) FROM invitations i WHERE i.account_id = g.account_id AND i.status IN ('pending', 'expired') AND i.group_ids @> ARRAY[g.id])
  + (SELECT count(*) FROM join_requests j WHERE j.account_id = g.account_id AND j.status IN ('unconfirmed', 'pending') AND j.group_ids @> ARRAY[g.id])
FROM groups g WHERE g.account_id = $1 AND g.id = $2`

// CreateGroup adds a subgroup named name below parentID. ENOTFOUND when
// the parent is not the account's; EINVALID for a bad name; ECONFLICT
// "groups.name_taken" when the parent has a subgroup of that name.
func (s *GroupStore) CreateGroup(ctx context.Context, accountID, actorID, parentID int64, name string, now time.Time) (roster.Group, error) {
	name, err := cleanName(name, maxGroupName)
	if err != nil {
		return roster.Group{}, err
	}
	g := roster.Group{ParentID: &parentID, Name: name}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := lockGroupTree(ctx, tx, accountID); err != nil {
			return err
		}
		parent, err := lockGroup(ctx, tx, accountID, parentID)
		if err != nil {
			return err
		}
		if taken, err := siblingNamed(ctx, tx, accountID, parentID, 0, name); err != nil {
			return err
		} else if taken {
			return roster.Errorf(roster.ECONFLICT, "groups.name_taken")
		}
		// The id first, so the row is written with its whole path.
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('groups', 'id'))`).Scan(&g.ID); err != nil {
			return err
		}
		g.Path = append(slices.Clip(parent.path), g.ID)
		if _, err := tx.Exec(ctx, `INSERT INTO groups (account_id, id, parent_id, name, path, created_at) OVERRIDING SYSTEM VALUE
		VALUES ($1, $2, $3, $4, $5, $6)`, accountID, g.ID, parentID, name, g.Path, now); err != nil {
			return nameTaken(err, "groups.name_taken")
		}
		return auditGroup(ctx, tx, accountID, actorID, "group_created", g.ID, now, map[string]any{"name": name, "parent": parentID})
	})
	if err != nil {
		return roster.Group{}, err
	}
	return g, nil
}

// RenameGroup gives a group a new name; the root group may be renamed too.
// ENOTFOUND; EINVALID for a bad name or "groups.name_unchanged";
// ECONFLICT "groups.name_taken" when a sibling has the name.
func (s *GroupStore) RenameGroup(ctx context.Context, accountID, actorID, groupID int64, name string, now time.Time) error {
	name, err := cleanName(name, maxGroupName)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		g, err := lockGroup(ctx, tx, accountID, groupID)
		if err != nil {
			return err
		}
		if g.name == name {
			return roster.Errorf(roster.EINVALID, "groups.name_unchanged")
		}
		if g.parentID != nil {
			if taken, err := siblingNamed(ctx, tx, accountID, *g.parentID, groupID, name); err != nil {
				return err
			} else if taken {
				return roster.Errorf(roster.ECONFLICT, "groups.name_taken")
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE groups SET name = $3 WHERE account_id = $1 AND id = $2`, accountID, groupID, name); err != nil {
			return nameTaken(err, "groups.name_taken")
		}
		return auditGroup(ctx, tx, accountID, actorID, "group_renamed", groupID, now, map[string]any{"from": g.name, "to": name})
	})
}

// MoveGroup puts a group, with its whole subtree, below parentID. The
// paths of the subtree are rewritten by one statement while its rows are
// locked. ENOTFOUND when either group is not the account's; EINVALID
// "groups.root_fixed", "groups.move_into_itself" (the new parent is the
// group or inside it: a cycle) or "groups.move_same_parent"; ECONFLICT
// "groups.name_taken_there" when the new parent has a subgroup of that name.
func (s *GroupStore) MoveGroup(ctx context.Context, accountID, actorID, groupID, parentID int64, now time.Time) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Memberships wait while the paths change and the groups are
		// recounted (first, so that this lock is always taken before the
		// tree's).
		if err := lockGroupCounts(ctx, tx, accountID); err != nil {
			return err
		}
		if _, err := lockGroupTree(ctx, tx, accountID); err != nil {
			return err
		}
		g, err := lockGroupForMove(ctx, tx, accountID, groupID)
		if err != nil {
			return err
		}
		if g.parentID == nil {
			return roster.Errorf(roster.EINVALID, "groups.root_fixed")
		}
		parent, err := lockGroupForMove(ctx, tx, accountID, parentID)
		if err != nil {
			return err
		}
		if slices.Contains(parent.path, groupID) {
			return roster.Errorf(roster.EINVALID, "groups.move_into_itself")
		}
		if *g.parentID == parentID {
			return roster.Errorf(roster.EINVALID, "groups.move_same_parent")
		}
		if taken, err := siblingNamed(ctx, tx, accountID, parentID, groupID, g.name); err != nil {
			return err
		} else if taken {
			return roster.Errorf(roster.ECONFLICT, "groups.name_taken_there")
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM groups WHERE account_id = $1 AND path @> ARRAY[$2::bigint] FOR NO KEY UPDATE`, accountID, groupID); err != nil {
			return err
		}
		// Every path in the subtree is the group's old path (ending at the
		// group, position len) followed by the rest: swap the old prefix for
		// the new parent's path.
		if _, err := tx.Exec(ctx, `UPDATE groups
		SET path = $3::bigint[] || path[$4:],
		    parent_id = CASE WHEN id = $2 THEN $5 ELSE parent_id END
		WHERE account_id = $1 AND path @> ARRAY[$2::bigint]`, accountID, groupID, parent.path, len(g.path), parentID); err != nil {
			return nameTaken(err, "groups.name_taken_there")
		}
		// The groups the subtree leaves and the groups it joins count
		// its people no longer, or now; every other count is unchanged.
		var moved []int64
		for _, id := range g.path[:len(g.path)-1] {
			if !slices.Contains(parent.path, id) {
				moved = append(moved, id)
			}
		}
		for _, id := range parent.path {
			if !slices.Contains(g.path, id) {
				moved = append(moved, id)
			}
		}
		if err := recountSubtrees(ctx, tx, accountID, moved); err != nil {
			return err
		}
		return auditGroup(ctx, tx, accountID, actorID, "group_moved", groupID, now, map[string]any{"name": g.name, "from": *g.parentID, "to": parentID})
	})
}

// DeleteGroup deletes an empty group. ENOTFOUND; EINVALID
// "groups.root_fixed"; ECONFLICT "groups.delete_in_use" while it has
// members, subgroups, or open invitations (GroupUsage says which).
func (s *GroupStore) DeleteGroup(ctx context.Context, accountID, actorID, groupID int64, now time.Time) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := lockGroupTree(ctx, tx, accountID); err != nil {
			return err
		}
		// The row lock also holds off new memberships (their foreign key
		// check needs a share lock on it) until this commits.
		g, err := lockGroup(ctx, tx, accountID, groupID)
		if err != nil {
			return err
		}
		if g.parentID == nil {
			return roster.Errorf(roster.EINVALID, "groups.root_fixed")
		}
		var members, subgroups, invitations int64
		if err := tx.QueryRow(ctx, groupUsageSQL, accountID, groupID).Scan(&members, &subgroups, &invitations); err != nil {
			return err
		}
		if members+subgroups+invitations > 0 {
			return roster.Errorf(roster.ECONFLICT, "groups.delete_in_use")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM groups WHERE account_id = $1 AND id = $2`, accountID, groupID); err != nil {
			return err
		}
		return auditGroup(ctx, tx, accountID, actorID, "group_deleted", groupID, now, map[string]any{"name": g.name, "parent": *g.parentID})
	})
}

// RoleCatalogue returns the account's roles in catalogue order, each with
// its holders: the people who hold it in at least one group.
func (s *GroupStore) RoleCatalogue(ctx context.Context, accountID int64) ([]roster.Role, error) {
	// Kept counts (migration 00016), not a count of each role's holders
	// (145 ms at a million people).
	rows, err := s.pool.Query(ctx, `SELECT r.id, coalesce(r.key, ''), r.name, r.description, `+roleHolderCountSQL("r.account_id", "r.id")+`
	FROM roles r
	WHERE r.account_id = $1
	ORDER BY r.position, lower(r.name)`, accountID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (roster.Role, error) {
		var r roster.Role
		err := row.Scan(&r.ID, &r.Key, &r.Name, &r.Description, &r.Holders)
		return r, err
	})
}

// FoldKeptCounts folds the role holder deltas, the name prefix deltas,
// then the group member deltas and the people count deltas, written since
// the last fold into their counts, each in one statement (a count read
// meanwhile sees the deltas or their sum, never both or neither),
// counters in key order. It returns how many deltas it folded; those of
// deleted roles, groups and accounts are dropped.
func (s *GroupStore) FoldKeptCounts(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `WITH d AS (DELETE FROM role_holder_deltas RETURNING account_id, role_id, delta),
	sums AS (SELECT d.account_id, d.role_id, sum(d.delta) AS n, count(*) AS deltas
	         FROM d JOIN roles r ON r.account_id = d.account_id AND r.id = d.role_id GROUP BY d.account_id, d.role_id),
	up AS (INSERT INTO role_holder_counts AS c (account_id, role_id, holders)
	       SELECT account_id, role_id, n FROM sums ORDER BY account_id, role_id
	       ON CONFLICT (account_id, role_id) DO UPDATE SET holders = c.holders + EXCLUDED.holders)
	SELECT count(*) FROM d`).Scan(&n)
	if err != nil {
		return n, err
	}
	// The name prefix counts (migration 00028); a deleted account's are dropped.
	var names int64
	err = s.pool.QueryRow(ctx, `WITH d AS (DELETE FROM name_prefix_deltas RETURNING account_id, part, prefix, delta),
	sums AS (SELECT account_id, part, prefix, sum(delta) AS n FROM d GROUP BY 1, 2, 3 HAVING sum(delta) <> 0),
	up AS (INSERT INTO name_prefix_counts AS c (account_id, part, prefix, people)
	       SELECT s.* FROM sums s JOIN accounts a ON a.id = s.account_id ORDER BY 1, 2, 3
	       ON CONFLICT (account_id, part, prefix) DO UPDATE SET people = c.people + EXCLUDED.people)
	SELECT count(*) FROM d`).Scan(&names)
	n += names
	if err != nil {
		return n, err
	}
	var g, p int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockGroupFold(ctx, tx); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `WITH d AS (DELETE FROM group_member_deltas RETURNING account_id, group_id, direct, subtree),
	sums AS (SELECT d.account_id, d.group_id, sum(d.direct) AS direct, sum(d.subtree) AS subtree
	         FROM d JOIN groups g ON g.account_id = d.account_id AND g.id = d.group_id GROUP BY d.account_id, d.group_id),
	up AS (INSERT INTO group_member_counts AS c (account_id, group_id, direct, subtree)
	       SELECT account_id, group_id, direct, subtree FROM sums ORDER BY account_id, group_id
	       ON CONFLICT (account_id, group_id) DO UPDATE SET direct = c.direct + EXCLUDED.direct, subtree = c.subtree + EXCLUDED.subtree)
	SELECT count(*) FROM d`).Scan(&g); err != nil {
			return err
		}
		// The people counts (migration 00026); a deleted account's are dropped.
		return tx.QueryRow(ctx, `WITH d AS (DELETE FROM people_count_deltas RETURNING account_id, group_id, role_id, deactivated, never, delta),
	sums AS (SELECT account_id, group_id, role_id, deactivated, never, sum(delta) AS n FROM d GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0),
	up AS (INSERT INTO people_counts AS c (account_id, group_id, role_id, deactivated, never, people)
	       SELECT s.* FROM sums s JOIN accounts a ON a.id = s.account_id ORDER BY 1, 2, 3, 4, 5
	       ON CONFLICT (account_id, group_id, role_id, deactivated, never) DO UPDATE SET people = c.people + EXCLUDED.people)
	SELECT count(*) FROM d`).Scan(&p)
	})
	return n + g + p, err
}

// lockGroupFold keeps the fold and a recount (recountSubtrees) apart: each
// deletes deltas and writes counts, in orders that could deadlock.
func lockGroupFold(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(25, 0)`)
	return err
}

// recountSubtrees sets the subtree counts and the people counts of
// groupIDs from the memberships and the people's rows (their direct
// counts do not change), less the deltas not folded yet, which stay: after a group move, which changes which groups
// count a membership. The caller holds the account's group counts lock
// (lockGroupCounts), so no change of memberships or people writes
// deltas meanwhile; the fold waits.
func recountSubtrees(ctx context.Context, tx pgx.Tx, accountID int64, groupIDs []int64) error {
	if len(groupIDs) == 0 {
		return nil
	}
	if err := lockGroupFold(ctx, tx); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `WITH r AS (
	    SELECT a.id, count(DISTINCT m.user_id) AS n
	    FROM unnest($2::bigint[]) a(id)
	    JOIN groups g ON g.account_id = $1 AND g.path @> ARRAY[a.id]
	    JOIN memberships m ON m.account_id = $1 AND m.group_id = g.id
	    GROUP BY a.id),
	d AS (SELECT group_id, sum(subtree) AS n FROM group_member_deltas WHERE account_id = $1 AND group_id = ANY($2) GROUP BY group_id)
	INSERT INTO group_member_counts AS c (account_id, group_id, direct, subtree)
	SELECT $1, a.id, 0, coalesce(r.n, 0) - coalesce(d.n, 0)
	FROM unnest($2::bigint[]) a(id) LEFT JOIN r ON r.id = a.id LEFT JOIN d ON d.group_id = a.id
	ORDER BY a.id
	ON CONFLICT (account_id, group_id) DO UPDATE SET subtree = EXCLUDED.subtree`, accountID, groupIDs)
	if err != nil {
		return err
	}
	// Their people counts (migration 00026) the same way.
	if _, err := tx.Exec(ctx, `DELETE FROM people_counts WHERE account_id = $1 AND group_id = ANY($2)`, accountID, groupIDs); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `WITH r AS (SELECT * FROM people_counts_of_groups($1, $2)),
	d AS (SELECT group_id, role_id, deactivated, never, sum(delta) AS people FROM people_count_deltas
	      WHERE account_id = $1 AND group_id = ANY($2) GROUP BY 1, 2, 3, 4)
	INSERT INTO people_counts (account_id, group_id, role_id, deactivated, never, people)
	SELECT $1, group_id, role_id, deactivated, never, coalesce(r.people, 0) - coalesce(d.people, 0)
	FROM r FULL JOIN d USING (group_id, role_id, deactivated, never)
	ORDER BY 2, 3, 4, 5`, accountID, groupIDs)
	return err
}

// lockGroupCounts takes the account's group counts lock alone: the
// membership and people triggers take it shared (migrations 00024 and
// 00026). Waiting for it puts every later shared request behind this one,
// and a person's row changed before its statement's trigger asks for the
// lock: a session that holds it shared and waits for that row would wait
// on this one, which waits on it. So the wait is short (lockCountsWait,
// under PostgreSQL's deadlock_timeout of 1 s) and tried again, up to
// lockCountsTries times, each try letting the queue behind it through.
func lockGroupCounts(ctx context.Context, tx pgx.Tx, accountID int64) error {
	for try := 1; ; try++ {
		if _, err := tx.Exec(ctx, `SAVEPOINT group_counts_lock`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = %d; SELECT pg_advisory_xact_lock(24, %d)`, lockCountsWait.Milliseconds(), int32(accountID)))
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55P03" && try < lockCountsTries {
			if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT group_counts_lock`); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `SET LOCAL lock_timeout = DEFAULT; RELEASE SAVEPOINT group_counts_lock`)
		return err
	}
}

// lockCountsWait and lockCountsTries bound lockGroupCounts's waits.
const (
	lockCountsWait  = 200 * time.Millisecond
	lockCountsTries = 100
)

// CreateRole adds a custom role after the others in the catalogue.
// EINVALID for a bad name ("groups.name_…") or "roles.description_too_long";
// ECONFLICT "roles.name_taken" when a role of that name exists.
func (s *GroupStore) CreateRole(ctx context.Context, accountID, actorID int64, name, description string, now time.Time) (roster.Role, error) {
	name, err := cleanName(name, maxRoleName)
	if err != nil {
		return roster.Role{}, err
	}
	description = strings.Join(strings.Fields(description), " ")
	if utf8.RuneCountInString(description) > maxRoleDescription {
		return roster.Role{}, roster.Errorf(roster.EINVALID, "roles.description_too_long")
	}
	r := roster.Role{Name: name, Description: description}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM roles WHERE account_id = $1 AND lower(name) = lower($2))`, accountID, name).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return roster.Errorf(roster.ECONFLICT, "roles.name_taken")
		}
		err := tx.QueryRow(ctx, `INSERT INTO roles (account_id, name, description, position)
		SELECT $1, $2, $3, coalesce(max(position), 0) + 1 FROM roles WHERE account_id = $1
		RETURNING id`, accountID, name, description).Scan(&r.ID)
		if err != nil {
			return nameTaken(err, "roles.name_taken")
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, detail) VALUES ($1, $2, nullif($3, 0), 'role_created', $4)`,
			accountID, now, actorID, map[string]any{"role": r.ID, "name": name})
		return err
	})
	if err != nil {
		return roster.Role{}, err
	}
	return r, nil
}
