package mail_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/roster-hub/roster/internal/mail"
	"github.com/roster-hub/roster/internal/mail/mailtest"
	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

// workerKey derives the links in the delivery tests.
var workerKey = roster.TokenKey("worker-test-token-key-0123456789")

const baseURL = "http://roster.test"

// delivery is an account on a database of its own whose emails go through
// the real job queue (River, in that database) and mail.Worker to an
// in-process SMTP server.
type delivery struct {
	pool  *pgxpool.Pool
	smtp  *mailtest.Server
	store *postgres.InvitationStore
	queue *postgres.Queue // the client that works the jobs
	acc   roster.Account
	admin roster.User
	group int64
	role  int64
}

// quickRetries retries a failed send 100 ms later, then 200 ms, 400 ms …
func quickRetries(attempts int) postgres.QueueConfig {
	return postgres.QueueConfig{MaxAttempts: attempts, RetryBackoff: 100 * time.Millisecond, PollInterval: 50 * time.Millisecond}
}

// newDelivery makes the account and the queue; the queue works only once
// start is called, so a test can change things before any email is sent.
func newDelivery(t *testing.T, cfg postgres.QueueConfig) *delivery {
	t.Helper()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, postgres.NewDBURL(t), 24)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	d := &delivery{pool: pool, smtp: mailtest.NewServer(t)}
	d.acc, d.admin, err = postgres.NewAccountStore(pool).CreateAccount(ctx, roster.Signup{AccountName: "Globex", Name: "Quinn Admin",
		Email: "quinn@globex.example", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	d.group = d.admin.Memberships[0].GroupID
	if err := pool.QueryRow(ctx, `SELECT id FROM roles WHERE account_id = $1 AND key = $2`, d.acc.ID, roster.RoleRequisitioner).Scan(&d.role); err != nil {
		t.Fatal(err)
	}
	sender, err := mail.NewSMTPSender(d.smtp.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	// The stores insert with the same attempts as the workers use: a job
	// keeps the max_attempts of the client that inserted it.
	inserter, err := postgres.NewQueue(pool, postgres.QueueConfig{MaxAttempts: cfg.MaxAttempts})
	if err != nil {
		t.Fatal(err)
	}
	d.store = postgres.NewInvitationStore(pool, inserter, workerKey)
	workers := river.NewWorkers()
	river.AddWorker(workers, &mail.Worker{Store: d.store, Sender: sender, Key: workerKey, BaseURL: baseURL})
	cfg.Workers = workers
	if d.queue, err = postgres.NewQueue(pool, cfg); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *delivery) start(t *testing.T) {
	t.Helper()
	if err := d.queue.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.queue.Stop(ctx)
	})
}

// invite invites addresses now, each new.
func (d *delivery) invite(t *testing.T, emails ...string) []int64 {
	t.Helper()
	return d.inviteAt(t, time.Now(), emails...)
}

func (d *delivery) inviteAt(t *testing.T, now time.Time, emails ...string) []int64 {
	t.Helper()
	addrs := make([]roster.Address, len(emails))
	for i, e := range emails {
		addrs[i] = roster.Address{Email: e}
	}
	res, err := d.store.CreateEmailInvitations(context.Background(), d.acc.ID, d.admin.ID, roster.EmailInvites{Addresses: addrs,
		GroupIDs: []int64{d.group}, RoleIDs: []int64{d.role}}, now)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		if r.Outcome != roster.OutcomeInvited {
			t.Fatalf("invite %s: %+v", r.Email, r)
		}
		ids[i] = r.InvitationID
	}
	return ids
}

// token is an invitation's current link token.
func (d *delivery) token(t *testing.T, id int64) string {
	t.Helper()
	_, tok, err := d.store.InvitationLink(context.Background(), d.acc.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// deliveryOf is an invitation's delivery column and its reason.
func (d *delivery) deliveryOf(t *testing.T, id int64) (string, string) {
	t.Helper()
	var state, reason string
	err := d.pool.QueryRow(context.Background(), `SELECT coalesce(delivery, ''), coalesce(delivery_error, '') FROM invitations WHERE account_id = $1 AND id = $2`,
		d.acc.ID, id).Scan(&state, &reason)
	if err != nil {
		t.Fatal(err)
	}
	return state, reason
}

// waitDelivery waits until the invitation's delivery is want.
func (d *delivery) waitDelivery(t *testing.T, id int64, want string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, reason := d.deliveryOf(t, id)
		if got == want {
			return reason
		}
		if time.Now().After(deadline) {
			t.Fatalf("invitation %d: delivery %q (%s) after %v, want %q; jobs %+v", id, got, reason, timeout, want, d.jobs(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// job is one email job as River keeps it.
type job struct {
	ID          int64
	State       string
	Attempt     int
	MaxAttempts int
	Errors      int
	Args        roster.EmailJob
}

func (d *delivery) jobs(t *testing.T) []job {
	t.Helper()
	rows, err := d.pool.Query(context.Background(), `SELECT id, state::text, attempt, max_attempts, coalesce(cardinality(errors), 0), args::text
	FROM river_job WHERE kind = 'email' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []job
	for rows.Next() {
		var j job
		var args string
		if err := rows.Scan(&j.ID, &j.State, &j.Attempt, &j.MaxAttempts, &j.Errors, &args); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(args), &j.Args); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// jobOf is the (only) email job about invitation id whose nonce is the
// invitation's current one.
func (d *delivery) jobOf(t *testing.T, id int64) job {
	t.Helper()
	var nonce []byte
	if err := d.pool.QueryRow(context.Background(), `SELECT token_nonce FROM invitations WHERE id = $1`, id).Scan(&nonce); err != nil {
		t.Fatal(err)
	}
	for _, j := range d.jobs(t) {
		if j.Args.InvitationID == id && string(j.Args.Nonce) == string(nonce) {
			return j
		}
	}
	t.Fatalf("no job for invitation %d's current link", id)
	return job{}
}

// waitJobs waits until every email job is finished (completed, cancelled
// or discarded) and returns them.
func (d *delivery) waitJobs(t *testing.T, timeout time.Duration) []job {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		jobs := d.jobs(t)
		done := true
		for _, j := range jobs {
			if j.State != "completed" && j.State != "cancelled" && j.State != "discarded" {
				done = false
			}
		}
		if done {
			return jobs
		}
		if time.Now().After(deadline) {
			t.Fatalf("email jobs not finished after %v: %+v", timeout, jobs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitTo waits for the first message to address.
func (d *delivery) waitTo(t *testing.T, address string, timeout time.Duration) mailtest.Received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, m := range d.smtp.Messages() {
			if m.To == address {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no email to %s after %v", address, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// perRecipient counts the messages received for each address.
func perRecipient(msgs []mailtest.Received) map[string]int {
	n := map[string]int{}
	for _, m := range msgs {
		n[m.To]++
	}
	return n
}

// inviteToken is the token of the /invite/ link in m.
func inviteToken(t *testing.T, m mailtest.Received) string {
	t.Helper()
	link := m.Link("/invite/")
	tok, ok := strings.CutPrefix(link, baseURL+"/invite/")
	if !ok || tok == "" {
		t.Fatalf("no %s/invite/ link in the email to %s:\n%s", baseURL, m.To, m.Text)
	}
	return tok
}

// An invitation's email arrives with a link that works: it opens the
// invitation, and accepting through it makes the person (and tells the
// inviter, by email too). The invitation shows "sent".
func TestWorkerDeliversInvitation(t *testing.T) {
	t.Parallel()
	d := newDelivery(t, quickRetries(3))
	d.start(t)
	ctx := t.Context()
	id := d.invite(t, "new@partner.example")[0]

	m := d.smtp.WaitFor(t, 1, 10*time.Second)[0]
	if m.To != "new@partner.example" || !strings.Contains(m.Subject, "Globex") || !strings.Contains(m.Subject, "Quinn Admin") {
		t.Errorf("email to %q, subject %q", m.To, m.Subject)
	}
	tok := inviteToken(t, m)
	if tok != d.token(t, id) || !strings.Contains(m.HTML, baseURL+"/invite/"+tok) {
		t.Errorf("the email's link is not the invitation's current one (or missing from the HTML part)")
	}
	v, err := d.store.ViewInvitation(ctx, tok, time.Now())
	if err != nil || v.ID != id || v.State != roster.LinkOK || v.Email != "new@partner.example" {
		t.Fatalf("ViewInvitation(link from the email) = %+v, %v", v, err)
	}
	d.waitDelivery(t, id, "sent", 5*time.Second)
	d.waitJobs(t, 5*time.Second)
	if j := d.jobOf(t, id); j.State != "completed" || j.Attempt != 1 {
		t.Errorf("job %+v, want completed at the first attempt", j)
	}

	u, err := d.store.AcceptInvitation(ctx, tok, roster.Acceptance{Name: "New Person", PasswordHash: "x"}, time.Now())
	if err != nil || u.Email != "new@partner.example" {
		t.Fatalf("accept through the emailed link: %+v, %v", u, err)
	}
	msgs := d.smtp.WaitFor(t, 2, 10*time.Second)
	if msgs[1].To != "quinn@globex.example" || !strings.Contains(msgs[1].Subject, "New Person") {
		t.Errorf("the inviter's email: to %q, subject %q", msgs[1].To, msgs[1].Subject)
	}
}

// While the SMTP server is down invitations are still made and show
// "queued"; when it is back every email is delivered, each exactly once.
func TestWorkerOutage(t *testing.T) {
	t.Parallel()
	// Retries at 50 ms, 100 ms … 3.2 s: the emails outlive a few seconds'
	// outage.
	d := newDelivery(t, postgres.QueueConfig{MaxAttempts: 8, RetryBackoff: 50 * time.Millisecond, PollInterval: 50 * time.Millisecond})
	d.smtp.Stop()
	d.start(t)
	addrs := make([]string, 12)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("person%02d@partner.example", i)
	}
	ids := d.invite(t, addrs...)

	// Every email is tried and fails; the invitations stay queued.
	deadline := time.Now().Add(10 * time.Second)
	for {
		tried := 0
		for _, j := range d.jobs(t) {
			if j.Attempt >= 2 && j.Errors >= 2 {
				tried++
			}
		}
		if tried == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10s only %d of %d emails were tried twice: %+v", tried, len(ids), d.jobs(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, id := range ids {
		if state, reason := d.deliveryOf(t, id); state != "queued" || reason != "" {
			t.Errorf("invitation %d during the outage: %q %q, want queued", id, state, reason)
		}
	}
	if n := len(d.smtp.Messages()); n != 0 {
		t.Fatalf("%d messages arrived at a stopped server", n)
	}

	d.smtp.Start()
	d.smtp.WaitFor(t, len(ids), 15*time.Second)
	jobs := d.waitJobs(t, 15*time.Second)
	msgs := d.smtp.Messages() // all of them, now that no job is left
	counts := perRecipient(msgs)
	for _, a := range addrs {
		if counts[a] != 1 {
			t.Errorf("%s received %d emails, want 1", a, counts[a])
		}
	}
	if len(msgs) != len(addrs) {
		t.Errorf("%d emails for %d addresses", len(msgs), len(addrs))
	}
	for _, id := range ids {
		d.waitDelivery(t, id, "sent", 5*time.Second)
	}
	maxAttempt := 0
	for _, j := range jobs {
		if j.State != "completed" {
			t.Errorf("job %+v not completed", j)
		}
		maxAttempt = max(maxAttempt, j.Attempt)
	}
	t.Logf("%d emails delivered once each after the outage, after up to %d attempts", len(msgs), maxAttempt)
}

// A send that fails on every attempt (the server says "try later") shows
// "failed" with the reason once the attempts are used up; a permanent
// refusal fails at once, without retries. Resending then delivers.
func TestWorkerFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		failures   int
		code       int
		text       string
		wantState  string
		wantTries  int
		wantReason string
	}{
		{"temporary failure on every attempt", 3, 451, "4.3.2 Mailbox busy, try later", "discarded", 3, "451"},
		{"permanent refusal", 1, 550, "5.1.1 No such mailbox", "cancelled", 1, "550"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			d := newDelivery(t, quickRetries(3))
			d.start(t)
			d.smtp.FailNext(tc.failures, tc.code, tc.text)
			id := d.invite(t, "flaky@partner.example")[0]
			oldToken := d.token(t, id)

			reason := d.waitDelivery(t, id, "failed", 15*time.Second)
			t.Logf("the invitation shows: failed: %s", reason)
			if !strings.Contains(reason, tc.wantReason) || !strings.Contains(reason, tc.text[6:]) {
				t.Errorf("reason %q, want the server's answer (%d %s)", reason, tc.code, tc.text)
			}
			j := d.waitJobs(t, 5*time.Second)[0]
			if j.State != tc.wantState || j.Attempt != tc.wantTries || j.MaxAttempts != 3 {
				t.Errorf("job %s after %d of %d attempts, want %s after %d", j.State, j.Attempt, j.MaxAttempts, tc.wantState, tc.wantTries)
			}
			// No attempt after that: one would get through (the server
			// refuses only tc.failures messages) and arrive.
			time.Sleep(600 * time.Millisecond)
			if n := len(d.smtp.Messages()); n != 0 {
				t.Fatalf("%d emails arrived after the job gave up", n)
			}
			if state, _ := d.deliveryOf(t, id); state != "failed" {
				t.Errorf("delivery %q, want it to stay failed", state)
			}

			if n, err := d.store.Resend(ctx, d.acc.ID, d.admin.ID, []int64{id}, time.Now()); n != 1 || err != nil {
				t.Fatalf("Resend = %d, %v", n, err)
			}
			m := d.smtp.WaitFor(t, 1, 10*time.Second)[0]
			if tok := inviteToken(t, m); tok == oldToken || tok != d.token(t, id) {
				t.Errorf("the resent email carries %s, want the new link", tok)
			}
			if reason := d.waitDelivery(t, id, "sent", 5*time.Second); reason != "" {
				t.Errorf("a sent invitation keeps the reason %q", reason)
			}
			d.waitJobs(t, 5*time.Second)
			if n := len(d.smtp.Messages()); n != 1 {
				t.Errorf("%d emails, want 1", n)
			}
		})
	}
}

// An email whose invitation changed before its job ran is not sent: a
// resent invitation gets only its new email, and a revoked, accepted or
// removed one gets none.
func TestWorkerSkipsStaleEmails(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := newDelivery(t, quickRetries(3))
	now := time.Now()
	tests := []struct {
		email    string
		change   func(t *testing.T, id int64)
		messages int
		delivery string // the invitation's delivery afterwards; "" when removed
	}{
		{"unchanged@partner.example", func(*testing.T, int64) {}, 1, "sent"},
		{"resent@partner.example", func(t *testing.T, id int64) {
			if n, err := d.store.Resend(ctx, d.acc.ID, d.admin.ID, []int64{id}, now); n != 1 || err != nil {
				t.Fatalf("Resend = %d, %v", n, err)
			}
		}, 1, "sent"},
		{"resent.twice@partner.example", func(t *testing.T, id int64) {
			for range 2 {
				if n, err := d.store.Resend(ctx, d.acc.ID, d.admin.ID, []int64{id}, now); n != 1 || err != nil {
					t.Fatalf("Resend = %d, %v", n, err)
				}
			}
		}, 1, "sent"},
		{"revoked@partner.example", func(t *testing.T, id int64) {
			if n, err := d.store.Revoke(ctx, d.acc.ID, d.admin.ID, []int64{id}, now); n != 1 || err != nil {
				t.Fatalf("Revoke = %d, %v", n, err)
			}
		}, 0, "queued"},
		{"accepted@partner.example", func(t *testing.T, id int64) {
			if _, err := d.store.AcceptInvitation(ctx, d.token(t, id), roster.Acceptance{Name: "Acc Epted", PasswordHash: "x"}, now); err != nil {
				t.Fatal(err)
			}
		}, 0, "queued"},
		{"removed@partner.example", func(t *testing.T, id int64) {
			if n, err := d.store.RemoveExpired(ctx, d.acc.ID, d.admin.ID, []int64{id}, now.Add(200*24*time.Hour)); n != 1 || err != nil {
				t.Fatalf("RemoveExpired = %d, %v", n, err)
			}
		}, 0, ""},
	}
	ids := make([]int64, len(tests))
	for i, tc := range tests {
		ids[i] = d.invite(t, tc.email)[0]
		tc.change(t, ids[i])
	}
	d.start(t)
	jobs := d.waitJobs(t, 15*time.Second)
	msgs := d.smtp.Messages()
	counts := perRecipient(msgs)
	for i, tc := range tests {
		t.Run(tc.email, func(t *testing.T) {
			if counts[tc.email] != tc.messages {
				t.Errorf("%d emails, want %d", counts[tc.email], tc.messages)
			}
			for _, m := range msgs {
				if m.To == tc.email {
					if tok := inviteToken(t, m); tok != d.token(t, ids[i]) {
						t.Errorf("the email carries an old link")
					}
				}
			}
			if tc.delivery == "" {
				return
			}
			if state, _ := d.deliveryOf(t, ids[i]); state != tc.delivery {
				t.Errorf("delivery %q, want %q", state, tc.delivery)
			}
		})
	}
	// The inviter hears of the acceptance; nothing else is sent.
	if counts["quinn@globex.example"] != 1 || len(msgs) != 4 {
		t.Errorf("emails per recipient %v, want one each to unchanged, resent, resent.twice and quinn", counts)
	}
	for _, j := range jobs {
		if j.State != "completed" || j.Attempt != 1 {
			t.Errorf("job %d (%s to %s): %s after %d attempts, want completed at once", j.ID, j.Args.Template, j.Args.To, j.State, j.Attempt)
		}
	}
}

// Joining through a link: the confirmation email carries the code and the
// link that confirm the address.
func TestWorkerDeliversJoinConfirmation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := newDelivery(t, quickRetries(3))
	d.start(t)
	_, token, err := d.store.CreateInviteLink(ctx, d.acc.ID, d.admin.ID, roster.LinkInvite{Label: "Everyone", GroupIDs: []int64{d.group},
		ValidityHours: 24, MaxUses: 5}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i, by := range []string{"code", "link"} {
		email := fmt.Sprintf("joiner%d@partner.example", i)
		id, err := d.store.StartJoin(ctx, token, roster.JoinStart{Email: email, Name: "Joiner", PasswordHash: "x"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		m := d.waitTo(t, email, 10*time.Second)
		var nonce []byte
		if err := d.pool.QueryRow(ctx, `SELECT confirm_nonce FROM join_requests WHERE id = $1`, id).Scan(&nonce); err != nil {
			t.Fatal(err)
		}
		code, link := workerKey.ConfirmCode(nonce), m.Link("/join/confirm/")
		if m.To != email || !strings.Contains(m.Subject, code) || !strings.Contains(m.Text, code) || link != baseURL+"/join/confirm/"+workerKey.Token(nonce) {
			t.Fatalf("confirmation email to %s: subject %q, link %q", m.To, m.Subject, link)
		}
		c := roster.JoinConfirmation{RequestID: id, Code: code}
		if by == "link" {
			c = roster.JoinConfirmation{Token: strings.TrimPrefix(link, baseURL+"/join/confirm/")}
		}
		out, err := d.store.ConfirmJoin(ctx, c, time.Now())
		if err != nil || out.User == nil || out.User.Email != email {
			t.Errorf("confirm by the emailed %s: %+v, %v", by, out, err)
		}
	}
}
