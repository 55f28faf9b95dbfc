package postgres

import (
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/roster-hub/roster/internal/roster"
)

// BulkStore keeps "select all N matching" jobs: one action applied to every
// person of a People view, by the queue, in batches.
type BulkStore struct {
	pool  *pgxpool.Pool
	queue *Queue
	users *UserStore
}

// NewBulkStore returns a BulkStore queueing its jobs on queue.
func NewBulkStore(pool *pgxpool.Pool, queue *Queue) *BulkStore {
	return &BulkStore{pool: pool, queue: queue, users: NewUserStore(pool)}
}

// BulkArgs is the queue job that runs a bulk job.
type BulkArgs struct {
	AccountID int64 `json:"account_id"`
	JobID     int64 `json:"job_id"`
}

// Kind names the job for the queue.
func (BulkArgs) Kind() string { return "bulk_people" }

// BulkWorker runs BulkArgs jobs; a failed run is retried by the queue and
// carries on from the recorded cursor.
type BulkWorker struct {
	river.WorkerDefaults[BulkArgs]
	Store *BulkStore
}

// Work runs one bulk job to its end.
func (w *BulkWorker) Work(ctx context.Context, job *river.Job[BulkArgs]) error {
	return w.Store.RunBulk(ctx, job.Args.AccountID, job.Args.JobID, time.Now())
}

// Timeout lets a job over a million people run its course.
func (w *BulkWorker) Timeout(*river.Job[BulkArgs]) time.Duration { return time.Hour }

const bulkColumns = `id, account_id, coalesce(actor_id, 0), action, coalesce(group_id, 0), coalesce(role_id, 0), view, scope, status,
	total, done, changed, refused, created_at, finished_at`

func scanBulk(row pgx.Row) (roster.BulkJob, error) {
	var j roster.BulkJob
	err := row.Scan(&j.ID, &j.AccountID, &j.ActorID, &j.Action, &j.GroupID, &j.RoleID, &j.View, &j.Scope, &j.Status,
		&j.Total, &j.Done, &j.Changed, &j.Refused, &j.CreatedAt, &j.FinishedAt)
	return j, mapError(err, "bulk job")
}

// StartBulk records a bulk job, counts the people it will go through and
// queues it, in one transaction, and audits the start. EINVALID for an
// action that is unknown or lacks its group or role.
func (s *BulkStore) StartBulk(ctx context.Context, j roster.BulkJob, now time.Time) (roster.BulkJob, error) {
	if err := j.Check(); err != nil {
		return j, err
	}
	v, _ := url.ParseQuery(j.View)
	f, _ := roster.ParseUserFilter(v)
	f.Scope = j.Scope
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		w := &where{}
		w.add("u.account_id = %s", j.AccountID)
		userConditions(w, j.AccountID, f)
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users u WHERE `+w.sql(), w.args...).Scan(&j.Total); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO bulk_jobs (account_id, actor_id, action, group_id, role_id, view, scope, total, created_at)
		VALUES ($1, $2, $3, nullif($4, 0), nullif($5, 0), $6, $7, $8, $9) RETURNING id`,
			j.AccountID, j.ActorID, j.Action, j.GroupID, j.RoleID, j.View, j.Scope, j.Total, now).Scan(&j.ID)
		if err != nil {
			return err
		}
		j.Status, j.CreatedAt = roster.BulkQueued, now
		if err := audit(ctx, tx, j.AccountID, j.ActorID, "bulk_started", nil, map[string]any{"job_id": j.ID, "action": j.Action,
			"group_id": j.GroupID, "role_id": j.RoleID, "people": j.Total}); err != nil {
			return err
		}
		_, err = s.queue.InsertTx(ctx, tx, BulkArgs{AccountID: j.AccountID, JobID: j.ID}, nil)
		return err
	})
	return j, err
}

// BulkJob returns one job of the account. ENOTFOUND.
func (s *BulkStore) BulkJob(ctx context.Context, accountID, id int64) (roster.BulkJob, error) {
	return scanBulk(s.pool.QueryRow(ctx, `SELECT `+bulkColumns+` FROM bulk_jobs WHERE account_id = $1 AND id = $2`, accountID, id))
}

// bulkBatch is how many people a bulk job changes per transaction.
const bulkBatch = 500

// RunBulk goes through the job's view along the name order, a batch at a
// time, applying the action with the same store methods (and so the same
// checks and audit events) as a bulk action on selected rows. Progress and
// the cursor are written after each batch. A batch refused because it
// would leave no active account administrator is retried person by
// person, so only that person is left out. A group administrator's job
// leaves out people it may not change (Refused).
func (s *BulkStore) RunBulk(ctx context.Context, accountID, id int64, now time.Time) error {
	j, err := s.BulkJob(ctx, accountID, id)
	if err != nil || j.Status == roster.BulkDone {
		return err
	}
	var cursor string
	if err := s.pool.QueryRow(ctx, `UPDATE bulk_jobs SET status = 'running' WHERE account_id = $1 AND id = $2 RETURNING cursor`, accountID, id).Scan(&cursor); err != nil {
		return err
	}
	v, _ := url.ParseQuery(j.View)
	f, _ := roster.ParseUserFilter(v)
	f.Scope, f.Sort, f.Desc, f.Before, f.Limit = j.Scope, roster.SortName, false, "", bulkBatch
	for {
		f.After = cursor
		p, err := s.users.FindUsers(ctx, accountID, f)
		if err != nil {
			return err
		}
		ids := make([]int64, len(p.Users))
		for i, u := range p.Users {
			ids[i] = u.ID
		}
		var refused int64
		if j.Scope != nil && j.ReachesEveryGroup() && len(ids) > 0 {
			in, err := s.users.PeopleInScope(ctx, accountID, j.Scope, ids)
			if err != nil {
				return err
			}
			ids = slices.DeleteFunc(ids, func(id int64) bool { return !in[id] })
			refused = int64(len(p.Users) - len(ids))
		}
		changed, more, err := s.apply(ctx, j, ids, now)
		if err != nil {
			return err
		}
		refused += more
		cursor = p.Next
		status := roster.BulkRunning
		var finished *time.Time
		if cursor == "" {
			status, finished = roster.BulkDone, &now
		}
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE bulk_jobs SET done = done + $3, changed = changed + $4, refused = refused + $5, cursor = $6,
			status = $7, finished_at = $8, total = greatest(total, done + $3) WHERE account_id = $1 AND id = $2`,
				accountID, id, len(p.Users), changed, refused, cursor, status, finished); err != nil {
				return err
			}
			if status != roster.BulkDone {
				return nil
			}
			var done, ch, ref int64
			if err := tx.QueryRow(ctx, `SELECT done, changed, refused FROM bulk_jobs WHERE account_id = $1 AND id = $2`, accountID, id).Scan(&done, &ch, &ref); err != nil {
				return err
			}
			return audit(ctx, tx, accountID, j.ActorID, "bulk_finished", nil, map[string]any{"job_id": id, "action": j.Action,
				"people": done, "changed": ch, "refused": ref})
		})
		if err != nil || status == roster.BulkDone {
			return err
		}
	}
}

// apply runs the job's action on ids and returns how many it changed and
// how many it had to leave out (the last active account administrator).
func (s *BulkStore) apply(ctx context.Context, j roster.BulkJob, ids []int64, now time.Time) (int64, int64, error) {
	if len(ids) == 0 {
		return 0, 0, nil
	}
	n, err := s.users.ApplyBulk(ctx, j.AccountID, j.ActorID, j.BulkAction, ids, now)
	if roster.ErrorCode(err) != roster.ECONFLICT {
		return int64(n), 0, err
	}
	// Someone in the batch is the last administrator: one by one.
	var changed, refused int64
	for _, id := range ids {
		n, err := s.users.ApplyBulk(ctx, j.AccountID, j.ActorID, j.BulkAction, []int64{id}, now)
		switch {
		case roster.ErrorCode(err) == roster.ECONFLICT:
			refused++
		case err != nil:
			return changed, refused, err
		default:
			changed += int64(n)
		}
	}
	return changed, refused, nil
}
