package postgres

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/roster-hub/roster/internal/roster"
)

// TestFindUsersSearchMatchesBruteForce checks every step of a search (the
// name's start and the others, the capped read, the bounded walk of the
// sort index, and reading every match) against what a search means ("the
// name or the email contains the term") run as a plain sequential scan,
// on people whose names cluster
// (a common first name sorts together), spread (a common surname part), or
// are rare, with accents, in every sort and direction, paged forwards and
// back, with other filters combined, and with counts under and over the bound.
func TestFindUsersSearchMatchesBruteForce(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	f := newFixture(t, pool, roster.Signup{AccountName: "Search Co", Name: "Ada Admin", Email: "ada@search.example", PasswordHash: "x"}, testNow)
	other := newFixture(t, pool, roster.Signup{AccountName: "Other Co", Name: "James Other", Email: "james@other.example", PasswordHash: "x"}, testNow)
	dept := f.group(t, f.root, "Sales")
	team := f.group(t, dept, "EMEA")
	nordics := f.group(t, dept, "Nordics") // 120 people, of Sales and EMEA too
	// 3,000 people: a tenth are "James …" (together under J), surnames
	// ending in "son" are spread through the alphabet, "Zoë"/"Zoe" and
	// "José" test accents, a few rare names; one in fifty has an email
	// starting "james." whatever their name, one in fifty "j."; deterministic
	// variety in status, sign-in, dates, groups and roles.
	const people = 3000
	f.exec(t, `INSERT INTO users (account_id, email, name, status, password_hash, created_at, last_sign_in_at)
	SELECT $1, CASE WHEN i % 50 = 7 THEN 'james' WHEN i % 50 = 8 THEN 'j' ELSE lower(translate(fn, 'ëéÓó', 'eeOo')) END || '.' || lower(translate(ln, 'ëéÓó', 'eeOo')) || i || '@search.example', fn || ' ' || ln,
	       CASE WHEN i % 13 = 0 THEN 'deactivated' ELSE 'active' END, 'x',
	       $2::timestamptz - make_interval(days => (i * 37) % 900, secs => i),
	       CASE WHEN i % 7 = 0 THEN NULL ELSE $2::timestamptz - make_interval(hours => (i * 53) % 5000, secs => i) END
	FROM (SELECT i,
	        CASE WHEN i % 10 = 3 THEN 'James'
	             ELSE (ARRAY['Ann','Bea','Carl','Dora','Eli','Finn','Gus','Hana','Ivy','José','Kai','Lena','Mark','Mary','Nils','Otto','Pia','Quinn','Rosa','Sam','Tara','Uma','Vic','Wendy','Xena','Yuri','Zoë','Zoe'])[1 + (i * 5) % 28] END AS fn,
	        (ARRAY['Anderson','Baker','Carlson','Dunn','Ellison','Fox','Gray','Hudson','Irwin','Jameson','Klein','Lee','Mason','Nash','Ólafsson','Park','Quist','Ross','Stone','Taylor','Ueda','Vance','Watson','Xu','Young','Zhang'])[1 + (i * 11) % 26]
	        || CASE WHEN i % 997 = 0 THEN '-Lunaley' ELSE '' END AS ln
	      FROM generate_series(1, $3::int) i) s`, f.acc.ID, testNow, people)
	f.exec(t, `INSERT INTO memberships (account_id, user_id, group_id)
	SELECT account_id, id, CASE WHEN id % 3 = 0 THEN $2::bigint ELSE $3::bigint END FROM users WHERE account_id = $1 AND id % 4 <> 0 AND email LIKE '%search.example' AND email <> 'ada@search.example'`,
		f.acc.ID, dept, team)
	f.exec(t, `INSERT INTO memberships (account_id, user_id, group_id)
	SELECT account_id, id, $2 FROM users WHERE account_id = $1 AND id % 25 = 1 AND email LIKE '%search.example' AND email <> 'ada@search.example'`,
		f.acc.ID, nordics)
	f.exec(t, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id)
	SELECT m.account_id, m.user_id, m.group_id, CASE WHEN m.user_id % 5 = 0 THEN $2::bigint ELSE $3::bigint END
	FROM memberships m WHERE m.account_id = $1 AND m.user_id % 2 = 0 AND m.group_id <> $4`, f.acc.ID, f.roles["finance"], f.roles["requisitioner"], f.root)
	// The other account's people match the same terms and must never show.
	other.exec(t, `INSERT INTO users (account_id, email, name, password_hash) SELECT $1, 'james.jameson' || i || '@other.example', 'James Jameson', 'x' FROM generate_series(1, 300) i`, other.acc.ID)
	f.exec(t, `ANALYZE users`)

	// Every step happens on this data: by name, a term found by a name's
	// start and at most 40 others is answered from the name index
	// ("zoe", "jose"; "james" has 60 emails and 115 Jamesons besides), and
	// with tails 1000 every term is; terms with at most 30 matches are
	// answered by the capped trigram read, others walk the sort index or
	// read every match; Sales' subtree (2,250 people) is walked by name,
	// EMEA's (1,500) read from the membership index.
	// bounded reads the others up to the count's bound, as in production;
	// tight's bound (100) is passed by a surname's people alone ("taylor":
	// 115), whose count then comes from the last-word index.
	// sparing rechecks at most 50 matches for an exact count: "taylor"
	// (115 last words) and "son" (inside many surnames) are counted as
	// "more than" what it proved, and paged by its walk.
	narrow, wide, bounded, tight, sparing := NewUserStore(pool), NewUserStore(pool), NewUserStore(pool), NewUserStore(pool), NewUserStore(pool)
	narrow.walk, narrow.rare, narrow.team, narrow.tails, narrow.bound = 60, 30, 2000, 40, 250
	wide.walk, wide.rare, wide.team, wide.tails, wide.bound = 60, 30, 2000, 1000, 250
	bounded.walk, bounded.rare, bounded.team, bounded.bound = 60, 30, 2000, 250
	tight.walk, tight.rare, tight.team, tight.bound = 60, 30, 2000, 100
	sparing.walk, sparing.rare, sparing.team, sparing.bound, sparing.recheck = 3000, 30, 2000, 250, 50
	moreThan := map[string]bool{} // the terms sparing counted as "more than"
	// brute returns the ids of the plain query, in order.
	brute := func(fl roster.UserFilter) []int64 {
		sc := sortColumns[cmp.Or(fl.Sort, roster.SortName)]
		w := &where{}
		w.add("u.account_id = %s", f.acc.ID)
		rest := fl
		rest.Query = ""
		userConditions(w, f.acc.ID, rest)
		// What a search means, written plainly: the name or the email
		// contains the term (1 or 2 characters: starts the name, a word of
		// it, or the email).
		if pat := escapeLike(fl.Query); fl.ShortQuery() {
			w.add("(u.name_key LIKE roster_normalize(%s) || '%%' OR u.name_key LIKE '%% ' || roster_normalize(%s) || '%%' OR u.email_key LIKE roster_normalize(%s) || '%%')", pat, pat, pat)
		} else if fl.Query != "" {
			w.add("(u.name_key LIKE '%%' || roster_normalize(%s) || '%%' OR u.email_key LIKE '%%' || roster_normalize(%s) || '%%')", pat, pat)
		}
		dir := "ASC"
		if fl.Desc {
			dir = "DESC"
		}
		var ids []int64
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			// No index can shape this answer: a sequential scan and a sort.
			if _, err := tx.Exec(ctx, `SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexonlyscan = off`); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT u.id FROM users u WHERE %s ORDER BY %s %s, u.id %s`, w.sql(), sc.col, dir, dir), w.args...)
			if err != nil {
				return err
			}
			ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	idsOf := func(us []roster.User) []int64 {
		out := make([]int64, len(us))
		for i, u := range us {
			out[i] = u.ID
		}
		return out
	}
	queries := []string{"", "james", "JAMES", "jam", "son", "jameson", "zoe", "zoë", "josé", "jose", "lunaley", "ma", "j", "é", "nobody", "100", "s.example", "%", "_", "ann mas", "quinn young",
		"james.", "james.b", "j.b", "ames", "mes.", "zoe.", "ann", "rosa", "search", "example", "n j", "taylor", "tay", "wats"}
	var filters []roster.UserFilter
	for _, q := range queries {
		for _, s := range []string{roster.SortName, roster.SortEmail, roster.SortAdded, roster.SortSignIn} {
			for _, desc := range []bool{false, true} {
				filters = append(filters, roster.UserFilter{Query: q, Sort: s, Desc: desc})
			}
		}
		filters = append(filters,
			roster.UserFilter{Query: q, Status: roster.StatusActive},
			roster.UserFilter{Query: q, GroupID: dept},
			roster.UserFilter{Query: q, GroupID: team, Sort: roster.SortAdded, Desc: true},
			roster.UserFilter{Query: q, GroupID: dept, ExcludeSubgroups: true},
			roster.UserFilter{Query: q, RoleIDs: []int64{f.roles["finance"]}},
			roster.UserFilter{Query: q, RoleIDs: []int64{f.roles["requisitioner"]}, Desc: true},
			roster.UserFilter{Query: q, RoleIDs: []int64{f.roles["finance"], f.roles["requisitioner"]}},
			roster.UserFilter{Query: q, RoleIDs: []int64{f.roles["finance"]}, Status: roster.StatusDeactivated},
			roster.UserFilter{Query: q, RoleIDs: []int64{f.roles["requisitioner"]}, Status: roster.StatusDeactivated},
			roster.UserFilter{Query: q, RoleIDs: []int64{f.roles["finance"], f.roles["requisitioner"]}, GroupID: dept, Status: roster.StatusDeactivated, Desc: true},
			roster.UserFilter{Query: q, GroupID: dept, Status: roster.StatusDeactivated},
			roster.UserFilter{Query: q, GroupID: team, ExcludeSubgroups: true, Status: roster.StatusDeactivated},
			roster.UserFilter{Query: q, NeverSignedIn: true, Status: roster.StatusDeactivated},
			roster.UserFilter{Query: q, GroupID: dept, RoleIDs: []int64{f.roles["requisitioner"]}, NeverSignedIn: true},
			roster.UserFilter{Query: q, RoleIDs: []int64{f.roles["finance"]}, NeverSignedIn: true, Status: roster.StatusActive},
			roster.UserFilter{Query: q, WithoutGroup: true, Status: roster.StatusDeactivated},
			roster.UserFilter{Query: q, GroupID: nordics, Status: roster.StatusActive},
			roster.UserFilter{Query: q, GroupID: nordics, RoleIDs: []int64{f.roles["requisitioner"]}, Desc: true},
			roster.UserFilter{Query: q, WithoutGroup: true, Status: roster.StatusDeactivated},
			roster.UserFilter{Query: q, GroupID: team},
			roster.UserFilter{Query: q, GroupID: nordics},
			roster.UserFilter{Query: q, GroupID: nordics, Desc: true},
			roster.UserFilter{Query: q, GroupID: team, Desc: true},
			roster.UserFilter{Query: q, GroupID: dept, Desc: true},
			roster.UserFilter{Query: q, GroupID: dept, Status: roster.StatusActive, RoleIDs: []int64{f.roles["requisitioner"]}},
			roster.UserFilter{Query: q, GroupID: dept, ExcludeSubgroups: true, NeverSignedIn: true},
			roster.UserFilter{Query: q, WithoutGroup: true, Sort: roster.SortSignIn, Desc: true},
			roster.UserFilter{Query: q, Scope: []int64{team}},
		)
	}
	for _, store := range []*UserStore{narrow, wide, bounded, tight, sparing} {
		for _, fl := range filters {
			// A group's walk of its memberships (walkRows) reads them all
			// with sparing's bound, and stops early with narrow's.
			walksGroup := store == sparing && fl.Query == "" && fl.GroupID != 0
			if store != narrow && !walksGroup && (cmp.Or(fl.Sort, roster.SortName) != roster.SortName || fl.GroupID != 0 || fl.Scope != nil || fl.Query == "" || fl.ShortQuery()) {
				continue // the steps after the first are narrow's
			}
			want := brute(fl)
			name := fmt.Sprintf("%q sort=%s desc=%v status=%s roles=%v group=%d scope=%v", fl.Query, fl.Sort, fl.Desc, fl.Status, fl.RoleIDs, fl.GroupID, fl.Scope)
			// The first page with its count, at two page sizes.
			for _, limit := range []int{50, 7} {
				fl := fl
				fl.Limit = limit
				p, err := store.FindUsers(ctx, f.acc.ID, fl)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if g, w := idsOf(p.Users), want[:min(limit, len(want))]; !slices.Equal(g, w) {
					t.Errorf("%s limit %d: first page %v, want %v", name, limit, g, w)
				}
				wantTotal, wantCapped := int64(len(want)), false
				// Without a search, an inviter or a scope, the count of any
				// status, sign-in, one role and one group with its subgroups
				// (or none) is kept (people_counts), not bounded.
				kept := fl.Query == "" && fl.InvitedBy == 0 && fl.Scope == nil && len(fl.RoleIDs) <= 1 &&
					(fl.GroupID == 0 || !fl.ExcludeSubgroups && !fl.WithoutGroup)
				if wantTotal > int64(store.bound) && !kept {
					wantTotal, wantCapped = int64(store.bound), true
				}
				switch {
				case store.recheck > 0 && p.TotalCapped && p.Total < int64(min(len(want), store.bound)):
					// "More than" a round number below what it proved,
					// only past the matches it may recheck.
					if len(want) <= store.recheck || p.Total < roundedBelow(int64(store.recheck)+1) {
						t.Errorf("%s limit %d: more than %d, want %d (rechecking up to %d)", name, limit, p.Total, len(want), store.recheck)
					}
					moreThan[fl.Query] = true
				case p.Total != wantTotal || p.TotalCapped != wantCapped:
					t.Errorf("%s limit %d: total %d capped %v, want %d capped %v", name, limit, p.Total, p.TotalCapped, wantTotal, wantCapped)
				}
			}
			// Page through a few pages forwards, then one back.
			fl.Limit = 40
			var got []int64
			var pages []roster.UserPage
			for range 4 {
				p, err := store.FindUsers(ctx, f.acc.ID, fl)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				pages = append(pages, p)
				got = append(got, idsOf(p.Users)...)
				if p.Next == "" {
					break
				}
				fl.After = p.Next
			}
			if w := want[:min(len(got), len(want))]; !slices.Equal(got, w) || (len(got) < len(want) && pages[len(pages)-1].Next == "") {
				t.Errorf("%s: paged %d rows, differ from the plain query's first %d", name, len(got), len(w))
			}
			if len(pages) >= 2 {
				fl.After, fl.Before = "", pages[len(pages)-1].Prev
				p, err := store.FindUsers(ctx, f.acc.ID, fl)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if g, w := idsOf(p.Users), idsOf(pages[len(pages)-2].Users); !slices.Equal(g, w) {
					t.Errorf("%s: page back %v, want %v", name, g, w)
				}
			}
		}
	}
	for _, q := range []string{"taylor", "son"} {
		if !moreThan[q] {
			t.Errorf("%q: counted exactly by a store rechecking up to %d matches", q, sparing.recheck)
		}
	}
}

func TestRoundedBelow(t *testing.T) {
	for n, want := range map[int64]int64{1: 0, 2: 1, 100: 99, 101: 100, 115: 110, 2001: 2000, 5096: 5000, 9982: 9900, 10001: 10000} {
		if got := roundedBelow(n); got != want {
			t.Errorf("roundedBelow(%d) = %d, want %d", n, got, want)
		}
	}
}
