package postgres

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// exportFixture is an account of 43 people whose memberships cover every
// shape an export meets: no group, a group without roles, roles in every
// group, roles in some groups only, several roles in one group; names that
// repeat (the id breaks the tie), people never signed in, deactivated
// people and people invited by someone.
type exportFixture struct {
	*fixture
	ids    []int64
	groups []int64
}

func newExportFixture(t *testing.T) *exportFixture {
	t.Helper()
	pool := NewDB(t)
	f := &exportFixture{fixture: newFixture(t, pool, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "quinn@globex.example", PasswordHash: "x"}, testNow.AddDate(-1, 0, 0))}
	// Another account's people never appear.
	other := newFixture(t, pool, roster.Signup{AccountName: "Initech", Name: "Bill Lumbergh", Email: "bill@initech.example", PasswordHash: "x"}, testNow.AddDate(-1, 0, 0))
	other.user(t, personSpec{name: "Aaron Other", email: "aaron@initech.example"})
	sales := f.group(t, f.root, "Sales")
	emea := f.group(t, sales, "EMEA")
	ops := f.group(t, f.root, "Ops")
	f.groups = []int64{sales, emea, ops}
	names := []string{"Ana Lopez", "=cmd Evil", "Bea Chan", "ana lopez", "Chris Doe", "Dee Park", "Émile Zola", "Ana Lopez"}
	for i := range 42 {
		p := personSpec{
			name:    names[i%len(names)],
			email:   fmt.Sprintf("p%02d@globex.example", (i*17)%42),
			created: testNow.AddDate(0, 0, -i%9).Add(time.Duration(i) * time.Minute),
		}
		if i%3 != 0 {
			p.signIn = tp(testNow.AddDate(0, 0, -(i % 5)))
		}
		if i%7 == 3 {
			p.status = roster.StatusDeactivated
		}
		if i%4 == 1 {
			p.invitedBy = f.admin.ID
		}
		id := f.user(t, p)
		f.ids = append(f.ids, id)
		switch i % 6 {
		case 0: // no group
		case 1:
			f.member(t, id, emea)
		case 2:
			f.member(t, id, sales, roster.RoleRequisitioner)
		case 3: // roles in one group, not the other
			f.member(t, id, ops)
			f.member(t, id, emea, roster.RoleApprover, roster.RoleRequisitioner)
		case 4: // roles in every group, two in one
			f.member(t, id, ops, roster.RoleFinance)
			f.member(t, id, sales, roster.RoleApprover, roster.RoleAnalyst)
		case 5:
			f.member(t, id, ops, roster.RoleAnalyst)
			f.member(t, id, sales)
			f.member(t, id, emea, roster.RoleFinance)
		}
	}
	return f
}

// viewRows is the People view's rows for f, every page of FindUsers: what
// an export must hold, row for row.
func (f *exportFixture) viewRows(t *testing.T, v roster.UserFilter) []string {
	t.Helper()
	s := NewUserStore(f.pool)
	v.Limit = 7
	var out []string
	for {
		p, err := s.FindUsers(t.Context(), f.acc.ID, v)
		if err != nil {
			t.Fatalf("FindUsers(%+v): %v", v, err)
		}
		for _, u := range p.Users {
			out = append(out, exportRow(u))
		}
		if p.Next == "" {
			return out
		}
		v.After = p.Next
	}
}

// exportRow is what the CSV takes from a person, as one comparable line.
func exportRow(u roster.User) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s %q %s %s", u.ID, u.Email, u.Name, u.Status, u.CreatedAt.UTC().Format(time.RFC3339Nano))
	if u.LastSignInAt != nil {
		fmt.Fprintf(&b, " signed-in %s", u.LastSignInAt.UTC().Format(time.RFC3339Nano))
	}
	fmt.Fprintf(&b, " invited-by %q", u.InvitedByName)
	for _, m := range u.Memberships {
		fmt.Fprintf(&b, " [%d", m.GroupID)
		for _, r := range m.RoleIDs {
			fmt.Fprintf(&b, " %d", r)
		}
		b.WriteString("]")
	}
	return b.String()
}

func (f *exportFixture) export(t *testing.T, s *UserStore, v roster.UserFilter, ids []int64, chunk int) []string {
	t.Helper()
	var out []string
	err := s.exportUsers(t.Context(), f.acc.ID, v, ids, chunk, func(u roster.User) error {
		if u.AccountID != f.acc.ID {
			t.Errorf("%d: account %d", u.ID, u.AccountID)
		}
		out = append(out, exportRow(u))
		return nil
	})
	if err != nil {
		t.Fatalf("export %+v: %v", v, err)
	}
	return out
}

// TestExportUsersMatchesView: an export, read in chunks much smaller than
// it (so several chunks are in flight at once), holds the People view's
// rows in its order, for every sort, both directions, filters, selected
// people and a group administrator's scope.
func TestExportUsersMatchesView(t *testing.T) {
	t.Parallel()
	f := newExportFixture(t)
	f.exportMatchesView(t, NewUserStore(f.pool))
	if n := len(f.viewRows(t, roster.UserFilter{})); n < 40 {
		t.Fatalf("whole view %d rows", n)
	}
}

func (f *exportFixture) exportMatchesView(t *testing.T, s *UserStore) {
	t.Helper()
	conns := s.pool.Config().MaxConns
	sales, emea := f.groups[0], f.groups[1]
	views := map[string]roster.UserFilter{
		"all":           {},
		"email desc":    {Sort: roster.SortEmail, Desc: true},
		"added":         {Sort: roster.SortAdded},
		"sign-in desc":  {Sort: roster.SortSignIn, Desc: true},
		"search":        {Query: "ana"},
		"deactivated":   {Status: roster.StatusDeactivated},
		"role":          {RoleIDs: []int64{f.roles[roster.RoleApprover]}},
		"group":         {GroupID: sales},
		"without group": {WithoutGroup: true},
		"never signed":  {NeverSignedIn: true, Sort: roster.SortSignIn},
		"invited by":    {InvitedBy: f.admin.ID},
		"scope":         {Scope: []int64{emea}},
	}
	for name, v := range views {
		want := f.viewRows(t, v)
		if len(want) == 0 {
			t.Fatalf("%s: the view is empty; the fixture tests nothing", name)
		}
		for _, chunk := range []int{1, 2, 5, 1000} {
			if got := f.export(t, s, v, nil, chunk); !slices.Equal(got, want) {
				t.Errorf("pool of %d, %s, chunks of %d: export differs from the view\n got %d rows: %s\nwant %d rows: %s", conns, name, chunk,
					len(got), strings.Join(got, "\n  "), len(want), strings.Join(want, "\n  "))
			}
		}
	}

	// Selected people: those of the account, in the view's order, each
	// once; with a scope, those in it only.
	sel := []int64{f.ids[5], f.ids[1], f.ids[30], f.ids[5], f.ids[22], 999999, f.ids[9]}
	for _, v := range []roster.UserFilter{{}, {Sort: roster.SortEmail}, {Scope: []int64{emea}}} {
		var want []string
		for _, r := range f.viewRows(t, v) {
			for _, id := range sel {
				if strings.HasPrefix(r, fmt.Sprintf("%d ", id)) {
					want = append(want, r)
					break
				}
			}
		}
		for _, chunk := range []int{1, 3, 1000} {
			if got := f.export(t, s, v, sel, chunk); !slices.Equal(got, want) {
				t.Errorf("pool of %d, selected %+v, chunks of %d:\n got %s\nwant %s", conns, v, chunk, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		}
	}
}

// TestExportUsersStops: an error from fn ends the export with that error
// at once (no more people), and the connections go back to the pool
// outside any transaction, at every point of the chunk pipeline, whether
// the pool has a connection to spare or not.
func TestExportUsersStops(t *testing.T) {
	t.Parallel()
	f := newExportFixture(t)
	for _, conns := range []int32{1, 2} {
		pool, err := Open(t.Context(), f.pool.Config().ConnString(), conns)
		if err != nil {
			t.Fatal(err)
		}
		f.exportStops(t, pool)
		pool.Close()
	}
}

func (f *exportFixture) exportStops(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	s := NewUserStore(pool)
	conns := pool.Config().MaxConns
	stop := errors.New("client went away")
	for _, chunk := range []int{1, 4, 1000} {
		for _, at := range []int{1, 3, 4, 5, 17, 43} {
			n := 0
			err := s.exportUsers(t.Context(), f.acc.ID, roster.UserFilter{}, nil, chunk, func(roster.User) error {
				if n++; n == at {
					return stop
				}
				return nil
			})
			if !errors.Is(err, stop) || n != at {
				t.Errorf("pool of %d, chunks of %d, error at person %d: returned %v after %d people", conns, chunk, at, err, n)
			}
			if st := pool.Stat(); st.AcquiredConns() != 0 {
				t.Fatalf("pool of %d, chunks of %d, error at person %d: %d connections still acquired", conns, chunk, at, st.AcquiredConns())
			}
			// Every connection is free and usable, outside any
			// transaction.
			var held []*pgxpool.Conn
			for range conns {
				c, err := pool.Acquire(t.Context())
				if err != nil {
					t.Fatalf("after the stopped export: %v", err)
				}
				held = append(held, c)
				if c.Conn().PgConn().TxStatus() != 'I' {
					t.Fatalf("after the stopped export: a connection in transaction status %c", c.Conn().PgConn().TxStatus())
				}
			}
			for _, c := range held {
				c.Release()
			}
		}
	}
}
