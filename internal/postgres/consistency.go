package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// CheckConsistency compares what the database keeps with what its rows
// say, for one account, and returns every disagreement in words (none:
// consistent). The fault and load tests run it after a storm; it reads
// only, so it is safe on a live database.
//
//   - the dashboard counters (account_counters, invitation_counters, the
//     weekly chart) equal a full recount, and every person's group_count and
//     admin_grants equal their memberships and Administrator roles;
//   - each group's kept member counts (direct and subtree) equal a recount
//     from the memberships, and the kept people counts (by group, role,
//     status and sign-in) a recount from the people's rows;
//   - memberships and role holders carry their person's name key, and the
//     role holders are exactly the role assignments' people;
//   - every email invitation has exactly one outcome: at most one person
//     came through it, and then it is accepted by that person; accepted
//     ones name their person;
//   - no invitation is half written: each email invitation has its email
//     job in the queue (any state) or is marked sent;
//   - an invite link's use count equals its confirmed joins (people who
//     joined at once, plus requests pending, approved or denied), and never
//     exceeds its maximum; each approved request made exactly one person.
func CheckConsistency(ctx context.Context, pool *pgxpool.Pool, accountID int64) ([]string, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	var kept, recount string
	if err := pool.QueryRow(ctx, `SELECT row(c.*)::text, (SELECT row(r.*)::text FROM account_counters_recount($1) r)
	FROM account_counters c WHERE c.account_id = $1`, accountID).Scan(&kept, &recount); err != nil {
		return nil, fmt.Errorf("account counters: %w", err)
	}
	if kept != recount {
		add("account counters %s, recount %s", kept, recount)
	}
	rows, err := pool.Query(ctx, `SELECT u.email, u.group_count, g.n, u.admin_grants, a.n
	FROM users u
	CROSS JOIN LATERAL (SELECT count(*) AS n FROM memberships m WHERE m.account_id = u.account_id AND m.user_id = u.id) g
	CROSS JOIN LATERAL (SELECT count(*) AS n FROM role_assignments ra JOIN roles r ON r.account_id = ra.account_id AND r.id = ra.role_id
	                    WHERE ra.account_id = u.account_id AND ra.user_id = u.id AND r.key = 'administrator') a
	WHERE u.account_id = $1 AND (u.group_count <> g.n OR u.admin_grants <> a.n)`, accountID)
	if err != nil {
		return nil, err
	}
	var email string
	var gc, gn, ag, an int64
	if _, err := pgx.ForEachRow(rows, []any{&email, &gc, &gn, &ag, &an}, func() error {
		add("%s has group_count %d for %d memberships, admin_grants %d for %d Administrator roles", email, gc, gn, ag, an)
		return nil
	}); err != nil {
		return nil, err
	}

	for _, check := range []func(context.Context, *pgxpool.Pool, int64) ([]string, error){
		CheckSortKeys, CheckGroupCounts, CheckPeopleCounts, CheckNamePrefixCounts,
	} {
		found, err := check(ctx, pool, accountID)
		if err != nil {
			return nil, err
		}
		problems = append(problems, found...)
	}

	// The invitation counters: recount inside a transaction that is rolled
	// back, and compare.
	snapshot := `SELECT concat_ws(' ', (SELECT row(c.*)::text FROM invitation_counters c WHERE account_id = $1),
	    (SELECT string_agg(concat_ws(':', week, sent, accepted), ',' ORDER BY week) FROM invitation_weeks WHERE account_id = $1 AND (sent <> 0 OR accepted <> 0)))`
	if err := pool.QueryRow(ctx, snapshot, accountID).Scan(&kept); err != nil {
		return nil, err
	}
	errRollback := errors.New("rollback")
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT invitation_counters_recount($1)`, accountID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, snapshot, accountID).Scan(&recount); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		return nil, fmt.Errorf("invitation counters: %w", err)
	}
	if kept != recount {
		add("invitation counters %q, recount %q", kept, recount)
	}

	checks := []struct{ what, sql string }{
		{"email invitation with more than one person, or a person but not accepted by them", `
		SELECT i.id::text || ' ' || i.email || ' ' || i.status || ' people ' || count(u.id)
		FROM invitations i LEFT JOIN users u ON u.account_id = i.account_id AND u.invitation_id = i.id
		WHERE i.account_id = $1 AND i.kind = 'email'
		GROUP BY i.id, i.email, i.status, i.accepted_user_id
		HAVING count(u.id) > 1 OR (count(u.id) = 1 AND (i.status <> 'accepted' OR i.accepted_user_id IS DISTINCT FROM min(u.id)))`},
		{"accepted email invitation without its person", `
		SELECT id::text || ' ' || email FROM invitations
		WHERE account_id = $1 AND kind = 'email' AND (status = 'accepted') <> (accepted_user_id IS NOT NULL AND accepted_at IS NOT NULL)`},
		{"email invitation without its email job (half written)", `
		SELECT i.id::text || ' ' || i.email || ' delivery ' || coalesce(i.delivery, '-') FROM invitations i
		WHERE i.account_id = $1 AND i.kind = 'email' AND i.delivery IS DISTINCT FROM 'sent'
		AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'email'
		    AND (j.args->>'account_id')::bigint = i.account_id AND (j.args->>'invitation_id')::bigint = i.id)`},
		{"invite link whose use count differs from its confirmed joins", `
		SELECT i.id::text || ' uses ' || i.use_count || ' confirmed joins ' ||
		    (SELECT count(*) FROM join_requests j WHERE j.account_id = i.account_id AND j.invitation_id = i.id AND j.status <> 'unconfirmed')
		FROM invitations i WHERE i.account_id = $1 AND i.kind = 'link'
		AND (i.use_count <> (SELECT count(*) FROM join_requests j WHERE j.account_id = i.account_id AND j.invitation_id = i.id AND j.status <> 'unconfirmed')
		     OR i.use_count > coalesce(i.max_uses, i.use_count))`},
		{"invite link whose people differ from its approved joins", `
		SELECT i.id::text || ' people ' || (SELECT count(*) FROM users u WHERE u.account_id = i.account_id AND u.invitation_id = i.id)
		    || ' approved ' || (SELECT count(*) FROM join_requests j WHERE j.account_id = i.account_id AND j.invitation_id = i.id AND j.status = 'approved')
		FROM invitations i WHERE i.account_id = $1 AND i.kind = 'link'
		AND (SELECT count(*) FROM users u WHERE u.account_id = i.account_id AND u.invitation_id = i.id)
		    <> (SELECT count(*) FROM join_requests j WHERE j.account_id = i.account_id AND j.invitation_id = i.id AND j.status = 'approved')`},
		{"approved join request without exactly its person", `
		SELECT j.id::text || ' ' || j.email FROM join_requests j
		WHERE j.account_id = $1 AND j.status = 'approved'
		AND NOT EXISTS (SELECT 1 FROM users u WHERE u.account_id = j.account_id AND u.id = j.user_id AND lower(u.email) = lower(j.email))`},
		{"address with more than one decided join request approved", `
		SELECT lower(email) FROM join_requests WHERE account_id = $1 AND status = 'approved' GROUP BY lower(email) HAVING count(*) > 1`},
	}
	for _, c := range checks {
		rows, err := pool.Query(ctx, c.sql, accountID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.what, err)
		}
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.what, err)
		}
		for _, f := range found {
			add("%s: %s", c.what, f)
		}
	}
	return problems, nil
}

// CheckSortKeys reports, for one account, memberships whose name key is not
// their person's, role holders that disagree with the role assignments
// (one row per person and role, grants = the groups they hold it in) and
// roles whose kept holder count (folded and not) is not their holders',
// people whose row's memberships and roles (member_of, roles_held) are
// not theirs, and search rows (people_search) missing, left over or not
// their person's name and email keys (with the tails and lead those give).
func CheckSortKeys(ctx context.Context, pool *pgxpool.Pool, accountID int64) ([]string, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var stale, wrong, counts, access, search int64
	if err := pool.QueryRow(ctx, `SELECT
	    (SELECT count(*) FROM users u
	     LEFT JOIN (SELECT user_id, array_agg(group_id ORDER BY group_id) AS g FROM memberships WHERE account_id = $1 GROUP BY user_id) m ON m.user_id = u.id
	     LEFT JOIN (SELECT user_id, array_agg(group_id ORDER BY group_id, role_id) || array_agg(role_id ORDER BY group_id, role_id) AS p
	                FROM role_assignments WHERE account_id = $1 GROUP BY user_id) r ON r.user_id = u.id
	     WHERE u.account_id = $1 AND (u.member_of <> coalesce(m.g, '{}') OR u.roles_held <> coalesce(r.p, '{}'))),
	    (SELECT count(*) FROM roles r
	     WHERE r.account_id = $1 AND `+roleHolderCountSQL("r.account_id", "r.id")+` <> (SELECT count(*) FROM role_holders h WHERE h.account_id = r.account_id AND h.role_id = r.id)),
	    (SELECT count(*) FROM memberships m JOIN users u ON u.account_id = m.account_id AND u.id = m.user_id
	     WHERE m.account_id = $1 AND m.name_key IS DISTINCT FROM u.name_key),
	    (SELECT count(*) FROM (
	        SELECT ra.role_id, ra.user_id, count(*) AS grants, min(u.name_key) AS name_key
	        FROM role_assignments ra JOIN users u ON u.account_id = ra.account_id AND u.id = ra.user_id
	        WHERE ra.account_id = $1 GROUP BY ra.role_id, ra.user_id) r
	     FULL JOIN (SELECT * FROM role_holders WHERE account_id = $1) h ON h.role_id = r.role_id AND h.user_id = r.user_id
	     WHERE h.user_id IS NULL OR r.user_id IS NULL OR h.grants <> r.grants OR h.name_key IS DISTINCT FROM r.name_key),
	    (SELECT count(*) FROM (SELECT * FROM users WHERE account_id = $1) u
	     FULL JOIN (SELECT * FROM people_search WHERE account_id = $1) s ON s.user_id = u.id
	     WHERE u.id IS NULL OR s.user_id IS NULL OR s.name_key IS DISTINCT FROM u.name_key OR s.email_key IS DISTINCT FROM u.email_key
	        OR s.rest IS DISTINCT FROM roster_search_rest(u.name_key, u.email_key) OR s.lead IS DISTINCT FROM roster_email_lead(u.name_key, u.email_key))`,
		accountID).Scan(&access, &counts, &stale, &wrong, &search); err != nil {
		return nil, fmt.Errorf("sort keys: %w", err)
	}
	if stale > 0 {
		add("%d memberships carry a name key that is not their person's", stale)
	}
	if wrong > 0 {
		add("%d role holders disagree with the role assignments", wrong)
	}
	if counts > 0 {
		add("%d roles' kept holder counts disagree with their holders", counts)
	}
	if access > 0 {
		add("%d people's rows carry memberships or roles that are not theirs", access)
	}
	if search > 0 {
		add("%d people's search rows are missing or not their name and email", search)
	}
	return problems, nil
}

// CheckGroupCounts compares each group's kept member counts (migration
// 00024, the folded counts and the deltas) with a recount from the
// memberships, in one snapshot, and returns the groups that disagree.
func CheckGroupCounts(ctx context.Context, pool *pgxpool.Pool, accountID int64) ([]string, error) {
	var problems []string
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, groupCountsSQL, accountID)
		if err != nil {
			return err
		}
		keptDirect, keptSubtree, err := collectGroupCounts(rows)
		if err != nil {
			return err
		}
		if rows, err = tx.Query(ctx, groupRecountSQL, accountID); err != nil {
			return err
		}
		direct, subtree, err := collectGroupCounts(rows)
		if err != nil {
			return err
		}
		for _, c := range []struct {
			what        string
			kept, count map[int64]int64
		}{{"members", keptDirect, direct}, {"people in its subtree", keptSubtree, subtree}} {
			for id := range c.kept {
				if _, ok := c.count[id]; !ok {
					c.count[id] = 0
				}
			}
			for id, n := range c.count {
				if c.kept[id] != n {
					problems = append(problems, fmt.Sprintf("group %d has %d %s kept, %d counted", id, c.kept[id], c.what, n))
				}
			}
		}
		return nil
	})
	return problems, err
}

// CheckPeopleCounts compares the kept people counts (migration 00026, the
// folded counts and the deltas) with a recount from the people's rows, in
// one snapshot, and returns the keys that disagree.
func CheckPeopleCounts(ctx context.Context, pool *pgxpool.Pool, accountID int64) ([]string, error) {
	var problems []string
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH kept AS (
		    SELECT group_id, role_id, deactivated, never, sum(n) AS n FROM (
		        SELECT group_id, role_id, deactivated, never, people AS n FROM people_counts WHERE account_id = $1
		        UNION ALL
		        SELECT group_id, role_id, deactivated, never, delta FROM people_count_deltas WHERE account_id = $1) k
		    GROUP BY 1, 2, 3, 4)
		SELECT group_id, role_id, deactivated, never, coalesce(k.n, 0)::bigint, coalesce(r.people, 0)
		FROM kept k FULL JOIN people_counts_recount($1) r USING (group_id, role_id, deactivated, never)
		WHERE coalesce(k.n, 0) <> coalesce(r.people, 0)
		ORDER BY 1, 2, 3, 4`, accountID)
		if err != nil {
			return err
		}
		var group, role, kept, counted int64
		var deactivated, never bool
		_, err = pgx.ForEachRow(rows, []any{&group, &role, &deactivated, &never, &kept, &counted}, func() error {
			problems = append(problems, fmt.Sprintf("people of group %d, role %d, deactivated %t, never signed in %t: %d kept, %d counted",
				group, role, deactivated, never, kept, counted))
			return nil
		})
		return err
	})
	return problems, err
}

// CheckNamePrefixCounts compares the kept name prefix counts (migration
// 00028, the folded counts and the deltas) with a recount from the
// people's name keys, in one snapshot, and returns the prefixes that
// disagree.
func CheckNamePrefixCounts(ctx context.Context, pool *pgxpool.Pool, accountID int64) ([]string, error) {
	rows, err := pool.Query(ctx, `WITH kept AS (
	    SELECT part, prefix, sum(n) AS n FROM (
	        SELECT part, prefix, people AS n FROM name_prefix_counts WHERE account_id = $1
	        UNION ALL
	        SELECT part, prefix, delta FROM name_prefix_deltas WHERE account_id = $1) k
	    GROUP BY 1, 2)
	SELECT part, prefix, coalesce(k.n, 0)::bigint, coalesce(r.people, 0)
	FROM kept k FULL JOIN name_prefix_recount($1) r USING (part, prefix)
	WHERE coalesce(k.n, 0) <> coalesce(r.people, 0)
	ORDER BY 1, 2`, accountID)
	if err != nil {
		return nil, err
	}
	var problems []string
	var part int16
	var prefix string
	var kept, counted int64
	_, err = pgx.ForEachRow(rows, []any{&part, &prefix, &kept, &counted}, func() error {
		what := "names"
		if part == 1 {
			what = "last words, not names,"
		}
		problems = append(problems, fmt.Sprintf("%s starting with %q: %d kept, %d counted", what, prefix, kept, counted))
		return nil
	})
	return problems, err
}
