package postgres

import (
	"bytes"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/roster"
)

func TestCreateAccount(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	accounts := NewAccountStore(pool)
	acc, admin, err := accounts.CreateAccount(ctx, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "Quinn@Globex.example", PasswordHash: "hash-1"})
	if err != nil {
		t.Fatal(err)
	}
	if acc.ID == 0 || admin.ID == 0 || admin.AccountID != acc.ID || admin.Status != roster.StatusActive {
		t.Fatalf("CreateAccount = %+v, %+v", acc, admin)
	}

	got, err := accounts.Account(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSettings := roster.Settings{InviteValidityDays: 90, RemindersEnabled: true, ExpiringSoonDays: 7, LinkValidityHours: 720, LinkMaxUses: 50,
		InvitesPerAdminPerDay: roster.DefaultInvitesPerDay, DefaultLocale: "en-US"}
	if got.Name != "Globex" || got.Settings != wantSettings {
		t.Errorf("Account = %+v, want name Globex and settings %+v", got, wantSettings)
	}

	// The root group, named after the account.
	groups := NewGroupStore(pool)
	tree, err := groups.GroupTree(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Groups) != 1 {
		t.Fatalf("groups = %+v, want only the root", tree.Groups)
	}
	root := tree.Root()
	if root.ParentID != nil || root.Name != "Globex" || !slices.Equal(root.Path, []int64{root.ID}) {
		t.Errorf("root = %+v", root)
	}

	// The five built-in roles, in catalogue order.
	roles, err := groups.Roles(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var keys, names []string
	for _, r := range roles {
		keys, names = append(keys, r.Key), append(names, r.Name)
	}
	if !slices.Equal(keys, roster.BuiltinRoles) || !slices.Equal(names, []string{"Administrator", "Requisitioner", "Approver", "Finance", "Analyst"}) {
		t.Errorf("roles = %v %v, want %v", keys, names, roster.BuiltinRoles)
	}

	// The first person: Administrator on the root group.
	u, err := NewUserStore(pool).User(ctx, acc.ID, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Memberships) != 1 || u.Memberships[0].GroupID != root.ID || !slices.Equal(u.Memberships[0].RoleIDs, []int64{roles[0].ID}) {
		t.Errorf("admin memberships = %+v, want Administrator (%d) on root %d", u.Memberships, roles[0].ID, root.ID)
	}
	if u.Name != "Quinn Admin" || u.Email != "Quinn@Globex.example" {
		t.Errorf("admin = %+v", u)
	}
	if c := checkCounters(t, pool, acc.ID, "new account"); c != (counters{acc.ID, 1, 1, 0, 1, 0, 1}) {
		t.Errorf("counters = %+v", c)
	}
	var action string
	var actor, target int64
	if err := pool.QueryRow(ctx, `SELECT action, actor_id, target_user_id FROM audit_events WHERE account_id = $1`, acc.ID).Scan(&action, &actor, &target); err != nil ||
		action != "account_created" || actor != admin.ID || target != admin.ID {
		t.Errorf("audit = %q by %d on %d (%v), want account_created by the admin", action, actor, target, err)
	}

	// Signing in finds the person by email in any case.
	cu, hash, err := accounts.Credentials(ctx, "quinn@GLOBEX.EXAMPLE")
	if err != nil || cu.ID != admin.ID || cu.AccountID != acc.ID || hash != "hash-1" {
		t.Errorf("Credentials = %+v %q %v", cu, hash, err)
	}
	if _, _, err := accounts.Credentials(ctx, "nobody@globex.example"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("Credentials(unknown): %v, want ENOTFOUND", err)
	}
	if _, err := accounts.Account(ctx, acc.ID+1000); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("Account(unknown): %v, want ENOTFOUND", err)
	}

	// The same email again, in another case: a conflict, and nothing made.
	_, _, err = accounts.CreateAccount(ctx, roster.Signup{AccountName: "Globex Two", Name: "Quinn Again", Email: "quinn@GLOBEX.example", PasswordHash: "x"})
	if roster.ErrorCode(err) != roster.ECONFLICT {
		t.Errorf("second CreateAccount: err = %v (code %q), want ECONFLICT", err, roster.ErrorCode(err))
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM groups) + (SELECT count(*) FROM roles) + (SELECT count(*) FROM account_counters)`).Scan(&n); err != nil || n != 1+1+5+1 {
		t.Errorf("rows after the conflict = %d (%v), want one account's", n, err)
	}

	// Another account is a world of its own.
	acc2, admin2, err := accounts.CreateAccount(ctx, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "quinn@initech.example", PasswordHash: "x", Locale: "de-DE"})
	if err != nil {
		t.Fatal(err)
	}
	tree2, err := groups.GroupTree(ctx, acc2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree2.Groups) != 1 || tree2.Root().ID == root.ID || admin2.Memberships[0].GroupID != tree2.Root().ID {
		t.Errorf("second account's tree = %+v", tree2.Groups)
	}
	if got, _ := accounts.Account(ctx, acc2.ID); got.Settings.DefaultLocale != "de-DE" {
		t.Errorf("second account locale = %q, want de-DE", got.Settings.DefaultLocale)
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	accounts := NewAccountStore(pool)
	acc, admin, err := accounts.CreateAccount(ctx, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "quinn@globex.example", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{pool: pool, acc: acc, admin: admin, root: admin.Memberships[0].GroupID, roles: map[string]int64{}}
	rows, _ := pool.Query(ctx, `SELECT key, id FROM roles WHERE account_id = $1`, acc.ID)
	for rows.Next() {
		var k string
		var id int64
		rows.Scan(&k, &id)
		f.roles[k] = id
	}
	rows.Close()
	grp := f.group(t, f.root, "Finance")
	groupAdmin := f.user(t, personSpec{name: "Gail Group", email: "gail@globex.example"})
	f.member(t, groupAdmin, grp, roster.RoleAdministrator)
	plain := f.user(t, personSpec{name: "Pat Plain", email: "pat@globex.example"})
	f.member(t, plain, grp, roster.RoleRequisitioner)

	const idle, absolute = time.Hour, 24 * time.Hour
	open := func(userID int64) string {
		t.Helper()
		tok, err := accounts.CreateSession(ctx, acc.ID, userID)
		if err != nil || len(tok) < 40 {
			t.Fatalf("CreateSession(%d) = %q, %v", userID, tok, err)
		}
		return tok
	}
	valid := func(step, tok string) roster.Actor {
		t.Helper()
		a, gotAcc, err := accounts.SessionActor(ctx, tok, idle, absolute)
		if err != nil {
			t.Fatalf("%s: SessionActor: %v", step, err)
		}
		if gotAcc.ID != acc.ID || gotAcc.Name != "Globex" || gotAcc.Settings.ExpiringSoonDays != 7 {
			t.Errorf("%s: account = %+v", step, gotAcc)
		}
		return a
	}
	invalid := func(step, tok string) {
		t.Helper()
		if _, _, err := accounts.SessionActor(ctx, tok, idle, absolute); roster.ErrorCode(err) != roster.ENOTFOUND {
			t.Errorf("%s: SessionActor err = %v, want ENOTFOUND", step, err)
		}
	}

	// The account administrator.
	tok := open(admin.ID)
	a := valid("admin", tok)
	if a.User.ID != admin.ID || a.User.Email != "quinn@globex.example" || !a.AccountAdmin || !slices.Equal(a.AdminGroups, []int64{f.root}) || !a.CanOpenHub() {
		t.Errorf("admin actor = %+v", a)
	}
	if a.User.LastSignInAt == nil || time.Since(*a.User.LastSignInAt) > time.Minute {
		t.Errorf("sign-in not recorded: %v", a.User.LastSignInAt)
	}
	// A group administrator and a plain member.
	a = valid("group admin", open(groupAdmin))
	if a.AccountAdmin || !slices.Equal(a.AdminGroups, []int64{grp}) || !a.CanOpenHub() {
		t.Errorf("group admin actor = %+v", a)
	}
	a = valid("member", open(plain))
	if a.AccountAdmin || len(a.AdminGroups) != 0 || a.CanOpenHub() {
		t.Errorf("member actor = %+v", a)
	}
	invalid("unknown token", "not-a-token")
	invalid("empty token", "")

	// Sign out everywhere ends every session of the person, not others'.
	other := open(admin.ID)
	gail := open(groupAdmin)
	version := func(userID int64) int {
		t.Helper()
		var v int
		if err := pool.QueryRow(ctx, `SELECT session_version FROM users WHERE account_id = $1 AND id = $2`, acc.ID, userID).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version(admin.ID)
	if err := accounts.SignOutEverywhere(ctx, acc.ID, admin.ID); err != nil {
		t.Fatal(err)
	}
	// The version moves too, so a cookie of a session being made at that
	// moment is refused as well.
	if v := version(admin.ID); v != v0+1 {
		t.Errorf("session_version %d -> %d, want +1", v0, v)
	}
	invalid("after sign-out everywhere", tok)
	invalid("second session after sign-out everywhere", other)
	valid("someone else's session", gail)
	tok = open(admin.ID)
	valid("new session after sign-out everywhere", tok)

	// A new session version alone (e.g. losing Administrator) ends sessions.
	f.exec(t, `UPDATE users SET session_version = session_version + 1 WHERE account_id = $1 AND id = $2`, acc.ID, admin.ID)
	invalid("after version bump", tok)
	tok = open(admin.ID)

	// Deactivation ends sessions and stops new ones.
	f.exec(t, `UPDATE users SET status = 'deactivated' WHERE account_id = $1 AND id = $2`, acc.ID, groupAdmin)
	invalid("deactivated", gail)
	if _, err := accounts.CreateSession(ctx, acc.ID, groupAdmin); roster.ErrorCode(err) != roster.EFORBIDDEN {
		t.Errorf("CreateSession(deactivated): %v, want EFORBIDDEN", err)
	}
	f.exec(t, `UPDATE users SET status = 'active' WHERE account_id = $1 AND id = $2`, acc.ID, groupAdmin)
	valid("reactivated, same version", gail)
	if _, err := accounts.CreateSession(ctx, acc.ID+1000, admin.ID); roster.ErrorCode(err) != roster.EFORBIDDEN {
		t.Errorf("CreateSession(wrong account): %v, want EFORBIDDEN", err)
	}

	// Idle limit: a session unseen for longer than idle is over.
	f.exec(t, `UPDATE sessions SET last_seen_at = now() - interval '2 hours' WHERE user_id = $1`, groupAdmin)
	invalid("idle", gail)
	if _, _, err := accounts.SessionActor(ctx, gail, 3*time.Hour, absolute); err != nil {
		t.Errorf("within a 3h idle limit: %v", err)
	}
	// That use slid the idle window forward.
	valid("after use", gail)
	// Absolute limit.
	f.exec(t, `UPDATE sessions SET created_at = now() - interval '2 days' WHERE user_id = $1`, groupAdmin)
	invalid("past absolute limit", gail)
	if _, _, err := accounts.SessionActor(ctx, gail, idle, 72*time.Hour); err != nil {
		t.Errorf("within a 72h absolute limit: %v", err)
	}

	// Sign out of one session.
	tok2 := open(admin.ID)
	if err := accounts.DeleteSession(ctx, tok); err != nil {
		t.Fatal(err)
	}
	invalid("deleted session", tok)
	valid("other session of the same person", tok2)
	if err := accounts.DeleteSession(ctx, tok); err != nil {
		t.Errorf("deleting twice: %v", err)
	}

	// Deleting the person deletes their sessions.
	pat := open(plain)
	f.exec(t, `DELETE FROM users WHERE account_id = $1 AND id = $2`, acc.ID, plain)
	invalid("deleted person", pat)
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE user_id = $1`, plain).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d sessions left for a deleted person (%v)", n, err)
	}
	// Only hashes are stored.
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE id_hash = convert_to($1, 'UTF8')`, tok2).Scan(&n); err != nil || n != 0 {
		t.Errorf("a raw token is stored (%v)", err)
	}
	checkCounters(t, pool, acc.ID, "after sessions")
}

func TestSecret(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	accounts := NewAccountStore(pool)
	s1, err := accounts.Secret(ctx, "cookie", 32)
	if err != nil || len(s1) != 32 {
		t.Fatalf("Secret = %x, %v", s1, err)
	}
	s2, err := accounts.Secret(ctx, "cookie", 32)
	if err != nil || !bytes.Equal(s1, s2) {
		t.Errorf("second Secret = %x (%v), want %x", s2, err, s1)
	}
	s3, err := accounts.Secret(ctx, "other", 32)
	if err != nil || bytes.Equal(s1, s3) {
		t.Errorf("another name's secret = %x (%v), the same as the first", s3, err)
	}
	// Processes starting together agree on one value.
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	errs := make([]error, 8)
	for i := range got {
		wg.Go(func() { got[i], errs[i] = accounts.Secret(ctx, "race", 16) })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || len(got[i]) != 16 || !bytes.Equal(got[i], got[0]) {
			t.Errorf("racing Secret %d = %x, %v; first %x", i, got[i], errs[i], got[0])
		}
	}
}

func TestAuditEventsAppendOnly(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	accounts := NewAccountStore(pool)
	acc, admin, err := accounts.CreateAccount(ctx, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "quinn@globex.example", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := accounts.CreateAccount(ctx, roster.Signup{AccountName: "Initech", Name: "Bill", Email: "bill@initech.example", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := accounts.SignOutEverywhere(ctx, acc.ID, admin.ID); err != nil {
		t.Fatal(err)
	}
	count := func(accountID int64) int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE account_id = $1`, accountID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(acc.ID); n != 2 {
		t.Fatalf("%d audit events, want 2 (account_created, signed_out_everywhere)", n)
	}
	for _, sql := range []string{
		`UPDATE audit_events SET action = 'nothing' WHERE account_id = $1`,
		`UPDATE audit_events SET detail = '{"x": 1}' WHERE account_id = $1`,
		`DELETE FROM audit_events WHERE account_id = $1`,
		`DELETE FROM audit_events WHERE account_id = $1 AND action = 'signed_out_everywhere'`,
	} {
		if _, err := pool.Exec(ctx, sql, acc.ID); err == nil {
			t.Errorf("%s: no error, want the append-only trigger to refuse", sql)
		}
	}
	var actions []string
	rows, _ := pool.Query(ctx, `SELECT action FROM audit_events WHERE account_id = $1 ORDER BY id`, acc.ID)
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actions = append(actions, a)
	}
	rows.Close()
	if !slices.Equal(actions, []string{"account_created", "signed_out_everywhere"}) {
		t.Errorf("audit after refused edits = %v", actions)
	}
	// Deleting the account itself takes its trail with it, and only its own
	// (its people are in groups and hold roles: the cascade must get past them).
	if _, err := pool.Exec(ctx, `DELETE FROM accounts WHERE id = $1`, acc.ID); err != nil {
		t.Fatalf("delete account: %v", err)
	}
	if n := count(acc.ID); n != 0 {
		t.Errorf("%d audit events left after deleting the account", n)
	}
	if n := count(other.ID); n != 1 {
		t.Errorf("the other account has %d audit events, want 1", n)
	}
}
