package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"golang.org/x/crypto/bcrypt"

	"github.com/roster-hub/roster/internal/mail"
	"github.com/roster-hub/roster/internal/mail/mailtest"
	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/internal/server"
)

var (
	_ server.AccountStore    = (*postgres.AccountStore)(nil)
	_ server.UserStore       = (*postgres.UserStore)(nil)
	_ server.GroupStore      = (*postgres.GroupStore)(nil)
	_ server.InvitationStore = (*postgres.InvitationStore)(nil)
)

// app is a running server on a real database seeded with the demo account,
// with its job queue sending email to an in-process SMTP server.
type app struct {
	URL         string
	Pool        *pgxpool.Pool
	SMTP        *mailtest.Server
	Invitations *postgres.InvitationStore
	Key         roster.TokenKey
	Jobs        *postgres.Queue
	Server      *server.Server
	srv         *httptest.Server
}

// testKey derives invitation links in tests.
var testKey = roster.TokenKey("server-test-token-key-0123456789")

// newApp starts a server on its own database with the demo account.
func newApp(t testing.TB) *app {
	t.Helper()
	pool := postgres.NewDB(t)
	ctx := context.Background()
	adminHash, _ := server.HashPassword(postgres.DemoAdminPassword, bcrypt.MinCost)
	memberHash, _ := server.HashPassword(postgres.DemoMemberPassword, bcrypt.MinCost)
	if _, err := postgres.SeedDemo(ctx, pool, testKey, adminHash, memberHash, time.Now()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	smtp := mailtest.NewServer(t)
	sender, err := mail.NewSMTPSender(smtp.URL(), "Roster <no-reply@roster.test>")
	if err != nil {
		t.Fatal(err)
	}
	inserter, err := postgres.NewQueue(pool, postgres.QueueConfig{})
	if err != nil {
		t.Fatal(err)
	}
	invitations := postgres.NewInvitationStore(pool, inserter, testKey)
	ops, err := postgres.NewOps(pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ops.Close() })
	a := &app{Pool: pool, SMTP: smtp, Invitations: invitations, Key: testKey}
	h := server.NewServer(server.Deps{
		Accounts:     postgres.NewAccountStore(pool),
		Users:        postgres.NewUserStore(pool),
		Groups:       postgres.NewGroupStore(pool),
		Invitations:  invitations,
		Audit:        postgres.NewAuditStore(pool),
		Settings:     postgres.NewSettingsStore(pool),
		Bulk:         postgres.NewBulkStore(pool, inserter),
		Ops:          ops,
		Logger:       discardLogger(),
		SessionKeys:  [][]byte{[]byte("0123456789abcdef0123456789abcdef"), []byte("abcdef0123456789abcdef0123456789")},
		PasswordCost: bcrypt.MinCost,
	})
	a.Server = h
	a.srv = httptest.NewServer(h)
	a.URL = a.srv.URL
	t.Cleanup(a.srv.Close)
	workers := river.NewWorkers()
	river.AddWorker(workers, &mail.Worker{Store: invitations, Sender: sender, Key: testKey, BaseURL: a.URL})
	river.AddWorker(workers, &postgres.SweepWorker{Store: invitations})
	river.AddWorker(workers, &postgres.ImportWorker{Store: invitations})
	river.AddWorker(workers, &postgres.BulkWorker{Store: postgres.NewBulkStore(pool, inserter)})
	a.Jobs, err = postgres.NewQueue(pool, postgres.QueueConfig{Workers: workers, MaxAttempts: 3, RetryBackoff: 200 * time.Millisecond, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Jobs.Stop(ctx)
	})
	return a
}

var (
	sharedOnce sync.Once
	sharedApp  *app
)

// readOnlyApp is one seeded server shared by tests that change nothing but
// sessions.
func readOnlyApp(t *testing.T) *app {
	sharedOnce.Do(func() { sharedApp = newApp(&keepAlive{T: t}) })
	if sharedApp == nil {
		t.Fatal("shared app failed to start")
	}
	return sharedApp
}

// keepAlive lets the shared app outlive the test that happened to start it.
type keepAlive struct{ *testing.T }

func (k *keepAlive) Cleanup(func()) {}

// client is a browser-like HTTP client with its own cookies that does not
// follow redirects, so tests see them.
func (a *app) client(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (a *app) signIn(t testing.TB, email, password string) *http.Client {
	t.Helper()
	c := a.client(t)
	res := a.post(t, c, "/login", url.Values{"email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: status %d", email, res.StatusCode)
	}
	return c
}

func (a *app) get(t testing.TB, c *http.Client, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (a *app) post(t testing.TB, c *http.Client, path string, form url.Values, headers ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func parse(t testing.TB, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
