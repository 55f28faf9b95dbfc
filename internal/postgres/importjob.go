package postgres

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// ImportArgs is the job that runs a confirmed CSV import.
type ImportArgs struct {
	AccountID int64 `json:"account_id"`
	ImportID  int64 `json:"import_id"`
}

// Kind names the job for the queue.
func (ImportArgs) Kind() string { return "csv_import" }

// ImportWorker runs ImportArgs jobs: it invites the import's rows in
// batches (see InvitationStore.RunImport). A failed run is retried by the
// queue and carries on from the recorded progress.
type ImportWorker struct {
	river.WorkerDefaults[ImportArgs]
	Store *InvitationStore
}

// Work runs one import to its end.
func (w *ImportWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	return w.Store.RunImport(ctx, job.Args.AccountID, job.Args.ImportID)
}

// Timeout lets a large import run its course: 100,000 rows take about a
// minute; the queue's default would cut it off.
func (w *ImportWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return time.Hour }
