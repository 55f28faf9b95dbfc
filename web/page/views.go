// Package page holds one templ file per screen; every fragment a handler
// may render alone is its own component.
package page

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/component"
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

// rowName names an Invitations row for screen readers.
func rowName(ctx context.Context, v roster.Invitation) string {
	if v.Kind == roster.KindLink && v.JoinRequestID == 0 {
		return i18n.T(ctx, "inv.link_label", v.Label)
	}
	return v.Email
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

// menuID names the actions menu of an Invitations row.
func menuID(v roster.Invitation) string {
	if v.JoinRequestID != 0 {
		return "menu-jr-" + id(v.JoinRequestID)
	}
	return "menu-" + id(v.ID)
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

// rowText writes the People rows. The markup of each role chip and group
// path is escaped once per group tree and language rather than once per
// row: a People page names a few hundred (role, group) pairs, much the
// same from one request to the next, and escaping them was most of a
// page's rendering time.
type rowText struct {
	l     *i18n.Localizer
	tree  *roster.GroupTree
	lang  string
	roles map[int64]roleText
	m     *treeMarkup
	// What every row says alike, escaped once: the checkbox's label
	// around the person's name (selectWhole is false when the message does
	// not put the name in one place), the chips' list label, the badges
	// and the muted "no group" and "never".
	selectPre, selectPost  string
	selectWhole            bool
	rolesLabel             string
	active, deactivated    string
	noGroup, neverSignedIn string
}

type roleText struct {
	name  string
	admin bool
}

// treeMarkup is the markup of one group tree's paths and chips. A tree is
// never changed once built (see GroupStore.GroupTree): a renamed group
// or a moved one comes with a new tree, and so with new markup.
type treeMarkup struct {
	mu    sync.RWMutex
	paths map[int64]string
	chips map[chipKey]string
}

// chipKey names a chip: the language of its label, the role (by its name
// in that language) and the group it is held in.
type chipKey struct {
	lang  string
	role  roleText
	group int64
}

// markups holds the markup of the trees in use (a few per account; the
// map starts again when it has 64, as groupOptions does).
var markups struct {
	sync.Mutex
	trees map[*roster.GroupTree]*treeMarkup
}

// maxChips bounds one tree's chips (roles renamed again and again would
// otherwise add to them forever).
const maxChips = 50000

func newRowText(ctx context.Context, h Hub) *rowText {
	l := i18n.From(ctx)
	t := &rowText{l: l, tree: h.Tree, lang: l.Lang(), roles: make(map[int64]roleText, len(h.Roles)),
		rolesLabel:    html.EscapeString(l.T("col.roles")),
		active:        markup(ctx, component.UserStatus(roster.StatusActive)),
		deactivated:   markup(ctx, component.UserStatus(roster.StatusDeactivated)),
		noGroup:       `<span class="muted">` + html.EscapeString(l.T("people.no_group")) + `</span>`,
		neverSignedIn: `<span class="muted">` + html.EscapeString(l.T("people.never")) + `</span>`,
	}
	if pre, post, ok := strings.Cut(l.T("bulk.select", "\x00"), "\x00"); ok && !strings.Contains(post, "\x00") {
		t.selectPre, t.selectPost, t.selectWhole = html.EscapeString(pre), html.EscapeString(post), true
	}
	for _, r := range h.Roles {
		t.roles[r.ID] = roleText{name: component.RoleName(ctx, r), admin: r.Key == roster.RoleAdministrator}
	}
	markups.Lock()
	defer markups.Unlock()
	if t.m = markups.trees[h.Tree]; t.m == nil {
		if markups.trees == nil || len(markups.trees) >= 64 {
			markups.trees = map[*roster.GroupTree]*treeMarkup{}
		}
		t.m = &treeMarkup{paths: map[int64]string{}, chips: map[chipKey]string{}}
		markups.trees[h.Tree] = t.m
	}
	return t
}

// chipHTML is the list item of a role chip held in a group, escaped (""
// for a role not in the catalogue).
func (t *rowText) chipHTML(roleID, groupID int64) string {
	r, ok := t.roles[roleID]
	if !ok {
		return ""
	}
	k := chipKey{lang: t.lang, role: r, group: groupID}
	t.m.mu.RLock()
	s, ok := t.m.chips[k]
	t.m.mu.RUnlock()
	if ok {
		return s
	}
	class := "chip"
	if r.admin {
		class = "chip chip-admin"
	}
	label := html.EscapeString(t.l.T("chip.in_group", r.name, strings.Join(t.tree.PathNames(groupID), " › ")))
	// The group shows on hover and on focus from the label (app.css):
	// a title said it a second time in every chip, and only on hover.
	s = `<li><span class="` + class + `" tabindex="0" aria-label="` + label + `">` + html.EscapeString(r.name) + `</span></li>`
	t.m.mu.Lock()
	if len(t.m.chips) >= maxChips {
		clear(t.m.chips)
	}
	t.m.chips[k] = s
	t.m.mu.Unlock()
	return s
}

// rows writes the People table's rows. They are written here rather than
// in users.templ: a page has 50 of them, and templ's work for each of
// their 20 expressions (an interface, an escape, often an allocation)
// was most of the time a People page took to render. What they say is
// escaped as templ escapes it (html.EscapeString's five characters).
func (t *rowText) rows(now time.Time, users []roster.User) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		bp := rowBuffers.Get().(*[]byte)
		b := (*bp)[:0]
		for i := range users {
			b = t.appendRow(b, now, &users[i])
		}
		_, err := w.Write(b)
		if cap(b) <= 1<<20 {
			*bp = b
			rowBuffers.Put(bp)
		}
		return err
	})
}

// rowBuffers hold the rows of a page while they are written.
var rowBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 128<<10); return &b }}

// appendRow appends the row of u.
func (t *rowText) appendRow(b []byte, now time.Time, u *roster.User) []byte {
	b = append(b, `<tr data-user-id="`...)
	b = strconv.AppendInt(b, u.ID, 10)
	b = append(b, `"><td class="select-col"><input type="checkbox" name="id" value="`...)
	b = strconv.AppendInt(b, u.ID, 10)
	b = append(b, `" form="bulk-people" aria-label="`...)
	if t.selectWhole {
		b = append(b, t.selectPre...)
		b = appendEscaped(b, u.Name)
		b = append(b, t.selectPost...)
	} else {
		b = appendEscaped(b, t.l.T("bulk.select", u.Name))
	}
	b = append(b, `"></td><td><div class="person"><div><a class="person-name" href="/users/`...)
	b = strconv.AppendInt(b, u.ID, 10)
	b = append(b, `" hx-get="/users/`...)
	b = strconv.AppendInt(b, u.ID, 10)
	b = append(b, `" hx-target="#dialog">`...)
	b = appendEscaped(b, u.Name)
	b = append(b, `</a><div class="person-email">`...)
	b = appendEscaped(b, u.Email)
	b = append(b, `</div></div></div></td><td>`...)
	if u.Status == roster.StatusActive {
		b = append(b, t.active...)
	} else {
		b = append(b, t.deactivated...)
	}
	b = append(b, `</td><td><ul class="chips" aria-label="`...)
	b = append(b, t.rolesLabel...)
	b = append(b, `">`...)
	for _, m := range u.Memberships {
		for _, rid := range m.RoleIDs {
			b = append(b, t.chipHTML(rid, m.GroupID)...)
		}
	}
	b = append(b, `</ul></td><td>`...)
	if len(u.Memberships) == 0 {
		b = append(b, t.noGroup...)
	} else {
		b = append(b, `<ul class="paths">`...)
		for _, m := range u.Memberships {
			b = append(b, t.pathHTML(m.GroupID)...)
		}
		b = append(b, `</ul>`...)
	}
	b = append(b, `</td><td class="nowrap">`...)
	if u.LastSignInAt == nil {
		b = append(b, t.neverSignedIn...)
	} else {
		b = append(b, `<time datetime="`...)
		b = u.LastSignInAt.UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
		b = append(b, `" title="`...)
		b = appendEscapedBytes(b, func(b []byte) []byte { return t.l.AppendDateTime(b, *u.LastSignInAt) })
		b = append(b, `">`...)
		b = appendEscaped(b, t.l.Relative(*u.LastSignInAt, now))
		b = append(b, `</time>`...)
	}
	b = append(b, `</td><td class="nowrap"><time datetime="`...)
	b = u.CreatedAt.UTC().AppendFormat(b, "2006-01-02")
	b = append(b, `">`...)
	b = appendEscapedBytes(b, func(b []byte) []byte { return t.l.AppendDate(b, u.CreatedAt) })
	b = append(b, `</time></td><td>`...)
	if u.InvitedByName != "" {
		b = appendEscaped(b, u.InvitedByName)
	} else {
		b = append(b, `<span class="muted">—</span>`...)
	}
	return append(b, `</td></tr>`...)
}

// markup is what c renders ("" if the request is gone).
func markup(ctx context.Context, c templ.Component) string {
	s, _ := templ.ToGoHTML(ctx, c)
	return string(s)
}

// appendEscaped appends s escaped as html.EscapeString escapes it.
func appendEscaped(b []byte, s string) []byte {
	for {
		i := strings.IndexAny(s, `<>&'"`)
		if i < 0 {
			return append(b, s...)
		}
		b = append(b, s[:i]...)
		switch s[i] {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '\'':
			b = append(b, "&#39;"...)
		default:
			b = append(b, "&#34;"...)
		}
		s = s[i+1:]
	}
}

// appendEscapedBytes appends what add appends, escaped (dates are
// written straight into b, and escaped in place in the rare case they
// need it).
func appendEscapedBytes(b []byte, add func([]byte) []byte) []byte {
	n := len(b)
	b = add(b)
	if !bytes.ContainsAny(b[n:], `<>&'"`) {
		return b
	}
	s := string(b[n:])
	return appendEscaped(b[:n], s)
}

// pathHTML is the list item naming a group's path from the top, escaped.
func (t *rowText) pathHTML(groupID int64) string {
	t.m.mu.RLock()
	s, ok := t.m.paths[groupID]
	t.m.mu.RUnlock()
	if ok {
		return s
	}
	var b strings.Builder
	b.WriteString("<li>")
	for i, n := range t.tree.PathNames(groupID) {
		if i > 0 {
			b.WriteString(`<span class="sep" aria-hidden="true">›</span>`)
		}
		b.WriteString(" ")
		b.WriteString(html.EscapeString(n))
	}
	b.WriteString("</li>")
	s = b.String()
	t.m.mu.Lock()
	t.m.paths[groupID] = s
	t.m.mu.Unlock()
	return s
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
