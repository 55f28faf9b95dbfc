package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Cluster is a private PostgreSQL cluster in a folder of the project: made
// with initdb on first use, reached only through a unix socket in that
// folder, and never touching a system service. `roster dev` and the tests
// use it when no database URL is given.
type Cluster struct {
	// Dir holds the data folder, the socket and the server log.
	Dir string
	// Settings are extra server settings (-c name=value), e.g. fsync=off for tests.
	Settings []string

	started bool
	asUser  *user.User // when running as root: the postgres account
	bin     string
}

// URL returns the connection URL of database name in the cluster.
func (c *Cluster) URL(name string) string {
	q := url.Values{"host": {c.Dir}, "user": {"postgres"}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", Path: "/" + name, RawQuery: q.Encode()}).String()
}

// Start makes the cluster if needed and starts it unless it is already
// running (then Stop leaves it running). It returns the URL of the
// "postgres" database. Concurrent starts (parallel test binaries) are
// serialised by a lock file.
func (c *Cluster) Start(ctx context.Context) (string, error) {
	if err := c.prepare(); err != nil {
		return "", err
	}
	unlock, err := lockFile(c.Dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()

	data := filepath.Join(c.Dir, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		if err := c.run(ctx, "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
			"--locale=C.UTF-8", "--no-sync"); err != nil {
			return "", fmt.Errorf("initdb: %w", err)
		}
	}
	if c.run(ctx, "pg_ctl", "status", "-D", data) == nil {
		return c.URL("postgres"), nil
	}
	// A stale pid file from a killed server makes pg_ctl refuse; postgres
	// checks the pid itself, so only a file naming a live process matters.
	opts := []string{"-k", c.Dir, "-c", "listen_addresses=", "-c", "port=5432"}
	for _, s := range c.Settings {
		opts = append(opts, "-c", s)
	}
	if err := c.run(ctx, "pg_ctl", "start", "-D", data, "-w", "-t", "60", "-l", filepath.Join(c.Dir, "postgres.log"),
		"-o", strings.Join(opts, " ")); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "postgres.log"))
		return "", fmt.Errorf("start postgres: %w\n%s", err, tail(string(log), 2000))
	}
	c.started = true
	return c.URL("postgres"), nil
}

// Stop stops the cluster if this Cluster started it.
func (c *Cluster) Stop(ctx context.Context) error {
	if !c.started {
		return nil
	}
	c.started = false
	return c.run(ctx, "pg_ctl", "stop", "-D", filepath.Join(c.Dir, "data"), "-m", "fast", "-w")
}

// ForceStop stops the cluster whoever started it.
func (c *Cluster) ForceStop(ctx context.Context) error {
	if err := c.prepare(); err != nil {
		return err
	}
	data := filepath.Join(c.Dir, "data")
	if c.run(ctx, "pg_ctl", "status", "-D", data) != nil {
		return nil
	}
	return c.run(ctx, "pg_ctl", "stop", "-D", data, "-m", "fast", "-w")
}

// Halt stops the cluster now, whoever started it, in pg_ctl's mode "fast"
// (sessions are ended, then a clean shutdown) or "immediate" (as a crash:
// no shutdown checkpoint, recovery at the next start). The fault tests use
// it to play a database outage; Start brings the cluster back.
func (c *Cluster) Halt(ctx context.Context, mode string) error {
	if mode != "fast" && mode != "immediate" {
		return fmt.Errorf("halt: mode %q is neither fast nor immediate", mode)
	}
	if err := c.prepare(); err != nil {
		return err
	}
	return c.run(ctx, "pg_ctl", "stop", "-D", filepath.Join(c.Dir, "data"), "-m", mode, "-w")
}

// prepare finds the binaries, and when running as root picks a folder the
// postgres account can reach (initdb refuses to run as root).
func (c *Cluster) prepare() error {
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return err
	}
	c.Dir = dir
	if c.bin == "" {
		c.bin = findPostgresBin()
		if c.bin == "" {
			return errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL or set DATABASE_URL")
		}
	}
	if err := os.MkdirAll(filepath.Dir(c.Dir), 0o755); err != nil {
		return err
	}
	// A unix socket path is limited to ~107 bytes.
	if len(c.Dir) > 80 || (os.Geteuid() == 0 && !reachableByOthers(filepath.Dir(c.Dir))) {
		sum := sha256.Sum256([]byte(c.Dir))
		c.Dir = filepath.Join(os.TempDir(), "roster-pg-"+hex.EncodeToString(sum[:6]))
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return errors.New("running as root: PostgreSQL's initdb refuses root and no 'postgres' user exists")
		}
		c.asUser = u
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.Dir, uid, gid); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asUser != nil {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = c.Dir
	// The server must outlive a Ctrl-C aimed at this process group: Stop
	// shuts it down cleanly instead.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, tail(string(out), 2000))
	}
	return nil
}

func findPostgresBin() string {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real)
		}
		return filepath.Dir(p)
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[len(matches)-1])
}

// reachableByOthers reports whether every folder from / to dir can be
// traversed by another user (the postgres account).
func reachableByOthers(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return false
		}
		if st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == "/" || d == "." {
			return true
		}
	}
}

func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
