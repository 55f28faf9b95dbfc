package postgres

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// UserStore reads and changes the people of an account.
type UserStore struct {
	pool *pgxpool.Pool
	// walk, rare, team, tails, bound and recheck override walkRows (and
	// walkAloneRows), rareRows, teamRows, the most others a search by
	// name reads (the count's bound), roster.CountLimit and recheckRows (tests make
	// every step of a search, of a team's page and of a count happen on
	// small data).
	walk, rare, team, tails, bound, recheck int
}

// countLimit is the bound of People counts (roster.CountLimit).
func (s *UserStore) countLimit() int64 { return int64(cmp.Or(s.bound, roster.CountLimit)) }

// NewUserStore returns a UserStore on pool.
func NewUserStore(pool *pgxpool.Pool) *UserStore { return &UserStore{pool: pool} }

// sortColumns maps a People sort to its keyset column (indexed with id).
var sortColumns = map[string]struct{ col, typ string }{
	roster.SortName:   {"u.name_key", "text"},
	roster.SortEmail:  {"u.email_key", "text"},
	roster.SortAdded:  {"u.created_at", "timestamptz"},
	roster.SortSignIn: {"u.last_sign_in_key", "timestamptz"},
}

// FindUsers returns one page of the account's people matching f, using
// keyset paging (any depth costs the same) and a bounded count.
// A malformed cursor is EINVALID.
//
// A search (the name or the email contains the term) is answered in up
// to four steps, each exact, from the search rows of people_search
// (migration 00020) where it can. By name, the people whose name key
// starts with a term of three characters or more are a range of the name
// index; the others are found through the tails index and the email-lead
// index: when there are at most the count's bound of others, the page is
// the range read in order as far as it needs, merged with them, and the
// count comes with it. A common first name ("james": 71,712 people) is
// answered so. Otherwise the term's matches are read through those
// indexes, stopping after rareRows: a rare name (or a term other filters
// narrow to a few) is answered by that read, the page and the exact count
// at once. Then a bounded walk of the view's sort index from the cursor,
// testing each row: when the term is spread through the account ("ma",
// "smith") the walk meets a full page long before its end, and a page
// found in a prefix of the sorted rows is the page. Otherwise every match
// is read once, then sorted: the page and the exact count come from the
// same read. A search alone rechecks at most recheckRows matches of the
// trigram index for its count: when more are found there, or more last
// words than that start with the term (a surname), the count is "more
// than" a round number below the matches proved, and the page the walk's.
func (s *UserStore) FindUsers(ctx context.Context, accountID int64, f roster.UserFilter) (roster.UserPage, error) {
	var page roster.UserPage
	sc, ok := sortColumns[f.Sort]
	if !ok {
		sc, f.Sort = sortColumns[roster.SortName], roster.SortName
	}
	col := sc.col
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = roster.PageSize
	}
	backward := f.Before != ""
	cursor := f.After
	if backward {
		cursor = f.Before
	}
	desc := f.Desc != backward // walking back reverses the order
	var curKey string
	var curID int64
	if cursor != "" {
		var err error
		curKey, curID, err = decodeCursor(cursor)
		if err == nil && sc.typ == "timestamptz" {
			err = checkTimestamp(curKey)
		}
		if err != nil {
			return page, err
		}
	}
	// keyset adds "after the cursor" on key column k and id column i.
	keyset := func(w *where, k, i string) {
		if cursor == "" {
			return
		}
		op := ">"
		if desc {
			op = "<"
		}
		w.add(fmt.Sprintf("(%s, %s) %s (%%s::text::%s, %%s)", k, i, op, sc.typ), curKey, curID)
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	order := fmt.Sprintf("%s %s, u.id %s", col, dir, dir)

	// A group narrowed by other filters, without a search, is matched on
	// the people's member_of with its subtree's ids as values: the plan
	// sees how many people they hold, and the groups of the deactivated
	// and of those who never signed in have their own indexes (migration
	// 00027: a department's 180 deactivated in 2 ms, not 15). A group
	// alone keeps its semi-join over memberships (or the team's read).
	var subtree []int64
	if f.GroupID != 0 && f.Query == "" && f.Scope == nil && !filterOnly(f, roster.UserFilter{GroupID: f.GroupID, ExcludeSubgroups: f.ExcludeSubgroups}) {
		subtree = []int64{f.GroupID}
		if !f.ExcludeSubgroups {
			if err := s.pool.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM groups WHERE account_id = $1 AND path @> ARRAY[$2::bigint]`,
				accountID, f.GroupID).Scan(&subtree); err != nil {
				return page, err
			}
		}
	}
	conditions := func(w *where, f roster.UserFilter) {
		if subtree == nil || f.GroupID == 0 {
			userConditions(w, accountID, f)
			return
		}
		rest := f
		rest.GroupID, rest.ExcludeSubgroups = 0, false
		userConditions(w, accountID, rest)
		w.add("u.member_of && %s::bigint[]", subtree)
	}

	// The filter alone (for counts).
	fw := &where{}
	fw.add("u.account_id = %s", accountID)
	conditions(fw, f)
	filterSQL, filterArgs := fw.sql(), slices.Clone(fw.args)

	// The whole account by any sort, one role's holders by name and a
	// small team's members are each one index read whatever the values:
	// their statements may keep a plan. Other filters' plans depend on
	// their values (a large team's too: it is planned with its values
	// once it is known to be large).
	roleOnly := oneRoleAlone(f) && f.Sort == roster.SortName
	// Most filters without a search have their count kept (the account's
	// people, a role's holders, a department's deactivated): the count
	// comes as the page statement's last column, one statement for both.
	countSQL := peopleCountSQL(f)
	countCol := ""
	if countSQL != "" {
		countCol = ", " + countSQL
	}

	// The plain page query: one statement, the planner's choice.
	w := &where{}
	w.add("u.account_id = %s", accountID)
	conditions(w, f)
	keyset(w, col, "u.id")
	plainSQL := fmt.Sprintf(`SELECT %s, %s::text%s
	FROM users u
	WHERE %s
	ORDER BY %s
	LIMIT %d`, pageColumns, col, countCol, w.sql(), order, limit+1)
	if f.GroupID != 0 || f.Scope != nil {
		// A subtree's people are found by id and sorted by key: sort the
		// ids and keys (from users_name_by_id_idx for the name, without
		// reading each person's row), then read the page's rows only.
		plainSQL = fmt.Sprintf(`WITH p AS (SELECT u.id, %s AS sort_key FROM users u WHERE %s ORDER BY %s LIMIT %d)
		SELECT %s, p.sort_key::text%s
		FROM p
		JOIN users u ON u.account_id = $1 AND u.id = p.id
		ORDER BY p.sort_key %s, p.id %s`, col, w.sql(), order, limit+1, pageColumns, countCol, dir, dir)
	}

	plainArgs := w.args
	if len(f.RoleIDs) == 1 && f.Query == "" && f.Sort == roster.SortName {
		// One role, by name: its holders in name order (role_holders keeps
		// each one's name key), each person's row read for the page only.
		// A role held by one person in twenty no longer walks twenty
		// people by name, probing each one's roles, per row shown.
		hw := &where{}
		hw.add("h.account_id = %s", accountID)
		hw.add("h.role_id = %s", f.RoleIDs[0])
		keyset(hw, "h.name_key", "h.user_id")
		rest := f
		rest.RoleIDs = nil
		// (A group as its semi-join over memberships: a holder is tested
		// against the hashed members by id, without reading their row.
		// Matched on member_of, a department's Approvers read 8,700
		// people's rows: 28 -> 144 ms.)
		userConditions(hw, accountID, rest)
		plainSQL = fmt.Sprintf(`SELECT %s, h.name_key::text%s
		FROM role_holders h
		JOIN users u ON u.account_id = h.account_id AND u.id = h.user_id
		WHERE %s
		ORDER BY h.name_key %s, h.user_id %s
		LIMIT %d`, pageColumns, countCol, hw.sql(), dir, dir, limit+1)
		plainArgs = hw.args
	}
	// A few groups narrowed by filters that no index of their people
	// holds (a role, active, an inviter), by name: their memberships
	// are walked in name order (memberships_group_name_idx, one ordered
	// range a group, merged), each person once, their rows read in that
	// order until the page is full, walkRows people at most; when that
	// does not fill the page, the plain statement. A department's 4,481
	// active people, its Approvers: 37 and 45 ms a request through a
	// bitmap of its 4,661 people's rows or the role's holders; 6 and 11
	// ms so.
	var walkSQL string
	var walkArgs []any
	if subtree != nil && len(subtree) <= walkGroups && f.Sort == roster.SortName && f.Status != roster.StatusDeactivated && !f.NeverSignedIn && !f.WithoutGroup {
		ww := &where{args: []any{accountID}} // $1
		rest := f
		rest.GroupID, rest.ExcludeSubgroups = 0, false
		userConditions(ww, accountID, rest)
		var branches []string
		for _, g := range subtree {
			bw := &where{args: ww.args}
			bw.add("m.group_id = %s", g)
			keyset(bw, "m.name_key", "m.user_id")
			ww.args = bw.args
			branches = append(branches, fmt.Sprintf(`(SELECT m.user_id, m.name_key FROM memberships m WHERE m.account_id = $1 AND %s ORDER BY m.name_key %s, m.user_id %s)`,
				bw.sql(), dir, dir))
		}
		walkSQL = fmt.Sprintf(`WITH x AS NOT MATERIALIZED (SELECT DISTINCT x.user_id, x.name_key FROM (%s) x ORDER BY x.name_key %s, x.user_id %s LIMIT %d)
		SELECT %s, x.name_key::text, (SELECT count(*) FROM x)%s
		FROM x
		JOIN users u ON u.account_id = $1 AND u.id = x.user_id
		WHERE %s
		ORDER BY x.name_key %s, x.user_id %s
		LIMIT %d`, strings.Join(branches, " UNION ALL "), dir, dir, cmp.Or(s.walk, walkRows), pageColumns, countCol, ww.sql(), dir, dir, limit+1)
		walkArgs = ww.args
		if len(ww.conds) == 0 {
			walkSQL = ""
		}
	}
	// Deactivated people narrowed by what their rows carry: read from
	// users_deactivated_idx, page and count.
	if dw := (&where{}); deactivatedRows(dw, accountID, f, subtree) && s.deactivatedFirst(ctx, accountID, f, limit, countSQL) {
		filterSQL, filterArgs = dw.sql(), slices.Clone(dw.args)
		keyset(dw, "u.name_key", "u.id")
		// (The page's people found from the index alone, then their rows
		// read: a plain index scan read the row of every entry it
		// tested, 11,000 of them for a department's 180 deactivated.)
		plainSQL = fmt.Sprintf(`WITH p AS (SELECT u.id, u.name_key FROM users u WHERE %s ORDER BY u.name_key %s, u.id %s LIMIT %d)
		SELECT %s, p.name_key::text%s
		FROM p
		JOIN users u ON u.account_id = $1 AND u.id = p.id
		ORDER BY p.name_key %s, p.id %s`, dw.sql(), dir, dir, limit+1, pageColumns, countCol, dir, dir)
		plainArgs = dw.args
	}
	// A team alone, by name: when its subtree has at most teamRows
	// memberships, all of them are read from memberships_group_name_idx
	// (which carries each member's name key) and sorted, without reading
	// a person's row but the page's; the exact count comes with them.
	var teamSQL, teamAfter string
	var teamArgs []any
	if f.GroupID != 0 && !f.ExcludeSubgroups && f.Sort == roster.SortName && filterOnly(f, roster.UserFilter{GroupID: f.GroupID}) {
		tw := &where{args: []any{accountID, f.GroupID}} // $1, $2
		keyset(tw, "t.name_key", "t.user_id")
		after := "TRUE"
		if len(tw.conds) > 0 {
			after = tw.sql()
		}
		teamAfter = after
		teamArgs = tw.args
		teamSQL = fmt.Sprintf(`WITH t AS MATERIALIZED (SELECT DISTINCT m.user_id, m.name_key FROM memberships m JOIN groups g ON g.account_id = m.account_id AND g.id = m.group_id
		  WHERE m.account_id = $1 AND g.path @> ARRAY[$2::bigint]),
		p AS (SELECT t.user_id, t.name_key FROM t WHERE %s ORDER BY t.name_key %s, t.user_id %s LIMIT %d)
		SELECT %s, p.name_key::text, (SELECT count(*) FROM t)
		FROM p
		JOIN users u ON u.account_id = $1 AND u.id = p.user_id
		ORDER BY p.name_key %s, p.user_id %s`, after, dir, dir, limit+1, pageColumns, dir, dir)
	}

	read := func(run func(tx querier) error) error {
		// Statements that keep their plans need no transaction: each
		// takes its own snapshot either way, and BEGIN and COMMIT were
		// two of a People page's round trips. (A team may turn out large
		// and then plans with its values, for the rest of a transaction.)
		return s.pool.AcquireFunc(ctx, func(c *pgxpool.Conn) error { return run(c) })
	}
	if roleOnly {
		// One role's holders keep their plan, whatever the role: PostgreSQL
		// would plan this statement again for every page (its estimate of
		// a generic plan is three times a custom one's, though they are
		// the same plan), and planning cost more than running it.
		read = func(run func(tx querier) error) error {
			return readKept(ctx, s.pool, run)
		}
	}
	if (f.IsFiltered() || f.Scope != nil) && !roleOnly || teamSQL != "" {
		opts := readPlanned
		if teamSQL != "" {
			opts = pgx.TxOptions{AccessMode: pgx.ReadOnly}
		}
		read = func(run func(tx querier) error) error {
			return pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error { return run(tx) })
		}
	}
	err := read(func(tx querier) error {
		var keys []string
		counted := int64(-1) // the exact number of matches, when a step read them all
		atLeast := int64(-1) // else, when a search proved at least this many
		if teamSQL != "" {
			// The subtree's memberships are counted only when it has
			// subgroups (a level-10 team's 2,465 at 1,000,000 people read
			// to learn it had none: 1 ms of a 2 ms page).
			var n, groups int64
			if err := tx.QueryRow(ctx, fmt.Sprintf(`WITH t AS (SELECT count(*) AS n FROM groups WHERE account_id = $1 AND path @> ARRAY[$2::bigint])
			SELECT CASE WHEN t.n = 1 THEN 0 ELSE (SELECT count(*) FROM (SELECT 1 FROM memberships m JOIN groups g ON g.account_id = m.account_id AND g.id = m.group_id
			  WHERE m.account_id = $1 AND g.path @> ARRAY[$2::bigint] LIMIT %d) s) END, t.n
			FROM t`, cmp.Or(s.team, teamRows)+1), accountID, f.GroupID).Scan(&n, &groups); err != nil {
				return err
			}
			switch {
			case groups == 1:
				// A group without subgroups (a team at the bottom of the
				// tree), whatever its size: its members are one range of
				// memberships_group_name_idx in name order, each once;
				// the page reads 51 entries, and the count is kept.
				teamSQL = fmt.Sprintf(`WITH p AS (SELECT t.user_id, t.name_key FROM memberships t WHERE t.account_id = $1 AND t.group_id = $2 AND %s
				  ORDER BY t.name_key %s, t.user_id %s LIMIT %d)
				SELECT %s, p.name_key::text%s
				FROM p
				JOIN users u ON u.account_id = $1 AND u.id = p.user_id
				ORDER BY p.name_key %s, p.user_id %s`, teamAfter, dir, dir, limit+1, pageColumns, countCol, dir, dir)
			case n > int64(cmp.Or(s.team, teamRows)):
				teamSQL = ""
				if _, err := tx.Exec(ctx, planWithValues); err != nil {
					return err
				}
			}
		}
		if teamSQL != "" {
			var err error
			if page.Users, keys, err = scanPage(ctx, tx, accountID, teamSQL, teamArgs, &counted); err != nil {
				return err
			}
		} else if f.Query == "" {
			var err error
			var withCount []*int64
			if countCol != "" {
				withCount = []*int64{&counted}
			}
			walkBound := int64(cmp.Or(s.walk, walkRows))
			walked := walkBound
			if walkSQL != "" {
				if page.Users, keys, err = scanPage(ctx, tx, accountID, walkSQL, walkArgs, append([]*int64{&walked}, withCount...)...); err != nil {
					return err
				}
			}
			// Not walked, or the walk did not fill the page before its
			// bound (with fewer memberships than that, it read them all).
			if walkSQL == "" || len(page.Users) <= limit && walked >= walkBound {
				if page.Users, keys, err = scanPage(ctx, tx, accountID, plainSQL, plainArgs, withCount...); err != nil {
					return err
				}
			}
		} else {
			pat := searchPattern(f.Query)
			// A search alone (no other filter, no scope) is answered from
			// people_search, without reading a person's row but the page's.
			alone := !f.ShortQuery() && filterOnly(f, roster.UserFilter{Query: f.Query})
			// Every match through the search indexes, sorted: the page and
			// the exact count from one read. With capRows, the read stops
			// after capRows+1 matches and answers only when it did not
			// reach them (the count says so).
			mw := &where{}
			var matchSQL string
			split := false
			if alone && (f.Sort == roster.SortName || f.Sort == roster.SortEmail) {
				mw.add(searchSetSQL, accountID, pat, pat, pat, pat)
				matchSQL = fmt.Sprintf("SELECT s.user_id AS id, s.%s AS sort_key FROM people_search s WHERE %s", strings.TrimPrefix(col, "u."), mw.sql())
			} else {
				mw.add("u.account_id = %s", accountID)
				// A group or a scope is matched on the person's row (member_of,
				// kept by triggers) instead of by joining memberships: the
				// same people, without hashing every membership of the subtree.
				rest := f
				rest.GroupID, rest.ExcludeSubgroups, rest.Scope = 0, false, nil
				// Within groups, a term of three characters or more is matched
				// in two parts: the names starting with it through the groups'
				// memberships (memberships_group_name_idx: the name range of
				// each group), the rest through the tails and email-lead
				// indexes. "hannah" in a department of 4,661: 27 entries
				// instead of a bitmap of all 4,963 Hannahs ANDed with one of
				// the department.
				split = !f.ShortQuery() && (f.GroupID != 0 || f.Scope != nil)
				if split {
					rest.Query = ""
				}
				userConditions(mw, accountID, rest)
				var inGroups []int64
				if f.GroupID != 0 {
					// The subtree's members (users_member_of_idx) ANDed with
					// the term's matches before any row is read; the
					// subtree's groups are values, so the plan sees how many.
					subtree := []int64{f.GroupID}
					if !f.ExcludeSubgroups {
						if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM groups WHERE account_id = $1 AND path @> ARRAY[$2::bigint]`,
							accountID, f.GroupID).Scan(&subtree); err != nil {
							return err
						}
					}
					mw.add("u.member_of && %s::bigint[]", subtree)
					inGroups = subtree
				}
				if f.Scope != nil {
					// A group administrator's search, the same way.
					var scope []int64
					if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM groups WHERE account_id = $1 AND path && $2::bigint[]`,
						accountID, f.Scope).Scan(&scope); err != nil {
						return err
					}
					mw.add("u.member_of && %s::bigint[]", scope)
					if inGroups == nil {
						inGroups = scope
					}
				}
				matchSQL = fmt.Sprintf("SELECT u.id, %s AS sort_key FROM users u WHERE %s", col, mw.sql())
				if split {
					common, n := mw.sql(), len(mw.conds)
					mw.add(`u.id IN (SELECT t.user_id FROM memberships t WHERE t.account_id = $1 AND t.group_id = ANY(%s::bigint[]) AND t.name_key LIKE roster_normalize(%s) || '%%')`, inGroups, pat)
					mw.add(`u.id IN (SELECT s.user_id FROM people_search s WHERE s.account_id = $1 AND (`+searchTailsSQL+`))`, pat, pat, pat)
					matchSQL = fmt.Sprintf(`SELECT u.id, %s AS sort_key FROM users u WHERE %s AND %s
					UNION SELECT u.id, %s FROM users u WHERE %s AND %s`, col, common, mw.conds[n], col, common, mw.conds[n+1])
				}
			}
			n := len(mw.conds)
			keyset(mw, "m.sort_key", "m.id")
			after := "TRUE"
			if len(mw.conds) > n {
				after = strings.Join(mw.conds[n:], " AND ")
			}
			allSQL := func(capRows int) string {
				capSQL := ""
				if capRows > 0 {
					capSQL = fmt.Sprintf(" LIMIT %d", capRows+1)
				}
				// m is planned for every match, whatever its readers'
				// limit (see c above).
				return fmt.Sprintf(`WITH m0 AS MATERIALIZED (%s), m AS (SELECT * FROM m0%s),
				p AS (SELECT m.id, m.sort_key FROM m WHERE %s ORDER BY m.sort_key %s, m.id %s LIMIT %d)
				SELECT %s, p.sort_key::text, (SELECT count(*) FROM m)
				FROM p
				JOIN users u ON u.account_id = %s AND u.id = p.id
				ORDER BY p.sort_key %s, p.id %s`, matchSQL, capSQL, after, dir, dir, limit+1, pageColumns, "$1", dir, dir)
			}
			found := false
			manyOthers := false // step 0 found more matches than step 1 would read
			var err error
			if !f.ShortQuery() && f.Sort == roster.SortName && f.GroupID == 0 && f.Scope == nil {
				// 0. By name: the people whose name key starts with the
				// term are a range of the name index, read in order only
				// as far as the page; the others (the term further in, or
				// starting an email that does not start as the name does)
				// are read whole when there are at most the count's bound
				// of them, which also gives the count. A common first name
				// ("james": 71,712 people) is then a page of the name
				// index and a handful of others.
				//
				// First, two index ranges, each counted up to the bound:
				// the names starting with the term and, for a search alone,
				// the last words starting with it (people_search_last_idx,
				// less those names). Together they are a part of the
				// matches: when they pass the bound, the count is
				// "10,000+" without reading every other match through the
				// trigram index. A common surname ("smith": 55,177
				// people, none of whose names starts with it) then reads
				// no other, and its page is the walk's.
				rest := f
				rest.Query = ""
				sw := &where{}
				sw.add("u.account_id = %s", accountID)
				userConditions(sw, accountID, rest)
				base := slices.Clone(sw.conds)
				sw.add("u.name_key LIKE roster_normalize(%s) || '%%'", pat)
				patArg := len(sw.args)
				bound := s.countLimit()
				startsSQL := fmt.Sprintf(`(SELECT count(*) FROM (SELECT 1 FROM users u WHERE %s LIMIT %d) s)`, sw.sql(), bound+1)
				lastsSQL := "0"
				countArgs := sw.args
				if alone {
					// Alone, both are kept (migration 00028): a row and
					// its deltas each, where reading the ranges grew with
					// the account ("hannah", 4,963 names: about 1.5 ms at
					// 1,000,000 people). The name's count is read from
					// the index when the term has a space or its key is
					// shorter than the kept prefixes (the plan keeps one
					// branch: the term is a value).
					countArgs = append(slices.Clone(sw.args), roster.DropControl(f.Query))
					term := fmt.Sprintf("roster_normalize($%d)", len(countArgs))
					startsSQL = fmt.Sprintf(`CASE WHEN strpos(%[1]s, ' ') = 0 AND length(%[1]s) >= 3 THEN %[2]s ELSE %[3]s END`,
						term, namePrefixCountSQL(0, term), startsSQL)
					lastsSQL = fmt.Sprintf(`CASE WHEN length(%[1]s) >= 3 THEN %[2]s ELSE (SELECT count(*) FROM (SELECT 1 FROM people_search s WHERE s.account_id = $1 AND roster_last_word(s.name_key) LIKE roster_normalize($%[3]d) || '%%'
					  AND NOT s.name_key LIKE roster_normalize($%[3]d) || '%%' LIMIT %[4]d) l) END`, term, namePrefixCountSQL(1, term), patArg, bound+1)
				}
				var starts, lasts int64
				if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT %s, %s`, startsSQL, lastsSQL), countArgs...).Scan(&starts, &lasts); err != nil {
					return err
				}
				starts, lasts = min(starts, bound+1), min(lasts, bound+1)
				proven := starts+lasts > bound
				// The others are read up to the bound, for the count; once
				// the count is known, only as many as a page of the range
				// merged with them needs at most (tailRows).
				capC := cmp.Or(s.tails, int(bound))
				if proven {
					counted = bound + 1
					capC = cmp.Or(s.tails, tailRows)
				}
				// A search alone rechecks at most recheckRows others one by
				// one for an exact count (a heap page each, about 3 µs):
				// past them, or when more last words than that start with
				// the term ("dubois": 5,096 at 1,000,000 people, 23 ms of
				// rechecks), the count is "more than" what the index
				// ranges and the read proved, and the page is the walk's.
				recheck := cmp.Or(s.recheck, recheckRows)
				sparing := alone && !proven && capC > recheck
				if sparing {
					capC = recheck
				}
				wide := sparing && lasts > int64(recheck)
				if wide {
					atLeast = starts + lasts
				}
				keyset(sw, "u.name_key", "u.id")
				prefixSQL := sw.sql()
				n := len(sw.conds)
				sw.add("("+searchTailsSQL+")", pat, pat, pat)
				// c is planned for every other (a bitmap of the trigram
				// and lead indexes); its readers stop after capC+1. (A
				// LIMIT within it let the planner expect a few hundred
				// "james" among the first rows of a sequential scan, which
				// has none: 326 ms.)
				cSQL := fmt.Sprintf(`SELECT s.user_id AS id, s.name_key FROM people_search s WHERE s.account_id = $1 AND %s`, sw.conds[n])
				if len(base) > 1 {
					cSQL = fmt.Sprintf(`SELECT u.id, u.name_key FROM users u WHERE %s AND u.id IN (SELECT s.user_id FROM people_search s WHERE s.account_id = $1 AND %s)`,
						strings.Join(base, " AND "), sw.conds[n])
				}
				n = len(sw.conds)
				keyset(sw, "c.name_key", "c.id")
				afterC := "TRUE"
				if len(sw.conds) > n {
					afterC = strings.Join(sw.conds[n:], " AND ")
				}
				// The others whose name starts with the term are in the
				// range already: the two parts are disjoint, appended
				// without hashing 10,000 others to drop duplicates.
				startSQL := fmt.Sprintf(`WITH c0 AS MATERIALIZED (%s),
				c AS (SELECT * FROM c0 LIMIT %d),
				k AS (SELECT count(*) AS n, count(*) FILTER (WHERE NOT c.name_key LIKE roster_normalize($%d) || '%%') AS others FROM c),
				p AS (SELECT x.id, x.name_key FROM (
				    (SELECT u.id, u.name_key FROM users u WHERE %s ORDER BY u.name_key %s, u.id %s LIMIT %d)
				    UNION ALL
				    (SELECT c.id, c.name_key FROM c WHERE NOT c.name_key LIKE roster_normalize($%d) || '%%' AND %s)) x
				  ORDER BY x.name_key %s, x.id %s LIMIT %d)
				SELECT %s, p.name_key::text, k.n, k.others
				FROM p
				CROSS JOIN k
				JOIN users u ON u.account_id = $1 AND u.id = p.id
				ORDER BY p.name_key %s, p.id %s`, cSQL, capC+1, patArg, prefixSQL, dir, dir, limit+1, patArg, afterC, dir, dir, limit+1, pageColumns, dir, dir)
				switch {
				case proven && starts <= bound, wide:
					// The range is not where the page is (the others are
					// many): the walk's.
					manyOthers = true
				default:
					var others, n int64
					if page.Users, keys, err = scanPage(ctx, tx, accountID, startSQL, sw.args, &n, &others); err != nil {
						return err
					}
					// No row says nothing of how many others there are:
					// the steps below tell "no match" from a page past the
					// end. With every other read, the page is the merge and
					// the count the names starting with the term and the
					// others; more others than that leave the page to the
					// walk.
					switch {
					case len(page.Users) == 0:
					case n <= int64(capC):
						found = true
						if !proven {
							counted = starts + others
						}
					default:
						manyOthers = capC >= cmp.Or(s.rare, rareRows)
						switch {
						case !proven && int64(capC) >= bound:
							counted = bound + 1
						case sparing:
							// c held capC+1 matches, those starting with
							// the term among the range's.
							atLeast = starts + others
						}
					}
				}
			}
			// 1. A rare term, or one other filters narrow to a few: all of
			// its matches, if there are at most rareRows. Not when step 0
			// found more matches than that already.
			capRows := cmp.Or(s.rare, rareRows)
			if !found && !f.ShortQuery() && !manyOthers {
				var n int64
				if page.Users, keys, err = scanPage(ctx, tx, accountID, allSQL(capRows), mw.args, &n); err != nil {
					return err
				}
				switch {
				case len(page.Users) > 0 && n <= int64(capRows):
					found, counted = true, n
				case len(page.Users) == 0 && cursor == "":
					// No first page: no match at all.
					found, counted = true, 0
				}
			}
			if !found {
				// 2. The bounded walk of the sort index, testing each row
				// it reads: a search alone by name walks people_search's
				// name index, which carries both keys (no row read),
				// walkAloneRows entries; others walk the people's rows,
				// walkRows of them.
				ww := &where{}
				var walkSQL string
				if alone && f.Sort == roster.SortName {
					ww.add("s.account_id = %s", accountID)
					keyset(ww, "s.name_key", "s.user_id")
					inner := ww.sql()
					n := len(ww.conds)
					searchRow(ww, f)
					walkSQL = fmt.Sprintf(`WITH p AS (SELECT u.id, u.name_key FROM (
					    SELECT s.user_id AS id, s.name_key, s.email_key FROM people_search s WHERE %s ORDER BY s.name_key %s, s.user_id %s LIMIT %d) u
					  WHERE %s ORDER BY u.name_key %s, u.id %s LIMIT %d)
					SELECT %s, p.name_key::text
					FROM p
					JOIN users u ON u.account_id = $1 AND u.id = p.id
					ORDER BY p.name_key %s, p.id %s`, inner, dir, dir, cmp.Or(s.walk, walkAloneRows), strings.Join(ww.conds[n:], " AND "), dir, dir, limit+1,
						pageColumns, dir, dir)
				} else {
					ww.add("u.account_id = %s", accountID)
					keyset(ww, col, "u.id")
					inner := ww.sql()
					n := len(ww.conds)
					rest := f
					rest.Query = ""
					userConditions(ww, accountID, rest)
					searchRow(ww, f)
					walkSQL = fmt.Sprintf(`SELECT %s, %s::text
					FROM (SELECT * FROM users u WHERE %s ORDER BY %s LIMIT %d) u
					WHERE %s
					ORDER BY %s
					LIMIT %d`, pageColumns, col, inner, order, cmp.Or(s.walk, walkRows), strings.Join(ww.conds[n:], " AND "), order, limit+1)
				}
				if page.Users, keys, err = scanPage(ctx, tx, accountID, walkSQL, ww.args); err != nil {
					return err
				}
				if len(page.Users) <= limit {
					// 3. Every match through the search indexes, then sorted.
					if page.Users, keys, err = scanPage(ctx, tx, accountID, allSQL(0), mw.args, &counted); err != nil {
						return err
					}
				}
			}
		}
		more := len(page.Users) > limit
		if more {
			page.Users, keys = page.Users[:limit], keys[:limit]
		}
		if backward {
			slices.Reverse(page.Users)
			slices.Reverse(keys)
		}
		if n := len(page.Users); n > 0 {
			first := encodeCursor(keys[0], page.Users[0].ID)
			last := encodeCursor(keys[n-1], page.Users[n-1].ID)
			switch {
			case backward:
				page.Next = last
				if more {
					page.Prev = first
				}
			default:
				if more {
					page.Next = last
				}
				if cursor != "" {
					page.Prev = first
				}
			}
		}
		if !f.IsFiltered() && f.Scope == nil {
			if counted >= 0 {
				page.Total = counted
				return nil
			}
			return tx.QueryRow(ctx, `SELECT coalesce((SELECT users_total FROM account_counters WHERE account_id = $1), 0)`, accountID).Scan(&page.Total)
		}
		// A first page that is not full is the whole set: its length is
		// the exact count, so the count query is not needed.
		if cursor == "" && !more {
			page.Total = int64(len(page.Users))
			return nil
		}
		switch {
		case counted >= 0:
			page.Total = counted
		case atLeast > s.countLimit():
			page.Total = atLeast
		case atLeast >= 0:
			page.Total, page.TotalCapped = roundedBelow(atLeast), true
			return nil
		default:
			if err := s.countUsers(ctx, tx, accountID, f, filterSQL, filterArgs, &page.Total); err != nil {
				return err
			}
		}
		if page.Total > s.countLimit() && countSQL == "" { // a kept count is exact
			page.Total, page.TotalCapped = s.countLimit(), true
		}
		return nil
	})
	return page, err
}

// peopleCountSQL is the kept count of f's people (people_counts, migration
// 00026: the folded numbers and the deltas since) as a scalar subquery on
// the account $1, when they are counted there: any status, sign-in, one
// role, and one group with its subgroups or no group, but no search, no
// inviter and no group administrator's scope. Without it, a department's
// deactivated were counted by reading the 40,000 deactivated (45 ms at
// 1,000,000 people), the Approvers who never signed in by reading the
// 145,000 Approvers (150 ms).
func peopleCountSQL(f roster.UserFilter) string {
	if f.Query != "" || f.Scope != nil || f.InvitedBy != 0 || len(f.RoleIDs) > 1 || f.GroupID != 0 && (f.ExcludeSubgroups || f.WithoutGroup) {
		return ""
	}
	group, role := f.GroupID, int64(0)
	if f.WithoutGroup {
		group = -1
	}
	if len(f.RoleIDs) == 1 {
		role = f.RoleIDs[0]
	}
	key := fmt.Sprintf("account_id = $1 AND group_id = %d AND role_id = %d", group, role)
	if f.Status != "" {
		key += fmt.Sprintf(" AND deactivated = %t", f.Status == roster.StatusDeactivated)
	}
	if f.NeverSignedIn {
		key += " AND never"
	}
	return fmt.Sprintf(`(SELECT coalesce(sum(k.n), 0)::bigint FROM (SELECT people AS n FROM people_counts WHERE %[1]s
	    UNION ALL SELECT delta FROM people_count_deltas WHERE %[1]s) k)`, key)
}

// namePrefixCountSQL is the kept count (migration 00028) of the people
// in the account $1 whose name key starts with term (part 0), or whose
// name key's last word does and name key does not (part 1): the folded
// count and the deltas since.
func namePrefixCountSQL(part int, term string) string {
	key := fmt.Sprintf("account_id = $1 AND part = %d AND prefix = %s", part, term)
	return fmt.Sprintf(`(SELECT coalesce(sum(k.n), 0)::bigint FROM (SELECT people AS n FROM name_prefix_counts WHERE %[1]s
	    UNION ALL SELECT delta FROM name_prefix_deltas WHERE %[1]s) k)`, key)
}

// oneRoleAlone reports whether f is one role's holders in the whole
// account, nothing else narrowing them.
func oneRoleAlone(f roster.UserFilter) bool {
	return len(f.RoleIDs) == 1 && filterOnly(f, roster.UserFilter{RoleIDs: f.RoleIDs})
}

// deactivatedRows adds the conditions of f on the columns
// users_deactivated_idx carries (migration 00025), when f is deactivated
// people by name narrowed only by them (roles, a group, sign-in, without
// a group): the roles and groups from the person's row (roles_held ends
// with the role ids; member_of is their groups), the index's own
// predicate written as it is. The deactivated alone keep their plain
// page.
func deactivatedRows(w *where, accountID int64, f roster.UserFilter, subtree []int64) bool {
	alone := filterOnly(f, roster.UserFilter{Status: f.Status})
	if f.Status != roster.StatusDeactivated || alone || f.Query != "" || f.Scope != nil || f.InvitedBy != 0 || f.Sort != roster.SortName {
		return false
	}
	w.add("u.account_id = %s", accountID)
	w.add("u.status = 'deactivated'")
	if f.NeverSignedIn {
		w.add("u.last_sign_in_at IS NULL")
	}
	if f.WithoutGroup {
		w.add("cardinality(u.member_of) = 0")
	}
	if len(f.RoleIDs) > 0 {
		w.add("u.roles_held[cardinality(u.roles_held) / 2 + 1:] && %s::bigint[]", f.RoleIDs)
	}
	if f.GroupID != 0 {
		// (The subtree's ids as values: a few deactivated of a team are
		// found through users_deactivated_groups_idx, many of a
		// department by walking users_deactivated_idx.)
		w.add("u.member_of && %s::bigint[]", subtree)
	}
	return true
}

// deactivatedFirst reports whether f's page (limit people) is best
// found among the deactivated (deactivatedRows), from the kept counts: the
// deactivated (D), the people of each other filter of f alone but a group
// (a role's holders, the never signed in, those without a group; a
// group's deactivated have their own index) and, when kept, f's own (k,
// countSQL). Walking the deactivated by name reads about D/k index entries a person shown (0.4 µs each, index only) and D
// at most; the other side reads each of its people's rows (about 9 µs).
// So among the deactivated when that walk reads at most twenty entries
// for each person of the smallest other side: the 145,496 Approvers (5,813
// of them deactivated: 350 entries); not the 551 administrators, 16 of
// them deactivated (all 40,093 entries). Without f's count, when the
// deactivated are the fewer.
func (s *UserStore) deactivatedFirst(ctx context.Context, accountID int64, f roster.UserFilter, limit int, countSQL string) bool {
	sizes := []string{peopleCountSQL(roster.UserFilter{Status: roster.StatusDeactivated}), cmp.Or(countSQL, "NULL::bigint")}
	for _, r := range f.RoleIDs {
		sizes = append(sizes, peopleCountSQL(roster.UserFilter{RoleIDs: []int64{r}}))
	}
	if f.NeverSignedIn {
		sizes = append(sizes, peopleCountSQL(roster.UserFilter{NeverSignedIn: true}))
	}
	if f.WithoutGroup {
		sizes = append(sizes, peopleCountSQL(roster.UserFilter{WithoutGroup: true}))
	}
	if len(sizes) == 2 {
		// A group alone with the deactivated: found among them either
		// way (users_deactivated_groups_idx when they are few).
		return f.GroupID != 0
	}
	var d, other int64
	var k *int64
	err := s.pool.QueryRow(ctx, fmt.Sprintf("SELECT %s, %s, least(%s)", sizes[0], sizes[1], strings.Join(sizes[2:], ", ")), accountID).Scan(&d, &k, &other)
	if err != nil {
		return false
	}
	if k == nil {
		return d <= other
	}
	entries := d
	if *k > 0 {
		entries = min(d, int64(limit+1)*d / *k)
	}
	return entries <= 20*other
}

// teamRows is the most memberships a team's subtree may have for its
// page to be read from the membership index and sorted (a few
// milliseconds); a larger team is walked by name, where it is dense.
const teamRows = 20000

// rareRows is the most matches a search (of three characters or more)
// reads through the search indexes before walking the sort index: a rare
// name, or a term other filters narrow to a few, is answered by that one
// read (page and exact count).
const rareRows = 300

// tailRows is the most others (people found besides the range of names
// starting with the term) a search by name reads for its page once its
// count is known: a term found mostly at the start of names ("james") is
// answered from that range and these, in order.
const tailRows = 500

// recheckRows is the most matches a search alone rechecks one by one
// (through the trigram index, a heap page each) for an exact count; past
// them it says "more than" (roundedBelow) the matches it proved.
const recheckRows = 2000

// roundedBelow is a round number below n (n > 0) for "more than" counts:
// n-1 with two significant digits kept, so 5,096 proved matches read
// "more than 5,000".
func roundedBelow(n int64) int64 {
	n--
	unit := int64(1)
	for n/unit >= 100 {
		unit *= 10
	}
	return n / unit * unit
}

// walkRows is how far a search walks the sort index (reading each
// person's row) before reading every match through the search indexes
// instead: a term found in at least one person in 40 fills a page within
// it. A few groups' members are walked as far.
const walkRows = 2000

// walkGroups is the most groups whose memberships are walked merged in
// name order (one ordered range each).
const walkGroups = 16

// walkAloneRows is how far a search alone walks people_search's name
// index (index-only, about 0.35 µs an entry): it is walked when the term
// has more than the count's bound of matches, one person in 100 at
// least, and fills a page within it unless its people gather far from
// the cursor.
const walkAloneRows = 50000

// pageColumns are the People table's columns of users u and inviter ib,
// with the person's memberships (group ids) and roles (the groups, then
// the roles, of their role assignments ordered by group then role), both
// kept on the person's row (migration 00017); scanPage reads them, then
// the row's sort key.
// The inviter's name is a subquery, run for the page's people only: as a
// join it was memoised row by row, 10 % more of a role page's database
// time.
const pageColumns = `u.id, u.email, u.name, u.status, u.created_at, u.last_sign_in_at, u.invited_by,
	coalesce((SELECT ib.name FROM users ib WHERE ib.account_id = u.account_id AND ib.id = u.invited_by), ''), u.member_of, u.roles_held`

// scanPage runs a page query and reads its people and their sort keys,
// then the query's last columns into counts (numbers of matches).
func scanPage(ctx context.Context, tx querier, accountID int64, q string, args []any, counts ...*int64) ([]roster.User, []string, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	users := make([]roster.User, 0, roster.PageSize+1)
	keys := make([]string, 0, roster.PageSize+1)
	var u roster.User
	var key string
	var memberOf, rolesHeld []int64
	dest := []any{&u.ID, &u.Email, &u.Name, &u.Status, &u.CreatedAt, &u.LastSignInAt, &u.InvitedByID, &u.InvitedByName,
		&memberOf, &rolesHeld, &key}
	for _, c := range counts {
		dest = append(dest, c)
	}
	for rows.Next() {
		// Fresh each row: the sign-in time is a pointer, and a person's
		// role ids are cut from their own roles_held.
		u, memberOf, rolesHeld = roster.User{}, nil, nil
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		u.AccountID = accountID
		var err error
		if u.Memberships, err = membershipsOf(memberOf, rolesHeld); err != nil {
			return nil, nil, fmt.Errorf("person %d: %w", u.ID, err)
		}
		users = append(users, u)
		keys = append(keys, key)
	}
	return users, keys, rows.Err()
}

// membershipsOf is a person's memberships from their row's member_of
// (group ids, ascending) and roles_held (the group ids, then the role ids,
// of their role assignments ordered by group then role): each one's role
// ids are cut from roles_held, capacity capped (no copy, and an append
// cannot reach the next group's).
func membershipsOf(memberOf, rolesHeld []int64) ([]roster.Membership, error) {
	if len(rolesHeld)%2 != 0 {
		return nil, fmt.Errorf("%d role assignment ids, not pairs", len(rolesHeld))
	}
	n := len(rolesHeld) / 2
	groups, roles := rolesHeld[:n], rolesHeld[n:]
	if roles == nil {
		roles = []int64{}
	}
	ms := make([]roster.Membership, len(memberOf))
	k := 0
	for j, g := range memberOf {
		for k < n && groups[k] < g { // a role without its membership cannot be: skip
			k++
		}
		a := k
		for k < n && groups[k] == g {
			k++
		}
		ms[j] = roster.Membership{GroupID: g, RoleIDs: roles[a:k:k]}
	}
	return ms, nil
}

// countUsers sets total to the number of people matching f, counting at
// most countLimit()+1 of them.
func (s *UserStore) countUsers(ctx context.Context, tx querier, accountID int64, f roster.UserFilter, filterSQL string, filterArgs []any, total *int64) error {
	if f.Query != "" {
		// The people whose name starts with the term match it (a
		// person's search text starts with their name key), and they lie
		// together in the name index: when they alone pass the bound,
		// the total is "10,000+" without reading the others.
		pw := &where{}
		pw.add("u.account_id = %s", accountID)
		pat := searchPattern(f.Query)
		pw.add("u.name_key LIKE roster_normalize(%s) || '%%'", pat)
		rest := f
		rest.Query = ""
		userConditions(pw, accountID, rest)
		var n int64
		err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM users u WHERE %s ORDER BY u.name_key LIMIT %d) s`,
			pw.sql(), s.countLimit()+1), pw.args...).Scan(&n)
		if err != nil {
			return err
		}
		if n > s.countLimit() {
			*total = n
			return nil
		}
	}
	countSQL := fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM users u WHERE %s LIMIT %d) s`, filterSQL, s.countLimit()+1)
	countArgs := filterArgs
	if f.Query != "" && !f.ShortQuery() && filterOnly(f, roster.UserFilter{Query: f.Query}) {
		// A search alone: its search rows, without a person's row.
		cw := &where{}
		pat := searchPattern(f.Query)
		cw.add(searchSetSQL, accountID, pat, pat, pat, pat)
		countSQL = fmt.Sprintf(`WITH c AS MATERIALIZED (SELECT 1 FROM people_search s WHERE %s) SELECT count(*) FROM (SELECT 1 FROM c LIMIT %d) c`, cw.sql(), s.countLimit()+1)
		countArgs = cw.args
	}
	if only := (roster.UserFilter{GroupID: f.GroupID, ExcludeSubgroups: true}); f.GroupID != 0 && filterOnly(f, only) {
		// A group's own members alone: read from the membership index
		// (every membership's person is in the account), without looking
		// each person up. (With its subgroups, the count is kept.)
		countSQL = fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM memberships m WHERE m.account_id = $1 AND m.group_id = $2 LIMIT %d) s`, s.countLimit()+1)
		countArgs = []any{accountID, f.GroupID}
	}
	if only := (roster.UserFilter{RoleIDs: f.RoleIDs}); len(f.RoleIDs) > 1 && filterOnly(f, only) {
		// Roles alone: their holders (each person once per role, every
		// one in the account), without joining every person of the
		// account. (One role's count is kept.)
		countSQL = fmt.Sprintf(`SELECT count(*) FROM (SELECT DISTINCT h.user_id FROM role_holders h
		WHERE h.account_id = $1 AND h.role_id = ANY($2) LIMIT %d) s`, s.countLimit()+1)
		countArgs = []any{accountID, f.RoleIDs}
	}
	return tx.QueryRow(ctx, countSQL, countArgs...).Scan(total)
}

// roleHolderCountSQL is a role's kept count (migration 00016): the folded
// number plus the deltas not folded yet. It is written into each statement
// that needs it: as a SQL function that PostgreSQL cannot inline, the
// body was parsed and planned again on every call, 0.2 ms of the 0.9 ms
// a role's page ran in the database (migration 00023 drops it).
func roleHolderCountSQL(account, role string) string {
	return fmt.Sprintf(`(coalesce((SELECT c.holders FROM role_holder_counts c WHERE c.account_id = %[1]s AND c.role_id = %[2]s), 0)
	+ coalesce((SELECT sum(d.delta) FROM role_holder_deltas d WHERE d.account_id = %[1]s AND d.role_id = %[2]s), 0))`, account, role)
}

// filterOnly reports whether f narrows the table exactly as only does
// (sort and page aside).
func filterOnly(f, only roster.UserFilter) bool {
	return f.Query == only.Query && f.Status == only.Status && slices.Equal(f.RoleIDs, only.RoleIDs) && f.GroupID == only.GroupID &&
		f.ExcludeSubgroups == only.ExcludeSubgroups && f.NeverSignedIn == only.NeverSignedIn && f.WithoutGroup == only.WithoutGroup &&
		f.InvitedBy == only.InvitedBy && slices.Equal(f.Scope, only.Scope) && (f.Scope == nil) == (only.Scope == nil)
}

// userConditions adds the People filter's conditions on users u.
func userConditions(w *where, accountID int64, f roster.UserFilter) {
	if f.Scope != nil {
		w.add(inScopeSQL, accountID, f.Scope)
	}
	if f.Query != "" {
		if f.ShortQuery() {
			searchRow(w, f)
		} else {
			pat := searchPattern(f.Query)
			w.add("u.id IN (SELECT s.user_id FROM people_search s WHERE "+searchSetSQL+")", accountID, pat, pat, pat, pat)
		}
	}
	if f.Status != "" {
		w.add("u.status = %s", f.Status)
	}
	if f.NeverSignedIn {
		w.add("u.last_sign_in_at IS NULL")
	}
	if f.WithoutGroup {
		w.add("u.group_count = 0")
	}
	if f.InvitedBy != 0 {
		w.add("u.invited_by = %s", f.InvitedBy)
	}
	if len(f.RoleIDs) > 0 {
		w.add("EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.account_id = u.account_id AND ra.user_id = u.id AND ra.role_id = ANY(%s))", f.RoleIDs)
	}
	if f.GroupID != 0 {
		if f.ExcludeSubgroups {
			w.add("EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = u.account_id AND m.user_id = u.id AND m.group_id = %s)", f.GroupID)
		} else {
			// A semi-join the planner can estimate: a small subtree is
			// read from memberships_group_idx and sorted, a large one is
			// probed person by person along the sort index. (An array of
			// subtree ids computed in an InitPlan hid the subtree's size,
			// and a deep team of 272 walked 19,000 people by name.)
			w.add(`u.id IN (SELECT m.user_id FROM memberships m JOIN groups g ON g.account_id = m.account_id AND g.id = m.group_id
			  WHERE m.account_id = %s AND g.path @> ARRAY[%s::bigint])`, accountID, f.GroupID)
		}
	}
}

// inScopeSQL holds a person u to a group administrator's subtrees: a
// membership in one of them. Values: account, scope.
const inScopeSQL = `u.id IN (SELECT m.user_id FROM memberships m JOIN groups g ON g.account_id = m.account_id AND g.id = m.group_id
	  WHERE m.account_id = %s AND g.path && %s::bigint[])`

// PeopleInScope reports, of ids, those a group administrator's scope
// reaches (a membership in its subtrees) and whether every membership of
// theirs lies in it (only then may they change their status or remove
// them). Ids it does not reach are absent.
func (s *UserStore) PeopleInScope(ctx context.Context, accountID int64, scope, ids []int64) (map[int64]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT m.user_id, bool_and(g.path && $3::bigint[])
	FROM memberships m JOIN groups g ON g.account_id = m.account_id AND g.id = m.group_id
	WHERE m.account_id = $1 AND m.user_id = ANY($2)
	GROUP BY m.user_id
	HAVING bool_or(g.path && $3::bigint[])`, accountID, ids, scope)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	var id int64
	var whole bool
	_, err = pgx.ForEachRow(rows, []any{&id, &whole}, func() error { out[id] = whole; return nil })
	return out, err
}

// User returns one person of the account with their memberships.
// ENOTFOUND when no such person is in the account.
func (s *UserStore) User(ctx context.Context, accountID, userID int64) (roster.User, error) {
	var u roster.User
	var memberOf, rolesHeld []int64
	err := s.pool.QueryRow(ctx, `SELECT u.id, u.account_id, u.email, u.name, u.status, coalesce(u.locale, ''), u.created_at,
	       u.last_sign_in_at, u.invited_by, coalesce(ib.name, ''), u.member_of, u.roles_held
	FROM users u LEFT JOIN users ib ON ib.account_id = u.account_id AND ib.id = u.invited_by
	WHERE u.account_id = $1 AND u.id = $2`, accountID, userID).
		Scan(&u.ID, &u.AccountID, &u.Email, &u.Name, &u.Status, &u.Locale, &u.CreatedAt, &u.LastSignInAt, &u.InvitedByID, &u.InvitedByName,
			&memberOf, &rolesHeld)
	if err != nil {
		return u, mapError(err, "person")
	}
	u.Memberships, err = membershipsOf(memberOf, rolesHeld)
	return u, err
}

// Administrators lists the people holding Administrator anywhere in the
// account (the "invited by" choices), by name.
func (s *UserStore) Administrators(ctx context.Context, accountID int64) ([]roster.User, error) {
	// The holders are found first (a few hundred in a million), then
	// fetched by primary key and sorted. Planned as one join, the planner
	// could not tell how rare the role is (it is named through roles.key)
	// and walked 900,000 people by name (16 s), or hashed them all.
	rows, err := s.pool.Query(ctx, `SELECT u.id, u.name, u.email FROM users u
	WHERE u.account_id = $1 AND u.id = ANY(ARRAY(
	    SELECT ra.user_id FROM role_assignments ra JOIN roles r ON r.account_id = ra.account_id AND r.id = ra.role_id
	    WHERE ra.account_id = $1 AND r.key = 'administrator'))
	ORDER BY u.name_key, u.id LIMIT 500`, accountID)
	if err != nil {
		return nil, err
	}
	var out []roster.User
	var u roster.User
	_, err = pgx.ForEachRow(rows, []any{&u.ID, &u.Name, &u.Email}, func() error {
		out = append(out, roster.User{ID: u.ID, Name: u.Name, Email: u.Email, AccountID: accountID})
		return nil
	})
	return out, err
}

// Dashboard returns the summary cards: user counts come from the counters
// kept by triggers, the pending invitations from their counter less those
// past expiry the sweeper has not marked yet, "expiring soon" is an index
// range scan, and the chart reads the weekly counts kept by triggers. One
// statement, so one round trip and one snapshot.
//
// For a group administrator (a non-nil scope) the counts are of their
// subtrees and read from the rows: a subtree has no counters of its own.
func (s *UserStore) Dashboard(ctx context.Context, accountID int64, scope []int64, now time.Time, soon time.Duration) (roster.Dashboard, error) {
	var d roster.Dashboard
	start := weekStart(now).AddDate(0, 0, -7*11)
	d.Weeks = make([]roster.WeekStat, 12)
	for i := range d.Weeks {
		d.Weeks[i].Start = start.AddDate(0, 0, 7*i)
	}
	var weeks []time.Time
	var sent, accepted []int64
	q := dashboardSQL
	args := []any{accountID, now, now.Add(soon), start.Format("2006-01-02")}
	if scope != nil {
		q = dashboardScopedSQL
		args = append(args, scope)
	}
	dest := []any{&d.Total, &d.Active, &d.Deactivated, &d.NeverSignedIn, &d.WithoutGroup, &d.Administrators,
		&d.Pending, &d.ExpiringSoon, &d.JoinRequests, &weeks, &sent, &accepted}
	var err error
	if scope == nil {
		// The kept counters: one plan serves every account.
		err = s.pool.QueryRow(ctx, q, args...).Scan(dest...)
	} else {
		// A group administrator's subtrees are counted from their rows: a
		// plan for their size (see readPlanned).
		err = pgx.BeginTxFunc(ctx, s.pool, readPlanned, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, q, args...).Scan(dest...)
		})
	}
	if err != nil {
		return d, err
	}
	for k, at := range weeks {
		i := int(at.Sub(start) / (7 * 24 * time.Hour))
		if i < 0 || i >= len(d.Weeks) {
			continue
		}
		d.Weeks[i].Sent += sent[k]
		d.Weeks[i].Accepted += accepted[k]
	}
	return d, nil
}

// dashboardSQL reads the account's cards. Values: account, now, end of
// "expiring soon", first week of the chart.
const dashboardSQL = `SELECT coalesce(c.users_total, 0), coalesce(c.users_active, 0), coalesce(c.users_deactivated, 0),
	       coalesce(c.users_never_signed_in, 0), coalesce(c.users_without_group, 0), coalesce(c.administrators, 0),
	       coalesce((SELECT invitations_pending FROM invitation_counters WHERE account_id = $1), 0)
	         - (SELECT count(*) FROM invitations WHERE account_id = $1 AND status = 'pending' AND expires_at <= $2),
	       (SELECT count(*) FROM invitations WHERE account_id = $1 AND status = 'pending' AND expires_at > $2 AND expires_at <= $3),
	       (SELECT count(*) FROM join_requests WHERE account_id = $1 AND status = 'pending'),
	       w.weeks, w.sent, w.accepted
	FROM (SELECT 1) one
	LEFT JOIN account_counters c ON c.account_id = $1
	CROSS JOIN (SELECT coalesce(array_agg(week::timestamp AT TIME ZONE 'UTC' ORDER BY week), '{}') AS weeks,
	                   coalesce(array_agg(sent ORDER BY week), '{}') AS sent, coalesce(array_agg(accepted ORDER BY week), '{}') AS accepted
	            FROM invitation_weeks WHERE account_id = $1 AND week >= $4::date AND week < $4::date + 84) w`

// dashboardScopedSQL is dashboardSQL for a group administrator's subtrees
// ($5): people with a membership there, invitations and join requests
// whose every group lies there.
const dashboardScopedSQL = `WITH sg AS (SELECT coalesce(array_agg(id), '{}') AS ids FROM groups WHERE account_id = $1 AND path && $5::bigint[]),
	p AS (SELECT u.status, u.last_sign_in_at, u.group_count, u.admin_grants FROM users u
	      WHERE u.account_id = $1 AND u.id IN (SELECT m.user_id FROM memberships m WHERE m.account_id = $1 AND m.group_id = ANY((SELECT ids FROM sg)::bigint[]))),
	i AS (SELECT status, kind, expires_at, created_at, accepted_at FROM invitations
	      WHERE account_id = $1 AND cardinality(group_ids) > 0 AND group_ids <@ (SELECT ids FROM sg)),
	w AS (SELECT week, sum(sent) AS sent, sum(accepted) AS accepted FROM (
	        SELECT invitation_week(created_at) AS week, 1 AS sent, 0 AS accepted FROM i WHERE kind = 'email'
	        UNION ALL SELECT invitation_week(accepted_at), 0, 1 FROM i WHERE kind = 'email' AND accepted_at IS NOT NULL) x
	      WHERE week >= $4::date AND week < $4::date + 84 GROUP BY week)
	SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM p WHERE status = 'active'), (SELECT count(*) FROM p WHERE status = 'deactivated'),
	       (SELECT count(*) FROM p WHERE last_sign_in_at IS NULL), (SELECT count(*) FROM p WHERE group_count = 0),
	       (SELECT count(*) FROM p WHERE admin_grants > 0),
	       (SELECT count(*) FROM i WHERE status = 'pending' AND expires_at > $2),
	       (SELECT count(*) FROM i WHERE status = 'pending' AND expires_at > $2 AND expires_at <= $3),
	       (SELECT count(*) FROM join_requests j WHERE j.account_id = $1 AND j.status = 'pending'
	          AND cardinality(j.group_ids) > 0 AND j.group_ids <@ (SELECT ids FROM sg)),
	       coalesce((SELECT array_agg(week::timestamp AT TIME ZONE 'UTC' ORDER BY week) FROM w), '{}'),
	       coalesce((SELECT array_agg(sent ORDER BY week) FROM w), '{}'),
	       coalesce((SELECT array_agg(accepted ORDER BY week) FROM w), '{}')`

// weekStart returns the Monday 00:00 UTC of t's week.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	day := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-day, 0, 0, 0, 0, time.UTC)
}

// where builds a WHERE clause with numbered parameters.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each %s in cond becomes the next $n for args.
func (w *where) add(cond string, args ...any) {
	ph := make([]any, len(args))
	for i := range args {
		w.args = append(w.args, args[i])
		ph[i] = "$" + strconv.Itoa(len(w.args))
	}
	w.conds = append(w.conds, fmt.Sprintf(cond, ph...))
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// searchPattern is a search term as a LIKE pattern matching it literally,
// without control characters (ParseFilters drops them already): a term
// cannot then span the \x01 joining the tails of roster_search_rest.
func searchPattern(q string) string { return escapeLike(roster.DropControl(q)) }

// searchTailsSQL matches a person's search row s (people_search,
// migration 00020) whose name key or email key contains a term of three
// characters or more (three values: its pattern) other than as the start
// of the name key: the term occurs after the first character of either
// (the trigram index over both tails), or the email key starts with it and
// shares less than its length with the start of the name key
// (people_search_lead_idx). With "the name key starts with it" (a range of
// the name index) this is exactly "the name or the email contains it".
// (An escaped pattern is longer than its term: the email-lead range then
// takes in a few more people, each of them a match.)
const searchTailsSQL = `s.rest LIKE '%%' || roster_normalize(%s) || '%%' OR
	  (s.email_key LIKE roster_normalize(%s) || '%%' AND s.lead = ANY(ARRAY(SELECT generate_series(0, length(roster_normalize(%s)) - 1))))`

// searchSetSQL is the search rows s of the account (one value) matching a
// term of three characters or more (four values: its pattern), each part
// through its own index of people_search, ORed into one bitmap.
const searchSetSQL = `s.account_id = %s AND (s.name_key LIKE roster_normalize(%s) || '%%' OR ` + searchTailsSQL + `)`

// searchRow adds the search term's condition as a test of each row of u
// (name_key and email_key), for the walks along a sort order: the plain
// definition on the keys, cheaper per row than the parts. "Contains" is
// strpos, not LIKE '%term%': a walk of 5,457 entries to find a page of
// "dubois" filtered in 1.6 ms instead of 2.0.
func searchRow(w *where, f roster.UserFilter) {
	if f.ShortQuery() {
		// Too short for trigrams to narrow a "contains" match: match the
		// start of the name, of any word of it, or of the email.
		pat := searchPattern(f.Query)
		w.add("(u.name_key LIKE roster_normalize(%s) || '%%' OR u.name_key LIKE '%% ' || roster_normalize(%s) || '%%' OR u.email_key LIKE roster_normalize(%s) || '%%')", pat, pat, pat)
		return
	}
	term := roster.DropControl(f.Query)
	w.add("(strpos(u.name_key, roster_normalize(%s)) > 0 OR strpos(u.email_key, roster_normalize(%s)) > 0)", term, term)
}

// Cursors are opaque to the browser: the id and the sort key (in its text
// form, which PostgreSQL reads back exactly, -infinity included) of a row.
func encodeCursor(key string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10) + ":" + key))
}

// checkTimestamp accepts a timestamp as PostgreSQL writes it in UTC.
func checkTimestamp(v string) error {
	if v == "-infinity" {
		return nil
	}
	if _, err := time.Parse("2006-01-02 15:04:05.999999-07", v); err != nil {
		return roster.Errorf(roster.EINVALID, "page cursor is not valid")
	}
	return nil
}

func decodeCursor(c string) (string, int64, error) {
	bad := roster.Errorf(roster.EINVALID, "page cursor is not valid")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, bad
	}
	idStr, k, ok := strings.Cut(string(b), ":")
	// PostgreSQL refuses text that is not UTF-8 or holds NUL (SQLSTATE
	// 22021): a tampered key must read as a bad cursor, not a failure.
	if !ok || !utf8.ValidString(k) || strings.ContainsRune(k, 0) {
		return "", 0, bad
	}
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, bad
	}
	return k, id, nil
}
