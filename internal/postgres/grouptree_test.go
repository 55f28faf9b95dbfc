package postgres

import (
	"strings"
	"testing"

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
