// Command roster runs Roster: the web server, migrations, the demo seed,
// and a development mode with its own private PostgreSQL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/roster-hub/roster/internal/mail"
	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/internal/server"
)

const usage = `Roster: user management for business accounts.

Usage:
  roster <command> [flags]

Commands:
  dev       Start a private PostgreSQL under .data/postgres (unless DATABASE_URL
            is set), migrate, seed the demo account and serve. Ctrl-C stops the
            server and the private database.
  serve     Serve on ADDR using DATABASE_URL (migrates first).
  migrate   Apply database migrations to DATABASE_URL.
  seed      Seed the demo account "Acme Corporation" into DATABASE_URL
            (does nothing if it exists). With flags, a large data set for
            benchmarks instead: seed --users 1000000 --invitations 200000
            --groups 500 [--accounts N] (N extra accounts of 100,000 people).
  db        Manage the private PostgreSQL: "db start" prints its URL,
            "db stop" stops it. Flags: -dir (default .data/postgres).
  help      Show this help.

Settings (environment):
  DATABASE_URL     PostgreSQL URL, e.g. postgres://user:pass@host:5432/roster
                   (dev: optional; without it a private cluster is used)
  ADDR             Listen address (default 127.0.0.1:8080)
  SECURE_COOKIES   "true" when served over HTTPS or behind a proxy that
                   terminates TLS (marks cookies Secure)
  TRUST_PROXY      "1" when a proxy in front sets X-Forwarded-Proto and
                   X-Forwarded-For: cookies are Secure on requests it says
                   came over https, and throttles count its client address
  METRICS_ADDR     Private listener for Prometheus metrics at /metrics and
                   Go's profiler at /debug/pprof/
                   (default 127.0.0.1:9464, skipped with a warning when taken;
                   empty or "off" disables)
  SESSION_IDLE     Sign out after this long unused (default 12h)
  SESSION_MAX      Sign out this long after sign-in at the latest (default 168h)
  PASSWORD_COST    bcrypt cost of new password hashes (default 12)
  BASE_URL         Public address of the site, used in email links
                   (default http://ADDR)
  SMTP_URL         Mail server: smtp://[user:pass@]host:port (STARTTLS when
                   offered) or smtps://... (dev without it: mail goes to the
                   outbox page /dev/mail and the log)
  MAIL_FROM        Sender of emails (default "Roster <no-reply@localhost>")
  MAIL_RETRY_DELAY Wait before trying a failed email again, doubling at each
                   of its 8 attempts (default 10s)
  SHUTDOWN_TIMEOUT On SIGTERM or Ctrl-C, how long requests in flight and
                   running jobs get to finish (default 15s)
  GOGC, GOMEMLIMIT Go's garbage collector (serve's defaults: 400 and 160MiB)
  TOKEN_KEY        Secret (32+ characters) from which invitation links are
                   derived; default: one generated and kept in the database.
                   Set it so a copy of the database cannot rebuild links.
  LOG_FORMAT       "json" (default for serve) or "text" (default for dev)
  DATA_DIR         Folder of the private cluster (default .data)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "roster:", err)
		os.Exit(1)
	}
}

// run is the whole program, so tests can call it with their own arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve":
		return serve(ctx, getenv, stdout, getenv("DATABASE_URL"), false)
	case "dev":
		return dev(ctx, getenv, stdout)
	case "migrate":
		pool, err := openDB(ctx, getenv("DATABASE_URL"))
		if err != nil {
			return err
		}
		defer pool.Close()
		versions, err := postgres.Migrate(ctx, pool)
		fmt.Fprintf(stdout, "applied %d migration(s)\n", len(versions))
		return err
	case "seed":
		pool, err := openDB(ctx, getenv("DATABASE_URL"))
		if err != nil {
			return err
		}
		defer pool.Close()
		if len(args) > 1 {
			return seedBig(ctx, pool, args[1:], getenv, stdout)
		}
		return seedDemo(ctx, pool, getenv, stdout)
	case "db":
		return db(ctx, args[1:], getenv, stdout)
	default:
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func openDB(ctx context.Context, url string) (*pgxpool.Pool, error) {
	if url == "" {
		return nil, errors.New("DATABASE_URL is not set")
	}
	return postgres.Open(ctx, url, 0)
}

func dataDir(getenv func(string) string) string {
	if d := getenv("DATA_DIR"); d != "" {
		return d
	}
	return ".data"
}

func db(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("db", flag.ContinueOnError)
	dir := fs.String("dir", filepath.Join(dataDir(getenv), "postgres"), "cluster folder")
	test := fs.Bool("test", false, "use test settings (no fsync)")
	if len(args) == 0 {
		return errors.New(`db needs "start" or "stop"`)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	c := &postgres.Cluster{Dir: *dir}
	if *test {
		c.Settings = postgres.TestClusterSettings
	}
	switch args[0] {
	case "start":
		url, err := c.Start(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, url)
		return nil
	case "stop":
		return c.ForceStop(ctx)
	}
	return fmt.Errorf("unknown db command %q", args[0])
}

// dev runs the demo: a private cluster unless DATABASE_URL is set, the
// demo seed, and the server; on Ctrl-C it stops both cleanly.
func dev(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	url := getenv("DATABASE_URL")
	if url == "" {
		c := &postgres.Cluster{Dir: filepath.Join(dataDir(getenv), "postgres")}
		fmt.Fprintln(stdout, "Starting the private PostgreSQL cluster in", c.Dir, "...")
		base, err := c.Start(ctx)
		if err != nil {
			return err
		}
		defer func() {
			fmt.Fprintln(stdout, "Stopping the private PostgreSQL cluster...")
			c.Stop(context.Background())
		}()
		if url, err = ensureDatabase(ctx, base, "roster"); err != nil {
			return err
		}
	}
	return serve(ctx, getenv, stdout, url, true)
}

// ensureDatabase creates database name on the server at base if missing.
func ensureDatabase(ctx context.Context, base, name string) (string, error) {
	pool, err := postgres.Open(ctx, base, 1)
	if err != nil {
		return "", err
	}
	defer pool.Close()
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := pool.Exec(ctx, "CREATE DATABASE "+name); err != nil {
			return "", err
		}
	}
	return postgres.WithDatabase(base, name), nil
}

func seedDemo(ctx context.Context, pool *pgxpool.Pool, getenv func(string) string, stdout io.Writer) error {
	key, err := tokenKey(ctx, postgres.NewAccountStore(pool), getenv)
	if err != nil {
		return err
	}
	adminHash, err := server.HashPassword(postgres.DemoAdminPassword, 10)
	if err != nil {
		return err
	}
	memberHash, err := server.HashPassword(postgres.DemoMemberPassword, 10)
	if err != nil {
		return err
	}
	start := time.Now()
	made, err := postgres.SeedDemo(ctx, pool, key, adminHash, memberHash, time.Now())
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	if made {
		fmt.Fprintf(stdout, "Seeded the demo account %q in %s.\n", postgres.DemoAccountName, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func durationSetting(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a duration like 12h", name, v)
	}
	return d, nil
}

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer, dbURL string, devMode bool) error {
	// The server's live heap is small (about 10 MB under load) and each
	// People page allocates about a megabyte: collecting at five times the
	// live heap rather than twice cost 13 MB more and saved a fifth of the
	// server's CPU a request. The soft limit keeps a large CSV import from
	// growing the heap five times too. GOGC and GOMEMLIMIT still rule.
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(160 << 20)
	}
	logFormat := getenv("LOG_FORMAT")
	var logger *slog.Logger
	if logFormat == "json" || (logFormat == "" && !devMode) {
		logger = slog.New(slog.NewJSONHandler(stdout, nil))
	} else {
		logger = slog.New(slog.NewTextHandler(stdout, nil))
	}
	pool, err := openDB(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		return err
	}
	if devMode {
		if err := seedDemo(ctx, pool, getenv, stdout); err != nil {
			return err
		}
	}
	accounts := postgres.NewAccountStore(pool)
	hashKey, err := accounts.Secret(ctx, "session-hash-key", 32)
	if err != nil {
		return err
	}
	blockKey, err := accounts.Secret(ctx, "session-block-key", 32)
	if err != nil {
		return err
	}
	idle, err := durationSetting(getenv, "SESSION_IDLE", 12*time.Hour)
	if err != nil {
		return err
	}
	maxAge, err := durationSetting(getenv, "SESSION_MAX", 7*24*time.Hour)
	if err != nil {
		return err
	}
	cost := 12
	if v := getenv("PASSWORD_COST"); v != "" {
		if cost, err = strconv.Atoi(v); err != nil || cost < 4 || cost > 31 {
			return fmt.Errorf("PASSWORD_COST: %q is not a bcrypt cost between 4 and 31", v)
		}
	}
	addr := getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	baseURL := strings.TrimRight(getenv("BASE_URL"), "/")
	if baseURL == "" {
		baseURL = "http://" + addr
	}
	key, err := tokenKey(ctx, accounts, getenv)
	if err != nil {
		return err
	}
	var sender mail.Sender
	var outbox *mail.Outbox
	if u := getenv("SMTP_URL"); u != "" {
		from := getenv("MAIL_FROM")
		if from == "" {
			from = "Roster <no-reply@localhost>"
		}
		if sender, err = mail.NewSMTPSender(u, from); err != nil {
			return err
		}
	} else {
		outbox = mail.NewOutbox(logger, 200)
		sender = outbox
		if !devMode {
			logger.Warn("SMTP_URL is not set: emails are only logged")
			outbox = nil
		}
	}
	// Stores enqueue on an insert-only queue inside their transactions;
	// the working queue sends the emails and runs the periodic sweep.
	inserter, err := postgres.NewQueue(pool, postgres.QueueConfig{})
	if err != nil {
		return err
	}
	invitations := postgres.NewInvitationStore(pool, inserter, key)
	groups := postgres.NewGroupStore(pool)
	workers := river.NewWorkers()
	river.AddWorker(workers, &mail.Worker{Store: invitations, Sender: sender, Key: key, BaseURL: baseURL})
	river.AddWorker(workers, &postgres.SweepWorker{Store: invitations})
	river.AddWorker(workers, &postgres.FoldWorker{Store: groups})
	river.AddWorker(workers, &postgres.ImportWorker{Store: invitations})
	bulk := postgres.NewBulkStore(pool, inserter)
	river.AddWorker(workers, &postgres.BulkWorker{Store: bulk})
	retry, err := durationSetting(getenv, "MAIL_RETRY_DELAY", 10*time.Second)
	if err != nil {
		return err
	}
	grace, err := durationSetting(getenv, "SHUTDOWN_TIMEOUT", defaultShutdownTimeout)
	if err != nil {
		return err
	}
	jobs, err := postgres.NewQueue(pool, postgres.QueueConfig{Workers: workers, Periodic: []*river.PeriodicJob{postgres.SweepEvery(10 * time.Minute), postgres.FoldEvery(30 * time.Second)},
		RetryBackoff: retry, Logger: logger})
	if err != nil {
		return err
	}
	// The queue must not see the signal: cancelling its context is River's
	// hard stop, which would cut an email off mid-send. It is stopped
	// gracefully below, once the signal came.
	if err := jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	queueDone := false
	defer func() {
		if queueDone {
			return
		}
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		jobs.StopAndCancel(stop)
	}()
	ops, err := postgres.NewOps(pool)
	if err != nil {
		return err
	}
	defer ops.Close()
	trustProxy := false
	switch v := getenv("TRUST_PROXY"); v {
	case "", "0", "false":
	case "1", "true":
		trustProxy = true
	default:
		return fmt.Errorf("TRUST_PROXY: %q is not 1 or 0", v)
	}
	srv := server.NewServer(server.Deps{
		Accounts:      accounts,
		Users:         postgres.NewUserStore(pool),
		Groups:        groups,
		Invitations:   invitations,
		Audit:         postgres.NewAuditStore(pool),
		Settings:      postgres.NewSettingsStore(pool),
		Bulk:          bulk,
		Logger:        logger,
		SessionKeys:   [][]byte{hashKey, blockKey},
		SecureCookies: getenv("SECURE_COOKIES") == "true",
		PasswordCost:  cost,
		SessionIdle:   idle,
		SessionMax:    maxAge,
		BaseURL:       baseURL,
		Outbox:        outbox,
		Ops:           ops,
		TrustProxy:    trustProxy,
	})
	// Metrics are served on their own, private listener, never on the
	// public router.
	metricsAddr, ok := lookupEnv(getenv, "METRICS_ADDR", "127.0.0.1:9464")
	if ok && metricsAddr != "" {
		mln, err := net.Listen("tcp", metricsAddr)
		switch {
		case err != nil && getenv("METRICS_ADDR") != "":
			return fmt.Errorf("METRICS_ADDR: %w", err)
		case err != nil:
			// The default port is taken (another roster on this host):
			// serve without metrics rather than not at all.
			logger.Warn("metrics not served: set METRICS_ADDR to a free address", "addr", metricsAddr, "err", err)
		default:
			mux := http.NewServeMux()
			mux.Handle("GET /metrics", srv.MetricsHandler())
			// Go's profiler, on the same private listener: what an
			// operator reaches for when a server is slow or large.
			mux.HandleFunc("GET /debug/pprof/", pprof.Index)
			mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
			ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			go ms.Serve(mln)
			defer ms.Close()
			logger.Info("metrics", "addr", mln.Addr().String())
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	if devMode {
		fmt.Fprintf(stdout, "\nRoster is running at %s\n", baseURL)
		fmt.Fprintf(stdout, "  Demo administrator:  %s / %s\n", postgres.DemoAdminEmail, postgres.DemoAdminPassword)
		fmt.Fprintf(stdout, "  Group administrator: %s / %s (Finance only)\n", postgres.DemoGroupAdminEmail, postgres.DemoMemberPassword)
		fmt.Fprintf(stdout, "  Demo member:         %s / %s\n", postgres.DemoMemberEmail, postgres.DemoMemberPassword)
		if outbox != nil {
			fmt.Fprintf(stdout, "  Emails sent:         %s/dev/mail\n", baseURL)
		}
		fmt.Fprintf(stdout, "Press Ctrl-C to stop.\n\n")
	} else {
		logger.Info("serving", "addr", ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop listening and let in-flight requests finish; meanwhile the queue
	// fetches no more jobs and finishes the ones it is working. Jobs not
	// done stay in the database for the next start; a job still running
	// when the time is up is cancelled (and retried then).
	logger.Info("shutting down", "timeout", grace.String())
	start := time.Now()
	shutdown, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	queueStopped := make(chan error, 1)
	go func() { queueStopped <- jobs.Stop(shutdown) }()
	err = hs.Shutdown(shutdown)
	if qerr := <-queueStopped; qerr != nil {
		logger.Warn("job queue did not stop in time: cancelling the jobs it is working", "err", qerr)
	} else {
		queueDone = true
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("shut down", "duration", time.Since(start).String())
	return nil
}

// defaultShutdownTimeout bounds a graceful stop (SIGTERM or Ctrl-C):
// in-flight requests and running jobs get this long to finish
// (SHUTDOWN_TIMEOUT changes it).
const defaultShutdownTimeout = 15 * time.Second

// lookupEnv is a setting that may be emptied on purpose: unset takes def;
// set to "" in the process environment, or to "off", disables it.
func lookupEnv(getenv func(string) string, name, def string) (string, bool) {
	v := getenv(name)
	switch {
	case v == "off":
		return "", true
	case v != "":
		return v, true
	}
	if cur, set := os.LookupEnv(name); set && cur == "" {
		return "", true
	}
	return def, true
}

// tokenKey is TOKEN_KEY, else a key generated once and kept in the database.
func tokenKey(ctx context.Context, accounts *postgres.AccountStore, getenv func(string) string) (roster.TokenKey, error) {
	if k := getenv("TOKEN_KEY"); k != "" {
		if len(k) < 32 {
			return nil, errors.New("TOKEN_KEY: use at least 32 characters")
		}
		return roster.TokenKey(k), nil
	}
	k, err := accounts.Secret(ctx, "token-key", 32)
	return roster.TokenKey(k), err
}
