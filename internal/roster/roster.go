package roster

import (
	"slices"
	"strings"
	"time"
)

// Account is a business (tenant) with its settings.
type Account struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	Settings  Settings
	// CatalogueVersion is the version of the account's groups and roles
	// when the account was read (0: not known), for the caches of both.
	CatalogueVersion int64
}

// Settings are the account defaults of PRODUCT.md, changeable by an account
// administrator.
type Settings struct {
	InviteValidityDays int
	RemindersEnabled   bool
	ExpiringSoonDays   int
	LinkValidityHours  int
	LinkMaxUses        int
	// InvitesPerAdminPerDay bounds the invitations (email, link, CSV row)
	// one administrator may make per day (UTC).
	InvitesPerAdminPerDay int
	DefaultLocale         string
}

// User statuses.
const (
	StatusActive      = "active"
	StatusDeactivated = "deactivated"
)

// User is a person of an account.
type User struct {
	ID            int64
	AccountID     int64
	Email         string
	Name          string
	Status        string
	Locale        string
	CreatedAt     time.Time
	LastSignInAt  *time.Time
	InvitedByID   *int64
	InvitedByName string
	Memberships   []Membership
}

// Membership is a person's place in one group and the roles they hold there.
type Membership struct {
	GroupID int64
	RoleIDs []int64
}

// Role is an entry of the account's role catalogue. Key names a built-in
// role ("administrator", ...); custom roles have an empty Key.
type Role struct {
	ID          int64
	Key         string
	Name        string
	Description string
	Holders     int64
}

// Built-in role keys, seeded into every account in this order.
const (
	RoleAdministrator = "administrator"
	RoleRequisitioner = "requisitioner"
	RoleApprover      = "approver"
	RoleFinance       = "finance"
	RoleAnalyst       = "analyst"
)

// BuiltinRoles lists the role keys every new account starts with.
var BuiltinRoles = []string{RoleAdministrator, RoleRequisitioner, RoleApprover, RoleFinance, RoleAnalyst}

// Group is a node of the account's group tree. Path holds the ids from the
// root down to and including the group itself.
type Group struct {
	ID       int64
	ParentID *int64
	Name     string
	Path     []int64
}

// Actor is the signed-in person making a request, with what they may manage.
type Actor struct {
	User User
	// AdminGroups are the groups in which the actor holds Administrator.
	AdminGroups []int64
	// AccountAdmin is true when the actor is Administrator on the root group.
	AccountAdmin bool
}

// CanOpenHub reports whether the actor administers anything at all.
func (a Actor) CanOpenHub() bool { return a.AccountAdmin || len(a.AdminGroups) > 0 }

// Scope is what the actor manages: nil for an account administrator (the
// whole account), else the groups whose subtrees they administer. A group
// administrator sees and manages only people with a membership in those
// subtrees, and invitations whose every group lies in them.
func (a Actor) Scope() []int64 {
	if a.AccountAdmin {
		return nil
	}
	if len(a.AdminGroups) == 0 {
		return []int64{} // manages nothing: matches nobody, never everybody
	}
	return a.AdminGroups
}

// Invitation kinds.
const (
	KindEmail = "email"
	KindLink  = "link"
)

// Invitation statuses as shown (the stored status plus derived ones).
const (
	InvitePending      = "pending"
	InviteExpiringSoon = "expiring"
	InviteAccepted     = "accepted"
	InviteExpired      = "expired"
	InviteRevoked      = "revoked"
	InviteJoinRequest  = "join_request"
)

// InvitationStatuses lists the statuses an admin can filter invitations by.
var InvitationStatuses = []string{InvitePending, InviteExpiringSoon, InviteAccepted, InviteExpired, InviteRevoked, InviteJoinRequest}

// Invitation is an email invitation or a shareable invite link.
type Invitation struct {
	ID             int64
	Kind           string
	Email          string
	Label          string
	Status         string // stored status: pending, accepted, expired, revoked
	GroupIDs       []int64
	RoleIDs        []int64
	InvitedByID    *int64
	InvitedByName  string
	CreatedAt      time.Time
	SentAt         *time.Time
	ExpiresAt      time.Time
	AcceptedAt     *time.Time
	Delivery       string
	DeliveryError  string
	MaxUses        int
	UseCount       int
	AllowedDomains []string
	ApprovalNeeded bool
	Message        string // the inviter's personal message
	Locale         string
	// JoinRequestID is set when the row is a join request awaiting approval
	// that came through invite link ID (the row's Label and grants are the
	// request's).
	JoinRequestID int64
}

// DisplayStatus derives what the Invitations table shows at time now.
func (inv Invitation) DisplayStatus(now time.Time, soon time.Duration) string {
	switch {
	case inv.JoinRequestID != 0:
		return InviteJoinRequest
	case inv.Status == InvitePending && !inv.ExpiresAt.After(now):
		return InviteExpired
	case inv.Status == InvitePending && inv.ExpiresAt.Sub(now) <= soon:
		return InviteExpiringSoon
	}
	return inv.Status
}

// Dashboard holds the summary cards of the Users hub.
type Dashboard struct {
	Active         int64
	Pending        int64
	ExpiringSoon   int64
	JoinRequests   int64
	Deactivated    int64
	NeverSignedIn  int64
	Administrators int64
	WithoutGroup   int64
	Total          int64
	Weeks          []WeekStat
}

// WeekStat is one bar pair of the invitations chart.
type WeekStat struct {
	Start    time.Time
	Sent     int64
	Accepted int64
}

// GroupTree is an account's groups, indexed for paths and subtrees.
type GroupTree struct {
	Groups []Group // depth-first order, siblings by name
	byID   map[int64]int
	// names, in a tree cut down by Within, is the whole tree, for paths.
	names *GroupTree
}

// NewGroupTree indexes groups, which must already be in depth-first order.
func NewGroupTree(groups []Group) *GroupTree {
	t := &GroupTree{Groups: groups, byID: make(map[int64]int, len(groups))}
	for i, g := range groups {
		t.byID[g.ID] = i
	}
	return t
}

// Get returns the group with id and whether it exists.
func (t *GroupTree) Get(id int64) (Group, bool) {
	i, ok := t.byID[id]
	if !ok {
		return Group{}, false
	}
	return t.Groups[i], true
}

// Root returns the account's root group.
func (t *GroupTree) Root() Group {
	for _, g := range t.Groups {
		if g.ParentID == nil {
			return g
		}
	}
	return Group{}
}

// PathNames returns the names from the top below the root down to the group
// ("Finance", "Payables"); the root group alone is its own name.
func (t *GroupTree) PathNames(id int64) []string {
	all := t
	if t.names != nil {
		all = t.names
	}
	g, ok := all.Get(id)
	if !ok {
		return nil
	}
	if len(g.Path) <= 1 {
		return []string{g.Name}
	}
	names := make([]string, 0, len(g.Path)-1)
	for _, pid := range g.Path[1:] {
		if p, ok := all.Get(pid); ok {
			names = append(names, p.Name)
		}
	}
	return names
}

// Within returns the part of the tree a scope covers: the subtrees of the
// scope's groups (the whole tree for a nil scope). Ancestors outside it are
// left out, so a picker built from it offers only groups the actor manages;
// paths still name the whole way down from the root.
func (t *GroupTree) Within(scope []int64) *GroupTree {
	if scope == nil {
		return t
	}
	var in []Group
	for _, g := range t.Groups {
		for _, id := range scope {
			if slices.Contains(g.Path, id) {
				in = append(in, g)
				break
			}
		}
	}
	w := NewGroupTree(in)
	w.names = t
	return w
}

// Depth is the number of ancestors of the group (0 for the root).
func (g Group) Depth() int { return max(len(g.Path)-1, 0) }

// Subtree returns the ids of the group and all its descendants.
func (t *GroupTree) Subtree(id int64) []int64 {
	var ids []int64
	for _, g := range t.Groups {
		if slices.Contains(g.Path, id) {
			ids = append(ids, g.ID)
		}
	}
	return ids
}

// SortDepthFirst orders groups as a tree is read: each group followed by its
// subgroups, siblings by name (case-insensitive).
func SortDepthFirst(groups []Group) []Group {
	children := map[int64][]Group{}
	var roots []Group
	for _, g := range groups {
		if g.ParentID == nil {
			roots = append(roots, g)
		} else {
			children[*g.ParentID] = append(children[*g.ParentID], g)
		}
	}
	byName := func(a, b Group) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }
	out := make([]Group, 0, len(groups))
	var walk func(g Group)
	walk = func(g Group) {
		out = append(out, g)
		kids := children[g.ID]
		slices.SortFunc(kids, byName)
		for _, k := range kids {
			walk(k)
		}
	}
	slices.SortFunc(roots, byName)
	for _, r := range roots {
		walk(r)
	}
	return out
}

// Signup is a new business account and its first administrator.
type Signup struct {
	AccountName  string
	Name         string
	Email        string
	PasswordHash string
	Locale       string
}
