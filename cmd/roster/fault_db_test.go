package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/mail/mailtest"
	"github.com/roster-hub/roster/internal/postgres"
)

// outageFailFast is how long a request may take while the database is
// down: far above what a refused connection costs (milliseconds), far
// below a hang.
const outageFailFast = 2 * time.Second

// sample is one request of a fault or load test.
type sample struct {
	kind       string
	start, end time.Time
	status     int
	err        error
	body       string
}

// TestFaultDatabaseOutage stops PostgreSQL under load and starts it again,
// with the real server (`roster serve`, in this process) and a cluster of
// the test's own: while the database is down every request fails fast
// with a 503 page (never a 500, never a hang), the same server recovers
// by itself when the database is back, no invitation is half written, the
// counters equal a recount, and each invitation's email is sent once. One
// outage is a clean shutdown (pg_ctl -m fast), the other a crash (-m
// immediate); make soak plays six, longer, with more clients.
func TestFaultDatabaseOutage(t *testing.T) {
	ctx := context.Background()
	cluster, dbURL := ownCluster(t)
	smtp := mailtest.NewServer(t)
	srv := startInProcess(t, serveEnv(dbURL, smtp.URL()))
	admin := newClient(srv.URL, nil, 30*time.Second)
	admin.signUp(t, "Outage Inc", "Olga Admin", "olga@outage.example")

	modes, workers := []string{"fast", "immediate"}, 6
	calm, down := 1500*time.Millisecond, 2*time.Second
	if soak() {
		modes, workers = []string{"fast", "immediate", "fast", "immediate", "fast", "immediate"}, 24
		calm, down = 5*time.Second, 8*time.Second
	}

	var (
		mu       sync.Mutex
		samples  []sample
		invited  = map[string]bool{} // addresses whose invite answered 200
		accepted = map[string]bool{} // tokens taken by an accepting worker
		next     int
	)
	record := func(s sample) {
		mu.Lock()
		samples = append(samples, s)
		mu.Unlock()
	}
	newAddress := func() string {
		mu.Lock()
		defer mu.Unlock()
		next++
		return fmt.Sprintf("person%04d@outage.example", next)
	}
	// takeToken picks an emailed invitation nobody accepted yet.
	takeToken := func() string {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range smtp.Messages() {
			if tok := inviteLinkRE.FindStringSubmatch(m.Text); tok != nil && !accepted[tok[1]] {
				accepted[tok[1]] = true
				return tok[1]
			}
		}
		return ""
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		c := newClient(srv.URL, nil, 30*time.Second)
		if err := c.signIn(ctx, "olga@outage.example", testPassword); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for {
				select {
				case <-stop:
					return
				default:
				}
				var s sample
				s.start = time.Now()
				var res response
				var err error
				switch op := rng.IntN(10); {
				case op < 4:
					s.kind = "search"
					res, err = c.get(ctx, "/users?q="+string(rune('a'+rng.IntN(26))))
				case op < 5:
					s.kind = "invitations"
					res, err = c.do(ctx, http.MethodGet, "/users?tab=invitations&istatus=pending", nil, true)
				case op < 8:
					s.kind = "invite"
					addr := newAddress()
					res, err = c.invite(ctx, addr)
					if err == nil && res.Status == http.StatusOK {
						mu.Lock()
						invited[addr] = true
						mu.Unlock()
					}
				default:
					tok := takeToken()
					if tok == "" {
						continue
					}
					s.kind = "accept"
					invitee := newClient(srv.URL, nil, 30*time.Second)
					res, err = invitee.post(ctx, "/invite/"+tok, url.Values{"name": {"Invitee " + tok[:6]}, "password": {testPassword}})
				}
				s.end, s.status, s.err = time.Now(), res.Status, err
				if res.Status >= 500 {
					s.body = res.Body
				}
				record(s)
			}
		}()
	}

	type window struct {
		mode                          string
		stopCalled, stopped, starting time.Time
		started, recovered            time.Time
	}
	var windows []window
	probe := newClient(srv.URL, nil, 30*time.Second)
	if err := probe.signIn(ctx, "olga@outage.example", testPassword); err != nil {
		t.Fatal(err)
	}
	for _, mode := range modes {
		time.Sleep(calm)
		w := window{mode: mode, stopCalled: time.Now()}
		if err := cluster.Halt(ctx, mode); err != nil {
			t.Fatalf("stop the cluster (%s): %v", mode, err)
		}
		w.stopped = time.Now()
		// An htmx request during the outage gets the note in the flash slot.
		res, err := probe.do(ctx, http.MethodGet, "/users?q=zz", nil, true)
		if err != nil || res.Status != http.StatusServiceUnavailable || res.Header.Get("HX-Retarget") != "#flash" ||
			!strings.Contains(res.Body, "Roster cannot reach its database") || res.Header.Get("Retry-After") == "" {
			t.Errorf("htmx request during the outage: %d %v, retarget %q, retry-after %q\n%s", res.Status, err,
				res.Header.Get("HX-Retarget"), res.Header.Get("Retry-After"), res.Body)
		}
		res, err = probe.get(ctx, "/users")
		if err != nil || res.Status != http.StatusServiceUnavailable || !strings.Contains(res.Body, "Roster is temporarily unavailable") ||
			!strings.Contains(res.Body, "</html>") {
			t.Errorf("page during the outage: %d %v\n%s", res.Status, err, res.Body)
		}
		time.Sleep(down)
		w.starting = time.Now()
		if _, err := cluster.Start(ctx); err != nil {
			t.Fatalf("restart the cluster: %v", err)
		}
		w.started = time.Now()
		// The same server answers again: the pool reconnects by itself.
		for {
			res, err := probe.get(ctx, "/users")
			if err == nil && res.Status == http.StatusOK {
				w.recovered = time.Now()
				break
			}
			if time.Since(w.started) > time.Minute {
				t.Fatalf("no recovery a minute after the restart: %d %v", res.Status, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		windows = append(windows, w)
	}
	time.Sleep(calm)
	close(stop)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("clients still waiting two minutes after the end: a request hangs")
	}

	// Every request: never a 500, never a transport failure; during an
	// outage a fast 503.
	during := map[string]int{}
	var slowest time.Duration
	counts := map[int]int{}
	for _, s := range samples {
		counts[s.status]++
		if s.err != nil {
			t.Errorf("%s at %s: %v", s.kind, s.start.Format("15:04:05.000"), s.err)
			continue
		}
		if s.status >= 500 && s.status != http.StatusServiceUnavailable {
			t.Errorf("%s answered %d\n%s", s.kind, s.status, s.body)
		}
		for _, w := range windows {
			if !s.start.Before(w.stopped) && s.start.Before(w.starting) {
				during[s.kind]++
				slowest = max(slowest, s.end.Sub(s.start))
				if s.status != http.StatusServiceUnavailable {
					t.Errorf("%s during the %s outage answered %d", s.kind, w.mode, s.status)
				}
				if d := s.end.Sub(s.start); d > outageFailFast {
					t.Errorf("%s during the %s outage took %v", s.kind, w.mode, d)
				}
			}
		}
		if s.status == http.StatusServiceUnavailable {
			// In flight when the stop began, or sent before the server
			// answered again.
			inside := false
			for _, w := range windows {
				inside = inside || (!s.end.Before(w.stopCalled) && s.start.Before(w.recovered))
			}
			if !inside {
				t.Errorf("%s answered 503 outside an outage (at %s)", s.kind, s.start.Format("15:04:05.000"))

			}
		}
	}
	if sum(during) < len(modes) {
		t.Errorf("only %d requests fell inside the outages", sum(during))
	}
	// No request failed as a fault of the server; the queue's own errors
	// (it cannot fetch jobs while the database is away) are expected.
	for _, l := range srv.log.errors("request", "request failed") {
		t.Errorf("logged as an error: %s", l)
	}

	// Afterwards: each invitation whole, emails delivered, counters right.
	pool := openPool(t, dbURL)
	waitQueueIdle(t, pool, 2*time.Minute)
	var accountID int64
	if err := pool.QueryRow(ctx, `SELECT account_id FROM users WHERE email = 'olga@outage.example'`).Scan(&accountID); err != nil {
		t.Fatal(err)
	}
	problems, err := postgres.CheckConsistency(ctx, pool, accountID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	var invitations, accepts int
	if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'accepted') FROM invitations WHERE account_id = $1`,
		accountID).Scan(&invitations, &accepts); err != nil {
		t.Fatal(err)
	}
	// Every invitation that answered 200 exists; every invitation has its
	// email; no email went to an address that was never invited.
	rows, err := pool.Query(ctx, `SELECT email FROM invitations WHERE account_id = $1 AND kind = 'email'`, accountID)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for rows.Next() {
		var e string
		rows.Scan(&e)
		emails = append(emails, e)
	}
	rows.Close()
	for a := range invited {
		if !slices.Contains(emails, a) {
			t.Errorf("%s was invited (200) but has no invitation", a)
		}
	}
	per := map[string]int{}
	for _, m := range smtp.Messages() {
		if strings.Contains(m.Text, "/invite/") {
			per[m.To]++
		}
	}
	// And only one: an email sent just before the database went away is
	// recorded when it is back, not sent again (mail.Worker.markSent).
	duplicates := 0
	for _, e := range emails {
		if per[e] == 0 {
			t.Errorf("%s has an invitation but never got its email", e)
		}
		if per[e] > 1 {
			t.Errorf("%s got its invitation %d times", e, per[e])
		}
		duplicates += max(0, per[e]-1)
	}
	for e := range per {
		if !slices.Contains(emails, e) {
			t.Errorf("%s got an invitation email without an invitation", e)
		}
	}

	kinds := map[string]int{}
	for _, s := range samples {
		kinds[s.kind]++
	}
	t.Logf("%d requests (%v), statuses %v; %d during the outages (%v), the slowest %v", len(samples), kinds, counts, sum(during), during, slowest.Round(time.Millisecond))
	for _, w := range windows {
		t.Logf("outage (%s): stop took %v, down %v, restart took %v, first page served %v after the restart",
			w.mode, w.stopped.Sub(w.stopCalled).Round(time.Millisecond), w.starting.Sub(w.stopped).Round(time.Millisecond),
			w.started.Sub(w.starting).Round(time.Millisecond), w.recovered.Sub(w.started).Round(time.Millisecond))
	}
	t.Logf("afterwards: %d invitations (%d accepted), %d emails, %d invitations emailed twice; counters equal a recount: %v; "+
		"%d errors logged by the job queue while the database was away", invitations, accepts, len(smtp.Messages()), duplicates,
		len(problems) == 0, len(srv.log.errors()))
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
