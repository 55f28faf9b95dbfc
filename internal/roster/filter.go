package roster

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// People table sorts.
const (
	SortName   = "name"
	SortEmail  = "email"
	SortAdded  = "added"
	SortSignIn = "signin"
)

// UserSorts lists the People table's sort keys.
var UserSorts = []string{SortName, SortEmail, SortAdded, SortSignIn}

// PageSize is the number of rows of a table page.
const PageSize = 50

// MaxQueryLen bounds a search term; longer input is cut.
const MaxQueryLen = 100

// UserFilter is the People table's view: search, filters, sort and page.
// Every field round-trips through the URL (Values / ParseUserFilter).
type UserFilter struct {
	Query            string
	Status           string  // "", active, deactivated
	RoleIDs          []int64 // any of
	GroupID          int64   // 0: any group
	ExcludeSubgroups bool    // only with GroupID: the group itself, not its subtree
	NeverSignedIn    bool
	WithoutGroup     bool
	InvitedBy        int64
	Sort             string
	Desc             bool
	After            string // keyset cursor: rows after this one
	Before           string // keyset cursor: rows before this one
	Limit            int
	// Scope, set from the actor and never from the URL, keeps a group
	// administrator to their subtrees (nil: the whole account).
	Scope []int64
}

// ParseUserFilter reads a People view from URL values. Values it cannot use
// are dropped and named in notes (message keys with the parameter), so a bad
// bookmark shows the nearest valid view and says why, never an error.
func ParseUserFilter(v url.Values) (f UserFilter, notes []string) {
	f.Query = cleanQuery(v.Get("q"))
	switch s := v.Get("status"); s {
	case "", StatusActive, StatusDeactivated:
		f.Status = s
	default:
		notes = append(notes, "status")
	}
	for _, s := range v["role"] {
		if s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			notes = append(notes, "role")
			continue
		}
		if !slices.Contains(f.RoleIDs, id) {
			f.RoleIDs = append(f.RoleIDs, id)
		}
	}
	if len(f.RoleIDs) > 20 {
		f.RoleIDs = f.RoleIDs[:20]
		notes = append(notes, "role")
	}
	f.GroupID = parseID(v, "group", &notes)
	f.ExcludeSubgroups = f.GroupID != 0 && v.Get("sub") == "0"
	f.NeverSignedIn = parseFlag(v, "never", &notes)
	f.WithoutGroup = parseFlag(v, "nogroup", &notes)
	f.InvitedBy = parseID(v, "invited_by", &notes)
	f.Sort = SortName
	if s := v.Get("sort"); s != "" {
		if slices.Contains(UserSorts, s) {
			f.Sort = s
		} else {
			notes = append(notes, "sort")
		}
	}
	switch d := v.Get("dir"); d {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		notes = append(notes, "dir")
	}
	// The "Sort by" control sends key and direction as one value.
	if o := v.Get("order"); o != "" {
		key, dir, _ := strings.Cut(o, ":")
		if slices.Contains(UserSorts, key) && (dir == "" || dir == "desc") {
			f.Sort, f.Desc = key, dir == "desc"
		} else {
			notes = append(notes, "order")
		}
	}
	f.After = cursorParam(v, "after", &notes)
	if f.After == "" {
		f.Before = cursorParam(v, "before", &notes)
	}
	f.Limit = PageSize
	return f, notes
}

// Values encodes the view back into URL values, omitting defaults so
// shared links stay short.
func (f UserFilter) Values() url.Values {
	v := url.Values{}
	if f.Query != "" {
		v.Set("q", f.Query)
	}
	if f.Status != "" {
		v.Set("status", f.Status)
	}
	for _, id := range f.RoleIDs {
		v.Add("role", strconv.FormatInt(id, 10))
	}
	if f.GroupID != 0 {
		v.Set("group", strconv.FormatInt(f.GroupID, 10))
		if f.ExcludeSubgroups {
			v.Set("sub", "0")
		}
	}
	if f.NeverSignedIn {
		v.Set("never", "1")
	}
	if f.WithoutGroup {
		v.Set("nogroup", "1")
	}
	if f.InvitedBy != 0 {
		v.Set("invited_by", strconv.FormatInt(f.InvitedBy, 10))
	}
	if f.Sort != "" && f.Sort != SortName {
		v.Set("sort", f.Sort)
	}
	if f.Desc {
		v.Set("dir", "desc")
	}
	if f.After != "" {
		v.Set("after", f.After)
	} else if f.Before != "" {
		v.Set("before", f.Before)
	}
	return v
}

// FirstPage returns the same view without a page cursor.
func (f UserFilter) FirstPage() UserFilter {
	f.After, f.Before = "", ""
	return f
}

// IsFiltered reports whether any filter or search narrows the table.
func (f UserFilter) IsFiltered() bool {
	return f.Query != "" || f.Status != "" || len(f.RoleIDs) > 0 || f.GroupID != 0 ||
		f.NeverSignedIn || f.WithoutGroup || f.InvitedBy != 0
}

// ShortQuery reports whether the search term is too short for a "contains"
// match; such terms match the start of a name, a word of it, or the email.
func (f UserFilter) ShortQuery() bool {
	n := utf8.RuneCountInString(f.Query)
	return n > 0 && n < 3
}

// UserPage is one page of the People table.
type UserPage struct {
	Users []User
	// Total counts the whole filtered set, up to CountLimit.
	Total int64
	// TotalCapped: the set holds more than Total, which is CountLimit or,
	// for a search whose exact count would recheck thousands of matches
	// one by one, a round number below the matches it proved.
	TotalCapped bool
	Next        string
	Prev        string
}

// CountLimit bounds counting a filtered set: past it the table says "10,000+".
const CountLimit = 10000

// InvitationFilter is the Invitations table's view.
type InvitationFilter struct {
	Status    string // one of InvitationStatuses, or "" for all
	Query     string
	InvitedBy int64
	GroupID   int64
	RoleID    int64
	After     string
	Before    string
	Limit     int
	// Scope, set from the actor and never from the URL: only invitations
	// whose every group lies in these subtrees (nil: the whole account).
	Scope []int64
}

// ParseInvitationFilter reads an Invitations view from URL values, noting
// values it dropped as ParseUserFilter does.
func ParseInvitationFilter(v url.Values) (f InvitationFilter, notes []string) {
	if s := v.Get("istatus"); s != "" {
		if slices.Contains(InvitationStatuses, s) {
			f.Status = s
		} else {
			notes = append(notes, "istatus")
		}
	}
	f.Query = cleanQuery(v.Get("iq"))
	f.InvitedBy = parseID(v, "iinvited_by", &notes)
	f.GroupID = parseID(v, "igroup", &notes)
	f.RoleID = parseID(v, "irole", &notes)
	f.After = cursorParam(v, "iafter", &notes)
	if f.After == "" {
		f.Before = cursorParam(v, "ibefore", &notes)
	}
	f.Limit = PageSize
	return f, notes
}

// Values encodes the view into URL values (prefixed "i" so that both tabs'
// views can live in one URL).
func (f InvitationFilter) Values() url.Values {
	v := url.Values{}
	v.Set("tab", "invitations")
	if f.Status != "" {
		v.Set("istatus", f.Status)
	}
	if f.Query != "" {
		v.Set("iq", f.Query)
	}
	if f.InvitedBy != 0 {
		v.Set("iinvited_by", strconv.FormatInt(f.InvitedBy, 10))
	}
	if f.GroupID != 0 {
		v.Set("igroup", strconv.FormatInt(f.GroupID, 10))
	}
	if f.RoleID != 0 {
		v.Set("irole", strconv.FormatInt(f.RoleID, 10))
	}
	if f.After != "" {
		v.Set("iafter", f.After)
	} else if f.Before != "" {
		v.Set("ibefore", f.Before)
	}
	return v
}

// FirstPage returns the same view without a page cursor.
func (f InvitationFilter) FirstPage() InvitationFilter {
	f.After, f.Before = "", ""
	return f
}

// IsFiltered reports whether any filter narrows the table.
func (f InvitationFilter) IsFiltered() bool {
	return f.Status != "" || f.Query != "" || f.InvitedBy != 0 || f.GroupID != 0 || f.RoleID != 0
}

// InvitationPage is one page of the Invitations table.
type InvitationPage struct {
	Invitations []Invitation
	// Total counts the whole filtered set: exactly for a status alone
	// (kept counters), else up to CountLimit.
	Total       int64
	TotalCapped bool // the set holds more than CountLimit
	Next        string
	Prev        string
}

// DropControl removes control characters (U+0000–U+001F, U+007F) from s.
func DropControl(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// cleanQuery keeps a search term's text: valid UTF-8, no control
// characters, no surrounding space, at most MaxQueryLen characters. It is
// idempotent, so a view written back to its URL reads the same (the fuzz
// test found a control character before a space that survived trimming).
func cleanQuery(s string) string {
	s = strings.TrimSpace(DropControl(strings.ToValidUTF8(s, "")))
	if utf8.RuneCountInString(s) > MaxQueryLen {
		s = strings.TrimSpace(string([]rune(s)[:MaxQueryLen]))
	}
	return s
}

// cursorParam reads a page cursor; one too long to be ours is dropped
// and noted (the view shows its first page and says why).
func cursorParam(v url.Values, key string, notes *[]string) string {
	s := v.Get(key)
	if len(s) > 512 {
		*notes = append(*notes, key)
		return ""
	}
	return s
}

func parseID(v url.Values, key string, notes *[]string) int64 {
	s := v.Get(key)
	if s == "" {
		return 0
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		*notes = append(*notes, key)
		return 0
	}
	return id
}

func parseFlag(v url.Values, key string, notes *[]string) bool {
	switch v.Get(key) {
	case "":
		return false
	case "1", "on", "true":
		return true
	default:
		*notes = append(*notes, key)
		return false
	}
}
