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
	BulkAction
	View   string  // the People view's query string
	Scope  []int64 // the actor's scope when it started (nil: the whole account)
	Status string
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

// BulkAction is one change made to many people at once: to the selected
// rows of the People table, or by a BulkJob to a whole view.
type BulkAction struct {
	Action  string // add_group, remove_group, grant_role, revoke_role, deactivate, reactivate
	GroupID int64  // add_group, remove_group, grant_role
	RoleID  int64  // grant_role, revoke_role; with add_group, optional
}

// Check says what the action lacks: EINVALID "person.problem_group",
// "person.problem_group_role", "person.problem_role", or
// "person.problem_action" for an unknown action.
func (a BulkAction) Check() error {
	switch a.Action {
	case "add_group", "remove_group":
		if a.GroupID <= 0 {
			return Errorf(EINVALID, "person.problem_group")
		}
	case "grant_role":
		if a.GroupID <= 0 || a.RoleID <= 0 {
			return Errorf(EINVALID, "person.problem_group_role")
		}
	case "revoke_role":
		if a.RoleID <= 0 {
			return Errorf(EINVALID, "person.problem_role")
		}
	case "deactivate", "reactivate":
	default:
		return Errorf(EINVALID, "person.problem_action")
	}
	return nil
}

// ReachesEveryGroup reports whether the action changes a person beyond one
// group (their status, or a role in all their groups): a group
// administrator may make it only to people wholly in their subtrees.
func (a BulkAction) ReachesEveryGroup() bool {
	return a.Action == "deactivate" || a.Action == "reactivate" || a.Action == "revoke_role"
}
