package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// lifecycle is an account ready for the invitation lifecycle: a few groups,
// an InvitationStore on an insert-only queue, and readers of what the store
// wrote (rows, queued email jobs, audit events).
type lifecycle struct {
	*fixture
	store  *InvitationStore
	groups map[string]int64 // F (Finance), P (Finance › Payables), S (Sales)
}

func newLifecycle(t *testing.T, pool *pgxpool.Pool, name, domain string) *lifecycle {
	t.Helper()
	f := newFixture(t, pool, roster.Signup{AccountName: name, Name: "Quinn Admin", Email: "quinn@" + domain, PasswordHash: "x"}, testNow.AddDate(-1, 0, 0))
	queue, err := NewQueue(pool, QueueConfig{})
	if err != nil {
		t.Fatal(err)
	}
	l := &lifecycle{fixture: f, store: NewInvitationStore(pool, queue, testKey), groups: map[string]int64{}}
	l.groups["F"] = f.group(t, f.root, "Finance")
	l.groups["P"] = f.group(t, l.groups["F"], "Payables")
	l.groups["S"] = f.group(t, f.root, "Sales")
	return l
}

// globex is the account most lifecycle tests work in.
func globex(t *testing.T, pool *pgxpool.Pool) *lifecycle {
	return newLifecycle(t, pool, "Globex", "globex.example")
}

// widePool is a pool on a fresh database with room for conns connections
// at once, so that concurrent calls really run side by side.
func widePool(t *testing.T, conns int32) *pgxpool.Pool {
	t.Helper()
	pool, err := Open(context.Background(), NewDBURL(t), conns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	// Open every connection now: the race is then on rows, not on dialling.
	held := make([]*pgxpool.Conn, conns)
	for i := range held {
		if held[i], err = pool.Acquire(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range held {
		c.Release()
	}
	return pool
}

// together runs f(0) … f(n-1) in n goroutines released at the same moment
// and waits for all of them.
func together(n int, f func(i int)) {
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	ready.Add(n)
	for i := range n {
		done.Go(func() {
			ready.Done()
			<-start
			f(i)
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// invite invites addresses at now into Finance as Requisitioner.
func (l *lifecycle) invite(t *testing.T, now time.Time, emails ...string) []roster.InviteResult {
	t.Helper()
	return l.inviteFor(t, now, 0, emails...)
}

// inviteFor is invite with a validity in days (0: the account's).
func (l *lifecycle) inviteFor(t *testing.T, now time.Time, days int, emails ...string) []roster.InviteResult {
	t.Helper()
	addrs := make([]roster.Address, len(emails))
	for i, e := range emails {
		addrs[i] = roster.Address{Email: e}
	}
	res, err := l.store.CreateEmailInvitations(t.Context(), l.acc.ID, l.admin.ID, roster.EmailInvites{Addresses: addrs,
		GroupIDs: []int64{l.groups["F"]}, RoleIDs: []int64{l.roles[roster.RoleRequisitioner]}, ValidityDays: days}, now)
	if err != nil {
		t.Fatalf("CreateEmailInvitations(%v): %v", emails, err)
	}
	return res
}

// inviteOne invites one new address and returns the invitation and its token.
func (l *lifecycle) inviteOne(t *testing.T, now time.Time, days int, email string) (int64, string) {
	t.Helper()
	res := l.inviteFor(t, now, days, email)
	if res[0].Outcome != roster.OutcomeInvited {
		t.Fatalf("invite %s: %+v", email, res[0])
	}
	return res[0].InvitationID, l.token(t, res[0].InvitationID)
}

// link makes an invite link into Finance as Requisitioner; in's zero
// fields take defaults (30 days, 50 uses).
func (l *lifecycle) link(t *testing.T, now time.Time, in roster.LinkInvite) (int64, string) {
	t.Helper()
	if in.GroupIDs == nil {
		in.GroupIDs = []int64{l.groups["F"]}
	}
	if in.RoleIDs == nil {
		in.RoleIDs = []int64{l.roles[roster.RoleRequisitioner]}
	}
	if in.ValidityHours == 0 {
		in.ValidityHours = 720
	}
	if in.MaxUses == 0 {
		in.MaxUses = 50
	}
	if in.Label == "" {
		in.Label = "Finance onboarding"
	}
	inv, token, err := l.store.CreateInviteLink(t.Context(), l.acc.ID, l.admin.ID, in, now)
	if err != nil {
		t.Fatalf("CreateInviteLink: %v", err)
	}
	if token != l.token(t, inv.ID) {
		t.Fatalf("CreateInviteLink returned a token that is not the one its nonce makes")
	}
	return inv.ID, token
}

// token is an invitation's current link token, made from its nonce as the
// server makes it.
func (l *lifecycle) token(t *testing.T, id int64) string {
	t.Helper()
	return testKey.Token(l.row(t, id).Nonce)
}

// invRow is what the lifecycle tests read back of an invitation.
type invRow struct {
	Status        string
	ExpiresAt     time.Time
	SentAt        *time.Time
	Delivery      string
	DeliveryError string
	Nonce         []byte
	Hash          []byte
	ResentCount   int
	RemindersSent int
	UseCount      int
	AcceptedUser  int64
}

func (l *lifecycle) row(t *testing.T, id int64) invRow {
	t.Helper()
	var r invRow
	err := l.pool.QueryRow(t.Context(), `SELECT status, expires_at, sent_at, coalesce(delivery, ''), coalesce(delivery_error, ''), token_nonce, token_hash,
	    resent_count, reminders_sent, use_count, coalesce(accepted_user_id, 0)
	FROM invitations WHERE account_id = $1 AND id = $2`, l.acc.ID, id).
		Scan(&r.Status, &r.ExpiresAt, &r.SentAt, &r.Delivery, &r.DeliveryError, &r.Nonce, &r.Hash, &r.ResentCount, &r.RemindersSent, &r.UseCount, &r.AcceptedUser)
	if err != nil {
		t.Fatalf("read invitation %d: %v", id, err)
	}
	return r
}

// exists reports whether the account still has invitation id.
func (l *lifecycle) exists(t *testing.T, id int64) bool {
	t.Helper()
	return count(t, l.pool, `SELECT count(*) FROM invitations WHERE account_id = $1 AND id = $2`, l.acc.ID, id) == 1
}

// confirmNonce is a join request's confirmation nonce: the emailed code is
// testKey.ConfirmCode of it and the emailed link testKey.Token of it.
func (l *lifecycle) confirmNonce(t *testing.T, requestID int64) []byte {
	t.Helper()
	var nonce []byte
	if err := l.pool.QueryRow(t.Context(), `SELECT confirm_nonce FROM join_requests WHERE account_id = $1 AND id = $2`, l.acc.ID, requestID).Scan(&nonce); err != nil {
		t.Fatalf("read join request %d: %v", requestID, err)
	}
	return nonce
}

// startJoin asks to join through a link and returns the request and its code.
func (l *lifecycle) startJoin(t *testing.T, token, email string, now time.Time) (int64, string) {
	t.Helper()
	id, err := l.store.StartJoin(t.Context(), token, roster.JoinStart{Email: email, Name: "Joiner " + email, PasswordHash: "joiner-hash"}, now)
	if err != nil {
		t.Fatalf("StartJoin(%s): %v", email, err)
	}
	return id, testKey.ConfirmCode(l.confirmNonce(t, id))
}

// memberships lists a person's memberships as "group:role" pairs of ids (a group
// without a role as "group:"), sorted.
func (l *lifecycle) memberships(t *testing.T, userID int64) []string {
	t.Helper()
	rows, err := l.pool.Query(t.Context(), `SELECT m.group_id::text || ':' || coalesce(ra.role_id::text, '')
	FROM memberships m LEFT JOIN role_assignments ra ON ra.account_id = m.account_id AND ra.user_id = m.user_id AND ra.group_id = m.group_id
	WHERE m.account_id = $1 AND m.user_id = $2 ORDER BY 1`, l.acc.ID, userID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// grantPairs is what memberships returns for every group × role.
func grantPairs(groups, roles []int64) []string {
	var out []string
	for _, g := range groups {
		if len(roles) == 0 {
			out = append(out, fmt.Sprintf("%d:", g))
		}
		for _, r := range roles {
			out = append(out, fmt.Sprintf("%d:%d", g, r))
		}
	}
	slices.Sort(out)
	return out
}

// userID returns the id of the person with email in the account, 0 if none.
func (l *lifecycle) userID(t *testing.T, email string) int64 {
	t.Helper()
	var id int64
	err := l.pool.QueryRow(t.Context(), `SELECT id FROM users WHERE account_id = $1 AND lower(email) = lower($2)`, l.acc.ID, email).Scan(&id)
	if err != nil && err != pgx.ErrNoRows {
		t.Fatal(err)
	}
	return id
}

// audits counts the account's audit events with action.
func (l *lifecycle) audits(t *testing.T, action string) int {
	t.Helper()
	return count(t, l.pool, `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = $2`, l.acc.ID, action)
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// queuedEmail is one River job of kind "email" as stored in river_job.
type queuedEmail struct {
	ID          int64
	State       string
	Attempt     int
	MaxAttempts int
	Args        roster.EmailJob
	Raw         string // the args as stored
}

// emailJobs returns every queued email of the database, oldest first.
func emailJobs(t *testing.T, pool *pgxpool.Pool) emails {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT id, state::text, attempt, max_attempts, args::text FROM river_job WHERE kind = 'email' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var out emails
	var j queuedEmail
	if _, err := pgx.ForEachRow(rows, []any{&j.ID, &j.State, &j.Attempt, &j.MaxAttempts, &j.Raw}, func() error {
		j.Args = roster.EmailJob{}
		if err := json.Unmarshal([]byte(j.Raw), &j.Args); err != nil {
			return fmt.Errorf("job %d args: %w", j.ID, err)
		}
		out = append(out, j)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

type emails []queuedEmail

// of keeps the emails of template (all when "") to address (any when "").
func (es emails) of(template, to string) emails {
	var out emails
	for _, e := range es {
		if (template == "" || e.Args.Template == template) && (to == "" || strings.EqualFold(e.Args.To, to)) {
			out = append(out, e)
		}
	}
	return out
}

// forInvitation keeps the emails about invitation id.
func (es emails) forInvitation(id int64) emails {
	var out emails
	for _, e := range es {
		if e.Args.InvitationID == id {
			out = append(out, e)
		}
	}
	return out
}

// checkNoTokens asserts that no queued email carries a link token or
// confirmation code: each job names its link by nonce only, and what the
// nonce makes must not be in the stored args.
func checkNoTokens(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	for _, e := range emailJobs(t, pool) {
		if len(e.Args.Nonce) == 0 {
			continue
		}
		if tok := testKey.Token(e.Args.Nonce); strings.Contains(e.Raw, tok) {
			t.Errorf("job %d (%s to %s) carries its link token in its args: %s", e.ID, e.Args.Template, e.Args.To, e.Raw)
		}
		if code := testKey.ConfirmCode(e.Args.Nonce); e.Args.Template == roster.EmailConfirm && strings.Contains(e.Raw, code) {
			t.Errorf("job %d carries its confirmation code in its args: %s", e.ID, e.Raw)
		}
	}
}

// wantErr checks err's domain code and, when msg is not "", its message.
func wantErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	if roster.ErrorCode(err) != code || (msg != "" && roster.ErrorMessage(err) != msg) {
		t.Errorf("%s: err = %v; want code %q message %q", what, err, code, msg)
	}
}
