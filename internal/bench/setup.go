// Package bench is the benchmark harness behind `make bench`: it seeds (or
// reuses) a benchmark database in a private cluster of its own, starts the
// real server as a child process, signs in, fires real HTTP requests at a
// fixed concurrency, EXPLAIN ANALYZEs the SQL each request ran, and reports
// latency, throughput, memory and the SQL floor per scenario.
package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/postgres"
)

// ClusterSettings are the benchmark cluster's settings: PostgreSQL defaults
// (fsync and synchronous commit on) with memory sized for a million people
// on a 24 GB machine, and JIT off (it only adds compile time to sub-10 ms
// queries).
var ClusterSettings = []string{
	"shared_buffers=1GB", "effective_cache_size=8GB", "work_mem=16MB", "maintenance_work_mem=512MB",
	"max_wal_size=8GB", "wal_level=minimal", "max_wal_senders=0", "random_page_cost=1.1", "jit=off",
	"max_connections=100",
}

// Env is where a run happens.
type Env struct {
	Root    string // repository root
	Cluster *postgres.Cluster
	BaseURL string // the cluster's maintenance database
	Out     io.Writer
}

// Postmaster is the benchmark cluster's main process id (0 if unknown).
func (e *Env) Postmaster() int {
	b, err := os.ReadFile(filepath.Join(e.Cluster.Dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	return pid
}

// StartCluster starts (making if needed) the benchmark's own cluster.
func StartCluster(ctx context.Context, root string, out io.Writer) (*Env, error) {
	c := &postgres.Cluster{Dir: filepath.Join(root, ".data", "bench-postgres"), Settings: ClusterSettings}
	u, err := c.Start(ctx)
	if err != nil {
		return nil, err
	}
	return &Env{Root: root, Cluster: c, BaseURL: u, Out: out}, nil
}

// SeedSpec is the data set of one database.
type SeedSpec struct {
	Users, Invitations, Groups, Accounts int
}

// Name is the database's name: one database per data set.
func (s SeedSpec) Name() string {
	return fmt.Sprintf("bench_u%d_i%d_g%d_a%d", s.Users, s.Invitations, s.Groups, s.Accounts)
}

// SpecFor is the data set scaled to users people.
func SpecFor(users int) SeedSpec {
	s := SeedSpec{Users: users, Invitations: users / 5, Groups: 500}
	if users >= 1000000 {
		s.Accounts = 2 // 200,000 more people in other accounts
	}
	return s
}

// EnsureDatabase reuses the seeded database of spec, or makes and seeds it
// with `roster seed`. It returns the database URL and, when it seeded, how
// long seeding took.
func (e *Env) EnsureDatabase(ctx context.Context, spec SeedSpec, roster string) (string, time.Duration, error) {
	name := spec.Name()
	url := postgres.WithDatabase(e.BaseURL, name)
	admin, err := pgx.Connect(ctx, e.BaseURL)
	if err != nil {
		return "", 0, err
	}
	defer admin.Close(ctx)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", 0, err
	}
	if exists {
		if ok, _ := seeded(ctx, url, spec); ok {
			fmt.Fprintf(e.Out, "Reusing the benchmark database %s.\n", name)
			return url, 0, nil
		}
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			return "", 0, err
		}
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", 0, err
	}
	env := append(os.Environ(), "DATABASE_URL="+url)
	if err := runTo(ctx, e.Out, env, roster, "migrate"); err != nil {
		return "", 0, err
	}
	fmt.Fprintf(e.Out, "Seeding %s: %d people, %d invitations, %d groups, %d extra accounts...\n", name, spec.Users, spec.Invitations, spec.Groups, spec.Accounts)
	start := time.Now()
	if err := runTo(ctx, e.Out, env, roster, "seed", "--users", strconv.Itoa(spec.Users), "--invitations", strconv.Itoa(spec.Invitations),
		"--groups", strconv.Itoa(spec.Groups), "--accounts", strconv.Itoa(spec.Accounts)); err != nil {
		return "", 0, err
	}
	return url, time.Since(start), nil
}

func seeded(ctx context.Context, url string, spec SeedSpec) (bool, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, `SELECT c.users_total FROM account_counters c JOIN users u ON u.account_id = c.account_id
	WHERE lower(u.email) = $1`, postgres.BigAdminEmail).Scan(&n)
	return err == nil && n == int64(spec.Users)+5, err
}

func runTo(ctx context.Context, out io.Writer, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// Server is a running `roster serve` child process.
type Server struct {
	cmd *exec.Cmd
	URL string
	PID int
	// Postmaster is the database server's process: its children's CPU
	// time is the database's share of a throughput run.
	Postmaster int
	done       chan error
}

// StartServer runs `roster serve` on a free loopback port and waits until
// it answers. traceFile, if set, turns on the SQL trace.
func StartServer(ctx context.Context, roster, dbURL, logFile, traceFile string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	log, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(roster, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "ADDR="+addr, "LOG_FORMAT=json", "PASSWORD_COST=10",
		"TOKEN_KEY=benchmark-token-key-benchmark-token-key")
	if traceFile != "" {
		cmd.Env = append(cmd.Env, postgres.TraceEnv+"="+traceFile)
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{cmd: cmd, URL: "http://" + addr, PID: cmd.Process.Pid, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); log.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			b, _ := os.ReadFile(logFile)
			return nil, fmt.Errorf("roster serve exited: %v\n%s", err, tailString(string(b), 2000))
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("roster serve did not listen on %s within 60 s", addr)
}

// Stop ends the server (SIGTERM, then SIGKILL after 20 s).
func (s *Server) Stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Memory reads the server's resident set now and its peak (kB).
func (s *Server) Memory() (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.PID))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = n
		case "VmHWM:":
			hwm = n
		}
	}
	return rss, hwm
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// OpenPool opens a pool on the benchmark database (for the harness's own
// lookups and EXPLAINs, never timed as requests).
func OpenPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	return postgres.Open(ctx, url, 4)
}
