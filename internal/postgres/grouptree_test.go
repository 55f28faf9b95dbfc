package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/roster"
)

// TestGroupTreeCacheFollowsEveryChange checks that a server's cached group
// tree is never older than the database: changes made through another
// server's store (another process behind the load balancer) and through
// plain SQL show on the next read, and an account's deletion still works
// with the version triggers in place.
func TestGroupTreeCacheFollowsEveryChange(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	f := newFixture(t, pool, roster.Signup{AccountName: "Tree Co", Name: "Ada Admin", Email: "ada@tree.example", PasswordHash: "x"}, testNow)
	g := newFixture(t, pool, roster.Signup{AccountName: "Other Co", Name: "Bo Admin", Email: "bo@other.example", PasswordHash: "x"}, testNow)
	mine, theirs := NewGroupStore(pool), NewGroupStore(pool)
	shape := func(step string, want string) {
		t.Helper()
		tree, err := mine.GroupTree(ctx, f.acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, gr := range tree.Groups {
			parts = append(parts, strings.Repeat("-", gr.Depth())+gr.Name)
		}
		if got := strings.Join(parts, " "); got != want {
			t.Errorf("%s: tree %q, want %q", step, got, want)
		}
		again, _ := mine.GroupTree(ctx, f.acc.ID)
		if again != tree {
			t.Errorf("%s: an unchanged tree was read again instead of reused", step)
		}
	}
	shape("start", "Tree Co")
	sales, err := theirs.CreateGroup(ctx, f.acc.ID, f.admin.ID, f.root, "Sales", testNow)
	if err != nil {
		t.Fatal(err)
	}
	shape("created elsewhere", "Tree Co -Sales")
	emea, err := theirs.CreateGroup(ctx, f.acc.ID, f.admin.ID, sales.ID, "EMEA", testNow)
	if err != nil {
		t.Fatal(err)
	}
	shape("nested", "Tree Co -Sales --EMEA")
	if err := theirs.RenameGroup(ctx, f.acc.ID, f.admin.ID, emea.ID, "Europe", testNow); err != nil {
		t.Fatal(err)
	}
	shape("renamed", "Tree Co -Sales --Europe")
	if err := theirs.MoveGroup(ctx, f.acc.ID, f.admin.ID, emea.ID, f.root, testNow); err != nil {
		t.Fatal(err)
	}
	shape("moved", "Tree Co -Europe -Sales")
	f.exec(t, `UPDATE groups SET name = 'Vente' WHERE account_id = $1 AND id = $2`, f.acc.ID, sales.ID)
	shape("renamed in SQL", "Tree Co -Europe -Vente")
	// Another account's change leaves this tree as it was.
	if _, err := theirs.CreateGroup(ctx, g.acc.ID, g.admin.ID, g.root, "Elsewhere", testNow); err != nil {
		t.Fatal(err)
	}
	shape("other account changed", "Tree Co -Europe -Vente")
	if err := theirs.DeleteGroup(ctx, f.acc.ID, f.admin.ID, emea.ID, testNow); err != nil {
		t.Fatal(err)
	}
	shape("deleted", "Tree Co -Vente")
	// Deleting the account cascades to its groups through the triggers.
	f.exec(t, `DELETE FROM accounts WHERE id = $1`, f.acc.ID)
	tree, err := mine.GroupTree(ctx, f.acc.ID)
	if err != nil || len(tree.Groups) != 0 {
		t.Errorf("deleted account: tree %v, %v; want empty", tree.Groups, err)
	}
}

// TestCatalogueFollowsRolesAndTheSessionsVersion checks that the role
// catalogue is cached with the tree and follows every change to the roles;
// that the version read with a session names the catalogue a request may
// use without asking the database again; and that callers get roles of
// their own to change.
func TestCatalogueFollowsRolesAndTheSessionsVersion(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	f := newFixture(t, pool, roster.Signup{AccountName: "Roles Co", Name: "Ada Admin", Email: "ada@roles.example", PasswordHash: "x"}, testNow)
	mine, theirs, accounts := NewGroupStore(pool), NewGroupStore(pool), NewAccountStore(pool)
	version := func() int64 {
		t.Helper()
		tok, err := accounts.CreateSession(ctx, f.acc.ID, f.admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, acc, err := accounts.SessionActor(ctx, tok, time.Hour, time.Hour)
		if err != nil || acc.CatalogueVersion == 0 {
			t.Fatalf("session: version %d, %v", acc.CatalogueVersion, err)
		}
		return acc.CatalogueVersion
	}
	names := func(roles []roster.Role) string {
		var s []string
		for _, r := range roles {
			s = append(s, r.Name)
		}
		return strings.Join(s, ",")
	}
	v1 := version()
	tree, roles, err := mine.Catalogue(ctx, f.acc.ID, v1)
	if err != nil || !strings.Contains(names(roles), "Finance") {
		t.Fatalf("catalogue: %q, %v", names(roles), err)
	}
	// Known version, cached: no statement at all (a cancelled context
	// would fail one).
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tree2, roles2, err := mine.Catalogue(cancelled, f.acc.ID, v1)
	if err != nil || tree2 != tree || names(roles2) != names(roles) {
		t.Fatalf("cached catalogue: %v (same tree %v)", err, tree2 == tree)
	}
	roles2[0].Name = "Changed by a caller"
	if _, again, _ := mine.Catalogue(cancelled, f.acc.ID, v1); names(again) != names(roles) {
		t.Errorf("a caller's change reached the cache: %q", names(again))
	}
	// A role renamed in SQL, and one added through another server.
	f.exec(t, `UPDATE roles SET name = 'Money' WHERE account_id = $1 AND name = 'Finance'`, f.acc.ID)
	v2 := version()
	if v2 <= v1 {
		t.Fatalf("renaming a role left the version at %d (was %d)", v2, v1)
	}
	if _, roles, err = mine.Catalogue(ctx, f.acc.ID, v2); err != nil || !strings.Contains(names(roles), "Money") || strings.Contains(names(roles), "Finance") {
		t.Errorf("after the rename: %q, %v", names(roles), err)
	}
	if _, err := theirs.CreateGroup(ctx, f.acc.ID, f.admin.ID, f.root, "Sales", testNow); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `INSERT INTO roles (account_id, name, description, position) VALUES ($1, 'Auditor', 'Reads the books', 9)`, f.acc.ID)
	roles, err = mine.Roles(ctx, f.acc.ID) // version unknown: read first
	if err != nil || !strings.HasSuffix(names(roles), "Auditor") {
		t.Errorf("after a role was added: %q, %v", names(roles), err)
	}
	tree3, _, _ := mine.Catalogue(ctx, f.acc.ID, version())
	if len(tree3.Groups) != 2 {
		t.Errorf("after a group was added: %d groups", len(tree3.Groups))
	}
	f.exec(t, `DELETE FROM roles WHERE account_id = $1 AND name = 'Auditor'`, f.acc.ID)
	if _, roles, _ = mine.Catalogue(ctx, f.acc.ID, version()); strings.Contains(names(roles), "Auditor") {
		t.Errorf("a deleted role is still listed: %q", names(roles))
	}
}
