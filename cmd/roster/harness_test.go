package main

// The harness of the fault and load tests: the real `roster serve`, in
// this process (run) or as a built binary, a private PostgreSQL cluster of
// a test's own, and HTTP clients that act like browsers.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/server"
)

// soak reports whether the full-length fault and load tests were asked for
// (`make soak` sets ROSTER_SOAK=1); make test runs the shortened forms,
// which assert the same outcomes.
func soak() bool { return os.Getenv("ROSTER_SOAK") != "" }

// testPassword passes the sign-up and invitee password rules.
const testPassword = "faults-and-load-Passw0rd"

// logSink collects a server's JSON log lines and announces the address it
// serves on.
type logSink struct {
	mu      sync.Mutex
	partial []byte
	lines   []map[string]any // the JSON lines, parsed
	jsonRaw []string         // the same lines as written
	raw     []string         // every line
	addr    chan string
}

func newLogSink() *logSink { return &logSink{addr: make(chan string, 1)} }

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := slices.Index(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		l.raw = append(l.raw, line)
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		l.lines = append(l.lines, m)
		l.jsonRaw = append(l.jsonRaw, line)
		if m["msg"] == "serving" {
			if a, ok := m["addr"].(string); ok {
				select {
				case l.addr <- a:
				default:
				}
			}
		}
	}
	return len(p), nil
}

// count returns how many lines have msg (and, when level is set, that level).
func (l *logSink) count(msg, level string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.lines {
		if m["msg"] == msg && (level == "" || m["level"] == level) {
			n++
		}
	}
	return n
}

// errors returns the lines logged at level ERROR whose message is one of
// msgs (any message when none is given).
func (l *logSink) errors(msgs ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for i, m := range l.lines {
		if msg, _ := m["msg"].(string); m["level"] == "ERROR" && (len(msgs) == 0 || slices.Contains(msgs, msg)) {
			out = append(out, l.jsonRaw[i])
		}
	}
	return out
}

// tail returns the last n raw lines.
func (l *logSink) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.raw[max(0, len(l.raw)-n):], "\n")
}

// serveEnv is the environment of a test server: PASSWORD_COST low (bcrypt
// at 12 would dominate the timings), JSON logs, a random port.
func serveEnv(dbURL, smtpURL string) map[string]string {
	return map[string]string{
		"DATABASE_URL":     dbURL,
		"ADDR":             "127.0.0.1:0",
		"SMTP_URL":         smtpURL,
		"PASSWORD_COST":    "4",
		"LOG_FORMAT":       "json",
		"TOKEN_KEY":        "faults-and-load-token-key-0123456789",
		"MAIL_RETRY_DELAY": "200ms",
	}
}

// inProcess is `roster serve` run by this test process.
type inProcess struct {
	URL    string
	log    *logSink
	cancel context.CancelFunc
	done   chan error
}

// startInProcess runs `roster serve` here with env and waits until it
// serves. Cleanup stops it.
func startInProcess(t *testing.T, env map[string]string) *inProcess {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{log: newLogSink(), cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, p.log) }()
	select {
	case a := <-p.log.addr:
		p.URL = "http://" + a
	case err := <-p.done:
		cancel()
		t.Fatalf("serve ended before serving: %v\n%s", err, p.log.tail(20))
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatalf("serve did not start in 2 minutes\n%s", p.log.tail(20))
	}
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop cancels the server (as Ctrl-C would) and waits for it.
func (p *inProcess) stop(t *testing.T) {
	p.cancel()
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("serve ended with %v", err)
		}
		p.done <- nil // a second stop returns at once
	case <-time.After(time.Minute):
		t.Errorf("serve did not stop within a minute")
	}
}

var built struct {
	once sync.Once
	path string
	err  error
}

// rosterBinary builds the roster command once per test run.
func rosterBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "roster-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "roster")
		out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

// process is `roster serve` as a process of its own.
type process struct {
	URL    string
	cmd    *exec.Cmd
	log    *logSink
	exited chan struct{}
	err    error // set when exited is closed
}

// startProcess runs the built binary's serve with env and waits until it
// serves. Cleanup kills it if the test did not stop it.
func startProcess(t *testing.T, env map[string]string) *process {
	t.Helper()
	cmd := exec.Command(rosterBinary(t), "serve")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "PATH="+os.Getenv("PATH"), "HOME="+os.Getenv("HOME"))
	p := &process{cmd: cmd, log: newLogSink(), exited: make(chan struct{})}
	cmd.Stdout = p.log
	cmd.Stderr = p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case a := <-p.log.addr:
		p.URL = "http://" + a
	case <-p.exited:
		t.Fatalf("roster serve exited before serving: %v\n%s", p.err, p.log.tail(20))
	case <-time.After(2 * time.Minute):
		t.Fatalf("roster serve did not start in 2 minutes\n%s", p.log.tail(20))
	}
	return p
}

// terminate sends SIGTERM and waits up to limit for the exit; it returns
// the exit code and how long the exit took.
func (p *process) terminate(t *testing.T, limit time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	return p.wait(t, start, limit)
}

func (p *process) wait(t *testing.T, start time.Time, limit time.Duration) (int, time.Duration) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(limit):
		p.cmd.Process.Kill()
		<-p.exited
		t.Fatalf("roster serve did not exit within %v of SIGTERM\n%s", limit, p.log.tail(30))
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(start)
}

// ownCluster starts a PostgreSQL cluster of the test's own (the fault tests
// stop and restart it) and returns it with the URL of a fresh database.
func ownCluster(t *testing.T) (*postgres.Cluster, string) {
	t.Helper()
	ctx := context.Background()
	// Durable commits: the outages include crashes (pg_ctl -m immediate),
	// and synchronous_commit=off (the shared test cluster's setting) would
	// lose the last commits the server already answered for. fsync=off
	// only matters if the machine itself crashes.
	c := &postgres.Cluster{Dir: t.TempDir(), Settings: []string{"fsync=off", "max_connections=200"}}
	base, err := c.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.ForceStop(context.Background())
		os.RemoveAll(c.Dir) // a short folder of its own when t.TempDir is too long for a socket
	})
	dbURL, err := ensureDatabase(ctx, base, "roster")
	if err != nil {
		t.Fatal(err)
	}
	return c, dbURL
}

// openPool opens a pool for the test's own checks.
func openPool(t *testing.T, dbURL string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.Open(context.Background(), dbURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// client is one browser: its own cookies and, when set, its own source
// address on the loopback network (so per-client limits see many clients).
type client struct {
	base string
	http *http.Client
	jar  http.CookieJar
}

func newClient(base string, localIP net.IP, timeout time.Duration) *client {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{Timeout: 5 * time.Second}
	if localIP != nil {
		d.LocalAddr = &net.TCPAddr{IP: localIP}
	}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
	return &client{base: base, jar: jar, http: &http.Client{Jar: jar, Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// loopbackIP is the i-th client address 127.0.x.y (Linux answers on all of
// 127.0.0.0/8).
func loopbackIP(i int) net.IP { return net.IPv4(127, 0, byte(1+i/200), byte(1+i%200)) }

// response is an answer read whole.
type response struct {
	Status  int
	Body    string
	Header  http.Header
	Elapsed time.Duration
}

// do sends a request like a browser would (same-origin POSTs; htmx headers
// when hx) and reads the whole answer.
func (c *client) do(ctx context.Context, method, path string, form url.Values, hx bool) (response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return response{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept-Language", "en-US")
	if hx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Current-URL", c.base+"/users")
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		return response{Elapsed: time.Since(start)}, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	return response{Status: res.StatusCode, Body: string(b), Header: res.Header, Elapsed: time.Since(start)}, err
}

func (c *client) get(ctx context.Context, path string) (response, error) {
	return c.do(ctx, http.MethodGet, path, nil, false)
}

func (c *client) post(ctx context.Context, path string, form url.Values) (response, error) {
	return c.do(ctx, http.MethodPost, path, form, false)
}

// signUp makes a new business account through /signup; the client is
// signed in as its first administrator.
func (c *client) signUp(t *testing.T, account, name, email string) {
	t.Helper()
	res, err := c.post(context.Background(), "/signup", url.Values{"account": {account}, "name": {name}, "email": {email}, "password": {testPassword}})
	if err != nil || res.Status != http.StatusSeeOther {
		t.Fatalf("sign up: %d %v\n%s", res.Status, err, res.Body)
	}
}

// signIn signs in through /login.
func (c *client) signIn(ctx context.Context, email, password string) error {
	res, err := c.post(ctx, "/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return err
	}
	if res.Status != http.StatusSeeOther {
		return fmt.Errorf("sign in %s: status %d", email, res.Status)
	}
	return nil
}

// sessionCookie returns the client's session cookie for the server at base.
func (c *client) cookies() []*http.Cookie {
	u, _ := url.Parse(c.base)
	return c.jar.Cookies(u)
}

// invite invites addresses by email into the account (no groups).
func (c *client) invite(ctx context.Context, emails ...string) (response, error) {
	return c.post(ctx, "/users/invite", url.Values{"emails": {strings.Join(emails, "\n")}})
}

var (
	inviteLinkRE = regexp.MustCompile(`/invite/([A-Za-z0-9_-]{43})`)
	joinLinkRE   = regexp.MustCompile(`/join/([A-Za-z0-9_-]{43})`)
)

// hashPassword is the server's own hashing at the tests' cost.
func hashPassword(t testing.TB) string {
	h, err := server.HashPassword(testPassword, 4)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// waitQueueIdle waits until no job is left to run (available, running,
// retryable or scheduled soon) and returns how long that took.
func waitQueueIdle(t *testing.T, pool *pgxpool.Pool, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		var left int
		err := pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job
		WHERE state IN ('available', 'running', 'retryable') OR (state = 'scheduled' AND scheduled_at < now() + interval '1 minute')`).Scan(&left)
		if err == nil && left == 0 {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%d jobs still to run after %v (%v)", left, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
