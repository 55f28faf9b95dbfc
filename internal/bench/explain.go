package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/postgres"
)

// Floor is the SQL a request ran, EXPLAIN ANALYZEd: the database's share of
// its latency, below which the request cannot go.
type Floor struct {
	ExecMS float64 `json:"exec_ms"`     // median over repetitions of the summed Execution Time
	PlanMS float64 `json:"planning_ms"` // the same for Planning Time
	// UntimedMS is ExecMS with EXPLAIN's TIMING OFF: per-node timing
	// reads the clock twice a row at every node, which inflates a
	// statement that passes thousands of rows (a count of 4,963 index
	// entries: 3.0 ms timed, 1.5 ms not). The floor and its ratio keep
	// the measure; this one says how much of it is EXPLAIN's.
	UntimedMS  float64 `json:"exec_untimed_ms"`
	Statements int     `json:"statements"`
	Slowest    string  `json:"slowest_sql"`
	SlowestMS  float64 `json:"slowest_exec_ms"`
	SlowPlan   string  `json:"slowest_plan,omitempty"`
	Skipped    int     `json:"statements_not_replayed,omitempty"`
	SkippedErr string  `json:"not_replayed_error,omitempty"`
}

// CaptureTrace sends one request of s and returns the statements the
// server ran for it, read from its SQL trace. The server's own work (the
// job queue's reminders and sweeps) can fall in the same moment and be
// read as the request's: a read-only request is captured until two
// captures agree, at most three times, and the smallest is kept.
func CaptureTrace(ctx context.Context, c *Client, s *Scenario, traceFile string) ([]postgres.TracedStatement, error) {
	if s.Group != "export" { // a whole export is warm enough by itself
		if _, _, err := c.Do(ctx, s, -100); err != nil {
			return nil, err
		}
	}
	if s.Method != "GET" || s.Group == "export" {
		return captureOnce(ctx, c, s, traceFile, -101)
	}
	var best []postgres.TracedStatement
	for i := range 3 {
		stmts, err := captureOnce(ctx, c, s, traceFile, -101-i)
		if err != nil {
			return nil, err
		}
		if i > 0 && len(stmts) == len(best) {
			return stmts, nil
		}
		if i == 0 || len(stmts) < len(best) {
			best = stmts
		}
	}
	return best, nil
}

func captureOnce(ctx context.Context, c *Client, s *Scenario, traceFile string, i int) ([]postgres.TracedStatement, error) {
	time.Sleep(50 * time.Millisecond)
	st, err := os.Stat(traceFile)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	code, _, err := c.Do(ctx, s, i)
	t1 := time.Now()
	if err != nil {
		return nil, err
	}
	if code != s.want() {
		return nil, fmt.Errorf("%s answered %d", s.Name, code)
	}
	time.Sleep(50 * time.Millisecond)
	return readTrace(traceFile, st.Size(), func(ts postgres.TracedStatement) bool {
		if ts.At.Before(t0) || ts.At.After(t1) {
			return false
		}
		// The job queue's own polling is not the request's; the jobs a
		// submit enqueues are.
		return s.Group == "submit" || !strings.Contains(ts.SQL, "river_")
	})
}

func readTrace(path string, offset int64, keep func(postgres.TracedStatement) bool) ([]postgres.TracedStatement, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		return nil, err
	}
	var out []postgres.TracedStatement
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var ts postgres.TracedStatement
		if err := json.Unmarshal(sc.Bytes(), &ts); err != nil {
			continue
		}
		if postgres.Explainable(ts.SQL) && keep(ts) {
			out = append(out, ts)
		}
	}
	return out, sc.Err()
}

// Explain EXPLAIN ANALYZEs the statements reps times, in order, each time
// in a transaction that is rolled back, after one warm-up pass, taking
// turns with as many passes with TIMING OFF (Floor.UntimedMS).
func Explain(ctx context.Context, pool *pgxpool.Pool, stmts []postgres.TracedStatement, reps int, withPlan bool) (Floor, error) {
	f := Floor{Statements: len(stmts)}
	if len(stmts) == 0 {
		return f, nil
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return f, err
	}
	defer conn.Release()
	var execs, plans, untimed []float64
	per := make([][]float64, len(stmts))
	// After a warm-up, reps timed passes and reps with TIMING OFF, taking
	// turns, so that a slow moment of the machine falls on both alike.
	for rep := 0; rep <= 2*reps; rep++ {
		timed := rep%2 == 1 || rep == 0
		explain := "EXPLAIN (ANALYZE, FORMAT JSON) "
		if !timed {
			explain = "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) "
		}
		var exec, plan float64
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			for i, st := range stmts {
				args, err := postgres.DecodeTraceArgs(st.Args)
				if err != nil {
					return err
				}
				var out []byte
				sp, err := tx.Begin(ctx) // a savepoint: a statement that cannot be replayed is skipped
				if err != nil {
					return err
				}
				if err := sp.QueryRow(ctx, explain+st.SQL, args...).Scan(&out); err != nil {
					sp.Rollback(ctx)
					if rep == 0 {
						f.Skipped++
						f.SkippedErr = oneLine(err.Error(), 200)
					}
					continue
				}
				sp.Commit(ctx)
				var res []struct {
					Plan json.RawMessage `json:"Plan"`
					P    float64         `json:"Planning Time"`
					E    float64         `json:"Execution Time"`
				}
				if err := json.Unmarshal(out, &res); err != nil || len(res) == 0 {
					return fmt.Errorf("explain output: %v", err)
				}
				exec += res[0].E
				plan += res[0].P
				if rep > 0 && timed {
					per[i] = append(per[i], res[0].E)
				}
			}
			return errRollback
		})
		if err != nil && err != errRollback {
			return f, err
		}
		switch {
		case !timed:
			untimed = append(untimed, exec)
		case rep > 0:
			execs, plans = append(execs, exec), append(plans, plan)
		}
	}
	f.ExecMS, f.PlanMS, f.UntimedMS = median(execs), median(plans), median(untimed)
	for i, p := range per {
		if m := median(p); m >= f.SlowestMS {
			f.SlowestMS, f.Slowest = m, oneLine(stmts[i].SQL, 400)
			if withPlan {
				f.SlowPlan = explainText(ctx, conn, stmts[:i+1])
			}
		}
	}
	return f, nil
}

// explainText is the text plan of the last statement, after running the
// ones before it, in a rolled-back transaction.
func explainText(ctx context.Context, conn *pgxpool.Conn, stmts []postgres.TracedStatement) string {
	var plan strings.Builder
	pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for i, st := range stmts {
			args, _ := postgres.DecodeTraceArgs(st.Args)
			if i < len(stmts)-1 {
				rows, err := tx.Query(ctx, st.SQL, args...)
				if err != nil {
					return err
				}
				rows.Close()
				continue
			}
			rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+st.SQL, args...)
			if err != nil {
				return err
			}
			var line string
			pgx.ForEachRow(rows, []any{&line}, func() error { plan.WriteString(line + "\n"); return nil })
		}
		return errRollback
	})
	return plan.String()
}

type rollback struct{}

func (rollback) Error() string { return "rollback" }

var errRollback error = rollback{}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
