package page

import (
	"bytes"
	"context"
	"html"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/component"
)

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
	// around the person's name, the chips' list label, the badges and the
	// muted "no group" and "never".
	selectLabel            cutMessage
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
	mu        sync.RWMutex
	paths     map[int64]string // People rows' paths, separators marked up
	textPaths map[int64]string // Invitations rows' paths, as text
	chips     map[chipKey]string
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
		selectLabel:   cut(l, "bulk.select"),
		rolesLabel:    html.EscapeString(l.T("col.roles")),
		active:        markup(ctx, component.UserStatus(roster.StatusActive)),
		deactivated:   markup(ctx, component.UserStatus(roster.StatusDeactivated)),
		noGroup:       `<span class="muted">` + html.EscapeString(l.T("people.no_group")) + `</span>`,
		neverSignedIn: `<span class="muted">` + html.EscapeString(l.T("people.never")) + `</span>`,
	}
	for _, r := range h.Roles {
		t.roles[r.ID] = roleText{name: component.RoleName(ctx, r), admin: r.Key == roster.RoleAdministrator}
	}
	t.m = treeMarkupOf(h.Tree)
	return t
}

// treeMarkupOf is the markup of tree's paths and chips made so far.
func treeMarkupOf(tree *roster.GroupTree) *treeMarkup {
	markups.Lock()
	defer markups.Unlock()
	m := markups.trees[tree]
	if m == nil {
		if markups.trees == nil || len(markups.trees) >= 64 {
			markups.trees = map[*roster.GroupTree]*treeMarkup{}
		}
		m = &treeMarkup{paths: map[int64]string{}, textPaths: map[int64]string{}, chips: map[chipKey]string{}}
		markups.trees[tree] = m
	}
	return m
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
	return pooledRows(func(b []byte) []byte {
		for i := range users {
			b = t.appendRow(b, now, &users[i])
		}
		return b
	})
}

// pooledRows is a component that writes what add appends, built in one
// of rowBuffers.
func pooledRows(add func([]byte) []byte) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		bp := rowBuffers.Get().(*[]byte)
		b := add((*bp)[:0])
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
	b = t.selectLabel.append(b, t.l, u.Name)
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
	return t.m.path(t.m.paths, t.tree, groupID, func(tree *roster.GroupTree, groupID int64) string {
		var b strings.Builder
		b.WriteString("<li>")
		for i, n := range tree.PathNames(groupID) {
			if i > 0 {
				b.WriteString(`<span class="sep" aria-hidden="true">›</span>`)
			}
			b.WriteString(" ")
			b.WriteString(html.EscapeString(n))
		}
		b.WriteString("</li>")
		return b.String()
	})
}

// path is the markup of a group's path that paths (one of m's maps)
// holds, made by mk the first time.
func (m *treeMarkup) path(paths map[int64]string, tree *roster.GroupTree, groupID int64, mk func(*roster.GroupTree, int64) string) string {
	m.mu.RLock()
	s, ok := paths[groupID]
	m.mu.RUnlock()
	if ok {
		return s
	}
	s = mk(tree, groupID)
	m.mu.Lock()
	paths[groupID] = s
	m.mu.Unlock()
	return s
}

// inviteText writes the Invitations rows, as rowText writes the People
// rows and for the same reason: a pending invitation's row has a menu of
// four actions, each a form that says where to return, and templ's work
// for those 40-odd expressions a row was more than half of the server's
// time on an Invitations page.
type inviteText struct {
	l      *i18n.Localizer
	tree   *roster.GroupTree
	m      *treeMarkup
	now    time.Time
	soon   time.Duration
	ret    string           // the view's address, escaped
	chips  map[int64]string // a role's chip, escaped
	badges map[string]string
	// What every row says alike, escaped once: the checkbox's and the
	// menu button's labels around the row's name, the button's text, the
	// actions and the delivery notes.
	selectLabel, menuLabel                   cutMessage
	menu, queued, sent                       string
	resend, copyLink, extend, revoke, remove string
	joined, regenerate, deactivate           string
	approve, deny                            string
}

func newInviteText(ctx context.Context, h Hub) *inviteText {
	l := i18n.From(ctx)
	t := &inviteText{l: l, tree: h.Tree, m: treeMarkupOf(h.Tree), now: h.Now, soon: h.Soon,
		ret:   html.EscapeString(invitesURL(h.Invites)),
		chips: make(map[int64]string, len(h.Roles)), badges: map[string]string{},
	}
	t.selectLabel, t.menuLabel = cut(l, "bulk.select"), cut(l, "action.menu_for")
	for p, key := range map[*string]string{&t.menu: "action.menu", &t.queued: "delivery.queued_long", &t.sent: "delivery.sent_long",
		&t.resend: "action.resend", &t.copyLink: "action.copy_link", &t.extend: "action.extend", &t.revoke: "action.revoke",
		&t.remove: "action.remove", &t.joined: "action.joined", &t.regenerate: "action.regenerate",
		&t.deactivate: "action.deactivate", &t.approve: "action.approve_edit", &t.deny: "action.deny"} {
		*p = html.EscapeString(l.T(key))
	}
	for _, r := range h.Roles {
		t.chips[r.ID] = `<li><span class="chip">` + html.EscapeString(component.RoleName(ctx, r)) + `</span></li>`
	}
	for _, s := range roster.InvitationStatuses {
		t.badges[s] = markup(ctx, component.InvitationStatus(s))
	}
	return t
}

// cutMessage is a one-argument message cut around its argument, each
// side escaped, so that rows put their own argument between.
type cutMessage struct {
	key, pre, post string
	ok             bool // false when the message does not put its argument in one place
}

func cut(l *i18n.Localizer, key string) cutMessage {
	pre, post, ok := strings.Cut(l.T(key, "\x00"), "\x00")
	if !ok || strings.Contains(post, "\x00") {
		return cutMessage{key: key}
	}
	return cutMessage{key: key, pre: html.EscapeString(pre), post: html.EscapeString(post), ok: true}
}

// append appends the message with arg, escaped.
func (c cutMessage) append(b []byte, l *i18n.Localizer, arg string) []byte {
	if !c.ok {
		return appendEscaped(b, l.T(c.key, arg))
	}
	b = append(b, c.pre...)
	b = appendEscaped(b, arg)
	return append(b, c.post...)
}

// rows writes the Invitations table's rows.
func (t *inviteText) rows(invs []roster.Invitation) templ.Component {
	return pooledRows(func(b []byte) []byte {
		for i := range invs {
			b = t.appendRow(b, &invs[i])
		}
		return b
	})
}

// appendRow appends the row of v.
func (t *inviteText) appendRow(b []byte, v *roster.Invitation) []byte {
	status := v.DisplayStatus(t.now, t.soon)
	name := v.Email
	if v.Kind == roster.KindLink && v.JoinRequestID == 0 {
		name = t.l.T("inv.link_label", v.Label)
	}
	b = append(b, `<tr data-invitation-id="`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `" data-status="`...)
	b = appendEscaped(b, status)
	b = append(b, `"><td class="select-col">`...)
	if v.JoinRequestID == 0 {
		b = append(b, `<input type="checkbox" name="id" value="`...)
		b = strconv.AppendInt(b, v.ID, 10)
		b = append(b, `" form="bulk-invitations" aria-label="`...)
		b = t.selectLabel.append(b, t.l, name)
		b = append(b, `">`...)
	}
	b = append(b, `</td><td><div class="person-name">`...)
	b = appendEscaped(b, name)
	b = append(b, `</div>`...)
	if v.JoinRequestID != 0 {
		b = append(b, `<div class="person-email">`...)
		b = appendEscaped(b, t.l.T("inv.via_link", v.Label))
		b = append(b, `</div>`...)
	}
	b = append(b, `</td><td>`...)
	b = append(b, t.badges[status]...)
	switch {
	case v.Kind == roster.KindLink || v.JoinRequestID != 0 || v.Status != roster.InvitePending:
	case v.Delivery == "failed":
		b = append(b, `<div class="delivery delivery-failed">`...)
		b = appendEscaped(b, t.l.T("delivery.failed_reason", v.DeliveryError))
		b = append(b, `</div>`...)
	case v.Delivery == "queued":
		b = append(b, `<div class="delivery">`...)
		b = append(b, t.queued...)
		b = append(b, `</div>`...)
	default:
		b = append(b, `<div class="delivery">`...)
		b = append(b, t.sent...)
		b = append(b, `</div>`...)
	}
	b = append(b, `</td><td><ul class="paths">`...)
	for _, gid := range v.GroupIDs {
		b = append(b, t.pathHTML(gid)...)
	}
	b = append(b, `</ul></td><td><ul class="chips">`...)
	for _, rid := range v.RoleIDs {
		b = append(b, t.chips[rid]...)
	}
	b = append(b, `</ul></td><td>`...)
	b = appendEscaped(b, v.InvitedByName)
	b = append(b, `</td><td class="nowrap"><time datetime="`...)
	b = v.CreatedAt.UTC().AppendFormat(b, "2006-01-02")
	b = append(b, `">`...)
	b = appendEscapedBytes(b, func(b []byte) []byte { return t.l.AppendDate(b, v.CreatedAt) })
	b = append(b, `</time></td><td class="nowrap">`...)
	if v.Status == roster.InvitePending || v.Status == roster.InviteExpired {
		b = append(b, `<time datetime="`...)
		b = v.ExpiresAt.UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
		b = append(b, `">`...)
		b = appendEscaped(b, t.l.Relative(v.ExpiresAt, t.now))
		b = append(b, `</time><div class="person-email">`...)
		b = appendEscapedBytes(b, func(b []byte) []byte { return t.l.AppendDate(b, v.ExpiresAt) })
		b = append(b, `</div>`...)
	} else {
		b = append(b, `<span class="muted">—</span>`...)
	}
	b = append(b, `</td><td class="nowrap">`...)
	if v.Kind == roster.KindLink {
		b = appendEscaped(b, t.l.T("inv.uses", v.UseCount, v.MaxUses))
	} else {
		b = append(b, `<span class="muted">—</span>`...)
	}
	b = append(b, `</td><td class="actions-col">`...)
	if rowHasActions(*v, status) {
		b = t.appendActions(b, v, status, name)
	}
	return append(b, `</td></tr>`...)
}

// appendActions appends the actions menu of a row.
func (t *inviteText) appendActions(b []byte, v *roster.Invitation, status, name string) []byte {
	open := status == roster.InvitePending || status == roster.InviteExpiringSoon
	b = append(b, `<button class="btn btn-small" type="button" popovertarget="`...)
	b = t.appendMenuID(b, v)
	b = append(b, `" aria-label="`...)
	b = t.menuLabel.append(b, t.l, name)
	b = append(b, `">`...)
	b = append(b, t.menu...)
	b = append(b, `</button><div id="`...)
	b = t.appendMenuID(b, v)
	b = append(b, `" popover class="menu">`...)
	switch {
	case v.JoinRequestID != 0:
		b = appendMenuLink(b, "/join-requests/", v.JoinRequestID, "/approve", t.approve)
		b = t.appendMenuForm(b, "/join-requests/", v.JoinRequestID, "/deny", t.deny, true)
	case v.Kind == roster.KindLink:
		if open {
			b = appendMenuLink(b, "/invitations/", v.ID, "/link", t.copyLink)
		}
		b = appendMenuLink(b, "/invitations/", v.ID, "/joined", t.joined)
		if open || status == roster.InviteExpired {
			b = t.appendMenuForm(b, "/invitations/", v.ID, "/extend", t.extend, false)
		}
		if open {
			b = t.appendMenuForm(b, "/invitations/", v.ID, "/regenerate", t.regenerate, false)
			b = t.appendMenuForm(b, "/invitations/", v.ID, "/revoke", t.deactivate, true)
		}
	default:
		if open || status == roster.InviteExpired {
			b = t.appendMenuForm(b, "/invitations/", v.ID, "/resend", t.resend, false)
		}
		if open {
			b = appendMenuLink(b, "/invitations/", v.ID, "/link", t.copyLink)
			b = t.appendMenuForm(b, "/invitations/", v.ID, "/extend", t.extend, false)
			b = t.appendMenuForm(b, "/invitations/", v.ID, "/revoke", t.revoke, true)
		}
		if status == roster.InviteExpired {
			b = t.appendMenuForm(b, "/invitations/", v.ID, "/remove", t.remove, true)
		}
	}
	return append(b, `</div>`...)
}

// appendMenuID appends the id of a row's menu.
func (t *inviteText) appendMenuID(b []byte, v *roster.Invitation) []byte {
	if v.JoinRequestID != 0 {
		return strconv.AppendInt(append(b, "menu-jr-"...), v.JoinRequestID, 10)
	}
	return strconv.AppendInt(append(b, "menu-"...), v.ID, 10)
}

// appendMenuLink appends a menu item that opens a dialog: prefix, id and
// suffix make its address; label is escaped.
func appendMenuLink(b []byte, prefix string, id int64, suffix, label string) []byte {
	b = append(b, `<a class="menu-item" href="`...)
	b = appendPath(b, prefix, id, suffix)
	b = append(b, `" hx-get="`...)
	b = appendPath(b, prefix, id, suffix)
	b = append(b, `" hx-target="#dialog">`...)
	b = append(b, label...)
	return append(b, `</a>`...)
}

// appendMenuForm appends a menu item that posts and refreshes the table,
// then returns to the view.
func (t *inviteText) appendMenuForm(b []byte, prefix string, id int64, suffix, label string, danger bool) []byte {
	b = append(b, `<form method="post" action="`...)
	b = appendPath(b, prefix, id, suffix)
	b = append(b, `" hx-post="`...)
	b = appendPath(b, prefix, id, suffix)
	b = append(b, `" hx-target="#invites-results"><input type="hidden" name="return" value="`...)
	b = append(b, t.ret...)
	if danger {
		b = append(b, `"><button class="menu-item danger" type="submit">`...)
	} else {
		b = append(b, `"><button class="menu-item" type="submit">`...)
	}
	b = append(b, label...)
	return append(b, `</button></form>`...)
}

func appendPath(b []byte, prefix string, id int64, suffix string) []byte {
	b = append(b, prefix...)
	b = strconv.AppendInt(b, id, 10)
	return append(b, suffix...)
}

// pathHTML is the list item naming a group's path from the top as text,
// escaped (the People rows mark the separators up; see rowText.pathHTML).
func (t *inviteText) pathHTML(groupID int64) string {
	return t.m.path(t.m.textPaths, t.tree, groupID, func(tree *roster.GroupTree, groupID int64) string {
		return "<li>" + html.EscapeString(pathText(tree, groupID)) + "</li>"
	})
}
