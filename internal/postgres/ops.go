package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/migrations"
)

// Ops reports on the database for /readyz and the metrics.
type Ops struct {
	pool  *pgxpool.Pool
	db    *sql.DB
	goose *goose.Provider
}

// NewOps returns the operations view of pool.
func NewOps(pool *pgxpool.Pool) (*Ops, error) {
	db := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Ops{pool: pool, db: db, goose: p}, nil
}

// Close releases the handle Ops keeps on the pool (not the pool).
func (o *Ops) Close() error { return o.db.Close() }

// Ready returns nil when the database answers and goose's version is the
// latest migration embedded in this binary.
func (o *Ops) Ready(ctx context.Context) error {
	if err := o.pool.Ping(ctx); err != nil {
		return errors.New("database unreachable")
	}
	current, target, err := o.goose.GetVersions(ctx)
	if err != nil {
		return errors.New("cannot read the migration version")
	}
	if current != target {
		return fmt.Errorf("migrations not current: database at version %d, this binary expects %d", current, target)
	}
	return nil
}

// PoolStats returns pgxpool's figures.
func (o *Ops) PoolStats() roster.PoolStats {
	s := o.pool.Stat()
	return roster.PoolStats{
		Total: s.TotalConns(), Idle: s.IdleConns(), Acquired: s.AcquiredConns(), Constructing: s.ConstructingConns(), Max: s.MaxConns(),
		Acquires: s.AcquireCount(), EmptyAcquires: s.EmptyAcquireCount(), CanceledAcquires: s.CanceledAcquireCount(),
		AcquireDuration: s.AcquireDuration(), NewConns: s.NewConnsCount(),
		LifetimeDestroys: s.MaxLifetimeDestroyCount(), IdleDestroys: s.MaxIdleDestroyCount(),
	}
}

// QueueDepth counts River's jobs by state (only the states that wait or
// run; finished jobs are not queue depth).
func (o *Ops) QueueDepth(ctx context.Context) (map[string]int64, error) {
	rows, err := o.pool.Query(ctx, `SELECT state::text, count(*) FROM river_job
	WHERE state IN ('available', 'retryable', 'running', 'scheduled') GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}
