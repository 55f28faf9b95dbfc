// Package postgres is the only package that talks to PostgreSQL: the stores
// (raw SQL through pgx), the migrations runner, the private cluster used by
// `roster dev` and the tests, and the test helper NewDB.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/migrations"
)

// querier runs statements: a transaction, or a connection of the pool for
// reads that need none.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// readPlanned begins the read-only transaction of a filtered read (the
// People and Invitations tables, the audit log): each statement is planned
// with its values. A generic plan ignores them: for a role held by 500
// people or by 700,000, an account of 50 or of a million, it walked the
// whole name index for a selective filter (seconds instead of
// milliseconds). Planning costs a fraction of a millisecond; the SET
// travels with the BEGIN, in one round trip.
var readPlanned = pgx.TxOptions{AccessMode: pgx.ReadOnly, BeginQuery: "BEGIN READ ONLY; " + planWithValues}

// keptPlans is a querier on one connection whose statements keep their
// generic plans, for reads whose plan is the same whatever their values
// (a role's holders by name, an invitation status's page): planning them
// cost more than running them, and PostgreSQL's own choice planned them
// again on every run. Each statement travels in one batch after a local
// plan_cache_mode = force_generic_plan, which holds to the batch's end
// (its implicit transaction): one round trip, where a transaction with
// the setting took three. (set_config, because SET LOCAL warns outside
// an explicit transaction, though it takes effect.)
type keptPlans struct{ conn *pgxpool.Conn }

const keepPlan = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"

// readKept runs run on a connection of pool whose statements keep their
// plans (keptPlans).
func readKept(ctx context.Context, pool *pgxpool.Pool, run func(querier) error) error {
	return pool.AcquireFunc(ctx, func(c *pgxpool.Conn) error { return run(keptPlans{c}) })
}

func (k keptPlans) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(keepPlan)
	b.Queue(sql, args...)
	br := k.conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	return br, nil
}

func (k keptPlans) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := k.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (k keptPlans) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	br, err := k.send(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	return batchRow{br}
}

func (k keptPlans) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := k.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

// batchRows closes its batch with itself; the batch's error shows in Err
// once the rows are read.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err, r.br = r.br.Close(), nil
	}
}

func (r *batchRows) Err() error { return errors.Join(r.Rows.Err(), r.err) }

type batchRow struct{ br pgx.BatchResults }

func (r batchRow) Scan(dest ...any) error {
	return errors.Join(r.br.QueryRow().Scan(dest...), r.br.Close())
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// planWithValues makes the rest of a transaction plan each statement with
// its values (readPlanned, a filtered export, a team found to be large).
const planWithValues = "SET LOCAL plan_cache_mode = force_custom_plan"

// Open connects a pool to the database at url and checks it answers.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	cfg.ConnConfig.RuntimeParams["application_name"] = "roster"
	// Keyset cursors carry timestamps as text: one zone keeps them exact.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// Statements are prepared once per connection (pgx's cache), and after
	// five runs PostgreSQL may keep a generic plan: the session lookup,
	// the role catalogue and the other fixed-shape statements of every
	// request are then not planned again (planning the session lookup
	// alone cost 2 ms, more than running it). The filtered reads, whose
	// right plan depends on their values, begin with readPlanned instead.
	// The benchmark harness asks for every statement, to EXPLAIN it.
	if path := os.Getenv(TraceEnv); path != "" {
		t, err := newFileTracer(path)
		if err != nil {
			return nil, err
		}
		cfg.ConnConfig.Tracer = t
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

// Migrate applies every pending migration and returns the versions applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool) ([]int64, error) {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	// Out of order: branches add migrations side by side, and a database
	// that has a later one must still take an earlier one merged after it.
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithAllowOutofOrder(true))
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	var versions []int64
	for _, r := range res {
		versions = append(versions, r.Source.Version)
	}
	if err != nil {
		return versions, fmt.Errorf("migrate: %w", err)
	}
	// River's own tables (the job queue), migrated on the pool: its
	// migrations cannot run inside one outer transaction.
	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return versions, err
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return versions, fmt.Errorf("migrate job queue: %w", err)
	}
	return versions, nil
}

// mapError turns driver errors into domain errors: no rows is ENOTFOUND and
// a unique violation ECONFLICT; anything else is internal.
func mapError(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &roster.Error{Code: roster.ENOTFOUND, Message: what + " not found", Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return &roster.Error{Code: roster.ECONFLICT, Message: what + " already exists", Err: err}
		case "23503", "23514", "22001":
			return &roster.Error{Code: roster.EINVALID, Message: what + " is not valid", Err: err}
		}
	}
	return err
}

// WithDatabase returns serverURL pointing at database name instead.
func WithDatabase(serverURL, name string) string {
	if u, err := url.Parse(serverURL); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String()
	}
	// keyword=value form
	var parts []string
	for _, f := range strings.Fields(serverURL) {
		if !strings.HasPrefix(f, "dbname=") {
			parts = append(parts, f)
		}
	}
	return strings.Join(append(parts, "dbname="+name), " ")
}
