package main

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/mail/mailtest"
	"github.com/roster-hub/roster/internal/postgres"
)

// TestFaultSIGTERM stops the built binary with SIGTERM while a slow
// request is in flight (a CSV dry run of 20,000 rows, 100,000 under make
// soak, uploaded slowly)
// and while invitation emails wait in the queue because the mail server
// is down. The request still completes with its whole page, the process
// exits 0 within the shutdown timeout, and the next start sends each
// queued email exactly once.
func TestFaultSIGTERM(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := postgres.NewDBURL(t)
	pool := openPool(t, dbURL)
	smtp := mailtest.NewServer(t)
	smtp.Stop() // the mail server is down until the next start
	env := serveEnv(dbURL, smtp.URL())
	env["MAIL_RETRY_DELAY"] = "1s"
	// make test uploads 20,000 rows (the dry run takes a few seconds on a
	// busy machine, well inside the shutdown timeout); make soak 100,000.
	rows, grace := 20_000, defaultShutdownTimeout
	if soak() {
		// The dry run of 100,000 rows takes 6 to 10 s on two busy cores:
		// give it the room a deployment would.
		rows, grace = 100_000, 30*time.Second
		env["SHUTDOWN_TIMEOUT"] = grace.String()
	}
	first := startProcess(t, env)
	admin := newClient(first.URL, nil, 3*time.Minute)
	admin.signUp(t, "Sigterm Ltd", "Sam Admin", "sam@sigterm.example")

	// Emails queued, tried, not sent.
	addrs := make([]string, 10)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("queued%02d@sigterm.example", i)
	}
	if res, err := admin.invite(ctx, addrs...); err != nil || res.Status != http.StatusOK {
		t.Fatalf("invite: %d %v", res.Status, err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		var tried int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'email' AND attempt >= 1 AND errors IS NOT NULL
		AND state IN ('retryable', 'available', 'scheduled')`).Scan(&tried); err != nil {
			t.Fatal(err)
		}
		if tried == len(addrs) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute %d of %d emails were tried", tried, len(addrs))
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The slow request: the CSV goes up in two halves, and SIGTERM comes
	// between them, while the handler is reading the body.
	var csv strings.Builder
	csv.WriteString("email,name\n")
	for i := range rows {
		fmt.Fprintf(&csv, "row%06d@import.example,Row %d\n", i, i)
	}
	data := csv.String()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	halfway, resume := make(chan struct{}), make(chan struct{})
	go func() {
		part, err := mw.CreateFormFile("file", "people.csv")
		if err == nil {
			_, err = io.WriteString(part, data[:len(data)/2])
		}
		close(halfway)
		<-resume
		if err == nil {
			_, err = io.WriteString(part, data[len(data)/2:])
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, first.URL+"/users/import", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept-Language", "en-US")
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	started := time.Now()
	go func() {
		res, err := admin.http.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		answered <- answer{res.StatusCode, string(b), err}
	}()
	<-halfway
	time.Sleep(300 * time.Millisecond)
	sigterm := time.Now()
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for first.log.count("shutting down", "") == 0 {
		if time.Since(sigterm) > 30*time.Second {
			t.Fatalf("no shutdown 30s after SIGTERM\n%s", first.log.tail(20))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// New connections are refused from now on (at once, or after the
	// few that came before the listener closed); the upload in flight
	// goes on.
	for {
		if _, err := newClient(first.URL, nil, 5*time.Second).get(ctx, "/login"); err != nil {
			break
		}
		if time.Since(sigterm) > 10*time.Second {
			t.Fatalf("new requests still served 10s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(resume)
	a := <-answered
	took := time.Since(started)
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("the upload in flight at SIGTERM: %d %v\n%s", a.status, a.err, first.log.tail(20))
	}
	if want := fmt.Sprintf("%d,%03d to invite", rows/1000, rows%1000); !strings.Contains(a.body, want) || !strings.HasSuffix(strings.TrimSpace(a.body), "</html>") {
		t.Errorf("the dry run page is not whole (want %q and the closing tag): %d bytes", want, len(a.body))
	}
	code, exit := first.wait(t, sigterm, grace+10*time.Second)
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", code, first.log.tail(20))
	}
	// Within the shutdown timeout, give or take the last clean-up.
	if exit > grace+2*time.Second {
		t.Errorf("the exit took %v after SIGTERM, the shutdown timeout is %v", exit, grace)
	}
	if n := first.log.count("shut down", "INFO"); n != 1 {
		t.Errorf("no clean shutdown logged\n%s", first.log.tail(20))
	}
	if n := first.log.count("job queue did not stop in time", ""); n != 0 {
		t.Errorf("the queue was cut off")
	}
	for _, l := range first.log.errors("request", "request failed") {
		t.Errorf("logged as an error: %s", l)
	}
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("%d emails sent while the mail server was down", n)
	}
	var pending int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'email' AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != len(addrs) {
		t.Errorf("%d emails left in the queue at exit, want %d", pending, len(addrs))
	}

	// The next start, with the mail server back: each email exactly once.
	smtp.Start()
	restart := time.Now()
	second := startProcess(t, env)
	smtp.WaitFor(t, len(addrs), 2*time.Minute)
	sentAfter := time.Since(restart)
	waitQueueIdle(t, pool, time.Minute)
	assertOnceEach(t, smtp, addrs)
	var sent int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM invitations WHERE email = ANY($1) AND delivery = 'sent'`, addrs).Scan(&sent); err != nil || sent != len(addrs) {
		t.Errorf("%d of %d invitations show sent (%v)", sent, len(addrs), err)
	}
	if code, _ := second.terminate(t, defaultShutdownTimeout+10*time.Second); code != 0 {
		t.Errorf("second process: exit code %d", code)
	}
	t.Logf("SIGTERM %v into a %d-row upload: the upload answered 200 (%d bytes) after %v; exit 0 %v after SIGTERM (timeout %v); "+
		"%d queued emails each sent once by the next start, within %v", sigterm.Sub(started).Round(time.Millisecond), rows, len(a.body),
		took.Round(time.Millisecond), exit.Round(time.Millisecond), grace, len(addrs), sentAfter.Round(time.Millisecond))
}

// TestFaultTwoServers runs two processes on one database: a session made
// on one works on the other (and signing out on one ends it on both), and
// invitations made through both while the mail server is down send each
// email exactly once when it is back.
func TestFaultTwoServers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := postgres.NewDBURL(t)
	pool := openPool(t, dbURL)
	smtp := mailtest.NewServer(t)
	env := serveEnv(dbURL, smtp.URL())
	a := startProcess(t, env)
	b := startProcess(t, env)

	ca := newClient(a.URL, nil, time.Minute)
	ca.signUp(t, "Twin Servers", "Tess Admin", "tess@twins.example")
	cb := newClient(b.URL, nil, time.Minute)
	bURL, _ := url.Parse(b.URL)
	cb.jar.SetCookies(bURL, ca.cookies())
	if res, err := cb.get(ctx, "/users"); err != nil || res.Status != http.StatusOK || !strings.Contains(res.Body, "Tess Admin") {
		t.Fatalf("the session made on A, on B: %d %v", res.Status, err)
	}

	// Invitations through both at once, while the mail server is down.
	smtp.Stop()
	var addrs []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, c := range []*client{ca, cb, ca, cb, ca, cb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				addr := fmt.Sprintf("twin%d-%d@twins.example", i, j)
				res, err := c.invite(ctx, addr)
				if err != nil || res.Status != http.StatusOK {
					t.Errorf("invite %s: %d %v", addr, res.Status, err)
					continue
				}
				mu.Lock()
				addrs = append(addrs, addr)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(time.Minute)
	for {
		var tried int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'email' AND errors IS NOT NULL`).Scan(&tried); err != nil {
			t.Fatal(err)
		}
		if tried == len(addrs) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute %d of %d emails were tried", tried, len(addrs))
		}
		time.Sleep(50 * time.Millisecond)
	}
	smtp.Start()
	smtp.WaitFor(t, len(addrs), 2*time.Minute)
	waitQueueIdle(t, pool, time.Minute)
	assertOnceEach(t, smtp, addrs)

	// Accept on B an invitation whose email came from either; sign in as
	// the new person on A.
	var token string
	for _, m := range smtp.Messages() {
		if tok := inviteLinkRE.FindStringSubmatch(m.Text); tok != nil && m.To == addrs[0] {
			token = tok[1]
		}
	}
	invitee := newClient(b.URL, nil, time.Minute)
	if res, err := invitee.post(ctx, "/invite/"+token, url.Values{"name": {"Twin Invitee"}, "password": {testPassword}}); err != nil || res.Status != http.StatusSeeOther {
		t.Fatalf("accept on B: %d %v", res.Status, err)
	}
	if err := newClient(a.URL, nil, time.Minute).signIn(ctx, addrs[0], testPassword); err != nil {
		t.Errorf("the person who joined on B signs in on A: %v", err)
	}

	// Signing out on B ends the session on A.
	if res, err := cb.post(ctx, "/logout", url.Values{}); err != nil || res.Status != http.StatusSeeOther {
		t.Fatalf("sign out on B: %d %v", res.Status, err)
	}
	if res, err := ca.get(ctx, "/users"); err != nil || res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("the session signed out on B, on A: %d %v", res.Status, err)
	}

	var workers int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT w) FROM river_job, unnest(attempted_by) w WHERE kind = 'email'`).Scan(&workers); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*process{a, b} {
		if code, _ := p.terminate(t, defaultShutdownTimeout+10*time.Second); code != 0 {
			t.Errorf("exit code %d", code)
		}
		for _, l := range p.log.errors() {
			t.Errorf("logged as an error: %s", l)
		}
	}
	t.Logf("two processes: the session crossed both ways; %d invitations through both during a mail outage, %d emails, each address once; "+
		"the emails were worked by %d queue client(s)", len(addrs), len(smtp.Messages()), workers)
}

// assertOnceEach checks that each address received exactly one email and
// that nobody else received any.
func assertOnceEach(t *testing.T, smtp *mailtest.Server, addrs []string) {
	t.Helper()
	per := map[string]int{}
	msgs := smtp.Messages()
	for _, m := range msgs {
		per[m.To]++
	}
	for _, a := range addrs {
		if per[a] != 1 {
			t.Errorf("%s received %d emails, want 1", a, per[a])
		}
	}
	if len(msgs) != len(addrs) {
		t.Errorf("%d emails for %d addresses", len(msgs), len(addrs))
	}
}
