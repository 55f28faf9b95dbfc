package postgres

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// testNow is the fixed "now" of the store tests: a Wednesday.
var testNow = time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC)

func tp(t time.Time) *time.Time { return &t }

// fixture is an account made with createAccount, plus helpers that add
// groups, people, memberships and roles to it with plain SQL.
type fixture struct {
	pool  *pgxpool.Pool
	acc   roster.Account
	admin roster.User
	root  int64
	roles map[string]int64 // built-in role key -> id
}

func newFixture(t *testing.T, pool *pgxpool.Pool, su roster.Signup, at time.Time) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{pool: pool, roles: map[string]int64{}}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		f.acc, f.admin, err = createAccount(ctx, tx, su, at)
		return err
	})
	if err != nil {
		t.Fatalf("createAccount(%q): %v", su.AccountName, err)
	}
	f.root = f.admin.Memberships[0].GroupID
	rows, err := pool.Query(ctx, `SELECT key, id FROM roles WHERE account_id = $1`, f.acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var key string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&key, &id}, func() error { f.roles[key] = id; return nil }); err != nil {
		t.Fatal(err)
	}
	return f
}

// group adds a group below parent, its path being the parent's path and
// its own id (as the seeder does).
func (f *fixture) group(t *testing.T, parent int64, name string) int64 {
	t.Helper()
	return f.groupWithID(t, parent, name, 0)
}

// groupWithID is group with a chosen id (0: the next one). Ids are only
// unique within an account (the keys include account_id), so another
// account may reuse them.
func (f *fixture) groupWithID(t *testing.T, parent int64, name string, id int64) int64 {
	t.Helper()
	ctx := t.Context()
	err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		var err error
		if id == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO groups (account_id, parent_id, name, path) VALUES ($1, $2, $3, '{}') RETURNING id`,
				f.acc.ID, parent, name).Scan(&id)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO groups (id, account_id, parent_id, name, path) OVERRIDING SYSTEM VALUE VALUES ($4, $1, $2, $3, '{}')`,
				f.acc.ID, parent, name, id)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE groups SET path = (SELECT p.path FROM groups p WHERE p.account_id = $1 AND p.id = $2) || id
		WHERE account_id = $1 AND id = $3`, f.acc.ID, parent, id)
		return err
	})
	if err != nil {
		t.Fatalf("add group %q: %v", name, err)
	}
	return id
}

type personSpec struct {
	id          int64 // 0: the next one
	name, email string
	status      string // "" is active
	created     time.Time
	signIn      *time.Time
	invitedBy   int64
}

func (f *fixture) user(t *testing.T, p personSpec) int64 {
	t.Helper()
	if p.status == "" {
		p.status = roster.StatusActive
	}
	if p.created.IsZero() {
		p.created = testNow.AddDate(0, -1, 0)
	}
	var ib *int64
	if p.invitedBy != 0 {
		ib = &p.invitedBy
	}
	id := p.id
	var err error
	if id == 0 {
		err = f.pool.QueryRow(t.Context(), `INSERT INTO users (account_id, email, name, status, password_hash, created_at, last_sign_in_at, invited_by)
		VALUES ($1, $2, $3, $4, 'x', $5, $6, $7) RETURNING id`, f.acc.ID, p.email, p.name, p.status, p.created, p.signIn, ib).Scan(&id)
	} else {
		_, err = f.pool.Exec(t.Context(), `INSERT INTO users (id, account_id, email, name, status, password_hash, created_at, last_sign_in_at, invited_by)
		OVERRIDING SYSTEM VALUE VALUES ($8, $1, $2, $3, $4, 'x', $5, $6, $7)`, f.acc.ID, p.email, p.name, p.status, p.created, p.signIn, ib, id)
	}
	if err != nil {
		t.Fatalf("add person %q: %v", p.email, err)
	}
	return id
}

// member puts the person in the group with the given built-in roles.
func (f *fixture) member(t *testing.T, userID, groupID int64, roleKeys ...string) {
	t.Helper()
	ctx := t.Context()
	if _, err := f.pool.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id) VALUES ($1, $2, $3)`, f.acc.ID, userID, groupID); err != nil {
		t.Fatalf("add membership: %v", err)
	}
	for _, k := range roleKeys {
		f.grant(t, userID, groupID, k)
	}
}

func (f *fixture) grant(t *testing.T, userID, groupID int64, roleKey string) {
	t.Helper()
	id, ok := f.roles[roleKey]
	if !ok {
		t.Fatalf("no role %q", roleKey)
	}
	if _, err := f.pool.Exec(t.Context(), `INSERT INTO role_assignments (account_id, user_id, group_id, role_id) VALUES ($1, $2, $3, $4)`,
		f.acc.ID, userID, groupID, id); err != nil {
		t.Fatalf("grant %s: %v", roleKey, err)
	}
}

func (f *fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// peopleFixture is account A ("Globex", the one searched) and account B
// ("Initech", similarly named people that must never show up in A).
type peopleFixture struct {
	a, b    *fixture
	ids     map[string]int64 // handle -> person id in A
	names   map[int64]string // person id in A -> handle
	groups  map[string]int64 // A's groups: root, F (Finance), P (Finance › Payables), E (… › EMEA), S (Sales)
	bGroups map[string]int64
	people  []fxPerson // every person of A, the admin included
}

// fxPerson holds what the sorts order by; nameKey is the name folded by
// hand (lower case, no accents), as the database must fold it.
type fxPerson struct {
	handle  string
	nameKey string
	email   string
	created time.Time
	signIn  *time.Time
}

func newPeopleFixture(t *testing.T, pool *pgxpool.Pool) *peopleFixture {
	t.Helper()
	t0 := testNow.AddDate(0, 0, -100)
	day := 24 * time.Hour
	px := &peopleFixture{ids: map[string]int64{}, names: map[int64]string{}, groups: map[string]int64{}, bGroups: map[string]int64{}}

	a := newFixture(t, pool, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "quinn@globex.example", PasswordHash: "x"}, t0)
	px.a = a
	px.ids["admin"] = a.admin.ID
	px.people = append(px.people, fxPerson{"admin", "quinn admin", "quinn@globex.example", t0, nil})
	px.groups["root"] = a.root
	px.groups["F"] = a.group(t, a.root, "Finance")
	px.groups["P"] = a.group(t, px.groups["F"], "Payables")
	px.groups["E"] = a.group(t, px.groups["P"], "EMEA")
	px.groups["S"] = a.group(t, a.root, "Sales")

	add := func(handle, nameKey string, p personSpec) {
		id := a.user(t, p)
		px.ids[handle] = id
		px.people = append(px.people, fxPerson{handle, nameKey, strings.ToLower(p.email), p.created, p.signIn})
	}
	add("zoe", "zoe muller", personSpec{name: "Zoë Müller", email: "zoe.muller@globex.example", created: t0.Add(1 * day), signIn: tp(testNow.Add(-time.Hour)), invitedBy: a.admin.ID})
	add("jose", "jose garcia", personSpec{name: "José García", email: "Jose.Garcia@globex.example", created: t0.Add(2 * day)})
	add("ana", "ana nunez", personSpec{name: "Ana Núñez", email: "ana.nunez@globex.example", status: roster.StatusDeactivated, created: t0.Add(3 * day), signIn: tp(testNow.Add(-48 * time.Hour))})
	// Two people with the same name, creation and sign-in: ties broken by id.
	add("bob1", "bob stone", personSpec{name: "Bob Stone", email: "bob.stone@globex.example", created: t0.Add(4 * day), signIn: tp(testNow.Add(-24 * time.Hour)), invitedBy: a.admin.ID})
	add("bob2", "bob stone", personSpec{name: "Bob Stone", email: "rock@globex.example", created: t0.Add(4 * day), signIn: tp(testNow.Add(-24 * time.Hour))})
	add("percy", "percy 50% off", personSpec{name: "Percy 50% Off", email: "percy_off@globex.example", created: t0.Add(5 * day)})
	add("percy2", "percy 500 off", personSpec{name: "Percy 500 Off", email: "percyxoff@globex.example", created: t0.Add(5 * day)})
	add("aug", "augustin rivers", personSpec{name: "Augustin Rivers", email: "a.rivers@globex.example", created: t0.Add(6 * day), signIn: tp(testNow.Add(-72 * time.Hour))})
	add("dee", "dee vance", personSpec{name: "Dee Vance", email: "dee.vance@globex.example", status: roster.StatusDeactivated, created: t0.Add(7 * day), invitedBy: px.ids["aug"]})
	for h, id := range px.ids {
		px.names[id] = h
	}

	a.member(t, px.ids["zoe"], px.groups["F"], roster.RoleApprover)
	a.member(t, px.ids["zoe"], px.groups["E"], roster.RoleRequisitioner)
	a.member(t, px.ids["jose"], px.groups["P"], roster.RoleRequisitioner, roster.RoleFinance)
	a.member(t, px.ids["jose"], px.groups["S"]) // a member without a role
	a.member(t, px.ids["ana"], px.groups["S"], roster.RoleAnalyst)
	a.member(t, px.ids["aug"], px.groups["E"], roster.RoleAdministrator)

	// Account B: the same shapes and names, without accents.
	b := newFixture(t, pool, roster.Signup{AccountName: "Initech", Name: "Quinn Admin", Email: "quinn@initech.example", PasswordHash: "x"}, t0)
	px.b = b
	px.bGroups["root"] = b.root
	px.bGroups["F"] = b.group(t, b.root, "Finance")
	px.bGroups["P"] = b.group(t, px.bGroups["F"], "Payables")
	px.bGroups["E"] = b.group(t, px.bGroups["P"], "EMEA")
	px.bGroups["S"] = b.group(t, b.root, "Sales")
	bz := b.user(t, personSpec{name: "Zoe Muller", email: "zoe.muller@initech.example", invitedBy: b.admin.ID, signIn: tp(testNow)})
	bj := b.user(t, personSpec{name: "Jose Garcia", email: "jose.garcia@initech.example"})
	ba := b.user(t, personSpec{name: "Ana Nunez", email: "ana.nunez@initech.example", status: roster.StatusDeactivated})
	b.user(t, personSpec{name: "Bob Stone", email: "bob.stone@initech.example", invitedBy: b.admin.ID})
	b.user(t, personSpec{name: "Percy 50% Off", email: "percy_off@initech.example"})
	bg := b.user(t, personSpec{name: "Augustin Rivers", email: "a.rivers@initech.example"})
	b.user(t, personSpec{name: "Dee Vance", email: "dee.vance@initech.example", status: roster.StatusDeactivated, invitedBy: bg})
	b.member(t, bz, px.bGroups["F"], roster.RoleApprover)
	b.member(t, bz, px.bGroups["E"], roster.RoleRequisitioner)
	b.member(t, bj, px.bGroups["P"], roster.RoleRequisitioner, roster.RoleFinance)
	b.member(t, bj, px.bGroups["S"])
	b.member(t, ba, px.bGroups["S"], roster.RoleAnalyst)
	b.member(t, bg, px.bGroups["E"], roster.RoleAdministrator)
	return px
}

func (px *peopleFixture) handles(users []roster.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		h, ok := px.names[u.ID]
		if !ok {
			h = fmt.Sprintf("FOREIGN(%d %s)", u.ID, u.Email)
		}
		out[i] = h
	}
	return out
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

type userFilterCase struct {
	name string
	f    roster.UserFilter
	want []string // handles, any order
}

// userFilterCases are the People filters on account A and who they find.
func (px *peopleFixture) userFilterCases() []userFilterCase {
	all := slices.Sorted(maps.Keys(px.ids))
	r := px.a.roles
	g := px.groups
	return []userFilterCase{
		{"no filter", roster.UserFilter{}, all},
		// contains search, case- and accent-insensitive, on name and email
		{"zoe finds Zoë", roster.UserFilter{Query: "zoe"}, []string{"zoe"}},
		{"MULLER finds Müller", roster.UserFilter{Query: "MULLER"}, []string{"zoe"}},
		{"accented query", roster.UserFilter{Query: "ZOË"}, []string{"zoe"}},
		{"garcia finds García", roster.UserFilter{Query: "garcia"}, []string{"jose"}},
		{"Núñez with accents", roster.UserFilter{Query: "Núñez"}, []string{"ana"}},
		{"NUNEZ", roster.UserFilter{Query: "NUNEZ"}, []string{"ana"}},
		{"contains mid-word", roster.UserFilter{Query: "nez"}, []string{"ana"}},
		{"contains in email", roster.UserFilter{Query: "rivers@"}, []string{"aug"}},
		{"email domain", roster.UserFilter{Query: "globex"}, all},
		{"name with space", roster.UserFilter{Query: "quinn admin"}, []string{"admin"}},
		{"two people named alike", roster.UserFilter{Query: "stone"}, []string{"bob1", "bob2"}},
		{"no match", roster.UserFilter{Query: "initech"}, nil},
		// 1–2 characters: start of the name, of a word of it, or of the email
		{"short: word start", roster.UserFilter{Query: "st"}, []string{"bob1", "bob2"}}, // not Augu-st-in
		{"short: name start, accent", roster.UserFilter{Query: "ZÖ"}, []string{"zoe"}},
		{"short: email start", roster.UserFilter{Query: "ro"}, []string{"bob2"}},
		{"short: one letter", roster.UserFilter{Query: "a"}, []string{"admin", "ana", "aug"}},
		{"short: mid-word no match", roster.UserFilter{Query: "ez"}, nil},
		{"short: mid-email no match", roster.UserFilter{Query: "gl"}, nil},
		// LIKE metacharacters are literal
		{"percent literal", roster.UserFilter{Query: "50%"}, []string{"percy"}},
		{"underscore literal", roster.UserFilter{Query: "y_o"}, []string{"percy"}},
		{"short percent", roster.UserFilter{Query: "%"}, nil},
		{"short underscore", roster.UserFilter{Query: "_"}, nil},
		{"backslash", roster.UserFilter{Query: `\`}, nil},
		{"backslash long", roster.UserFilter{Query: `ab\`}, nil},
		// filters
		{"status deactivated", roster.UserFilter{Status: roster.StatusDeactivated}, []string{"ana", "dee"}},
		{"status active", roster.UserFilter{Status: roster.StatusActive}, []string{"admin", "aug", "bob1", "bob2", "jose", "percy", "percy2", "zoe"}},
		{"role any of finance, analyst", roster.UserFilter{RoleIDs: []int64{r[roster.RoleFinance], r[roster.RoleAnalyst]}}, []string{"ana", "jose"}},
		{"role administrator", roster.UserFilter{RoleIDs: []int64{r[roster.RoleAdministrator]}}, []string{"admin", "aug"}},
		{"role approver", roster.UserFilter{RoleIDs: []int64{r[roster.RoleApprover]}}, []string{"zoe"}},
		{"group subtree", roster.UserFilter{GroupID: g["F"]}, []string{"aug", "jose", "zoe"}},
		{"group only", roster.UserFilter{GroupID: g["F"], ExcludeSubgroups: true}, []string{"zoe"}},
		{"deep group", roster.UserFilter{GroupID: g["E"]}, []string{"aug", "zoe"}},
		{"middle group", roster.UserFilter{GroupID: g["P"]}, []string{"aug", "jose", "zoe"}},
		{"middle group only", roster.UserFilter{GroupID: g["P"], ExcludeSubgroups: true}, []string{"jose"}},
		{"root subtree", roster.UserFilter{GroupID: g["root"]}, []string{"admin", "ana", "aug", "jose", "zoe"}},
		{"root only", roster.UserFilter{GroupID: g["root"], ExcludeSubgroups: true}, []string{"admin"}},
		{"sales", roster.UserFilter{GroupID: g["S"]}, []string{"ana", "jose"}},
		{"never signed in", roster.UserFilter{NeverSignedIn: true}, []string{"admin", "dee", "jose", "percy", "percy2"}},
		{"without group", roster.UserFilter{WithoutGroup: true}, []string{"bob1", "bob2", "dee", "percy", "percy2"}},
		{"invited by admin", roster.UserFilter{InvitedBy: px.ids["admin"]}, []string{"bob1", "zoe"}},
		{"invited by aug", roster.UserFilter{InvitedBy: px.ids["aug"]}, []string{"dee"}},
		// combinations
		{"active in finance", roster.UserFilter{Status: roster.StatusActive, GroupID: g["F"]}, []string{"aug", "jose", "zoe"}},
		{"short query without group", roster.UserFilter{Query: "o", WithoutGroup: true}, []string{"percy", "percy2"}},
		{"never signed in without group", roster.UserFilter{NeverSignedIn: true, WithoutGroup: true}, []string{"dee", "percy", "percy2"}},
		{"search and role", roster.UserFilter{Query: "globex", RoleIDs: []int64{r[roster.RoleRequisitioner]}}, []string{"jose", "zoe"}},
		// another account's ids match nothing here
		{"B's group", roster.UserFilter{GroupID: px.bGroups["F"]}, nil},
		{"B's root", roster.UserFilter{GroupID: px.bGroups["root"]}, nil},
		{"B's roles", roster.UserFilter{RoleIDs: slices.Collect(maps.Values(px.b.roles))}, nil},
		{"invited by B's admin", roster.UserFilter{InvitedBy: px.b.admin.ID}, nil},
	}
}

func TestFindUsersFilters(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	px := newPeopleFixture(t, pool)
	runUserFilterCases(t, px)
}

func runUserFilterCases(t *testing.T, px *peopleFixture) {
	store := NewUserStore(px.a.pool)
	for _, tc := range px.userFilterCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.f
			f.Limit = 100
			page, err := store.FindUsers(t.Context(), px.a.acc.ID, f)
			if err != nil {
				t.Fatalf("FindUsers: %v", err)
			}
			got := sortedCopy(px.handles(page.Users))
			want := sortedCopy(tc.want)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if page.Total != int64(len(tc.want)) || page.TotalCapped {
				t.Errorf("Total = %d (capped %v), want %d", page.Total, page.TotalCapped, len(tc.want))
			}
			if page.Next != "" || page.Prev != "" {
				t.Errorf("one page expected, got Next=%q Prev=%q", page.Next, page.Prev)
			}
			for _, u := range page.Users {
				if u.AccountID != px.a.acc.ID {
					t.Errorf("user %d has AccountID %d", u.ID, u.AccountID)
				}
			}
		})
	}
}

// TestFindUsersIsolation runs every kind of filter against both accounts:
// each answer holds only that account's people.
func TestFindUsersIsolation(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	px := newPeopleFixture(t, pool)
	store := NewUserStore(pool)
	for _, side := range []struct {
		fx     *fixture
		groups map[string]int64
		domain string
	}{{px.a, px.groups, "@globex.example"}, {px.b, px.bGroups, "@initech.example"}} {
		r := side.fx.roles
		filters := []roster.UserFilter{
			{}, {Query: "zoe"}, {Query: "ZÖ"}, {Query: "muller"}, {Query: "stone"}, {Query: "st"}, {Query: "a"},
			{Query: "50%"}, {Query: "y_o"}, {Query: "example"},
			{Status: roster.StatusActive}, {Status: roster.StatusDeactivated},
			{RoleIDs: []int64{r[roster.RoleAdministrator], r[roster.RoleFinance], r[roster.RoleAnalyst], r[roster.RoleApprover], r[roster.RoleRequisitioner]}},
			{GroupID: side.groups["root"]}, {GroupID: side.groups["F"]}, {GroupID: side.groups["F"], ExcludeSubgroups: true},
			{NeverSignedIn: true}, {WithoutGroup: true}, {InvitedBy: side.fx.admin.ID},
		}
		for _, sort := range roster.UserSorts {
			for _, f := range filters {
				f.Sort, f.Limit = sort, 100
				page, err := store.FindUsers(t.Context(), side.fx.acc.ID, f)
				if err != nil {
					t.Fatalf("FindUsers(%+v): %v", f, err)
				}
				if f.Query == "" || f.Query == "example" {
					if len(page.Users) == 0 {
						t.Errorf("account %s, filter %+v: no one found", side.fx.acc.Name, f)
					}
				}
				for _, u := range page.Users {
					if !strings.HasSuffix(u.Email, side.domain) || u.AccountID != side.fx.acc.ID {
						t.Errorf("account %s, filter %+v: found %s of another account", side.fx.acc.Name, f, u.Email)
					}
				}
				if page.Total != int64(len(page.Users)) {
					t.Errorf("account %s, filter %+v: Total %d for %d rows", side.fx.acc.Name, f, page.Total, len(page.Users))
				}
			}
		}
	}
}

// expectedOrder sorts A's people as the People table must for sort/desc.
func (px *peopleFixture) expectedOrder(sort string, desc bool) []string {
	people := slices.Clone(px.people)
	neverSignedIn := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC) // older than any sign-in
	slices.SortFunc(people, func(x, y fxPerson) int {
		var c int
		switch sort {
		case roster.SortName:
			c = strings.Compare(x.nameKey, y.nameKey)
		case roster.SortEmail:
			c = strings.Compare(x.email, y.email)
		case roster.SortAdded:
			c = x.created.Compare(y.created)
		case roster.SortSignIn:
			c = cmp.Or(x.signIn, &neverSignedIn).Compare(*cmp.Or(y.signIn, &neverSignedIn))
		}
		if c == 0 {
			c = cmp.Compare(px.ids[x.handle], px.ids[y.handle])
		}
		if desc {
			c = -c
		}
		return c
	})
	out := make([]string, len(people))
	for i, p := range people {
		out[i] = p.handle
	}
	return out
}

func TestFindUsersSortAndPaging(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	px := newPeopleFixture(t, pool)
	store := NewUserStore(pool)

	// The expected orders, written out for two sorts so that expectedOrder
	// itself is checked.
	if got, want := px.expectedOrder(roster.SortName, false), []string{"ana", "aug", "bob1", "bob2", "dee", "jose", "percy", "percy2", "admin", "zoe"}; !slices.Equal(got, want) {
		t.Fatalf("expectedOrder(name) = %v, want %v", got, want)
	}
	if got, want := px.expectedOrder(roster.SortSignIn, true), []string{"zoe", "bob2", "bob1", "ana", "aug", "dee", "percy2", "percy", "jose", "admin"}; !slices.Equal(got, want) {
		t.Fatalf("expectedOrder(signin desc) = %v, want %v", got, want)
	}

	for _, sort := range roster.UserSorts {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s desc=%v", sort, desc), func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				want := px.expectedOrder(sort, desc)

				whole, err := store.FindUsers(ctx, px.a.acc.ID, roster.UserFilter{Sort: sort, Desc: desc, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				if got := px.handles(whole.Users); !slices.Equal(got, want) {
					t.Fatalf("order = %v, want %v", got, want)
				}

				for _, limit := range []int{1, 3, 4} {
					// Forward, page by page.
					var pages []roster.UserPage
					f := roster.UserFilter{Sort: sort, Desc: desc, Limit: limit}
					for range 20 {
						page, err := store.FindUsers(ctx, px.a.acc.ID, f)
						if err != nil {
							t.Fatalf("limit %d page %d: %v", limit, len(pages), err)
						}
						if len(page.Users) == 0 || len(page.Users) > limit {
							t.Fatalf("limit %d page %d has %d rows", limit, len(pages), len(page.Users))
						}
						if page.Total != int64(len(want)) {
							t.Errorf("limit %d page %d: Total %d, want %d", limit, len(pages), page.Total, len(want))
						}
						if (len(pages) == 0) != (page.Prev == "") {
							t.Errorf("limit %d page %d: Prev = %q", limit, len(pages), page.Prev)
						}
						pages = append(pages, page)
						if page.Next == "" {
							break
						}
						f.After, f.Before = page.Next, ""
					}
					var walked []string
					for _, p := range pages {
						walked = append(walked, px.handles(p.Users)...)
					}
					if !slices.Equal(walked, want) {
						t.Fatalf("limit %d forward walk = %v, want %v", limit, walked, want)
					}
					if n := (len(want) + limit - 1) / limit; len(pages) != n {
						t.Errorf("limit %d: %d pages, want %d", limit, len(pages), n)
					}

					// Backward from the last page: the same pages again.
					cur := pages[len(pages)-1]
					for i := len(pages) - 2; i >= 0; i-- {
						if cur.Prev == "" {
							t.Fatalf("limit %d: page %d has no Prev", limit, i+1)
						}
						back, err := store.FindUsers(ctx, px.a.acc.ID, roster.UserFilter{Sort: sort, Desc: desc, Limit: limit, Before: cur.Prev})
						if err != nil {
							t.Fatal(err)
						}
						if got, want := px.handles(back.Users), px.handles(pages[i].Users); !slices.Equal(got, want) {
							t.Fatalf("limit %d: back to page %d = %v, want %v", limit, i, got, want)
						}
						if (i == 0) != (back.Prev == "") {
							t.Errorf("limit %d: back on page %d, Prev = %q", limit, i, back.Prev)
						}
						if back.Next == "" {
							t.Errorf("limit %d: back on page %d has no Next", limit, i)
						}
						// Next from a page reached backwards leads forward again.
						fwd, err := store.FindUsers(ctx, px.a.acc.ID, roster.UserFilter{Sort: sort, Desc: desc, Limit: limit, After: back.Next})
						if err != nil {
							t.Fatal(err)
						}
						if got, want := px.handles(fwd.Users), px.handles(pages[i+1].Users); !slices.Equal(got, want) {
							t.Fatalf("limit %d: forward from page %d = %v, want %v", limit, i, got, want)
						}
						cur = back
					}
				}
			})
		}
	}
}

// TestFindUsersPagingFiltered pages through a filtered, searched set, so
// that the cursor's parameters follow the filter's.
func TestFindUsersPagingFiltered(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	px := newPeopleFixture(t, pool)
	store := NewUserStore(pool)
	ctx := t.Context()
	base := roster.UserFilter{Query: "globex", Status: roster.StatusActive, Sort: roster.SortSignIn, Desc: true, Limit: 2}
	want := []string{"zoe", "bob2", "bob1", "aug", "percy2", "percy", "jose", "admin"}
	var got []string
	f := base
	var pages []roster.UserPage
	for range 10 {
		page, err := store.FindUsers(ctx, px.a.acc.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != int64(len(want)) || page.TotalCapped {
			t.Errorf("Total = %d (capped %v), want %d", page.Total, page.TotalCapped, len(want))
		}
		got = append(got, px.handles(page.Users)...)
		pages = append(pages, page)
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("walk = %v, want %v", got, want)
	}
	f = base
	f.Before = pages[len(pages)-1].Prev
	back, err := store.FindUsers(ctx, px.a.acc.ID, f)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := px.handles(back.Users), px.handles(pages[len(pages)-2].Users); !slices.Equal(g, w) {
		t.Errorf("back = %v, want %v", g, w)
	}
}

func TestFindUsersBadCursor(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	px := newPeopleFixture(t, pool)
	store := NewUserStore(pool)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name string
		f    roster.UserFilter
	}{
		{"not base64", roster.UserFilter{After: "***"}},
		{"padded base64", roster.UserFilter{After: base64.URLEncoding.EncodeToString([]byte("12:ab"))}},
		{"no colon", roster.UserFilter{After: enc("nocolon")}},
		{"id not a number", roster.UserFilter{After: enc("x:abc")}},
		{"id zero", roster.UserFilter{After: enc("0:abc")}},
		{"id negative", roster.UserFilter{After: enc("-5:abc")}},
		{"before not base64", roster.UserFilter{Before: "%%%"}},
		{"added: not a time", roster.UserFilter{Sort: roster.SortAdded, After: enc("3:not-a-time")}},
		{"signin: not a time", roster.UserFilter{Sort: roster.SortSignIn, Before: enc("3:2026-13-45 00:00:00+00")}},
		{"name: NUL byte", roster.UserFilter{Sort: roster.SortName, After: enc("3:a\x00b")}},
		{"email: invalid UTF-8", roster.UserFilter{Sort: roster.SortEmail, After: enc("3:\xff\xfe")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := store.FindUsers(t.Context(), px.a.acc.ID, tc.f)
			if code := roster.ErrorCode(err); code != roster.EINVALID {
				t.Errorf("FindUsers: err = %v (code %q), want %s", err, code, roster.EINVALID)
			}
		})
	}
	// A cursor made by another sort still reads as a valid key of this one
	// when it parses: a name key is any text.
	page, err := store.FindUsers(t.Context(), px.a.acc.ID, roster.UserFilter{Sort: roster.SortName, After: enc("1:m")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := px.handles(page.Users), []string{"percy", "percy2", "admin", "zoe"}; !slices.Equal(got, want) {
		t.Errorf("after name key %q: %v, want %v", "m", got, want)
	}
}

func TestFindUsersMemberships(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	px := newPeopleFixture(t, pool)
	store := NewUserStore(pool)
	page, err := store.FindUsers(t.Context(), px.a.acc.ID, roster.UserFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	px.checkMemberships(t, page.Users)
	g := px.groups
	// The row also carries who invited the person, and the person itself.
	for _, u := range page.Users {
		switch px.names[u.ID] {
		case "zoe":
			if u.InvitedByID == nil || *u.InvitedByID != px.ids["admin"] || u.InvitedByName != "Quinn Admin" {
				t.Errorf("zoe invited by %v %q, want Quinn Admin", u.InvitedByID, u.InvitedByName)
			}
			if u.Name != "Zoë Müller" || u.Email != "zoe.muller@globex.example" || u.Status != roster.StatusActive ||
				u.LastSignInAt == nil || !u.LastSignInAt.Equal(testNow.Add(-time.Hour)) {
				t.Errorf("zoe read back as %+v", u)
			}
		case "jose":
			if u.InvitedByID != nil || u.InvitedByName != "" || u.LastSignInAt != nil {
				t.Errorf("jose read back as %+v", u)
			}
		}
	}
	// User returns the same memberships, and ENOTFOUND across accounts.
	u, err := store.User(t.Context(), px.a.acc.ID, px.ids["zoe"])
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Memberships) != 2 || u.Memberships[1].GroupID != g["E"] {
		t.Errorf("User(zoe).Memberships = %+v", u.Memberships)
	}
	if _, err := store.User(t.Context(), px.b.acc.ID, px.ids["zoe"]); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("User from another account: err = %v, want ENOTFOUND", err)
	}
	admins, err := store.Administrators(t.Context(), px.a.acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := px.handles(admins); !slices.Equal(got, []string{"aug", "admin"}) {
		t.Errorf("Administrators = %v, want [aug admin]", got)
	}
}

// checkMemberships asserts that users (all of A's people) carry exactly
// their groups and the roles held in each.
func (px *peopleFixture) checkMemberships(t *testing.T, users []roster.User) {
	t.Helper()
	r, g := px.a.roles, px.groups
	want := map[string][]roster.Membership{
		"admin": {{GroupID: g["root"], RoleIDs: []int64{r[roster.RoleAdministrator]}}},
		"zoe": {
			{GroupID: g["F"], RoleIDs: []int64{r[roster.RoleApprover]}},
			{GroupID: g["E"], RoleIDs: []int64{r[roster.RoleRequisitioner]}},
		},
		"jose": {
			{GroupID: g["P"], RoleIDs: sortedIDs(r[roster.RoleRequisitioner], r[roster.RoleFinance])},
			{GroupID: g["S"], RoleIDs: []int64{}},
		},
		"ana": {{GroupID: g["S"], RoleIDs: []int64{r[roster.RoleAnalyst]}}},
		"aug": {{GroupID: g["E"], RoleIDs: []int64{r[roster.RoleAdministrator]}}},
	}
	if len(users) != len(px.ids) {
		t.Fatalf("%d people, want %d", len(users), len(px.ids))
	}
	for _, u := range users {
		h := px.names[u.ID]
		w := want[h]
		if len(u.Memberships) != len(w) {
			t.Errorf("%s: memberships %+v, want %+v", h, u.Memberships, w)
			continue
		}
		for i := range w {
			if u.Memberships[i].GroupID != w[i].GroupID || !slices.Equal(u.Memberships[i].RoleIDs, w[i].RoleIDs) {
				t.Errorf("%s: memberships %+v, want %+v", h, u.Memberships, w)
			}
			if u.Memberships[i].RoleIDs == nil {
				t.Errorf("%s: RoleIDs nil in %+v, want an empty list", h, u.Memberships[i])
			}
		}
	}
}

func sortedIDs(ids ...int64) []int64 {
	slices.Sort(ids)
	return ids
}

// counters is a row of account_counters.
type counters struct {
	AccountID, Total, Active, Deactivated, NeverSignedIn, WithoutGroup, Administrators int64
}

// checkCounters asserts that the counters kept by the triggers equal a full
// recount, and that every person's group_count and admin_grants equal their
// memberships and Administrator roles. It returns the kept counters.
func checkCounters(t *testing.T, pool *pgxpool.Pool, accountID int64, step string) counters {
	t.Helper()
	ctx := t.Context()
	var kept, recount counters
	scan := func(c *counters) []any {
		return []any{&c.AccountID, &c.Total, &c.Active, &c.Deactivated, &c.NeverSignedIn, &c.WithoutGroup, &c.Administrators}
	}
	if err := pool.QueryRow(ctx, `SELECT * FROM account_counters WHERE account_id = $1`, accountID).Scan(scan(&kept)...); err != nil {
		t.Fatalf("%s: read counters: %v", step, err)
	}
	if err := pool.QueryRow(ctx, `SELECT (account_counters_recount($1)).*`, accountID).Scan(scan(&recount)...); err != nil {
		t.Fatalf("%s: recount: %v", step, err)
	}
	if kept != recount {
		t.Errorf("%s: account %d counters %+v, recount %+v", step, accountID, kept, recount)
	}
	if problems, err := CheckGroupCounts(ctx, pool, accountID); err != nil || len(problems) > 0 {
		t.Errorf("%s: account %d group counts: %v %q", step, accountID, err, problems)
	}
	if problems, err := CheckPeopleCounts(ctx, pool, accountID); err != nil || len(problems) > 0 {
		t.Errorf("%s: account %d people counts: %v %q", step, accountID, err, problems)
	}
	if problems, err := CheckNamePrefixCounts(ctx, pool, accountID); err != nil || len(problems) > 0 {
		t.Errorf("%s: account %d name prefix counts: %v %q", step, accountID, err, problems)
	}
	rows, err := pool.Query(ctx, `SELECT u.email, u.group_count, g.n, u.admin_grants, a.n
	FROM users u
	CROSS JOIN LATERAL (SELECT count(*) AS n FROM memberships m WHERE m.account_id = u.account_id AND m.user_id = u.id) g
	CROSS JOIN LATERAL (SELECT count(*) AS n FROM role_assignments ra JOIN roles r ON r.account_id = ra.account_id AND r.id = ra.role_id
	                    WHERE ra.account_id = u.account_id AND ra.user_id = u.id AND r.key = 'administrator') a
	WHERE u.account_id = $1 AND (u.group_count <> g.n OR u.admin_grants <> a.n)`, accountID)
	if err != nil {
		t.Fatal(err)
	}
	var email string
	var gc, gn, ag, an int64
	if _, err := pgx.ForEachRow(rows, []any{&email, &gc, &gn, &ag, &an}, func() error {
		t.Errorf("%s: %s has group_count %d for %d memberships, admin_grants %d for %d Administrator roles", step, email, gc, gn, ag, an)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return kept
}

func TestCountersAgreeWithRecount(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	a := newFixture(t, pool, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "quinn@globex.example", PasswordHash: "x"}, testNow)
	b := newFixture(t, pool, roster.Signup{AccountName: "Initech", Name: "Bill Lumbergh", Email: "bill@initech.example", PasswordHash: "x"}, testNow)
	check := func(step string) (counters, counters) {
		t.Helper()
		return checkCounters(t, pool, a.acc.ID, step), checkCounters(t, pool, b.acc.ID, step)
	}
	if ca, _ := check("new accounts"); ca != (counters{a.acc.ID, 1, 1, 0, 1, 0, 1}) {
		t.Errorf("new account counters = %+v", ca)
	}

	// People, several per statement.
	var u [6]int64 // A's people u[1]..u[5]
	rows, err := pool.Query(ctx, `INSERT INTO users (account_id, email, name, status, last_sign_in_at) VALUES
	    ($1, 'u1@globex.example', 'One', 'active', NULL),
	    ($1, 'u2@globex.example', 'Two', 'active', NULL),
	    ($1, 'u3@globex.example', 'Three', 'deactivated', NULL),
	    ($1, 'u4@globex.example', 'Four', 'active', $2),
	    ($1, 'u5@globex.example', 'Five', 'active', NULL)
	RETURNING id`, a.acc.ID, testNow.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) != 5 {
		t.Fatalf("insert people: %v %v", ids, err)
	}
	copy(u[1:], ids)
	b1 := b.user(t, personSpec{name: "B One", email: "b1@initech.example"})
	b2 := b.user(t, personSpec{name: "B Two", email: "b2@initech.example", signIn: tp(testNow)})
	b3 := b.user(t, personSpec{name: "B Three", email: "b3@initech.example"})
	check("people added")

	g1 := a.group(t, a.root, "G1")
	g2 := a.group(t, g1, "G2")
	g3 := a.group(t, a.root, "G3")
	h1 := b.group(t, b.root, "H1")

	a.member(t, u[1], g1)
	a.member(t, u[2], g1)
	a.member(t, u[2], g2)
	b.member(t, b1, h1, roster.RoleAdministrator)
	check("memberships added")

	// Bulk COPY: u3 gets two memberships and two Administrator roles in one
	// statement each.
	adm := a.roles[roster.RoleAdministrator]
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"memberships"}, []string{"account_id", "user_id", "group_id"},
		pgx.CopyFromRows([][]any{{a.acc.ID, u[3], g1}, {a.acc.ID, u[3], g3}, {a.acc.ID, u[4], g2}})); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"role_assignments"}, []string{"account_id", "user_id", "group_id", "role_id"},
		pgx.CopyFromRows([][]any{{a.acc.ID, u[3], g1, adm}, {a.acc.ID, u[3], g3, adm}, {a.acc.ID, u[4], g2, a.roles[roster.RoleApprover]}})); err != nil {
		t.Fatal(err)
	}
	check("bulk copy")

	// Administrator for one person in two groups counts once.
	a.grant(t, u[1], g1, roster.RoleAdministrator)
	a.member(t, u[1], g2, roster.RoleAdministrator, roster.RoleFinance)
	if ca, _ := check("u1 admin in two groups"); ca.Administrators != 3 {
		t.Errorf("administrators = %d, want 3 (Quinn, u3, u1)", ca.Administrators)
	}
	a.exec(t, `DELETE FROM role_assignments WHERE account_id = $1 AND user_id = $2 AND group_id = $3 AND role_id = $4`, a.acc.ID, u[1], g1, adm)
	if ca, _ := check("u1 revoked in G1"); ca.Administrators != 3 {
		t.Errorf("administrators = %d, want 3: u1 still holds it in G2", ca.Administrators)
	}
	// Leaving G2 takes the roles held there with it.
	a.exec(t, `DELETE FROM memberships WHERE account_id = $1 AND user_id = $2 AND group_id = $3`, a.acc.ID, u[1], g2)
	if ca, _ := check("u1 left G2"); ca.Administrators != 2 {
		t.Errorf("administrators = %d, want 2", ca.Administrators)
	}
	a.exec(t, `DELETE FROM memberships WHERE account_id = $1 AND user_id = $2 AND group_id = $3`, a.acc.ID, u[2], g1)
	check("u2 left G1")
	a.exec(t, `DELETE FROM memberships WHERE account_id = $1 AND user_id = $2`, a.acc.ID, u[2])
	check("u2 left every group")

	// Status and sign-in.
	a.exec(t, `UPDATE users SET status = 'deactivated' WHERE account_id = $1 AND id = $2`, a.acc.ID, u[1])
	check("u1 deactivated")
	a.exec(t, `UPDATE users SET status = 'active', session_version = session_version + 1 WHERE account_id = $1 AND id = $2`, a.acc.ID, u[1])
	a.exec(t, `UPDATE users SET status = 'active' WHERE account_id = $1 AND id = $2`, a.acc.ID, u[1]) // no change
	check("u1 reactivated")
	b.exec(t, `UPDATE users SET status = 'deactivated' WHERE account_id = $1 AND id <> $2`, b.acc.ID, b.admin.ID)
	check("B's people deactivated in bulk")
	a.exec(t, `UPDATE users SET last_sign_in_at = $3 WHERE account_id = $1 AND id = ANY($2)`, a.acc.ID, []int64{u[2], u[5]}, testNow)
	a.exec(t, `UPDATE users SET last_sign_in_at = NULL WHERE account_id = $1 AND id = $2`, a.acc.ID, u[4])
	a.exec(t, `UPDATE users SET name = 'Uno', email = 'uno@globex.example' WHERE account_id = $1 AND id = $2`, a.acc.ID, u[1])
	check("sign-ins")

	// A rolled back change leaves the counters as they were.
	before, _ := check("before rollback")
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id) VALUES ($1, $2, $3)`, a.acc.ID, u[5], g3); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id) VALUES ($1, $2, $3, $4)`, a.acc.ID, u[5], g3, adm); err != nil {
		t.Fatal(err)
	}
	tx.Rollback(ctx)
	if after, _ := check("after rollback"); after != before {
		t.Errorf("rollback changed counters: %+v -> %+v", before, after)
	}

	// Deleting people who hold memberships and roles.
	a.exec(t, `DELETE FROM users WHERE account_id = $1 AND id = $2`, a.acc.ID, u[3])
	check("u3 deleted")
	b.exec(t, `DELETE FROM users WHERE account_id = $1 AND id = ANY($2)`, b.acc.ID, []int64{b2, b3})
	ca, cb := check("B's people deleted")

	// Final state, counted by hand.
	// A: Quinn (root admin, never signed in), u1 (G1), u2 (signed in, no
	// group), u4 (G2, sign-in cleared), u5 (signed in, no group).
	if want := (counters{a.acc.ID, 5, 5, 0, 3, 2, 1}); ca != want {
		t.Errorf("A's counters = %+v, want %+v", ca, want)
	}
	// B: Bill (root admin), b1 (deactivated, Administrator of H1).
	if want := (counters{b.acc.ID, 2, 1, 1, 2, 0, 2}); cb != want {
		t.Errorf("B's counters = %+v, want %+v", cb, want)
	}
	var gc, ag int
	if err := pool.QueryRow(ctx, `SELECT group_count, admin_grants FROM users WHERE account_id = $1 AND id = $2`, a.acc.ID, u[1]).Scan(&gc, &ag); err != nil || gc != 1 || ag != 0 {
		t.Errorf("u1: group_count %d, admin_grants %d (%v), want 1, 0", gc, ag, err)
	}
	// Role holders and the name keys kept next to memberships followed
	// every step (u1 was renamed "Uno" holding a membership).
	for _, id := range []int64{a.acc.ID, b.acc.ID} {
		if problems, err := CheckSortKeys(ctx, pool, id); err != nil || len(problems) > 0 {
			t.Errorf("account %d: %v %q", id, err, problems)
		}
	}
	var holders int
	pool.QueryRow(ctx, `SELECT count(*) FROM role_holders WHERE account_id = $1 AND role_id = $2`, a.acc.ID, adm).Scan(&holders)
	if holders != 1 { // Quinn; u1 left G2, u3 was deleted
		t.Errorf("Administrator holders = %d, want 1", holders)
	}
}

// TestRoleHoldersUnderConcurrentChanges grants and takes away one role of
// the same few people in several groups from four connections at once, and
// renames them meanwhile: role_holders must end with exactly the people
// still holding the role (grants = their groups), and memberships with
// their current name keys.
func TestRoleHoldersUnderConcurrentChanges(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	f := newFixture(t, pool, roster.Signup{AccountName: "Busy Co", Name: "Ada Admin", Email: "ada@busy.example", PasswordHash: "x"}, testNow)
	groups := []int64{f.group(t, f.root, "G1"), f.group(t, f.root, "G2"), f.group(t, f.root, "G3")}
	var people []int64
	for i := range 3 {
		u := f.user(t, personSpec{name: fmt.Sprintf("Person %d", i), email: fmt.Sprintf("p%d@busy.example", i)})
		for _, g := range groups {
			f.member(t, u, g)
		}
		people = append(people, u)
	}
	role := f.roles[roster.RoleFinance]
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				u, g := people[(w+i)%3], groups[(w*7+i)%3]
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if (w+i)%2 == 0 {
						_, err := tx.Exec(ctx, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, f.acc.ID, u, g, role)
						return err
					}
					if i%10 == 3 {
						_, err := tx.Exec(ctx, `UPDATE users SET name = $3 WHERE account_id = $1 AND id = $2`, f.acc.ID, u, fmt.Sprintf("Renamed %d %d", w, i))
						return err
					}
					_, err := tx.Exec(ctx, `DELETE FROM role_assignments WHERE account_id = $1 AND user_id = $2 AND group_id = $3 AND role_id = $4`, f.acc.ID, u, g, role)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	// Meanwhile the kept holder counts are folded again and again.
	store := NewGroupStore(pool)
	stop := make(chan struct{})
	folded := make(chan int64)
	go func() {
		var n int64
		defer func() { folded <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			k, err := store.FoldKeptCounts(ctx)
			if err != nil {
				t.Errorf("fold: %v", err)
				return
			}
			n += k
		}
	}()
	wg.Wait()
	close(stop)
	if n := <-folded; n == 0 {
		t.Error("no delta was folded while the roles changed")
	}
	close(errs)
	for err := range errs {
		t.Errorf("worker: %v", err)
	}
	if problems, err := CheckSortKeys(ctx, pool, f.acc.ID); err != nil || len(problems) > 0 {
		t.Errorf("after concurrent changes: %v %q", err, problems)
	}
	if _, err := store.FoldKeptCounts(ctx); err != nil {
		t.Fatal(err)
	}
	var kept, left int64
	pool.QueryRow(ctx, `SELECT (SELECT holders FROM role_holder_counts WHERE account_id = $1 AND role_id = $2),
	    (SELECT count(*) FROM role_holder_deltas WHERE account_id = $1)`, f.acc.ID, role).Scan(&kept, &left)
	if problems, err := CheckSortKeys(ctx, pool, f.acc.ID); err != nil || len(problems) > 0 || left != 0 {
		t.Errorf("after the last fold (%d kept, %d deltas left): %v %q", kept, left, err, problems)
	}
	// The renames' name prefix counts, folded meanwhile.
	var prefixDeltas int64
	pool.QueryRow(ctx, `SELECT count(*) FROM name_prefix_deltas WHERE account_id = $1`, f.acc.ID).Scan(&prefixDeltas)
	if problems, err := CheckNamePrefixCounts(ctx, pool, f.acc.ID); err != nil || len(problems) > 0 || prefixDeltas != 0 {
		t.Errorf("name prefix counts after the last fold (%d deltas left): %v %q", prefixDeltas, err, problems)
	}
	var holders, assigned int
	pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM role_holders WHERE account_id = $1 AND role_id = $2),
	    (SELECT count(DISTINCT user_id) FROM role_assignments WHERE account_id = $1 AND role_id = $2)`, f.acc.ID, role).Scan(&holders, &assigned)
	if holders != assigned {
		t.Errorf("%d holders, %d people hold the role", holders, assigned)
	}
	// The check itself sees a holder and a name key gone wrong.
	f.exec(t, `UPDATE memberships SET name_key = 'zzz' WHERE account_id = $1 AND user_id = $2 AND group_id = $3`, f.acc.ID, people[0], groups[0])
	f.exec(t, `INSERT INTO role_holders (account_id, role_id, user_id, grants, name_key) VALUES ($1, $2, $3, 1, 'ada admin')
	    ON CONFLICT (account_id, user_id, role_id) DO UPDATE SET grants = role_holders.grants + 1`, f.acc.ID, role, f.admin.ID)
	if problems, _ := CheckSortKeys(ctx, pool, f.acc.ID); len(problems) != 3 {
		t.Errorf("after breaking a name key and a holder: %q, want both reported, and the role's count", problems)
	}
	f.exec(t, `UPDATE users SET roles_held = '{0,0}' WHERE account_id = $1 AND id = $2`, f.acc.ID, people[1])
	if problems, _ := CheckSortKeys(ctx, pool, f.acc.ID); len(problems) != 4 {
		t.Errorf("after breaking a person's roles: %q, want that reported too", problems)
	}
	f.exec(t, `UPDATE people_search SET name_key = 'zzz' WHERE account_id = $1 AND user_id = $2`, f.acc.ID, people[2])
	if problems, _ := CheckSortKeys(ctx, pool, f.acc.ID); len(problems) != 5 {
		t.Errorf("after breaking a person's search row: %q, want that reported too", problems)
	}
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	now, soon := testNow, 7*24*time.Hour
	day := 24 * time.Hour
	old := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	a := newFixture(t, pool, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "quinn@globex.example", PasswordHash: "x"}, old)
	b := newFixture(t, pool, roster.Signup{AccountName: "Initech", Name: "Bill Lumbergh", Email: "bill@initech.example", PasswordHash: "x"}, old)
	grp := a.group(t, a.root, "Finance")
	p1 := a.user(t, personSpec{name: "Signed In", email: "p1@globex.example", signIn: tp(now.Add(-time.Hour))})
	a.member(t, p1, grp)
	a.user(t, personSpec{name: "Gone", email: "p2@globex.example", status: roster.StatusDeactivated})
	a.user(t, personSpec{name: "No Group", email: "p3@globex.example", signIn: tp(now.Add(-day))})

	email := func(addr, status string, created, expires time.Time, accepted *time.Time) invSpec {
		return invSpec{kind: roster.KindEmail, email: addr, status: status, created: created, expires: expires, accepted: accepted}
	}
	for _, s := range []invSpec{
		email("pend1@x.example", "pending", old, now.Add(30*day), nil),
		email("pend2@x.example", "pending", old, now.Add(8*day), nil),
		email("soon1@x.example", "pending", old, now.Add(3*day), nil),
		email("soon2@x.example", "pending", old, now.Add(soon), nil), // the window's last instant
		email("soon3@x.example", "pending", old, now.Add(time.Hour), nil),
		email("exp1@x.example", "pending", old, now.Add(-time.Hour), nil), // expired, not yet swept
		email("exp2@x.example", "pending", old, now, nil),                 // expires this instant
		email("exp3@x.example", "expired", old, now.Add(-10*day), nil),
		email("acc1@x.example", "accepted", old, now.Add(30*day), tp(old.Add(day))),
		email("rev1@x.example", "revoked", old, now.Add(30*day), nil),
		// The chart: email invitations sent and accepted per week. The
		// window starts Monday 2026-08-31; this week starts 2026-11-16.
		email("w1@x.example", "revoked", time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), now.Add(80*day), nil),
		email("w2@x.example", "revoked", time.Date(2026, 11, 15, 23, 59, 59, 0, time.UTC), now.Add(80*day), nil),
		email("w3@x.example", "accepted", time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC), now.Add(day), tp(time.Date(2026, 9, 6, 23, 59, 59, 0, time.UTC))),
		email("w4@x.example", "accepted", time.Date(2026, 8, 30, 23, 59, 59, 0, time.UTC), now.Add(day), tp(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))),
		email("w5@x.example", "accepted", time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC), now.Add(day), tp(time.Date(2026, 10, 6, 9, 0, 0, 0, time.UTC))),
		email("w6@x.example", "accepted", now.Add(-time.Hour), now.Add(80*day), tp(now.Add(-30*time.Minute))),
	} {
		a.invitation(t, s)
	}
	// A link (pending, so it counts as a pending invitation) with join
	// requests; links are not in the email chart.
	link := a.invitation(t, invSpec{kind: roster.KindLink, label: "Onboarding", status: "pending", created: now.Add(-day), expires: now.Add(20 * day)})
	for i, st := range []string{"pending", "pending", "unconfirmed", "approved", "denied"} {
		a.joinRequest(t, link, fmt.Sprintf("j%d@globex.example", i), st, now.Add(-time.Duration(i)*time.Hour), nil, nil)
	}
	// Account B's invitations and requests must not count in A.
	b.invitation(t, invSpec{kind: roster.KindEmail, email: "pend1@x.example", status: "pending", created: now.Add(-day), expires: now.Add(day), accepted: nil})
	b.invitation(t, invSpec{kind: roster.KindEmail, email: "w6@x.example", status: "accepted", created: now.Add(-day), expires: now.Add(day), accepted: tp(now.Add(-time.Hour))})
	bl := b.invitation(t, invSpec{kind: roster.KindLink, label: "Onboarding", status: "pending", created: now.Add(-day), expires: now.Add(20 * day)})
	b.joinRequest(t, bl, "j0@initech.example", "pending", now, nil, nil)

	d, err := NewUserStore(pool).Dashboard(ctx, a.acc.ID, nil, now, soon)
	if err != nil {
		t.Fatal(err)
	}
	got := roster.Dashboard{Active: d.Active, Pending: d.Pending, ExpiringSoon: d.ExpiringSoon, JoinRequests: d.JoinRequests, Deactivated: d.Deactivated,
		NeverSignedIn: d.NeverSignedIn, Administrators: d.Administrators, WithoutGroup: d.WithoutGroup, Total: d.Total}
	want := roster.Dashboard{
		Active: 3, Deactivated: 1, Total: 4,
		NeverSignedIn:  2, // Quinn, Gone
		WithoutGroup:   2, // Gone, No Group
		Administrators: 1,
		Pending:        6, // pend1, pend2, soon1-3 and the link: "expiring soon" is a kind of pending
		ExpiringSoon:   3,
		JoinRequests:   2,
	}
	if !reflectEqualDashboard(got, want) {
		t.Errorf("Dashboard cards = %+v\nwant %+v", got, want)
	}

	if len(d.Weeks) != 12 {
		t.Fatalf("%d weeks, want 12", len(d.Weeks))
	}
	for i, w := range d.Weeks {
		start := time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i)
		if !w.Start.Equal(start) || w.Start.Weekday() != time.Monday {
			t.Errorf("week %d starts %v, want %v", i, w.Start, start)
		}
	}
	wantSent := map[int]int64{0: 1, 4: 1, 10: 1, 11: 2}
	wantAccepted := map[int]int64{0: 2, 5: 1, 11: 1}
	for i, w := range d.Weeks {
		if w.Sent != wantSent[i] || w.Accepted != wantAccepted[i] {
			t.Errorf("week %d (%s): sent %d accepted %d, want %d and %d", i, w.Start.Format("2006-01-02"), w.Sent, w.Accepted, wantSent[i], wantAccepted[i])
		}
	}

	// The cards agree with the Invitations table they open.
	inv := NewInvitationStore(pool, nil, nil)
	for status, n := range map[string]int64{roster.InvitePending: d.Pending, roster.InviteExpiringSoon: d.ExpiringSoon, roster.InviteJoinRequest: d.JoinRequests} {
		page, err := inv.FindInvitations(ctx, a.acc.ID, roster.InvitationFilter{Status: status}, now, soon)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != n {
			t.Errorf("FindInvitations(%s).Total = %d, dashboard says %d", status, page.Total, n)
		}
	}
	// The people cards agree with the People table they open.
	users := NewUserStore(pool)
	for name, c := range map[string]struct {
		f roster.UserFilter
		n int64
	}{
		"active":      {roster.UserFilter{Status: roster.StatusActive}, d.Active},
		"deactivated": {roster.UserFilter{Status: roster.StatusDeactivated}, d.Deactivated},
		"never":       {roster.UserFilter{NeverSignedIn: true}, d.NeverSignedIn},
		"nogroup":     {roster.UserFilter{WithoutGroup: true}, d.WithoutGroup},
		"admins":      {roster.UserFilter{RoleIDs: []int64{a.roles[roster.RoleAdministrator]}}, d.Administrators},
	} {
		page, err := users.FindUsers(ctx, a.acc.ID, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != c.n {
			t.Errorf("%s: FindUsers Total %d, dashboard says %d", name, page.Total, c.n)
		}
	}

	// A week boundary seen from another zone: the week is UTC's.
	d2, err := NewUserStore(pool).Dashboard(ctx, a.acc.ID, nil, now.In(time.FixedZone("UTC+14", 14*3600)), soon)
	if err != nil {
		t.Fatal(err)
	}
	if !d2.Weeks[11].Start.Equal(d.Weeks[11].Start) || d2.Weeks[11].Sent != d.Weeks[11].Sent {
		t.Errorf("zone changed the chart: %+v vs %+v", d2.Weeks[11], d.Weeks[11])
	}
}

func reflectEqualDashboard(a, b roster.Dashboard) bool {
	a.Weeks, b.Weeks = nil, nil
	return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b)
}

// addTwinAccount makes account C ("Umbrella"), whose rows reuse account A's
// ids, as they may once the database is distributed by account: a group
// with A's Finance id above one with A's Sales id, roles with A's role ids,
// and a twin of every person of A (same id and name) who is in both those
// groups with every role, invited by the twin of A's admin; Zoë's twin is
// also C's Administrator. Any query that
// forgets account_id somewhere mixes C's rows into A's answers.
func addTwinAccount(t *testing.T, px *peopleFixture) *fixture {
	t.Helper()
	pool := px.a.pool
	c := newFixture(t, pool, roster.Signup{AccountName: "Umbrella", Name: "Carl Umbrella", Email: "carl@umbrella.example", PasswordHash: "x"}, testNow)
	cF := c.groupWithID(t, c.root, "Finance", px.groups["F"])
	cS := c.groupWithID(t, cF, "Sales", px.groups["S"])
	c.groupWithID(t, c.root, "Payables", px.groups["P"])
	for _, id := range px.a.roles {
		c.exec(t, `INSERT INTO roles (id, account_id, name) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3)`, id, c.acc.ID, fmt.Sprintf("Custom %d", id))
	}
	handles := slices.Sorted(maps.Keys(px.ids))
	// The admin's twin first: the others are invited by it.
	slices.SortStableFunc(handles, func(x, y string) int { return cmp.Compare(boolInt(x != "admin"), boolInt(y != "admin")) })
	for _, h := range handles {
		id := px.ids[h]
		p := personSpec{id: id, name: "Twin " + h, email: "twin-" + h + "@umbrella.example", status: roster.StatusDeactivated, signIn: tp(testNow)}
		if h != "admin" {
			p.invitedBy = px.ids["admin"]
		}
		c.user(t, p)
		for _, gid := range []int64{cF, cS} {
			c.exec(t, `INSERT INTO memberships (account_id, user_id, group_id) VALUES ($1, $2, $3)`, c.acc.ID, id, gid)
			for _, rid := range px.a.roles {
				c.exec(t, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id) VALUES ($1, $2, $3, $4)`, c.acc.ID, id, gid, rid)
			}
		}
	}
	// Zoë's twin is also a real Administrator of C.
	c.grant(t, px.ids["zoe"], cF, roster.RoleAdministrator)
	// The counters of the twins are their own account's.
	checkCounters(t, pool, c.acc.ID, "twin account")
	checkCounters(t, pool, px.a.acc.ID, "beside the twin account")
	return c
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestFindUsersCollidingIDs: with another account reusing every id of
// account A, A's People table still shows exactly A's people, groups and
// roles.
func TestFindUsersCollidingIDs(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	px := newPeopleFixture(t, pool)
	c := addTwinAccount(t, px)
	runUserFilterCases(t, px)

	store := NewUserStore(pool)
	ctx := t.Context()
	page, err := store.FindUsers(ctx, px.a.acc.ID, roster.UserFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	px.checkMemberships(t, page.Users)
	for _, u := range page.Users {
		if u.InvitedByName != "" && u.InvitedByName != "Quinn Admin" && u.InvitedByName != "Augustin Rivers" {
			t.Errorf("%s invited by %q", u.Name, u.InvitedByName)
		}
	}
	u, err := store.User(ctx, px.a.acc.ID, px.ids["zoe"])
	if err != nil {
		t.Fatal(err)
	}
	px.checkMemberships(t, append([]roster.User{u}, slices.DeleteFunc(slices.Clone(page.Users), func(x roster.User) bool { return x.ID == u.ID })...))
	if u.InvitedByName != "Quinn Admin" || u.Name != "Zoë Müller" {
		t.Errorf("User(zoe) = %+v", u)
	}
	admins, err := store.Administrators(ctx, px.a.acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := px.handles(admins); !slices.Equal(got, []string{"aug", "admin"}) {
		t.Errorf("Administrators = %v, want [aug admin]", got)
	}
	// And the twins' own view holds only twins.
	cPage, err := store.FindUsers(ctx, c.acc.ID, roster.UserFilter{GroupID: px.groups["F"], Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(cPage.Users) != len(px.ids) {
		t.Errorf("C's Finance subtree has %d people, want %d twins", len(cPage.Users), len(px.ids))
	}
	for _, u := range cPage.Users {
		if !strings.HasPrefix(u.Name, "Twin ") || len(u.Memberships) != 2 || len(u.Memberships[0].RoleIDs) < 5 {
			t.Errorf("C's table shows %+v", u)
		}
	}
}
