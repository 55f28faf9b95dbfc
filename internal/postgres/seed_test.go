package postgres

import (
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// dbSnapshot sums up every table the seeder writes, so that a second run
// can be shown to change nothing.
func dbSnapshot(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var s string
	err := pool.QueryRow(t.Context(), `SELECT concat_ws(' ',
	    (SELECT count(*) FROM accounts), (SELECT count(*) FROM groups), (SELECT count(*) FROM roles),
	    (SELECT count(*) FROM memberships), (SELECT count(*) FROM role_assignments), (SELECT count(*) FROM invitations),
	    (SELECT count(*) FROM join_requests), (SELECT count(*) FROM audit_events), (SELECT count(*) FROM sessions),
	    (SELECT md5(string_agg(concat_ws('|', id, email, name, status, last_sign_in_at, group_count, admin_grants, session_version), ',' ORDER BY id)) FROM users),
	    (SELECT md5(string_agg(concat_ws('|', account_id, users_total, users_active, users_deactivated, users_never_signed_in, users_without_group, administrators), ',' ORDER BY account_id)) FROM account_counters))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSeedDemo(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	made, err := SeedDemo(ctx, pool, testKey, "admin-hash", "member-hash", testNow)
	if err != nil || !made {
		t.Fatalf("SeedDemo = %v, %v; want true, nil", made, err)
	}
	var accID int64
	if err := pool.QueryRow(ctx, `SELECT id FROM accounts WHERE name = $1`, DemoAccountName).Scan(&accID); err != nil {
		t.Fatalf("the demo account: %v", err)
	}

	// Idempotent: a second run makes nothing and changes nothing.
	before := dbSnapshot(t, pool)
	made, err = SeedDemo(ctx, pool, testKey, "other-hash", "other-hash", testNow.AddDate(0, 1, 0))
	if err != nil || made {
		t.Errorf("second SeedDemo = %v, %v; want false, nil", made, err)
	}
	if after := dbSnapshot(t, pool); after != before {
		t.Errorf("second SeedDemo changed the database:\n%s\n%s", before, after)
	}

	// About 2,000 people, the counters kept right through the bulk load.
	c := checkCounters(t, pool, accID, "seeded")
	if c.Total < 1900 || c.Total > 2100 {
		t.Errorf("%d people, want about 2,000", c.Total)
	}
	if c.Deactivated == 0 || c.NeverSignedIn == 0 || c.WithoutGroup == 0 || c.Administrators < 2 || c.Active+c.Deactivated != c.Total {
		t.Errorf("seeded counters lack variety: %+v", c)
	}
	users := NewUserStore(pool)
	for name, f := range map[string]roster.UserFilter{
		"deactivated":     {Status: roster.StatusDeactivated},
		"never signed in": {NeverSignedIn: true},
		"without group":   {WithoutGroup: true},
		"invited by":      {InvitedBy: 0},
	} {
		if name == "invited by" {
			var admin int64
			if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, DemoAdminEmail).Scan(&admin); err != nil {
				t.Fatal(err)
			}
			f.InvitedBy = admin
		}
		page, err := users.FindUsers(ctx, accID, f)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total == 0 || len(page.Users) == 0 || page.TotalCapped {
			t.Errorf("%s: %d people (%d on the page)", name, page.Total, len(page.Users))
		}
	}
	all, err := users.FindUsers(ctx, accID, roster.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != c.Total || len(all.Users) != roster.PageSize || all.Next == "" {
		t.Errorf("unfiltered: Total %d, %d rows, Next %q", all.Total, len(all.Users), all.Next)
	}

	// The group tree goes at least four levels below the root, and every
	// path is its parent's path plus the group itself.
	var maxDepth, badPaths int
	if err := pool.QueryRow(ctx, `SELECT max(cardinality(path)) - 1,
	    count(*) FILTER (WHERE path[cardinality(path)] <> id
	        OR (parent_id IS NULL) <> (cardinality(path) = 1)
	        OR (parent_id IS NOT NULL AND path[1:cardinality(path)-1] IS DISTINCT FROM
	            (SELECT p.path FROM groups p WHERE p.account_id = g.account_id AND p.id = g.parent_id)))
	FROM groups g WHERE account_id = $1`, accID).Scan(&maxDepth, &badPaths); err != nil {
		t.Fatal(err)
	}
	if maxDepth < 4 || badPaths != 0 {
		t.Errorf("group tree: depth %d (want >= 4), %d bad paths", maxDepth, badPaths)
	}
	tree, err := NewGroupStore(pool).GroupTree(ctx, accID)
	if err != nil {
		t.Fatal(err)
	}
	deepest := 0
	for _, g := range tree.Groups {
		deepest = max(deepest, g.Depth())
	}
	if deepest < 4 || tree.Root().Name != DemoAccountName {
		t.Errorf("GroupTree: deepest %d, root %+v", deepest, tree.Root())
	}

	// Invitations in every status, and join requests waiting.
	inv := NewInvitationStore(pool, nil, nil)
	soon := 7 * 24 * time.Hour
	totals := map[string]int64{}
	for _, st := range roster.InvitationStatuses {
		page, err := inv.FindInvitations(ctx, accID, roster.InvitationFilter{Status: st}, testNow, soon)
		if err != nil {
			t.Fatal(err)
		}
		totals[st] = page.Total
		if page.Total == 0 {
			t.Errorf("no invitation with status %q", st)
		}
		for _, v := range page.Invitations {
			if ds := v.DisplayStatus(testNow, soon); ds != st && !(st == roster.InvitePending && ds == roster.InviteExpiringSoon) {
				t.Errorf("status %q lists a row that shows as %q", st, ds)
			}
		}
	}
	if totals[roster.InvitePending] <= totals[roster.InviteExpiringSoon] {
		t.Errorf("no pending invitation outside the expiring-soon window: %v", totals)
	}

	// The dashboard has something to draw.
	d, err := users.Dashboard(ctx, accID, nil, testNow, soon)
	if err != nil {
		t.Fatal(err)
	}
	var sent, accepted int64
	for _, w := range d.Weeks {
		sent, accepted = sent+w.Sent, accepted+w.Accepted
	}
	if d.Total != c.Total || d.JoinRequests == 0 || d.ExpiringSoon == 0 || sent == 0 || accepted == 0 {
		t.Errorf("dashboard = %+v (sent %d, accepted %d)", d, sent, accepted)
	}

	// The demo sign-ins: the administrator runs the account, the member
	// does not open the hub.
	accounts := NewAccountStore(pool)
	for _, tc := range []struct {
		email, hash string
		admin       bool
	}{{DemoAdminEmail, "admin-hash", true}, {DemoMemberEmail, "member-hash", false}} {
		u, hash, err := accounts.Credentials(ctx, tc.email)
		if err != nil || hash != tc.hash || u.AccountID != accID {
			t.Errorf("Credentials(%s) = %+v %q %v", tc.email, u, hash, err)
			continue
		}
		tok, err := accounts.CreateSession(ctx, accID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := accounts.SessionActor(ctx, tok, time.Hour, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if a.AccountAdmin != tc.admin || a.CanOpenHub() != tc.admin {
			t.Errorf("%s: AccountAdmin %v, CanOpenHub %v; want %v", tc.email, a.AccountAdmin, a.CanOpenHub(), tc.admin)
		}
	}
	checkCounters(t, pool, accID, "after demo sign-ins")
}

// TestSeedDemoConcurrent: two processes seeding at once make one account,
// and only the one that made it says so.
func TestSeedDemoConcurrent(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	made := make([]bool, 2)
	errs := make([]error, 2)
	for i := range made {
		wg.Go(func() { made[i], errs[i] = SeedDemo(ctx, pool, testKey, "x", "y", testNow) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("SeedDemo errors: %v, %v", errs[0], errs[1])
	}
	if made[0] == made[1] {
		t.Errorf("SeedDemo made = %v, want exactly one true", made)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE name = $1`, DemoAccountName).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d demo accounts (%v), want 1", n, err)
	}
}

// testKey makes invitation tokens in tests.
var testKey = roster.TokenKey("test-token-key-0123456789abcdef!")
