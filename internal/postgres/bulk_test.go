package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/roster"
)

// A job over every active person of the demo account deactivates all of
// them but the last account administrator, who is refused alone; the
// counters still agree with a recount, and a second run changes nothing.
func TestBulkJobKeepsTheLastAdministrator(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := context.Background()
	if _, err := SeedDemo(ctx, pool, roster.TokenKey("bulk-test-token-key-0123456789ab"), "x", "y", testNow); err != nil {
		t.Fatal(err)
	}
	var accountID, adminID, active int64
	if err := pool.QueryRow(ctx, `SELECT account_id, id FROM users WHERE email = $1`, DemoAdminEmail).Scan(&accountID, &adminID); err != nil {
		t.Fatal(err)
	}
	pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE account_id = $1 AND status = 'active'`, accountID).Scan(&active)
	queue, err := NewQueue(pool, QueueConfig{})
	if err != nil {
		t.Fatal(err)
	}
	st := NewBulkStore(pool, queue)
	j, err := st.StartBulk(ctx, roster.BulkJob{AccountID: accountID, ActorID: adminID, BulkAction: roster.BulkAction{Action: "deactivate"}, View: "status=active"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if j.Total != active || j.Status != roster.BulkQueued {
		t.Fatalf("started job: total %d (want %d), status %s", j.Total, active, j.Status)
	}
	start := time.Now()
	if err := st.RunBulk(ctx, accountID, j.ID, testNow); err != nil {
		t.Fatal(err)
	}
	t.Logf("deactivated %d people in %v", active-1, time.Since(start))
	j, err = st.BulkJob(ctx, accountID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var left, admins int64
	pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE account_id = $1 AND status = 'active'`, accountID).Scan(&left)
	pool.QueryRow(ctx, `SELECT count(*) FROM users u WHERE u.account_id = $1 AND u.status = 'active' AND EXISTS (
	  SELECT 1 FROM role_assignments ra JOIN roles r ON r.account_id = ra.account_id AND r.id = ra.role_id
	  JOIN groups g ON g.account_id = ra.account_id AND g.id = ra.group_id
	  WHERE ra.account_id = u.account_id AND ra.user_id = u.id AND r.key = 'administrator' AND g.parent_id IS NULL)`, accountID).Scan(&admins)
	if j.Status != roster.BulkDone || j.Done != active || j.Changed != active-1 || j.Refused != 1 || left != 1 || admins != 1 {
		t.Errorf("job %+v; %d active left, %d of them account administrators; want done %d, changed %d, refused 1, one admin left",
			j, left, admins, active, active-1)
	}
	checkCounters(t, pool, accountID, "after the bulk job")
	// Audited at both ends.
	var events int
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action IN ('bulk_started', 'bulk_finished')`, accountID).Scan(&events)
	if events != 2 {
		t.Errorf("%d bulk audit events, want 2", events)
	}
	// Done is done: running it again changes nothing.
	if err := st.RunBulk(ctx, accountID, j.ID, testNow); err != nil {
		t.Fatal(err)
	}
	if again, _ := st.BulkJob(ctx, accountID, j.ID); again.Done != j.Done || again.Changed != j.Changed {
		t.Errorf("a second run moved the job: %+v", again)
	}
	// Another account's id is not found.
	if _, err := st.BulkJob(ctx, accountID+1000, j.ID); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("another account's job: %v", err)
	}
}
