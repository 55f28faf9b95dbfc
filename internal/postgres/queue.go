package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// Queue is the durable job queue (River) in the database.
type Queue = river.Client[pgx.Tx]

// QueueConfig tunes the queue; zero values take the defaults.
type QueueConfig struct {
	Workers      *river.Workers // nil: an insert-only queue
	Periodic     []*river.PeriodicJob
	MaxAttempts  int           // default 8 (about 20 minutes of backoff)
	RetryBackoff time.Duration // first retry delay, doubling; default 10s
	PollInterval time.Duration // default 1s
	Logger       *slog.Logger
}

// NewQueue returns a River client on pool. An insert-only queue (no
// workers) is what stores use to enqueue jobs inside their transactions.
func NewQueue(pool *pgxpool.Pool, c QueueConfig) (*Queue, error) {
	cfg := &river.Config{
		MaxAttempts:       c.MaxAttempts,
		FetchPollInterval: c.PollInterval,
		Logger:            c.Logger,
		RetryPolicy:       backoff{first: c.RetryBackoff},
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Workers != nil {
		cfg.Workers = c.Workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 8}}
		cfg.PeriodicJobs = c.Periodic
		if cfg.FetchPollInterval == 0 {
			cfg.FetchPollInterval = time.Second
		}
		if cfg.FetchPollInterval < 100*time.Millisecond {
			cfg.FetchCooldown = cfg.FetchPollInterval / 2
		}
	}
	return river.NewClient(riverpgxv5.New(pool), cfg)
}

// backoff retries after first, 2×first, 4×first … capped at an hour.
type backoff struct{ first time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	first := b.first
	if first <= 0 {
		first = 10 * time.Second
	}
	d := first << min(max(job.Attempt-1, 0), 16)
	return time.Now().Add(min(d, time.Hour))
}

// enqueue inserts email jobs inside tx.
func enqueue(ctx context.Context, q *Queue, tx pgx.Tx, jobs ...river.JobArgs) error {
	if len(jobs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	_, err := q.InsertManyTx(ctx, tx, params)
	return err
}

// SweepArgs is the periodic job that expires invitations past their
// expiry and queues the reminders that are due.
type SweepArgs struct{}

// Kind names the job for the queue.
func (SweepArgs) Kind() string { return "invitation_sweep" }

// SweepWorker runs SweepArgs jobs.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Store *InvitationStore
}

// Work expires and reminds.
func (w *SweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	now := time.Now()
	if _, err := w.Store.SweepExpired(ctx, now); err != nil {
		return err
	}
	_, err := w.Store.QueueReminders(ctx, now)
	return err
}

// SweepEvery schedules the sweep (and runs it at start).
func SweepEvery(d time.Duration) *river.PeriodicJob { return every(d, SweepArgs{}) }

// every schedules a job every d, once a period whatever the number of
// servers, and runs it at start.
func every(d time.Duration, args river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
		return args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: d}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// FoldArgs is the periodic job that folds the role holder, group member
// and people count deltas into their counts (see migrations 00016, 00024
// and 00026), so a count reads a few rows. (Its kind keeps the name it had before it folded
// group counts too.)
type FoldArgs struct{}

// Kind names the job for the queue.
func (FoldArgs) Kind() string { return "role_holder_fold" }

// FoldWorker runs FoldArgs jobs.
type FoldWorker struct {
	river.WorkerDefaults[FoldArgs]
	Store *GroupStore
}

// Work folds the deltas.
func (w *FoldWorker) Work(ctx context.Context, job *river.Job[FoldArgs]) error {
	_, err := w.Store.FoldKeptCounts(ctx)
	return err
}

// FoldEvery schedules the fold (and runs it at start).
func FoldEvery(d time.Duration) *river.PeriodicJob { return every(d, FoldArgs{}) }
