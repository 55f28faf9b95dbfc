package postgres

import (
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// checkInvitationCounters asserts that the invitation counters and the
// weekly chart kept by triggers equal a full recount, and that Dashboard
// agrees with counting the invitations directly.
func checkInvitationCounters(t *testing.T, pool *pgxpool.Pool, accountID int64, now time.Time, step string) roster.Dashboard {
	t.Helper()
	ctx := t.Context()
	var kept, recount string
	snapshot := `SELECT concat_ws(' ', (SELECT row(c.*)::text FROM invitation_counters c WHERE account_id = $1),
	    (SELECT string_agg(concat_ws(':', week, sent, accepted), ',' ORDER BY week) FROM invitation_weeks WHERE account_id = $1 AND (sent <> 0 OR accepted <> 0)))`
	if err := pool.QueryRow(ctx, snapshot, accountID).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT invitation_counters_recount($1)`, accountID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, snapshot, accountID).Scan(&recount); err != nil {
			return err
		}
		return errRollbackTest
	})
	if err != errRollbackTest {
		t.Fatal(err)
	}
	if kept != recount {
		t.Errorf("%s: account %d invitation counters %q, recount %q", step, accountID, kept, recount)
	}
	// The dashboard against direct counts (what it computed before the
	// counters existed).
	soon := 7 * 24 * time.Hour
	d, err := NewUserStore(pool).Dashboard(ctx, accountID, nil, now, soon)
	if err != nil {
		t.Fatal(err)
	}
	var pending, expiring, requests int64
	if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE expires_at <= $3),
	    (SELECT count(*) FROM join_requests WHERE account_id = $1 AND status = 'pending')
	FROM invitations WHERE account_id = $1 AND status = 'pending' AND expires_at > $2`, accountID, now, now.Add(soon)).Scan(&pending, &expiring, &requests); err != nil {
		t.Fatal(err)
	}
	if d.Pending != pending || d.ExpiringSoon != expiring || d.JoinRequests != requests {
		t.Errorf("%s: dashboard pending %d, expiring %d, requests %d; counted %d, %d, %d", step, d.Pending, d.ExpiringSoon, d.JoinRequests, pending, expiring, requests)
	}
	start := weekStart(now).AddDate(0, 0, -7*11)
	for i, w := range d.Weeks {
		var sent, accepted int64
		from, to := start.AddDate(0, 0, 7*i), start.AddDate(0, 0, 7*(i+1))
		if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE created_at >= $2 AND created_at < $3),
		    count(*) FILTER (WHERE accepted_at >= $2 AND accepted_at < $3)
		FROM invitations WHERE account_id = $1 AND kind = 'email'`, accountID, from, to).Scan(&sent, &accepted); err != nil {
			t.Fatal(err)
		}
		if !w.Start.Equal(from) || w.Sent != sent || w.Accepted != accepted {
			t.Errorf("%s: week %d (%s) sent %d accepted %d; counted %s sent %d accepted %d", step, i, w.Start, w.Sent, w.Accepted, from, sent, accepted)
		}
	}
	return d
}

type rollbackTest struct{}

func (rollbackTest) Error() string { return "rollback" }

var errRollbackTest error = rollbackTest{}

// TestSeedBigCounters loads a small big seed (two accounts), checks every
// counter against a recount, then runs a mixed workload through the stores
// and checks them again.
func TestSeedBigCounters(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	now := time.Now().UTC() // the chart's weeks are relative to today
	res, err := SeedBig(ctx, pool, BigSeed{Users: 3000, Invitations: 1500, Groups: 60, Accounts: 1, ExtraUsers: 700,
		AdminHash: "x", Key: testKey, Now: now, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AccountIDs) != 2 {
		t.Fatalf("accounts %v, want 2", res.AccountIDs)
	}
	acc, other := res.AccountIDs[0], res.AccountIDs[1]
	// A second seed is refused, changing nothing.
	if _, err := SeedBig(ctx, pool, BigSeed{Users: 10, Groups: 2, AdminHash: "x", Key: testKey, Now: now}); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Errorf("second SeedBig: %v, want ECONFLICT", err)
	}
	for _, id := range res.AccountIDs {
		c := checkCounters(t, pool, id, "seeded")
		d := checkInvitationCounters(t, pool, id, now, "seeded")
		if c.Deactivated == 0 || c.NeverSignedIn == 0 || c.WithoutGroup == 0 || c.Administrators < 5 || d.Pending == 0 || d.ExpiringSoon == 0 {
			t.Errorf("account %d lacks variety: %+v %+v", id, c, d)
		}
	}
	var total int64
	pool.QueryRow(ctx, `SELECT users_total FROM account_counters WHERE account_id = $1`, acc).Scan(&total)
	if total != 3005 {
		t.Errorf("main account has %d people, want 3,000 + 5 administrators", total)
	}
	var statuses, depth, links int
	pool.QueryRow(ctx, `SELECT count(DISTINCT status), count(*) FILTER (WHERE kind = 'link') FROM invitations WHERE account_id = $1`, acc).Scan(&statuses, &links)
	pool.QueryRow(ctx, `SELECT max(array_length(path, 1)) FROM groups WHERE account_id = $1`, acc).Scan(&depth)
	if statuses != 4 || links == 0 || depth < 5 {
		t.Errorf("invitation statuses %d, links %d, group depth %d: want all four, some links, a deep tree", statuses, links, depth)
	}
	var leaked int
	pool.QueryRow(ctx, `SELECT count(*) FROM memberships m JOIN groups g ON g.id = m.group_id AND g.account_id <> m.account_id`).Scan(&leaked)
	if leaked != 0 {
		t.Errorf("%d memberships in another account's group", leaked)
	}

	// A mixed workload through the stores and plain SQL, as the app does it.
	queue, err := NewQueue(pool, QueueConfig{})
	if err != nil {
		t.Fatal(err)
	}
	inv := NewInvitationStore(pool, queue, testKey)
	var admin int64
	pool.QueryRow(ctx, `SELECT id FROM users WHERE lower(email) = $1`, BigAdminEmail).Scan(&admin)
	var addrs []roster.Address
	for i := range 40 {
		addrs = append(addrs, roster.Address{Email: fmt.Sprintf("mixed%d@newhire.example", i)})
	}
	results, err := inv.CreateEmailInvitations(ctx, acc, admin, roster.EmailInvites{Addresses: addrs}, now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range results {
		ids = append(ids, r.InvitationID)
	}
	if _, err := inv.Revoke(ctx, acc, admin, ids[:10], now); err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Resend(ctx, acc, admin, ids[10:15], now); err != nil {
		t.Fatal(err)
	}
	// Accept a few (the accept path writes accepted_at and a person).
	for _, id := range ids[20:25] {
		var nonce []byte
		pool.QueryRow(ctx, `SELECT token_nonce FROM invitations WHERE id = $1`, id).Scan(&nonce)
		if _, err := inv.AcceptInvitation(ctx, testKey.Token(nonce), roster.Acceptance{Name: "New Hire", PasswordHash: "x"}, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := inv.SweepExpired(ctx, now); err != nil {
		t.Fatal(err)
	}
	// Expired ones removed, people deactivated, moved and deleted.
	var expired []int64
	rows, _ := pool.Query(ctx, `SELECT id FROM invitations WHERE account_id = $1 AND status = 'expired' LIMIT 30`, acc)
	expired, _ = pgx.CollectRows(rows, pgx.RowTo[int64])
	if _, err := inv.RemoveExpired(ctx, acc, admin, expired, now); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE users SET status = 'deactivated' WHERE account_id = $1 AND id IN (SELECT id FROM users WHERE account_id = $1 AND status = 'active' ORDER BY id DESC LIMIT 25)`,
		`UPDATE users SET last_sign_in_at = now() WHERE account_id = $1 AND id IN (SELECT id FROM users WHERE account_id = $1 AND last_sign_in_at IS NULL LIMIT 25)`,
		`DELETE FROM memberships WHERE account_id = $1 AND user_id IN (SELECT id FROM users WHERE account_id = $1 AND group_count = 1 ORDER BY id LIMIT 30)`,
		`DELETE FROM users WHERE account_id = $1 AND id IN (SELECT id FROM users WHERE account_id = $1 AND admin_grants = 0 ORDER BY id DESC LIMIT 20)`,
		`UPDATE invitations SET status = 'revoked' WHERE account_id = $1 AND status = 'pending' AND kind = 'email' AND id IN (SELECT id FROM invitations WHERE account_id = $1 ORDER BY id LIMIT 200)`,
		`DELETE FROM invitations WHERE account_id = $1 AND id IN (SELECT id FROM invitations WHERE account_id = $1 AND status = 'accepted' ORDER BY id DESC LIMIT 5)`,
	} {
		if _, err := pool.Exec(ctx, q, acc); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, id := range []int64{acc, other} {
		checkCounters(t, pool, id, "after the workload")
		checkInvitationCounters(t, pool, id, now, "after the workload")
		// The seed's own name keys (computed from the name lists) and role
		// holders agree with what the triggers keep.
		if problems, err := CheckSortKeys(ctx, pool, id); err != nil || len(problems) > 0 {
			t.Errorf("account %d: %v %q", id, err, problems)
		}
	}
}

// TestSeedBigRebuildsIndexes loads enough people for the seed to drop the
// secondary indexes and build them again in parallel sessions while the
// tables load: every index comes back with its definition, valid, the
// counters are set only once everything is in, and the seed's name keys
// and role holders agree with what the triggers keep.
func TestSeedBigRebuildsIndexes(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	indexes := func() map[string]string {
		rows, err := pool.Query(ctx, `SELECT c.relname, pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' (invalid)' END
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		var name, def string
		if _, err := pgx.ForEachRow(rows, []any{&name, &def}, func() error { m[name] = def; return nil }); err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := indexes()
	now := time.Now().UTC()
	var stages []string
	res, err := SeedBig(ctx, pool, BigSeed{Users: 50000, Invitations: 4000, Groups: 40, Accounts: 1, ExtraUsers: 1000,
		AdminHash: "x", Key: testKey, Now: now, Seed: 11, Sessions: 3,
		Progress: func(stage string, done, total int) {
			if len(stages) == 0 || stages[len(stages)-1] != stage {
				stages = append(stages, stage)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	after := indexes()
	for name, def := range before {
		if after[name] != def {
			t.Errorf("index %s after the seed: %q, want %q", name, after[name], def)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d indexes after the seed, %d before", len(after), len(before))
	}
	if want := []string{"accounts", "load", "kept", "indexes", "analyze", "counters"}; fmt.Sprint(stages) != fmt.Sprint(want) {
		t.Errorf("progress stages %v, want %v", stages, want)
	}
	var phases []string
	var counted BigSeedPhase
	var lastIndex time.Duration
	for _, p := range res.Phases {
		phases = append(phases, p.Name)
		switch p.Name {
		case "counters":
			counted = p
		case "load", "indexes":
			lastIndex = max(lastIndex, p.End)
		}
	}
	if counted.Start < lastIndex {
		t.Errorf("counters set at %s, before the last load or index build ended (%s): %v", counted.Start, lastIndex, res.Phases)
	}
	if res.PeopleLoaded <= 0 || res.PeopleLoaded > res.Duration {
		t.Errorf("people loaded at %s of %s", res.PeopleLoaded, res.Duration)
	}
	if res.Rows["users"] != 51000 || res.Rows["memberships"] == 0 || res.Rows["role_holders"] == 0 {
		t.Errorf("rows %v", res.Rows)
	}
	var total int64
	pool.QueryRow(ctx, `SELECT users_total FROM account_counters WHERE account_id = $1`, res.AccountIDs[0]).Scan(&total)
	if total != 50005 {
		t.Errorf("main account has %d people, want 50,000 + 5 administrators", total)
	}
	for _, id := range res.AccountIDs {
		checkCounters(t, pool, id, "seeded")
		checkInvitationCounters(t, pool, id, now, "seeded")
		if problems, err := CheckSortKeys(ctx, pool, id); err != nil || len(problems) > 0 {
			t.Errorf("account %d: %v %q", id, err, problems)
		}
	}
	// The audit events' ids were reserved: one account's bulk events
	// follow each other, as when one session loaded them all.
	var gaps int
	pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT id - lag(id) OVER (PARTITION BY account_id ORDER BY id) AS d FROM audit_events
	WHERE action <> 'account_created') x WHERE d <> 1`).Scan(&gaps)
	if gaps != 0 {
		t.Errorf("%d gaps in an account's audit event ids", gaps)
	}
}
