// Package page holds one templ file per screen; every fragment a handler
// may render alone is its own component.
package page

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/layout"
)

// Hub is everything the Users hub shows.
type Hub struct {
	Shell       layout.Shell
	Tab         string // "people" or "invitations"
	Dashboard   roster.Dashboard
	AdminRoleID int64
	Tree        *roster.GroupTree
	Roles       []roster.Role
	Inviters    []roster.User
	People      roster.UserFilter
	PeoplePage  roster.UserPage
	Invites     roster.InvitationFilter
	InvitesPage roster.InvitationPage
	Notes       []string // URL parameters that were dropped
	Now         time.Time
	Soon        time.Duration
	OOB         bool // rendered as out-of-band swaps after a change
	// Fragment is set when htmx swaps the rendering into the hub page,
	// whose People filter lists the groups already: the bulk bar's group
	// list is copied from it (app.js) instead of sent again, 500 options
	// (27 KB, a fifth of a page of results) each time.
	Fragment bool
}

// groupsInPage reports whether the page this rendering lands in lists the
// groups already (the People filter's picker): a fragment, or out-of-band
// swaps into the hub.
func (h Hub) groupsInPage() bool { return h.Fragment || h.OOB }

// Tab names.
const (
	TabPeople      = "people"
	TabInvitations = "invitations"
)

func (h Hub) roleByID(id int64) (roster.Role, bool) { return roleByID(h.Roles, id) }

// roleByID finds a role of the catalogue by id.
func roleByID(roles []roster.Role, id int64) (roster.Role, bool) {
	for _, r := range roles {
		if r.ID == id {
			return r, true
		}
	}
	return roster.Role{}, false
}

// peopleURL is the hub address of a People view.
func peopleURL(f roster.UserFilter) string {
	return hubURL(f.Values())
}

func invitesURL(f roster.InvitationFilter) string {
	return hubURL(f.Values())
}

func hubURL(v url.Values) string {
	if len(v) == 0 {
		return "/users"
	}
	return "/users?" + v.Encode()
}

// sortURL is the address that sorts the People view by key, flipping the
// direction when it is already sorted by key.
func sortURL(f roster.UserFilter, key string) string {
	f = f.FirstPage()
	if f.Sort == key {
		f.Desc = !f.Desc
	} else {
		f.Sort, f.Desc = key, key == roster.SortAdded || key == roster.SortSignIn
	}
	return peopleURL(f)
}

func ariaSort(f roster.UserFilter, key string) string {
	if f.Sort != key {
		return "none"
	}
	if f.Desc {
		return "descending"
	}
	return "ascending"
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func hasID(ids []int64, n int64) bool {
	for _, x := range ids {
		if x == n {
			return true
		}
	}
	return false
}

func pathText(t *roster.GroupTree, gid int64) string {
	return strings.Join(t.PathNames(gid), " › ")
}

// scopeNames names the tops of a group administrator's tree: the groups
// they administer, as paths.
func scopeNames(t *roster.GroupTree) string {
	var names []string
	for _, g := range t.Groups {
		if g.ParentID == nil {
			names = append(names, g.Name)
			continue
		}
		if _, ok := t.Get(*g.ParentID); !ok {
			names = append(names, pathText(t, g.ID))
		}
	}
	return strings.Join(names, ", ")
}

// groupOption is how a group reads in a picker: indented by depth.
func groupOption(g roster.Group) string {
	if g.Depth() == 0 {
		return g.Name
	}
	return strings.Repeat("\u00a0\u00a0\u00a0", g.Depth()-1) + "\u00a0" + g.Name
}

type sortOption struct {
	value, sort, label string
	desc               bool
}

// sortOptions are the "Sort by" choices, each a sort key and direction.
var sortOptions = []sortOption{
	{"name", roster.SortName, "sort.name_asc", false},
	{"name:desc", roster.SortName, "sort.name_desc", true},
	{"email", roster.SortEmail, "sort.email_asc", false},
	{"added:desc", roster.SortAdded, "sort.added_desc", true},
	{"added", roster.SortAdded, "sort.added_asc", false},
	{"signin:desc", roster.SortSignIn, "sort.signin_desc", true},
	{"signin", roster.SortSignIn, "sort.signin_asc", false},
}

func pageSummary(ctx context.Context, n int) string { return i18n.T(ctx, "pager.rows", n) }

// pageLink is the address of the page after (next) or before the cursor.
func pageLink(f roster.UserFilter, cursor string, next bool) string {
	if cursor == "" {
		return ""
	}
	f = f.FirstPage()
	if next {
		f.After = cursor
	} else {
		f.Before = cursor
	}
	return peopleURL(f)
}

func invitePageLink(f roster.InvitationFilter, cursor string, next bool) string {
	if cursor == "" {
		return ""
	}
	f = f.FirstPage()
	if next {
		f.After = cursor
	} else {
		f.Before = cursor
	}
	return invitesURL(f)
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

const (
	chartW = 320
	chartH = 150
)

type chartBar struct {
	start                       time.Time
	sent, accepted              int64
	x, sentY, sentH, accY, accH float64
}

type gridLine struct {
	y     float64
	value int64
}

type chart struct {
	bars           []chartBar
	gridLines      []gridLine
	barW           float64
	left           float64 // the plot's left edge, right of the grid's labels
	sent, accepted int64
}

// newChart lays out the weekly bars: pairs of bars on a rounded scale with
// three grid lines.
func newChart(weeks []roster.WeekStat) chart {
	const top, bottom = 6.0, 16.0
	plotH := float64(chartH) - top - bottom
	var c chart
	var peak int64 = 1
	for _, w := range weeks {
		peak = max(peak, w.Sent, w.Accepted)
		c.sent += w.Sent
		c.accepted += w.Accepted
	}
	step := niceStep(peak)
	scaleMax := step * 3
	// The labels end 8 units left of the plot: room for the widest, the
	// top one, its digits and group separators at about 6 units each in
	// the axis's 10px type ("15,000" needs 36; a fixed 20 cut it to "000").
	digits := len(strconv.FormatInt(scaleMax, 10))
	left := max(28, float64(digits+(digits-1)/3)*6+8)
	c.left = left
	for i := int64(0); i <= 3; i++ {
		c.gridLines = append(c.gridLines, gridLine{top + plotH - plotH*float64(i*step)/float64(scaleMax), i * step})
	}
	if len(weeks) == 0 {
		return c
	}
	slot := (float64(chartW) - left) / float64(len(weeks))
	c.barW = slot * 0.36
	for i, w := range weeks {
		x := left + slot*float64(i) + slot*0.14
		sh := plotH * float64(w.Sent) / float64(scaleMax)
		ah := plotH * float64(w.Accepted) / float64(scaleMax)
		c.bars = append(c.bars, chartBar{
			start: w.Start, sent: w.Sent, accepted: w.Accepted, x: x,
			sentY: top + plotH - sh, sentH: sh, accY: top + plotH - ah, accH: ah,
		})
	}
	return c
}

// niceStep picks a grid step (1, 2, 5 × 10ⁿ) so three steps cover peak.
func niceStep(peak int64) int64 {
	for base := int64(1); ; base *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if base*m*3 >= peak {
				return base * m
			}
		}
	}
}

// linkValidityText reads a link validity in hours as people say it.
func linkValidityText(ctx context.Context, hours int) string {
	if hours%24 != 0 {
		return i18n.T(ctx, "audit.hours", hours)
	}
	return i18n.T(ctx, "audit.days", hours/24)
}

type textPart struct {
	text string
	url  bool
}

var urlRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// linkify cuts text into plain parts and http(s) links.
func linkify(s string) []textPart {
	var parts []textPart
	last := 0
	for _, m := range urlRE.FindAllStringIndex(s, -1) {
		if m[0] > last {
			parts = append(parts, textPart{text: s[last:m[0]]})
		}
		parts = append(parts, textPart{text: s[m[0]:m[1]], url: true})
		last = m[1]
	}
	if last < len(s) {
		parts = append(parts, textPart{text: s[last:]})
	}
	return parts
}

func joinedStatus(ctx context.Context, status string) string {
	switch status {
	case "pending":
		return i18n.T(ctx, "joined.status_pending")
	case "approved":
		return i18n.T(ctx, "joined.status_approved")
	default:
		return i18n.T(ctx, "joined.status_denied")
	}
}

// rowHasActions reports whether an Invitations row has anything to do:
// accepted and revoked email invitations have not.
func rowHasActions(v roster.Invitation, status string) bool {
	if v.JoinRequestID != 0 || v.Kind == roster.KindLink {
		return true
	}
	return status == roster.InvitePending || status == roster.InviteExpiringSoon || status == roster.InviteExpired
}

// exportQuery is the People view's query for its CSV export (all pages).
func exportQuery(f roster.UserFilter) string {
	v := f.FirstPage().Values()
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// withChoice adds the account's own default to a list of choices when it
// is not one of them, in order, so the default is always the selection.
func withChoice(choices []int, def int) []int {
	if def <= 0 || slices.Contains(choices, def) {
		return choices
	}
	out := append(slices.Clone(choices), def)
	slices.Sort(out)
	return out
}

// inviteExportQuery is the Invitations view's query for its CSV export.
func inviteExportQuery(f roster.InvitationFilter) string {
	v := f.FirstPage().Values()
	v.Del("tab")
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// groupOptions caches the <option>s of every group of a tree (the bulk
// bar's group picker, 500 of them in a large account, in every People
// results fragment). Trees are shared and never changed once built (see
// GroupStore.GroupTree), so a tree's options are made once.
var groupOptions struct {
	sync.Mutex
	html map[*roster.GroupTree]string
}

// groupOptionsHTML is the <option> of each group of t, in tree order,
// none selected.
func groupOptionsHTML(t *roster.GroupTree) string {
	groupOptions.Lock()
	defer groupOptions.Unlock()
	if s, ok := groupOptions.html[t]; ok {
		return s
	}
	var b strings.Builder
	for _, g := range t.Groups {
		b.WriteString(`<option value="`)
		b.WriteString(id(g.ID))
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(groupOption(g)))
		b.WriteString("</option>")
	}
	if groupOptions.html == nil || len(groupOptions.html) >= 64 {
		groupOptions.html = map[*roster.GroupTree]string{}
	}
	groupOptions.html[t] = b.String()
	return b.String()
}

// groupOptionsSelected is groupOptionsHTML with the option of the group
// selected marked (none for 0). The hub's two group filters list every
// group: written by templ, their options were a fifth of a whole hub
// page's rendering.
func groupOptionsSelected(t *roster.GroupTree, selected int64) string {
	s := groupOptionsHTML(t)
	if selected == 0 {
		return s
	}
	opt := `<option value="` + id(selected) + `">`
	return strings.Replace(s, opt, opt[:len(opt)-1]+" selected>", 1)
}

// inviterOptionsHTML is the <option> of each inviter (up to 500 of them,
// in both filters of the hub), the one selected marked.
func inviterOptionsHTML(users []roster.User, selected int64) string {
	b := make([]byte, 0, len(users)*48)
	for i := range users {
		b = append(b, `<option value="`...)
		b = strconv.AppendInt(b, users[i].ID, 10)
		if users[i].ID == selected {
			b = append(b, `" selected>`...)
		} else {
			b = append(b, `">`...)
		}
		b = appendEscaped(b, users[i].Name)
		b = append(b, "</option>"...)
	}
	return string(b)
}
