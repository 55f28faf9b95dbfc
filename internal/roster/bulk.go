package roster

import "time"

// Bulk job statuses.
const (
	BulkQueued  = "queued"
	BulkRunning = "running"
	BulkDone    = "done"
)

// BulkJob is one action applied to every person a People view matches
// ("select all N matching"), run in the background with its progress.
type BulkJob struct {
	ID        int64
	AccountID int64
	ActorID   int64
	Action    string // add_group, remove_group, grant_role, revoke_role, deactivate, reactivate
	GroupID   int64
	RoleID    int64
	View      string  // the People view's query string
	Scope     []int64 // the actor's scope when it started (nil: the whole account)
	Status    string
	// Total is how many people matched when the job started; Done how many
	// it has gone through, Changed how many the action changed, Refused
	// how many it was not allowed to change.
	Total, Done, Changed, Refused int64
	CreatedAt                     time.Time
	FinishedAt                    *time.Time
}

// Percent is the share of the matching people gone through.
func (j BulkJob) Percent() int {
	if j.Total <= 0 {
		return 100
	}
	return int(min(j.Done*100/j.Total, 100))
}

// BulkActions are the actions a bulk job can apply.
var BulkActions = []string{"add_group", "remove_group", "grant_role", "revoke_role", "deactivate", "reactivate"}
