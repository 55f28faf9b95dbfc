package postgres

import (
	"sync"
	"testing"

	"github.com/roster-hub/roster/internal/roster"
)

func countersAgree(t *testing.T, f *fixture) {
	t.Helper()
	var ok bool
	err := f.pool.QueryRow(t.Context(), `SELECT (SELECT row(c.*)::text FROM account_counters c WHERE account_id = $1) = (SELECT row(r.*)::text FROM account_counters_recount($1) r)`, f.acc.ID).Scan(&ok)
	if err != nil || !ok {
		t.Errorf("counters differ from a recount (err %v)", err)
	}
}

func TestPeopleChangesKeepAnAdministrator(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	f := newFixture(t, pool, roster.Signup{AccountName: "Acme", Name: "Ada Admin", Email: "ada@acme.example", PasswordHash: "x"}, testNow)
	other := newFixture(t, pool, roster.Signup{AccountName: "Other", Name: "Otto", Email: "otto@other.example", PasswordHash: "x"}, testNow)
	store := NewUserStore(pool)
	ctx := t.Context()
	ada := f.admin.ID
	bob := f.user(t, personSpec{name: "Bob", email: "bob@acme.example"})
	sales := f.group(t, f.root, "Sales")

	// The only administrator cannot be deactivated, demoted or removed.
	if _, err := store.SetStatus(ctx, f.acc.ID, bob, []int64{ada}, roster.StatusDeactivated, testNow); roster.ErrorMessage(err) != "person.last_admin" {
		t.Errorf("deactivating the last admin: %v", err)
	}
	if _, err := store.RevokeRole(ctx, f.acc.ID, bob, []int64{ada}, f.roles[roster.RoleAdministrator], testNow); roster.ErrorMessage(err) != "person.last_admin" {
		t.Errorf("revoking the last admin: %v", err)
	}
	if _, err := store.RemoveFromGroup(ctx, f.acc.ID, bob, []int64{ada}, f.root, testNow); roster.ErrorMessage(err) != "person.last_admin" {
		t.Errorf("removing the last admin from the root: %v", err)
	}
	if err := store.Remove(ctx, f.acc.ID, bob, ada, testNow); roster.ErrorMessage(err) != "person.last_admin" {
		t.Errorf("removing the last admin: %v", err)
	}
	// With a second administrator, one can go; concurrent demotions of both
	// leave exactly one.
	if n, err := store.GrantRole(ctx, f.acc.ID, ada, []int64{bob}, f.root, f.roles[roster.RoleAdministrator], testNow); err != nil || n != 1 {
		t.Fatalf("grant admin: %d %v", n, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, who := range []int64{ada, bob} {
		wg.Go(func() {
			_, errs[i] = store.RevokeRole(ctx, f.acc.ID, who, []int64{who}, f.roles[roster.RoleAdministrator], testNow)
		})
	}
	wg.Wait()
	var admins int
	pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE account_id = $1 AND admin_grants > 0 AND status = 'active'`, f.acc.ID).Scan(&admins)
	if admins != 1 || (errs[0] == nil) == (errs[1] == nil) {
		t.Errorf("concurrent demotions: %d admins left, errors %v", admins, errs)
	}
	countersAgree(t, f)

	// Bulk group changes, and another account's people are never touched.
	otto := other.admin.ID
	n, err := store.AddToGroup(ctx, f.acc.ID, ada, []int64{bob, otto}, sales, []int64{f.roles[roster.RoleApprover]}, testNow)
	if err != nil || n != 1 {
		t.Errorf("add to group (with a foreign id): %d %v", n, err)
	}
	if _, err := store.AddToGroup(ctx, f.acc.ID, ada, []int64{bob}, other.root, nil, testNow); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("another account's group: %v", err)
	}
	if _, err := store.SetStatus(ctx, f.acc.ID, ada, []int64{otto}, roster.StatusDeactivated, testNow); err != nil {
		t.Fatal(err)
	}
	var status string
	pool.QueryRow(ctx, `SELECT status FROM users WHERE id = $1 AND account_id = $2`, otto, other.acc.ID).Scan(&status)
	if status != roster.StatusActive {
		t.Errorf("another account's person was deactivated")
	}
	if err := store.SetGroupRoles(ctx, f.acc.ID, ada, bob, sales, []int64{f.roles[roster.RoleFinance], f.roles[roster.RoleAnalyst]}, testNow); err != nil {
		t.Fatal(err)
	}
	u, _ := store.User(ctx, f.acc.ID, bob)
	for _, m := range u.Memberships {
		if m.GroupID == sales && len(m.RoleIDs) != 2 {
			t.Errorf("roles in Sales after edit: %v", m.RoleIDs)
		}
	}
	countersAgree(t, f)
	countersAgree(t, other)
	var audits int
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action IN ('group_added', 'roles_changed', 'role_revoked')`, f.acc.ID).Scan(&audits)
	if audits < 3 {
		t.Errorf("%d audit events for the changes", audits)
	}
}

func TestDeactivationAndLosingAdminEndSessions(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	f := newFixture(t, pool, roster.Signup{AccountName: "Acme", Name: "Ada Admin", Email: "ada@acme.example", PasswordHash: "x"}, testNow)
	accounts, store := NewAccountStore(pool), NewUserStore(pool)
	ctx := t.Context()
	bob := f.user(t, personSpec{name: "Bob", email: "bob@acme.example"})
	cy := f.user(t, personSpec{name: "Cy", email: "cy@acme.example"})
	f.member(t, cy, f.root, roster.RoleAdministrator)
	bobToken, _ := accounts.CreateSession(ctx, f.acc.ID, bob)
	cyToken, _ := accounts.CreateSession(ctx, f.acc.ID, cy)
	if _, err := store.SetStatus(ctx, f.acc.ID, f.admin.ID, []int64{bob}, roster.StatusDeactivated, testNow); err != nil {
		t.Fatal(err)
	}
	if _, _, err := accounts.SessionActor(ctx, bobToken, 1e12, 1e12); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("deactivated person's session still works: %v", err)
	}
	if _, err := store.RevokeRole(ctx, f.acc.ID, f.admin.ID, []int64{cy}, f.roles[roster.RoleAdministrator], testNow); err != nil {
		t.Fatal(err)
	}
	if _, _, err := accounts.SessionActor(ctx, cyToken, 1e12, 1e12); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("former administrator's session still works: %v", err)
	}
	if _, err := store.SetStatus(ctx, f.acc.ID, f.admin.ID, []int64{bob}, roster.StatusActive, testNow); err != nil {
		t.Fatal(err)
	}
	if err := store.Remove(ctx, f.acc.ID, f.admin.ID, bob, testNow); err != nil {
		t.Fatal(err)
	}
	if err := store.Remove(ctx, f.acc.ID, f.admin.ID, f.admin.ID, testNow); roster.ErrorMessage(err) != "person.remove_self" {
		t.Errorf("removing oneself: %v", err)
	}
	countersAgree(t, f)
}
