package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// groupAdmin is an account with a small tree and people in it:
//
//	root ─ Finance ─ Payables ─ EMEA
//	     └ Sales ─ EMEA
//
// plus a second account ("other") whose ids must never reach the first.
type groupAdmin struct {
	*fixture
	store  *GroupStore
	g      map[string]int64 // root, F, P, E (Finance › Payables › EMEA), S, SE (Sales › EMEA)
	people map[string]int64
	other  *fixture
	oGroup int64 // a group of the other account
}

func newGroupAdmin(t *testing.T) *groupAdmin {
	t.Helper()
	pool := NewDB(t)
	f := newFixture(t, pool, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "quinn@globex.example", PasswordHash: "x"}, testNow.AddDate(-1, 0, 0))
	ga := &groupAdmin{fixture: f, store: NewGroupStore(pool), g: map[string]int64{"root": f.root}, people: map[string]int64{}}
	ga.g["F"] = f.group(t, f.root, "Finance")
	ga.g["P"] = f.group(t, ga.g["F"], "Payables")
	ga.g["E"] = f.group(t, ga.g["P"], "EMEA")
	ga.g["S"] = f.group(t, f.root, "Sales")
	ga.g["SE"] = f.group(t, ga.g["S"], "EMEA")
	for _, p := range []string{"ann", "bob", "cat"} {
		ga.people[p] = f.user(t, personSpec{name: strings.ToUpper(p[:1]) + p[1:], email: p + "@globex.example"})
	}
	f.member(t, ga.people["ann"], ga.g["F"], roster.RoleApprover)
	f.member(t, ga.people["ann"], ga.g["E"], roster.RoleApprover) // twice in Finance's subtree: counted once
	f.member(t, ga.people["bob"], ga.g["P"], roster.RoleFinance)
	f.member(t, ga.people["cat"], ga.g["SE"])
	ga.other = newFixture(t, pool, roster.Signup{AccountName: "Initech", Name: "Olive Other", Email: "olive@initech.example", PasswordHash: "x"}, testNow.AddDate(-1, 0, 0))
	ga.oGroup = ga.other.group(t, ga.other.root, "Finance")
	return ga
}

// snapshot is every group of the account as (parent, name, path), to show
// that a refused change changed nothing.
func (ga *groupAdmin) snapshot(t *testing.T) string {
	t.Helper()
	var s string
	err := ga.pool.QueryRow(t.Context(), `SELECT coalesce(string_agg(format('%s<%s:%s%s', id, parent_id, name, path), ';' ORDER BY id), '')
	FROM groups WHERE account_id = $1`, ga.acc.ID).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (ga *groupAdmin) auditCount(t *testing.T, action string, groupID int64) int {
	t.Helper()
	var n int
	if err := ga.pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = $2 AND group_id IS NOT DISTINCT FROM nullif($3, 0)`,
		ga.acc.ID, action, groupID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (ga *groupAdmin) pendingInvitation(t *testing.T, groupID int64, status string) {
	t.Helper()
	hash := make([]byte, 32)
	rand.Read(hash)
	ga.exec(t, `INSERT INTO invitations (account_id, kind, email, token_hash, status, group_ids, expires_at)
	VALUES ($1, 'email', $2, $3, $4, $5, $6)`, ga.acc.ID, rand.Text()+"@example.com", hash, status, []int64{groupID}, testNow.AddDate(0, 0, 10))
}

func wantCode(t *testing.T, what string, err error, code, message string) {
	t.Helper()
	if roster.ErrorCode(err) != code || (message != "" && roster.ErrorMessage(err) != message) {
		t.Fatalf("%s: error %v, want %s %q", what, err, code, message)
	}
}

// Each change either does exactly what it says, with its audit event, or
// is refused with a precise reason and changes nothing.
func TestGroupAdminChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		do            func(t *testing.T, ga *groupAdmin) error
		code, message string // "" for success
		audit         string
		same          bool // a success that ends with the tree as it began
		check         func(t *testing.T, ga *groupAdmin)
	}{
		{name: "create below a subgroup", audit: "group_created",
			do: func(t *testing.T, ga *groupAdmin) error {
				g, err := ga.store.CreateGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["P"], "  Accounts   Payable\u00a0UK ", testNow)
				if err == nil && (g.Name != "Accounts Payable UK" || !slices.Equal(g.Path, []int64{ga.root, ga.g["F"], ga.g["P"], g.ID})) {
					return fmt.Errorf("created %+v", g)
				}
				return err
			}},
		{name: "create with a sibling's name in other case", code: roster.ECONFLICT, message: "groups.name_taken",
			do: func(t *testing.T, ga *groupAdmin) error {
				_, err := ga.store.CreateGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.root, "fINANCE", testNow)
				return err
			}},
		{name: "create a name used elsewhere in the tree", audit: "group_created",
			do: func(t *testing.T, ga *groupAdmin) error {
				_, err := ga.store.CreateGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["F"], "emea", testNow)
				return err
			}},
		{name: "create without a name", code: roster.EINVALID, message: "groups.name_required",
			do: func(t *testing.T, ga *groupAdmin) error {
				_, err := ga.store.CreateGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.root, " \t ", testNow)
				return err
			}},
		{name: "create with a too long name", code: roster.EINVALID, message: "groups.name_too_long",
			do: func(t *testing.T, ga *groupAdmin) error {
				_, err := ga.store.CreateGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.root, strings.Repeat("é", 101), testNow)
				return err
			}},
		{name: "create below another account's group", code: roster.ENOTFOUND,
			do: func(t *testing.T, ga *groupAdmin) error {
				_, err := ga.store.CreateGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.oGroup, "Leak", testNow)
				return err
			}},
		{name: "rename", audit: "group_renamed",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.RenameGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["P"], "Accounts Payable", testNow)
			}},
		{name: "rename changing only the case", audit: "group_renamed",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.RenameGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["S"], "SALES", testNow)
			}},
		{name: "rename the root", audit: "group_renamed",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.RenameGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.root, "Globex Worldwide", testNow)
			}},
		{name: "rename to a sibling's name", code: roster.ECONFLICT, message: "groups.name_taken",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.RenameGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["S"], "finance", testNow)
			}},
		{name: "rename to the same name", code: roster.EINVALID, message: "groups.name_unchanged",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.RenameGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["S"], "Sales", testNow)
			}},
		{name: "rename another account's group", code: roster.ENOTFOUND,
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.RenameGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.oGroup, "Mine now", testNow)
			}},
		{name: "move a subtree", audit: "group_moved",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.MoveGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["P"], ga.g["S"], testNow)
			},
			check: func(t *testing.T, ga *groupAdmin) {
				tree, err := ga.store.GroupTree(t.Context(), ga.acc.ID)
				if err != nil {
					t.Fatal(err)
				}
				p, _ := tree.Get(ga.g["P"])
				e, _ := tree.Get(ga.g["E"])
				if *p.ParentID != ga.g["S"] || !slices.Equal(p.Path, []int64{ga.root, ga.g["S"], ga.g["P"]}) ||
					!slices.Equal(e.Path, []int64{ga.root, ga.g["S"], ga.g["P"], ga.g["E"]}) {
					t.Errorf("after the move: Payables %+v, EMEA %+v", p, e)
				}
			}},
		{name: "move into itself", code: roster.EINVALID, message: "groups.move_into_itself",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.MoveGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["F"], ga.g["F"], testNow)
			}},
		{name: "move into its own subtree", code: roster.EINVALID, message: "groups.move_into_itself",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.MoveGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["F"], ga.g["E"], testNow)
			}},
		{name: "move the root", code: roster.EINVALID, message: "groups.root_fixed",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.MoveGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.root, ga.g["S"], testNow)
			}},
		{name: "move where it already is", code: roster.EINVALID, message: "groups.move_same_parent",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.MoveGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["P"], ga.g["F"], testNow)
			}},
		{name: "move next to a group of the same name", code: roster.ECONFLICT, message: "groups.name_taken_there",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.MoveGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["E"], ga.g["S"], testNow)
			}},
		{name: "move into another account's group", code: roster.ENOTFOUND,
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.MoveGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["S"], ga.oGroup, testNow)
			}},
		{name: "move another account's group", code: roster.ENOTFOUND,
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.MoveGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.oGroup, ga.g["S"], testNow)
			}},
		{name: "delete an empty group", audit: "group_deleted", same: true,
			do: func(t *testing.T, ga *groupAdmin) error {
				g, err := ga.store.CreateGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["S"], "Temporary", testNow)
				if err != nil {
					return err
				}
				ga.g["T"] = g.ID
				return ga.store.DeleteGroup(t.Context(), ga.acc.ID, ga.admin.ID, g.ID, testNow)
			},
			check: func(t *testing.T, ga *groupAdmin) {
				if _, _, _, err := ga.store.GroupUsage(t.Context(), ga.acc.ID, ga.g["T"]); roster.ErrorCode(err) != roster.ENOTFOUND {
					t.Errorf("the deleted group is still there: %v", err)
				}
			}},
		{name: "delete with members", code: roster.ECONFLICT, message: "groups.delete_in_use",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.DeleteGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["SE"], testNow)
			}},
		{name: "delete with subgroups and no members", code: roster.ECONFLICT, message: "groups.delete_in_use",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.DeleteGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.g["S"], testNow)
			}},
		{name: "delete with a pending invitation", code: roster.ECONFLICT, message: "groups.delete_in_use",
			do: func(t *testing.T, ga *groupAdmin) error {
				g, _ := ga.store.CreateGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.root, "Invited", testNow)
				ga.g["I"] = g.ID
				ga.pendingInvitation(t, g.ID, "pending")
				return ga.store.DeleteGroup(t.Context(), ga.acc.ID, ga.admin.ID, g.ID, testNow)
			}},
		{name: "delete the root", code: roster.EINVALID, message: "groups.root_fixed",
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.DeleteGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.root, testNow)
			}},
		{name: "delete another account's group", code: roster.ENOTFOUND,
			do: func(t *testing.T, ga *groupAdmin) error {
				return ga.store.DeleteGroup(t.Context(), ga.acc.ID, ga.admin.ID, ga.oGroup, testNow)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ga := newGroupAdmin(t)
			before := ga.snapshot(t)
			otherBefore := (&groupAdmin{fixture: ga.other}).snapshot(t)
			events := ga.auditEvents(t)
			err := tt.do(t, ga)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if ga.snapshot(t) == before && !tt.same {
					t.Error("nothing changed")
				}
				if n := ga.auditCountAny(t, tt.audit); n < 1 {
					t.Errorf("no %s audit event", tt.audit)
				}
			} else {
				wantCode(t, tt.name, err, tt.code, tt.message)
				if after := ga.snapshot(t); after != before && !strings.Contains(tt.name, "pending invitation") {
					t.Errorf("a refused change changed the tree:\n%s\n%s", before, after)
				}
				if ga.auditEvents(t)-events > 1 { // the invitation case creates its group first
					t.Error("a refused change wrote audit events")
				}
			}
			if got := (&groupAdmin{fixture: ga.other}).snapshot(t); got != otherBefore {
				t.Errorf("the other account's tree changed:\n%s\n%s", otherBefore, got)
			}
			if tt.check != nil {
				tt.check(t, ga)
			}
			checkTree(t, ga.store, ga.pool, ga.acc.ID)
		})
	}
}

func (ga *groupAdmin) auditEvents(t *testing.T) int {
	t.Helper()
	var n int
	if err := ga.pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_events WHERE account_id = $1`, ga.acc.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (ga *groupAdmin) auditCountAny(t *testing.T, action string) int {
	t.Helper()
	var n int
	if err := ga.pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = $2 AND group_id IS NOT NULL AND actor_id = $3`,
		ga.acc.ID, action, ga.admin.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// What keeps a group from being deleted is counted exactly: members,
// subgroups, and open invitations (pending, or expired but renewable) and
// join requests — not accepted or revoked ones.
func TestGroupAdminUsage(t *testing.T) {
	t.Parallel()
	ga := newGroupAdmin(t)
	ctx := t.Context()
	ga.pendingInvitation(t, ga.g["S"], "pending")
	ga.pendingInvitation(t, ga.g["S"], "expired")
	ga.pendingInvitation(t, ga.g["S"], "revoked")
	ga.pendingInvitation(t, ga.g["S"], "accepted")
	tests := []struct {
		group                           string
		members, subgroups, invitations int64
	}{
		{"F", 1, 1, 0},
		{"P", 1, 1, 0},
		{"E", 1, 0, 0},
		{"S", 0, 1, 2},
		{"SE", 1, 0, 0},
		{"root", 1, 2, 0}, // the administrator
	}
	for _, tt := range tests {
		m, s, i, err := ga.store.GroupUsage(ctx, ga.acc.ID, ga.g[tt.group])
		if err != nil || m != tt.members || s != tt.subgroups || i != tt.invitations {
			t.Errorf("GroupUsage(%s) = %d members, %d subgroups, %d invitations, %v; want %d, %d, %d",
				tt.group, m, s, i, err, tt.members, tt.subgroups, tt.invitations)
		}
	}
	if _, _, _, err := ga.store.GroupUsage(ctx, ga.acc.ID, ga.oGroup); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("another account's group: %v", err)
	}
	// Revoking the pending one and removing the expired one frees Sales › EMEA's parent… once its
	// subgroup is gone too.
	ga.exec(t, `DELETE FROM memberships WHERE account_id = $1 AND group_id = $2`, ga.acc.ID, ga.g["SE"])
	if err := ga.store.DeleteGroup(ctx, ga.acc.ID, ga.admin.ID, ga.g["SE"], testNow); err != nil {
		t.Fatalf("delete the emptied group: %v", err)
	}
	ga.exec(t, `UPDATE invitations SET status = 'revoked' WHERE account_id = $1`, ga.acc.ID)
	if err := ga.store.DeleteGroup(ctx, ga.acc.ID, ga.admin.ID, ga.g["S"], testNow); err != nil {
		t.Fatalf("delete the freed group: %v", err)
	}
}

// countingTracer counts the statements a pool runs.
type countingTracer struct{ n atomic.Int64 }

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// The counts take one query however large the tree, and equal a recount:
// a person in several groups of a subtree counts once for it.
func TestGroupAdminCountsOneQuery(t *testing.T) {
	t.Parallel()
	ga := newGroupAdmin(t)
	// Count on the fixture's own database through a tracing pool.
	cfg, err := pgxpool.ParseConfig(ga.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	tracer := &countingTracer{}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := NewGroupStore(pool)
	queries := func() int64 {
		before := tracer.n.Load()
		if _, _, err := store.GroupCounts(t.Context(), ga.acc.ID); err != nil {
			t.Fatal(err)
		}
		return tracer.n.Load() - before
	}
	small := queries()
	direct, subtree, _ := store.GroupCounts(t.Context(), ga.acc.ID)
	want := map[string][2]int64{"root": {1, 4}, "F": {1, 2}, "P": {1, 2}, "E": {1, 1}, "S": {0, 1}, "SE": {1, 1}}
	for name, w := range want {
		if g := ga.g[name]; direct[g] != w[0] || subtree[g] != w[1] {
			t.Errorf("%s: direct %d, subtree %d; want %d, %d", name, direct[g], subtree[g], w[0], w[1])
		}
	}
	// Grow the tree tenfold: still the same number of queries.
	parent := ga.g["E"]
	for i := range 40 {
		parent = ga.group(t, parent, fmt.Sprintf("Level %d", i))
		ga.member(t, ga.people["bob"], parent)
	}
	if large := queries(); large != small || small != 1 {
		t.Errorf("counting took %d queries on a small tree and %d on a large one; want 1", small, large)
	}
	checkTree(t, ga.store, ga.pool, ga.acc.ID)
}

// Many random moves, valid and not: after each, the tree has no cycle,
// every path is the chain of parents, and the counts equal a recount.
func TestGroupAdminRandomMoves(t *testing.T) {
	t.Parallel()
	ga := newGroupAdmin(t)
	ctx := t.Context()
	rng := mrand.New(mrand.NewPCG(4, 2))
	ids := slices.Collect(maps.Values(ga.g))
	for i := range 20 {
		parent := ids[rng.IntN(len(ids))]
		g, err := ga.store.CreateGroup(ctx, ga.acc.ID, ga.admin.ID, parent, fmt.Sprintf("G%02d", i), testNow)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
		for _, p := range ga.people {
			if rng.IntN(3) == 0 {
				ga.member(t, p, g.ID)
			}
		}
	}
	valid, refused := 0, map[string]int{}
	for range 250 {
		g, parent := ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))]
		before := ga.snapshot(t)
		err := ga.store.MoveGroup(ctx, ga.acc.ID, ga.admin.ID, g, parent, testNow)
		switch roster.ErrorCode(err) {
		case "":
			valid++
		case roster.EINVALID, roster.ECONFLICT:
			refused[roster.ErrorMessage(err)]++
			if ga.snapshot(t) != before {
				t.Fatalf("refused move %d → %d (%v) changed the tree", g, parent, err)
			}
		default:
			t.Fatalf("move %d → %d: %v", g, parent, err)
		}
		checkTree(t, ga.store, ga.pool, ga.acc.ID)
	}
	if valid < 50 || refused["groups.move_into_itself"] < 10 || refused["groups.root_fixed"] < 1 {
		t.Errorf("the moves did not exercise enough: %d valid, refused %v", valid, refused)
	}
	if n := ga.auditCountAny(t, "group_moved"); n != valid {
		t.Errorf("%d group_moved events for %d moves", n, valid)
	}
}

// Two administrators move A into B and B into A at the same moment: one
// wins, the other is refused, and no cycle is ever made.
func TestGroupAdminConcurrentMoves(t *testing.T) {
	t.Parallel()
	ga := newGroupAdmin(t)
	ctx := t.Context()
	for round := range 15 {
		a, err := ga.store.CreateGroup(ctx, ga.acc.ID, ga.admin.ID, ga.root, fmt.Sprintf("A%d", round), testNow)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ga.store.CreateGroup(ctx, ga.acc.ID, ga.admin.ID, ga.root, fmt.Sprintf("B%d", round), testNow)
		if err != nil {
			t.Fatal(err)
		}
		var errs [2]error
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, mv := range [][2]int64{{a.ID, b.ID}, {b.ID, a.ID}} {
			wg.Go(func() {
				<-start
				errs[i] = ga.store.MoveGroup(ctx, ga.acc.ID, ga.admin.ID, mv[0], mv[1], testNow)
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantCode(t, "the losing move", err, roster.EINVALID, "groups.move_into_itself")
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d moves succeeded (%v)", round, ok, errs)
		}
		checkTree(t, ga.store, ga.pool, ga.acc.ID)
	}
}

// checkTree asserts the tree's invariants from the parent links alone:
// every group reaches the root without a cycle, its path is that chain,
// and GroupCounts equals a recount over memberships.
func checkTree(t *testing.T, store *GroupStore, pool *pgxpool.Pool, accountID int64) {
	t.Helper()
	ctx := t.Context()
	type row struct {
		parent *int64
		path   []int64
	}
	groups := map[int64]row{}
	rows, _ := pool.Query(ctx, `SELECT id, parent_id, path FROM groups WHERE account_id = $1`, accountID)
	var id int64
	var r row
	if _, err := pgx.ForEachRow(rows, []any{&id, &r.parent, &r.path}, func() error { groups[id] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	chains := map[int64][]int64{}
	for id := range groups {
		var chain []int64
		for at, steps := id, 0; ; steps++ {
			if steps > len(groups) {
				t.Fatalf("group %d: cycle in the parent links", id)
			}
			chain = append(chain, at)
			g, ok := groups[at]
			if !ok {
				t.Fatalf("group %d: parent %d missing", id, at)
			}
			if g.parent == nil {
				break
			}
			at = *g.parent
		}
		slices.Reverse(chain)
		if !slices.Equal(chain, groups[id].path) {
			t.Fatalf("group %d: path %v, chain of parents %v", id, groups[id].path, chain)
		}
		chains[id] = chain
	}
	wantDirect, wantSub := map[int64]int64{}, map[int64]int64{}
	seen := map[[2]int64]bool{}
	rows, _ = pool.Query(ctx, `SELECT user_id, group_id FROM memberships WHERE account_id = $1`, accountID)
	var uid, gid int64
	if _, err := pgx.ForEachRow(rows, []any{&uid, &gid}, func() error {
		wantDirect[gid]++
		for _, anc := range chains[gid] {
			if !seen[[2]int64{uid, anc}] {
				seen[[2]int64{uid, anc}] = true
				wantSub[anc]++
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	direct, sub, err := store.GroupCounts(ctx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(direct, wantDirect) || !maps.Equal(sub, wantSub) {
		t.Fatalf("counts: direct %v subtree %v; recount direct %v subtree %v", direct, sub, wantDirect, wantSub)
	}
}

// The catalogue counts each holder once however many groups they hold a
// role in; custom roles are added after the built-ins, named uniquely.
func TestGroupAdminRoles(t *testing.T) {
	t.Parallel()
	ga := newGroupAdmin(t)
	ctx := t.Context()
	ga.grant(t, ga.people["ann"], ga.g["F"], roster.RoleFinance)
	roles, err := ga.store.RoleCatalogue(ctx, ga.acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	holders := map[string]int64{}
	for _, r := range roles {
		keys = append(keys, r.Key)
		holders[r.Key] = r.Holders
	}
	if !slices.Equal(keys, roster.BuiltinRoles) {
		t.Errorf("catalogue order %v", keys)
	}
	// Ann holds Approver in Finance and in EMEA: one holder.
	want := map[string]int64{roster.RoleAdministrator: 1, roster.RoleApprover: 1, roster.RoleFinance: 2, roster.RoleRequisitioner: 0, roster.RoleAnalyst: 0}
	if !maps.Equal(holders, want) {
		t.Errorf("holders %v, want %v", holders, want)
	}

	r, err := ga.store.CreateRole(ctx, ga.acc.ID, ga.admin.ID, " Budget  owner ", "Owns a cost centre's budget", testNow)
	if err != nil || r.Name != "Budget owner" {
		t.Fatalf("CreateRole: %+v, %v", r, err)
	}
	roles, _ = ga.store.RoleCatalogue(ctx, ga.acc.ID)
	if last := roles[len(roles)-1]; last.ID != r.ID || last.Key != "" || last.Description != "Owns a cost centre's budget" {
		t.Errorf("the new role is not last in the catalogue: %+v", last)
	}
	if n := ga.auditCount(t, "role_created", 0); n != 1 {
		t.Errorf("%d role_created events", n)
	}
	_, err = ga.store.CreateRole(ctx, ga.acc.ID, ga.admin.ID, "ADMINISTRATOR", "", testNow)
	wantCode(t, "a built-in role's name", err, roster.ECONFLICT, "roles.name_taken")
	_, err = ga.store.CreateRole(ctx, ga.acc.ID, ga.admin.ID, "budget OWNER", "", testNow)
	wantCode(t, "a custom role's name", err, roster.ECONFLICT, "roles.name_taken")
	_, err = ga.store.CreateRole(ctx, ga.acc.ID, ga.admin.ID, "", "", testNow)
	wantCode(t, "no name", err, roster.EINVALID, "groups.name_required")
	_, err = ga.store.CreateRole(ctx, ga.acc.ID, ga.admin.ID, "Verbose", strings.Repeat("x", 301), testNow)
	wantCode(t, "a long description", err, roster.EINVALID, "roles.description_too_long")
	// The other account's catalogue is untouched.
	other, _ := ga.store.RoleCatalogue(ctx, ga.other.acc.ID)
	if len(other) != len(roster.BuiltinRoles) {
		t.Errorf("the other account has %d roles", len(other))
	}
}

// Group member counts are kept by the membership triggers (migration
// 00024): after people join and leave groups, several at once in one
// statement and from several sessions, are deleted, and groups move
// meanwhile, with folds in between, every group's direct and subtree
// counts equal a recount.
func TestGroupCountsKeptUnderConcurrency(t *testing.T) {
	t.Parallel()
	ga := newGroupAdmin(t)
	ctx := t.Context()
	ids := slices.Collect(maps.Values(ga.g))
	parent := ga.g["E"]
	for i := range 6 { // a deeper branch, and siblings
		g, err := ga.store.CreateGroup(ctx, ga.acc.ID, ga.admin.ID, parent, fmt.Sprintf("Deep %d", i), testNow)
		if err != nil {
			t.Fatal(err)
		}
		ids, parent = append(ids, g.ID), g.ID
	}
	var people []int64
	for i := range 24 {
		people = append(people, ga.user(t, personSpec{name: fmt.Sprintf("Person %02d", i), email: fmt.Sprintf("p%02d@globex.example", i)}))
	}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := range 4 {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(w), 9))
			for range 60 {
				p := people[rng.IntN(len(people))]
				var err error
				switch op := rng.IntN(14); {
				case op < 4: // join one to three groups in one statement
					gs := []int64{ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))]}[:1+rng.IntN(3)]
					_, err = ga.pool.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id) SELECT $1, $2, g FROM unnest($3::bigint[]) g
					ON CONFLICT DO NOTHING`, ga.acc.ID, p, gs)
				case op < 7: // leave one group, or all
					if rng.IntN(2) == 0 {
						_, err = ga.pool.Exec(ctx, `DELETE FROM memberships WHERE account_id = $1 AND user_id = $2 AND group_id = $3`, ga.acc.ID, p, ids[rng.IntN(len(ids))])
					} else {
						_, err = ga.pool.Exec(ctx, `DELETE FROM memberships WHERE account_id = $1 AND user_id = $2`, ga.acc.ID, p)
					}
				case op < 9: // a group moves
					err = ga.store.MoveGroup(ctx, ga.acc.ID, ga.admin.ID, ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))], testNow)
					if c := roster.ErrorCode(err); c == roster.EINVALID || c == roster.ECONFLICT {
						err = nil
					}
				case op == 9:
					_, err = ga.store.FoldKeptCounts(ctx)
				case op == 10: // deactivated, or back (the people counts' status)
					_, err = ga.pool.Exec(ctx, `UPDATE users SET status = CASE status WHEN 'active' THEN 'deactivated' ELSE 'active' END
					WHERE account_id = $1 AND id = $2`, ga.acc.ID, p)
				case op == 11: // a first sign-in, or a sign-in forgotten
					_, err = ga.pool.Exec(ctx, `UPDATE users SET last_sign_in_at = CASE WHEN last_sign_in_at IS NULL THEN now() END
					WHERE account_id = $1 AND id = $2`, ga.acc.ID, p)
				default: // a role granted in one of their groups, or taken back
					_, err = ga.pool.Exec(ctx, `WITH m AS (SELECT group_id FROM memberships WHERE account_id = $1 AND user_id = $2 ORDER BY random() LIMIT 1),
					r AS (SELECT id FROM roles WHERE account_id = $1 ORDER BY random() LIMIT 1),
					gone AS (DELETE FROM role_assignments ra USING m, r WHERE ra.account_id = $1 AND ra.user_id = $2 AND ra.group_id = m.group_id AND ra.role_id = r.id RETURNING 1)
					INSERT INTO role_assignments (account_id, user_id, group_id, role_id)
					SELECT $1, $2, m.group_id, r.id FROM m, r WHERE NOT EXISTS (SELECT 1 FROM gone)
					ON CONFLICT DO NOTHING`, ga.acc.ID, p)
					if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "23503" {
						err = nil // the membership left meanwhile
					}
				}
				if err != nil {
					failed.Add(1)
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		return
	}
	// Someone deleted with their memberships (the cascade).
	ga.exec(t, `DELETE FROM users WHERE account_id = $1 AND id = $2`, ga.acc.ID, people[0])
	for _, step := range []string{"before the fold", "after the fold"} {
		if problems, err := CheckGroupCounts(ctx, ga.pool, ga.acc.ID); err != nil || len(problems) > 0 {
			t.Fatalf("%s: %v %q", step, err, problems)
		}
		if problems, err := CheckPeopleCounts(ctx, ga.pool, ga.acc.ID); err != nil || len(problems) > 0 {
			t.Fatalf("%s: people counts: %v %q", step, err, problems)
		}
		if _, err := ga.store.FoldKeptCounts(ctx); err != nil {
			t.Fatal(err)
		}
	}
	checkTree(t, ga.store, ga.pool, ga.acc.ID)
	var deltas int
	ga.pool.QueryRow(ctx, `SELECT count(*) FROM group_member_deltas WHERE account_id = $1`, ga.acc.ID).Scan(&deltas)
	if deltas != 0 {
		t.Errorf("%d deltas left after the fold", deltas)
	}
}

// A person's status changing while a group move recounts (MoveGroup holds
// the account's group counts lock, has rewritten the paths and recounted
// the groups the subtree left and joined, and has not committed) waits
// for the move, then counts towards the groups of the new paths: the
// people counts (migration 00026) equal a recount after both. Without the
// people trigger's lock, the change went to the groups it left.
func TestPeopleCountsWaitForAGroupMove(t *testing.T) {
	t.Parallel()
	ga := newGroupAdmin(t)
	ctx := t.Context()
	tx, err := ga.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// Payables (with Bob, and Ann below it in EMEA) moves from Finance to Sales.
	if err := lockGroupCounts(ctx, tx, ga.acc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE groups SET path = ARRAY[$2::bigint, $3::bigint] || path[3:], parent_id = CASE WHEN id = $4 THEN $3 ELSE parent_id END
	WHERE account_id = $1 AND path @> ARRAY[$4::bigint]`, ga.acc.ID, ga.g["root"], ga.g["S"], ga.g["P"]); err != nil {
		t.Fatal(err)
	}
	if err := recountSubtrees(ctx, tx, ga.acc.ID, []int64{ga.g["F"], ga.g["S"]}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ga.pool.Exec(ctx, `UPDATE users SET status = 'deactivated', last_sign_in_at = now() WHERE account_id = $1 AND id = $2`, ga.acc.ID, ga.people["bob"])
		done <- err
	}()
	waited := true
	select {
	case err := <-done:
		t.Errorf("the change did not wait for the move (%v)", err)
		waited = false
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if waited {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if problems, err := CheckPeopleCounts(ctx, ga.pool, ga.acc.ID); err != nil || len(problems) > 0 {
		t.Errorf("people counts: %v %q", err, problems)
	}
}
