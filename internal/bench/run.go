package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/postgres"
)

// Options configure a run.
type Options struct {
	Root        string
	Users       int           // the main size
	Growth      []int         // smaller sizes for the growth curve (people-table scenarios only)
	Concurrency int           // latency scenarios
	Duration    time.Duration // per scenario
	Reps        int           // EXPLAIN repetitions
	MinRequests int           // at least this many per scenario, however long they take
	Plans       bool          // keep the slowest statement's text plan per scenario
	Roster      string        // the roster binary
	OutDir      string        // bench-output
	DocsDir     string        // when set, the JSON and the chart also go here
	Command     string
	Out         io.Writer
	Only        *regexp.Regexp // when set, only the scenarios (and throughput runs) whose name it matches
}

// skip reports whether o leaves out the scenario or throughput run name.
func (o Options) skip(name string) bool { return o.Only != nil && !o.Only.MatchString(name) }

// Main runs the whole benchmark and returns the report.
func Main(ctx context.Context, o Options) (*Report, error) {
	env, err := StartCluster(ctx, o.Root, o.Out)
	if err != nil {
		return nil, err
	}
	defer env.Cluster.Stop(context.Background())
	rep := &Report{Started: time.Now().UTC().Format(time.RFC3339), Command: o.Command, Machine: machine(),
		Settings: ClusterSettings, Concurrency: o.Concurrency, Seconds: o.Duration.Seconds()}
	if out, err := exec.Command("pg_config", "--version").Output(); err == nil {
		rep.Postgres = strings.TrimSpace(string(out))
	}
	sizes := append(append([]int{}, o.Growth...), o.Users)
	for i, n := range sizes {
		sr, err := runSize(ctx, env, o, n, i == len(sizes)-1)
		if err != nil {
			return rep, fmt.Errorf("%s people: %w", thousands(int64(n)), err)
		}
		rep.Sizes = append(rep.Sizes, sr)
	}
	if len(rep.Sizes) > 1 {
		if err := measureGrowth(ctx, env, o, rep.Sizes); err != nil {
			return rep, fmt.Errorf("growth curve: %w", err)
		}
		for _, sr := range rep.Sizes[:len(rep.Sizes)-1] {
			PrintTable(o.Out, sr, false)
		}
		PrintGrowth(o.Out, rep.Sizes)
	}
	rep.Judge()
	PrintTable(o.Out, rep.Sizes[len(rep.Sizes)-1], true)
	PrintChecks(o.Out, rep.Checks)
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return rep, err
	}
	js, _ := json.MarshalIndent(rep, "", "  ")
	name := fmt.Sprintf("bench-%d.json", o.Users)
	if err := os.WriteFile(filepath.Join(o.OutDir, name), js, 0o644); err != nil {
		return rep, err
	}
	fmt.Fprintf(o.Out, "\nWrote %s\n", filepath.Join(o.OutDir, name))
	if len(rep.Sizes) > 1 {
		svg := GrowthSVG(rep.Sizes)
		os.WriteFile(filepath.Join(o.OutDir, "growth.svg"), []byte(svg), 0o644)
		if o.DocsDir != "" {
			os.MkdirAll(o.DocsDir, 0o755)
			os.WriteFile(filepath.Join(o.DocsDir, "growth.svg"), []byte(svg), 0o644)
		}
	}
	if o.DocsDir != "" {
		os.WriteFile(filepath.Join(o.DocsDir, name), js, 0o644)
		fmt.Fprintf(o.Out, "Wrote %s\n", filepath.Join(o.DocsDir, name))
	}
	return rep, nil
}

func runSize(ctx context.Context, env *Env, o Options, users int, full bool) (*SizeRun, error) {
	spec := SpecFor(users)
	url, seedTime, err := env.EnsureDatabase(ctx, spec, o.Roster)
	if err != nil {
		return nil, err
	}
	seedFile := filepath.Join(o.Root, ".data", "bench-seed-"+spec.Name()+".txt")
	if seedTime > 0 {
		os.WriteFile(seedFile, []byte(strconv.FormatFloat(seedTime.Seconds(), 'f', 1, 64)), 0o644)
	}
	sr := &SizeRun{Users: int64(users), Database: spec.Name()}
	if b, err := os.ReadFile(seedFile); err == nil {
		sr.SeedSeconds, _ = strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	}
	pool, err := OpenPool(ctx, url)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	fmt.Fprintf(o.Out, "Looking up the scenarios' data (search terms by frequency, the deep page's cursor)...\n")
	// The lookups scan the table once; their answer is kept with the
	// database and reused while the account is the same size.
	fxFile := filepath.Join(o.Root, ".data", "bench-fixture-"+spec.Name()+".json")
	var fx *Fixture
	if b, err := os.ReadFile(fxFile); err == nil && seedTime == 0 {
		var cached Fixture
		var total int64
		if json.Unmarshal(b, &cached) == nil && cached.hasTerms() &&
			pool.QueryRow(ctx, `SELECT users_total FROM account_counters WHERE account_id = $1`, cached.AccountID).Scan(&total) == nil && total == cached.Users {
			fx = &cached
		}
	}
	if fx == nil {
		if fx, err = LoadFixture(ctx, pool); err != nil {
			return nil, err
		}
		b, _ := json.Marshal(fx)
		os.WriteFile(fxFile, b, 0o644)
	}
	sr.Fixture = fx
	os.MkdirAll(o.OutDir, 0o755)
	// The "Add users" scenario invites new addresses: remove them again so
	// runs do not pile invitations up (the counters follow by trigger).
	cleanup := func() {
		pool.Exec(ctx, `DELETE FROM invitations WHERE account_id = $1 AND kind = 'email' AND email LIKE 'new.hire.%@newhire.example'`, fx.AccountID)
		// and their queued emails, so the next server does not spend the
		// run working through them
		pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'email' AND args->>'to' LIKE 'new.hire.%@newhire.example'`)
		// and what they spent of the administrator's daily invitation
		// quota: a run invites 3,000 addresses, a benchmark account may
		// invite its maximum a day
		pool.Exec(ctx, `DELETE FROM invite_quota_usage WHERE account_id = $1`, fx.AccountID)
		pool.Exec(ctx, `UPDATE accounts SET invites_per_admin_per_day = 100000 WHERE id = $1`, fx.AccountID)
		// and the import dry runs (their rows go with them)
		pool.Exec(ctx, `DELETE FROM csv_imports WHERE account_id = $1 AND file_name LIKE $2`, fx.AccountID, ImportFilePrefix+"%")
		// The deletions leave dead rows and pages not all-visible, fewer
		// than autovacuum waits for, run after run: vacuum them, so the
		// next run meets the tables as a long-running database keeps them.
		// (memberships and role_holders too: a migration that rewrote them
		// leaves them so until autovacuum comes round.)
		for _, t := range []string{"invitations", "river_job", "csv_imports", "csv_import_rows", "memberships", "role_holders"} {
			pool.Exec(ctx, "VACUUM (ANALYZE) "+t)
		}
	}
	cleanup()
	defer cleanup()

	// 1. The SQL floor: a traced server, one request per scenario.
	trace := filepath.Join(o.OutDir, fmt.Sprintf("sql-trace-%d.jsonl", users))
	os.Remove(trace)
	srv, err := StartServer(ctx, o.Roster, url, filepath.Join(o.OutDir, fmt.Sprintf("server-traced-%d.log", users)), trace)
	if err != nil {
		return nil, err
	}
	client, err := SignIn(ctx, srv.URL)
	if err != nil {
		srv.Stop()
		return nil, err
	}
	fx.ExportBuilt = routeExists(ctx, client, "/users/export.csv")
	fx.ImportBuilt = routeExists(ctx, client, "/users/import")
	runID := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	scen := Scenarios(fx, runID)
	time.Sleep(2 * time.Second) // the sweep the server runs at start
	floors := map[string]*Floor{}
	for _, s := range scen {
		if s.Absent || s.Store || (!full && !s.Growth) || o.skip(s.Name) {
			continue
		}
		stmts, err := CaptureTrace(ctx, client, s, trace)
		if err != nil {
			srv.Stop()
			return nil, fmt.Errorf("trace %s: %w", s.Name, err)
		}
		reps := o.Reps
		if s.Group == "export" || s.Group == "import" {
			reps = 1
		}
		f, err := Explain(ctx, pool, stmts, reps, o.Plans)
		if err != nil {
			srv.Stop()
			return nil, fmt.Errorf("explain %s: %w", s.Name, err)
		}
		floors[s.Name] = &f
	}
	srv.Stop()
	if !full {
		// Their latency is measured with the largest size's, interleaved
		// (measureGrowth).
		for _, s := range scen {
			if s.Growth && !s.Absent && !o.skip(s.Name) {
				sr.Results = append(sr.Results, &Result{Name: s.Name, Group: s.Group, Note: s.Note, Path: s.Path, Floor: floors[s.Name]})
			}
		}
		return sr, nil
	}
	if !o.skip("dashboard") {
		// The dashboard is a store call: trace it through a pool of its own.
		dtrace := filepath.Join(o.OutDir, fmt.Sprintf("sql-trace-dashboard-%d.jsonl", users))
		os.Remove(dtrace)
		os.Setenv(postgres.TraceEnv, dtrace)
		tp, err := postgres.Open(ctx, url, 2)
		os.Unsetenv(postgres.TraceEnv)
		if err != nil {
			return nil, err
		}
		store := postgres.NewUserStore(tp)
		store.Dashboard(ctx, fx.AccountID, nil, time.Now(), 7*24*time.Hour)
		tp.Close()
		stmts, err := readTrace(dtrace, 0, func(postgres.TracedStatement) bool { return true })
		if err != nil {
			return nil, err
		}
		f, err := Explain(ctx, pool, stmts, o.Reps, o.Plans)
		if err != nil {
			return nil, err
		}
		floors["dashboard"] = &f
	}

	// 2. Latency and throughput: an untraced server.
	srv, err = StartServer(ctx, o.Roster, url, filepath.Join(o.OutDir, fmt.Sprintf("server-%d.log", users)), "")
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	srv.Postmaster = env.Postmaster()
	if client, err = SignIn(ctx, srv.URL); err != nil {
		return nil, err
	}
	time.Sleep(2 * time.Second)
	waitQueueIdle(ctx, pool)
	store := postgres.NewUserStore(pool)
	// measure times one scenario into its result.
	measure := func(s *Scenario, r *Result) {
		var err error
		fmt.Fprintf(o.Out, "  %-32s ", s.Name)
		var st Stats
		switch {
		case s.Store:
			st, err = TimeCalls(20, o.MinRequests, o.Duration, func() error {
				_, err := store.Dashboard(ctx, fx.AccountID, nil, time.Now(), 7*24*time.Hour)
				return err
			})
		case s.Group == "submit":
			st, err = Run(ctx, client, srv, s, 1, 1, 5, 0)
		case s.Group == "export":
			st, err = Run(ctx, client, srv, s, 1, 0, 3, 0) // seconds each: three, memory sampled throughout
		case s.Group == "import":
			st, err = Run(ctx, client, srv, s, 1, 0, 3, 0)
		default:
			st, err = Run(ctx, client, srv, s, o.Concurrency, min(10, o.MinRequests), o.MinRequests, o.Duration)
		}
		if err != nil {
			r.Error = err.Error()
			fmt.Fprintf(o.Out, "error: %v\n", err)
			return
		}
		r.Stats = &st
		fmt.Fprintf(o.Out, "p50 %7.2f ms  p95 %7.2f ms  (%d requests)\n", st.P50, st.P95, st.Requests)
	}
	// The import parses 100,000 rows, memory the Go runtime keeps for a
	// while: it runs after the throughput runs, so their RSS is the People
	// table's own.
	var last []func()
	for _, s := range scen {
		if (!full && !s.Growth) || o.skip(s.Name) {
			continue
		}
		r := &Result{Name: s.Name, Group: s.Group, Note: s.Note, Path: s.Path, Floor: floors[s.Name], NotBuilt: s.Absent}
		sr.Results = append(sr.Results, r)
		if s.Absent {
			continue
		}
		if s.Group == "import" {
			last = append(last, func() { measure(s, r) })
			continue
		}
		measure(s, r)
	}
	if full {
		for _, t := range []struct {
			name, group string
			scenario    string
			conns       int
		}{
			{"throughput: role filter, 16 conns", "throughput16", "role filter", 16},
			{"throughput: users page 1, 8 conns", "throughput8", "people, no filter", 8},
		} {
			if o.skip(t.name) {
				continue
			}
			var s *Scenario
			for _, x := range scen {
				if x.Name == t.scenario {
					s = x
				}
			}
			st, err := Run(ctx, client, srv, s, t.conns, 20, 5*o.MinRequests, 2*o.Duration)
			r := &Result{Name: t.name, Group: t.group, Note: s.Note, Path: s.Path}
			if err != nil {
				r.Error = err.Error()
			} else {
				r.Stats = &st
			}
			sr.Throughput = append(sr.Throughput, r)
		}
	}
	for _, m := range last {
		m()
	}
	_, sr.ServerHWMKB = srv.Memory()
	return sr, nil
}

// waitQueueIdle waits (up to a minute) until the job queue has nothing to
// do, so background email jobs do not share the measurements.
func waitQueueIdle(ctx context.Context, pool *pgxpool.Pool) {
	for range 120 {
		var n int
		if pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable')`).Scan(&n) != nil || n == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func routeExists(ctx context.Context, c *Client, path string) bool {
	code, _, err := c.Do(ctx, &Scenario{Method: "GET", Path: path}, 0)
	return err == nil && code == http.StatusOK
}

func machine() string {
	s := fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				s += ", " + strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
		if len(f) >= 2 {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			s += fmt.Sprintf(", %.0f GiB RAM", float64(kb)/1024/1024)
		}
	}
	return s + ", " + runtime.Version()
}

// growthRounds is how many slices each size's share of a growth scenario
// is cut into: the sizes take turns, so a slow moment of the machine
// falls on all of them alike instead of on whichever ran then.
const growthRounds = 8

// measureGrowth times the People-table scenarios at every size, the sizes
// taking turns: one server per size, each scenario run for o.Duration at
// each size in growthRounds slices, in a rotating order. The smaller
// sizes' results are these; the largest size's go to its Growth, next to
// the results of its own run. The ratio of p95s the issue asks for is
// measured within one span of time, not across runs minutes apart.
func measureGrowth(ctx context.Context, env *Env, o Options, sizes []*SizeRun) error {
	fmt.Fprintf(o.Out, "\nGrowth curve: the People-table scenarios at %d sizes, taking turns (%d slices each)\n", len(sizes), growthRounds)
	type at struct {
		srv    *Server
		client *Client
		scen   map[string]*Scenario
		res    map[string]*Result
	}
	ats := make([]*at, len(sizes))
	runID := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	for i, sr := range sizes {
		url := postgres.WithDatabase(env.BaseURL, sr.Database)
		srv, err := StartServer(ctx, o.Roster, url, filepath.Join(o.OutDir, fmt.Sprintf("server-growth-%d.log", sr.Users)), "")
		if err != nil {
			return err
		}
		defer srv.Stop()
		srv.Postmaster = env.Postmaster()
		client, err := SignIn(ctx, srv.URL)
		if err != nil {
			return err
		}
		a := &at{srv: srv, client: client, scen: map[string]*Scenario{}, res: map[string]*Result{}}
		for _, s := range Scenarios(sr.Fixture, runID) {
			a.scen[s.Name] = s
		}
		last := i == len(sizes)-1
		for _, r := range sr.Results {
			if s := a.scen[r.Name]; s == nil || !s.Growth || s.Absent {
				continue
			}
			if last {
				g := &Result{Name: r.Name, Group: r.Group, Note: r.Note, Path: r.Path, Floor: r.Floor}
				sr.Growth = append(sr.Growth, g)
				r = g
			}
			a.res[r.Name] = r
		}
		ats[i] = a
	}
	time.Sleep(2 * time.Second) // the sweep each server runs at start
	for _, sr := range sizes {  // and the emails a first start may queue
		pool, err := OpenPool(ctx, postgres.WithDatabase(env.BaseURL, sr.Database))
		if err != nil {
			return err
		}
		waitQueueIdle(ctx, pool)
		pool.Close()
	}
	main := sizes[len(sizes)-1]
	slice := o.Duration / growthRounds
	minReq := (o.MinRequests + growthRounds - 1) / growthRounds
	for _, g := range main.Growth {
		fmt.Fprintf(o.Out, "  %-32s", g.Name)
		parts := make([][]Stats, len(sizes))
		for round := range growthRounds {
			for k := range sizes {
				i := (k + round) % len(sizes)
				a := ats[i]
				s, r := a.scen[g.Name], a.res[g.Name]
				if s == nil || r == nil {
					continue
				}
				warm := 1
				if round == 0 {
					warm = min(10, o.MinRequests)
				}
				st, err := Run(ctx, a.client, a.srv, s, o.Concurrency, warm, minReq, slice)
				if err != nil {
					r.Error = err.Error()
					continue
				}
				parts[i] = append(parts[i], st)
			}
		}
		for i, a := range ats {
			if r := a.res[g.Name]; r != nil && r.Error == "" && len(parts[i]) > 0 {
				st := mergeStats(parts[i])
				r.Stats = &st
				fmt.Fprintf(o.Out, "  %s: p50 %6.2f p95 %6.2f", thousands(sizes[i].Users), st.P50, st.P95)
			}
		}
		fmt.Fprintln(o.Out)
	}
	return nil
}
