// Command bench is the benchmark harness run by `make bench`: a million
// people in one account, measured through the real server. See
// docs/PERFORMANCE.md.
//
//	BENCH_USERS=1000000 go run ./cmd/bench          # full run, growth curve at 10,000 and 100,000
//	BENCH_QUICK=1 go run ./cmd/bench                # 10,000 people, short scenarios
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roster-hub/roster/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	quickDefault := os.Getenv("BENCH_QUICK") != "" && os.Getenv("BENCH_QUICK") != "0"
	quick := flag.Bool("quick", quickDefault, "a quick run: 10,000 people (unless BENCH_USERS), 1 s per scenario, no growth curve")
	usersDefault := 1000000
	if *quick || quickDefault {
		usersDefault = 10000
	}
	if v := os.Getenv("BENCH_USERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			return fmt.Errorf("BENCH_USERS=%q: want a number of people ≥ 1000", v)
		}
		usersDefault = n
	}
	users := flag.Int("users", usersDefault, "people in the benchmark account (BENCH_USERS)")
	growth := flag.String("growth", "", "smaller sizes for the growth curve, comma-separated (default 10000,100000 when -users is 1000000; none: no curve)")
	conc := flag.Int("c", 1, "concurrency of the latency scenarios")
	dur := flag.Duration("d", 4*time.Second, "time per scenario")
	minReq := flag.Int("min", 30, "at least this many requests per scenario")
	reps := flag.Int("reps", 5, "EXPLAIN ANALYZE repetitions per scenario (median)")
	plans := flag.Bool("plans", false, "keep the text plan of each scenario's slowest statement in the JSON")
	docs := flag.Bool("docs", false, "also write the JSON and the chart to docs/performance (a full run to publish)")
	only := flag.String("only", "", "run only the scenarios and throughput runs whose name matches this regular expression (no growth curve)")
	prebuilt := flag.String("roster", os.Getenv("BENCH_ROSTER"), "use this roster binary instead of building bin/roster (BENCH_ROSTER)")
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick && !set["d"] {
		*dur = time.Second
	}
	if *quick && !set["users"] && os.Getenv("BENCH_USERS") == "" {
		*users = 10000
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	var sizes []int
	switch {
	case *growth == "none":
	case *growth != "":
		for _, f := range strings.Split(*growth, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return fmt.Errorf("-growth: %q", f)
			}
			sizes = append(sizes, n)
		}
	case !*quick && *users == 1000000:
		sizes = []int{10000, 100000}
	}
	// The real server, built from this tree.
	bin := *prebuilt
	if bin == "" {
		bin = filepath.Join(root, "bin", "roster")
		fmt.Println("Building bin/roster...")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/roster")
		build.Dir, build.Stdout, build.Stderr = root, os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build roster: %w", err)
		}
	}
	o := bench.Options{Root: root, Users: *users, Growth: sizes, Concurrency: *conc, Duration: *dur, Reps: *reps, MinRequests: *minReq, Plans: *plans,
		Roster: bin, OutDir: filepath.Join(root, "bench-output"), Command: "make bench " + strings.Join(os.Args[1:], " "), Out: os.Stdout}
	if os.Getenv("BENCH_USERS") != "" {
		o.Command = "BENCH_USERS=" + os.Getenv("BENCH_USERS") + " " + o.Command
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return fmt.Errorf("-only: %w", err)
		}
		o.Only, o.Growth = re, nil
	}
	if *docs {
		o.DocsDir = filepath.Join(root, "docs", "performance")
	}
	_, err = bench.Main(ctx, o)
	return err
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working folder")
		}
		dir = parent
	}
}
