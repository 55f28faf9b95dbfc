package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/component"
	"github.com/roster-hub/roster/web/page"
)

// maxFormBytes bounds an "Add users" submit (500 addresses fit easily).
const maxFormBytes = 256 << 10

// baseURL is the site's public address for links shown to administrators.
func (s *Server) baseURL(r *http.Request) string {
	if s.BaseURL != "" {
		return strings.TrimRight(s.BaseURL, "/")
	}
	scheme := "http"
	if s.secureRequest(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func formIDs(r *http.Request, name string) []int64 {
	var ids []int64
	for _, v := range r.Form[name] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func (s *Server) addUsersView(r *http.Request, tab string) (page.AddUsers, error) {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	v := page.AddUsers{
		Shell: shell(a, acc, i18n.T(ctx, "add.title"), "users"), Tab: page.AddByEmail,
		ValidityDays: acc.Settings.InviteValidityDays, DefaultValidity: acc.Settings.InviteValidityDays,
		LinkValidity: acc.Settings.LinkValidityHours, MaxUses: acc.Settings.LinkMaxUses, Approval: true,
		DefaultMaxUses: acc.Settings.LinkMaxUses, Problems: map[string]string{}, Locale: acc.Settings.DefaultLocale,
	}
	if tab == page.AddByLink {
		v.Tab = page.AddByLink
	}
	var err error
	if v.Tree, err = s.managedTree(ctx); err != nil {
		return v, err
	}
	if a.Scope() != nil && len(v.Tree.Groups) == 1 {
		v.GroupIDs = []int64{v.Tree.Groups[0].ID} // the one group they manage
	}
	v.Roles, err = s.roles(ctx)
	return v, err
}

// inviteGroupsProblem checks the groups an invitation will carry against
// what the actor manages (a group gone meanwhile, or not theirs, is named
// as a problem and the form kept), and a group administrator must pick one
// (an invitation to no group would belong to the whole account).
func inviteGroupsProblem(a *roster.Actor, managed *roster.GroupTree, groupIDs []int64) string {
	if checkGroups(managed, groupIDs...) != nil {
		return "invite.unknown_group"
	}
	if a.Scope() != nil && len(groupIDs) == 0 {
		return "scope.choose_group"
	}
	return ""
}

// renderAddUsers renders the dialog, its body, or the page of its own.
func renderAddUsers(w http.ResponseWriter, r *http.Request, status int, v page.AddUsers, extra ...templ.Component) error {
	var c templ.Component
	switch hxTarget(r) {
	case "dialog":
		c = page.AddUsersDialog(v)
	case "dialog-body":
		c = page.AddUsersBody(v)
	default:
		return render(w, r, status, page.AddUsersPage(v))
	}
	return render(w, r, status, join(append([]templ.Component{c}, extra...)...))
}

// join renders components one after the other (a fragment and its
// out-of-band swaps).
func join(cs ...templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		for _, c := range cs {
			if err := c.Render(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Server) handleAddUsers(w http.ResponseWriter, r *http.Request) error {
	v, err := s.addUsersView(r, r.URL.Query().Get("tab"))
	if err != nil {
		return err
	}
	return renderAddUsers(w, r, http.StatusOK, v)
}

// checkAddresses parses the address field for the as-you-type check.
func checkAddresses(text string) ([]roster.Address, page.AddressCheck) {
	good, bad := roster.ParseAddressList(text)
	c := page.AddressCheck{Valid: len(good), Invalid: bad, TooMany: len(good) > roster.MaxAddresses}
	return good, c
}

func (s *Server) handleCheckAddresses(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	_, c := checkAddresses(r.PostFormValue("emails"))
	return render(w, r, http.StatusOK, page.AddressCheckView(c))
}

// handleInviteByEmail invites every valid address of the submit and shows
// what happened to each; the hub underneath is updated out of band.
func (s *Server) handleInviteByEmail(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return roster.Errorf(roster.EINVALID, "form too large")
	}
	v, err := s.addUsersView(r, page.AddByEmail)
	if err != nil {
		return err
	}
	v.Emails, v.Message = r.PostFormValue("emails"), strings.TrimSpace(r.PostFormValue("message"))
	v.GroupIDs, v.RoleIDs = formIDs(r, "group"), formIDs(r, "role")
	if d, err := strconv.Atoi(r.PostFormValue("validity")); err == nil && d >= 1 && d <= 180 {
		v.ValidityDays = d
	}
	formLocale(r, &v)
	good, check := checkAddresses(v.Emails)
	v.Check = check
	switch {
	case len(good) == 0 && len(check.Invalid) == 0:
		v.Problems["emails"] = "add.problem_none"
	case len(good) == 0:
		v.Problems["emails"] = "add.problem_none_valid"
	case check.TooMany:
		v.Problems["emails"] = "add.problem_too_many"
	}
	if len(v.RoleIDs) > 0 && len(v.GroupIDs) == 0 {
		v.Problems["roles"] = "add.problem_roles_need_group"
	}
	if p := inviteGroupsProblem(a, v.Tree, v.GroupIDs); p != "" {
		v.Problems["roles"] = p
	}
	if utf8.RuneCountInString(v.Message) > 1000 {
		v.Problems["message"] = "form.max_1000"
	}
	if len(v.Problems) > 0 {
		return renderAddUsers(w, r, http.StatusUnprocessableEntity, v)
	}
	results, err := s.Invitations.CreateEmailInvitations(ctx, acc.ID, a.User.ID, roster.EmailInvites{
		Addresses: good, GroupIDs: v.GroupIDs, RoleIDs: v.RoleIDs, Message: v.Message, ValidityDays: v.ValidityDays, Locale: v.Locale,
	}, s.Now())
	if roster.ErrorCode(err) == roster.EINVALID {
		v.Problems["roles"] = roster.ErrorMessage(err)
		return renderAddUsers(w, r, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	over, invited := 0, 0
	for _, res := range results {
		switch res.Outcome {
		case roster.OutcomeOverLimit:
			over++
		case roster.OutcomeInvited:
			invited++
		}
	}
	for _, b := range check.Invalid {
		results = append(results, roster.InviteResult{Email: b.Input, Outcome: roster.OutcomeInvalid, Reason: b.Reason})
	}
	v.Results, v.Submitted = results, true
	status := http.StatusOK
	if over > 0 {
		// The rest went through; these wait for tomorrow, said plainly.
		v.Alert, v.AlertArgs = "add.over_limit", []any{acc.Settings.InvitesPerAdminPerDay, over}
		if invited == 0 {
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", "3600")
		}
	}
	updates, err := s.hubUpdates(r)
	if err != nil {
		return err
	}
	return renderAddUsers(w, r, status, v, updates)
}

// parseDomains reads "acme.com, @acme.co.uk" into clean domains.
func parseDomains(s string) ([]string, bool) {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		d := strings.TrimSuffix(strings.TrimPrefix(f, "@"), ".")
		if !strings.Contains(d, ".") || strings.ContainsAny(d, "@/ ") || len(d) > 253 {
			return nil, false
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, len(out) <= 50
}

func (s *Server) handleCreateLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return roster.Errorf(roster.EINVALID, "form too large")
	}
	v, err := s.addUsersView(r, page.AddByLink)
	if err != nil {
		return err
	}
	v.Label = strings.TrimSpace(r.PostFormValue("label"))
	v.GroupIDs, v.RoleIDs = formIDs(r, "group"), formIDs(r, "role")
	v.Domains = r.PostFormValue("domains")
	v.Approval = r.PostFormValue("approval") != "0"
	if h, err := strconv.Atoi(r.PostFormValue("validity")); err == nil && h >= 1 && h <= 4320 {
		v.LinkValidity = h
	}
	formLocale(r, &v)
	if v.Label == "" {
		v.Problems["label"] = "link.problem_label"
	} else if utf8.RuneCountInString(v.Label) > 100 {
		v.Problems["label"] = "form.max_100"
	}
	if n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("max_uses"))); err != nil || n < 1 || n > 5000 {
		v.Problems["max_uses"] = "link.problem_max_uses"
	} else {
		v.MaxUses = n
	}
	domains, ok := parseDomains(v.Domains)
	if !ok {
		v.Problems["domains"] = "link.problem_domains"
	}
	if len(v.RoleIDs) > 0 && len(v.GroupIDs) == 0 {
		v.Problems["roles"] = "add.problem_roles_need_group"
	}
	if p := inviteGroupsProblem(a, v.Tree, v.GroupIDs); p != "" {
		v.Problems["roles"] = p
	}
	if len(v.Problems) > 0 {
		return renderAddUsers(w, r, http.StatusUnprocessableEntity, v)
	}
	inv, token, err := s.Invitations.CreateInviteLink(ctx, acc.ID, a.User.ID, roster.LinkInvite{
		Label: v.Label, GroupIDs: v.GroupIDs, RoleIDs: v.RoleIDs, ValidityHours: v.LinkValidity, MaxUses: v.MaxUses,
		AllowedDomains: domains, Approval: v.Approval, Locale: v.Locale,
	}, s.Now())
	if roster.ErrorCode(err) == roster.EINVALID {
		v.Problems["roles"] = roster.ErrorMessage(err)
		return renderAddUsers(w, r, http.StatusUnprocessableEntity, v)
	}
	if roster.ErrorCode(err) == roster.ETOOMANY {
		v.Alert, v.AlertArgs = "add.over_limit_link", []any{acc.Settings.InvitesPerAdminPerDay}
		w.Header().Set("Retry-After", "3600")
		return renderAddUsers(w, r, http.StatusTooManyRequests, v)
	}
	if err != nil {
		return err
	}
	v.LinkURL = s.baseURL(r) + "/join/" + token
	v.LinkExpiresAt = i18n.From(ctx).LongDate(inv.ExpiresAt)
	updates, err := s.hubUpdates(r)
	if err != nil {
		return err
	}
	return renderAddUsers(w, r, http.StatusOK, v, updates)
}

// hubUpdates are the out-of-band swaps that bring the hub underneath up to
// date: cards, tab counts, and the Invitations table in the view the
// browser shows (read from HX-Current-URL).
func (s *Server) hubUpdates(r *http.Request) (templ.Component, error) {
	h, err := s.hubState(r)
	if err != nil {
		return nil, err
	}
	return page.HubUpdates(h), nil
}

func (s *Server) hubState(r *http.Request) (page.Hub, error) {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	now := s.Now()
	h := page.Hub{Shell: shell(a, acc, "", "users"), Now: now, OOB: true,
		Soon: time.Duration(acc.Settings.ExpiringSoonDays) * 24 * time.Hour}
	var err error
	if h.Dashboard, err = s.Users.Dashboard(ctx, acc.ID, a.Scope(), now, h.Soon); err != nil {
		return h, err
	}
	if h.Roles, err = s.roles(ctx); err != nil {
		return h, err
	}
	h.AdminRoleID = adminRoleID(h.Roles)
	cur, _ := url.Parse(r.Header.Get("HX-Current-URL"))
	if cur == nil || cur.Path != "/users" || cur.Query().Get("tab") != page.TabInvitations {
		return h, nil
	}
	h.Tab = page.TabInvitations
	if h.Tree, err = s.managedTree(ctx); err != nil {
		return h, err
	}
	h.Invites, _ = roster.ParseInvitationFilter(cur.Query())
	h.Invites, h.InvitesPage, _, err = s.findInvitations(ctx, acc.ID, h.Invites, now, h.Soon)
	return h, err
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

func (s *Server) handleInvitationLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	inv, token, err := s.invitation(ctx, id)
	if err != nil {
		return err
	}
	if inv.Status != roster.InvitePending {
		return roster.Errorf(roster.ECONFLICT, "error.link_dead")
	}
	v := page.LinkView{Shell: shell(a, acc, i18n.T(ctx, "action.copy_link"), "users"), Invitation: inv, URL: s.inviteURL(r, inv, token)}
	if hxTarget(r) == "dialog" {
		return render(w, r, http.StatusOK, page.LinkDialog(v))
	}
	return render(w, r, http.StatusOK, page.LinkPage(v))
}

// invitation returns an invitation the actor reaches, with its token;
// ENOTFOUND for any other.
func (s *Server) invitation(ctx context.Context, id int64) (roster.Invitation, string, error) {
	a, acc := actorFrom(ctx)
	inv, token, err := s.Invitations.InvitationLink(ctx, acc.ID, id)
	if err != nil {
		return inv, "", err
	}
	managed, err := s.managedTree(ctx)
	if err != nil {
		return inv, "", err
	}
	if !reaches(a, managed, inv.GroupIDs) {
		return roster.Invitation{}, "", errNotFound
	}
	return inv, token, nil
}

func (s *Server) inviteURL(r *http.Request, inv roster.Invitation, token string) string {
	if inv.Kind == roster.KindLink {
		return s.baseURL(r) + "/join/" + token
	}
	return s.baseURL(r) + "/invite/" + token
}

func (s *Server) handleJoinedThrough(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	inv, _, err := s.invitation(ctx, id)
	if err != nil {
		return err
	}
	if inv.Kind != roster.KindLink {
		return errNotFound
	}
	reqs, err := s.Invitations.JoinedThrough(ctx, acc.ID, id)
	if err != nil {
		return err
	}
	v := page.JoinedView{Shell: shell(a, acc, i18n.T(ctx, "joined.title", inv.Label), "users"), Label: inv.Label, Requests: reqs}
	if hxTarget(r) == "dialog" {
		return render(w, r, http.StatusOK, page.JoinedDialog(v))
	}
	return render(w, r, http.StatusOK, page.JoinedPage(v))
}

// afterChange answers a row or bulk action: for htmx the refreshed
// Invitations table (or, from elsewhere, a short note), the hub's cards and
// counts, and a flash message; without JavaScript a redirect back.
func (s *Server) afterChange(w http.ResponseWriter, r *http.Request, message string) error {
	if !isFragment(r) {
		to := safeNext(r.PostFormValue("return"))
		if to == "" {
			to = "/users?tab=invitations"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	h, err := s.hubState(r)
	if err != nil {
		return err
	}
	parts := []templ.Component{}
	if hxTarget(r) == "invites-results" && h.Tab == page.TabInvitations {
		inner := h
		inner.OOB = false
		parts = append(parts, page.InvitationsResults(inner))
		h.Tab = "" // the table is the main swap, not an out-of-band one
	} else {
		parts = append(parts, page.Done(message))
	}
	parts = append(parts, page.HubUpdates(h), component.FlashOK(message))
	return render(w, r, http.StatusOK, join(parts...))
}

func (s *Server) handleInvitationAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	// Another account's id, or one out of a group administrator's reach,
	// is not found, whatever the action.
	if _, _, err := s.invitation(ctx, id); err != nil {
		return err
	}
	now, ids := s.Now(), []int64{id}
	l := i18n.From(ctx)
	var n int
	switch chi.URLParam(r, "action") {
	case "resend":
		n, err = s.Invitations.Resend(ctx, acc.ID, a.User.ID, ids, now)
		return s.afterAction(w, r, n, err, l.T("done.resent", n))
	case "revoke":
		n, err = s.Invitations.Revoke(ctx, acc.ID, a.User.ID, ids, now)
		return s.afterAction(w, r, n, err, l.T("done.revoked", n))
	case "extend":
		n, err = s.Invitations.Extend(ctx, acc.ID, a.User.ID, ids, now)
		return s.afterAction(w, r, n, err, l.T("done.extended", n))
	case "remove":
		n, err = s.Invitations.RemoveExpired(ctx, acc.ID, a.User.ID, ids, now)
		return s.afterAction(w, r, n, err, l.T("done.removed", n))
	case "regenerate":
		token, err := s.Invitations.Regenerate(ctx, acc.ID, a.User.ID, id)
		if err != nil {
			return err
		}
		inv, _, err := s.Invitations.InvitationLink(ctx, acc.ID, id)
		if err != nil {
			return err
		}
		if !isFragment(r) {
			return render(w, r, http.StatusOK, page.LinkPage(page.LinkView{Shell: shell(a, acc, l.T("action.copy_link"), "users"), Invitation: inv, URL: s.inviteURL(r, inv, token)}))
		}
		// Show the new link at once, and refresh the hub underneath.
		h, err := s.hubState(r)
		if err != nil {
			return err
		}
		w.Header().Set("HX-Retarget", "#dialog")
		w.Header().Set("HX-Reswap", "innerHTML")
		return render(w, r, http.StatusOK, join(page.LinkDialog(page.LinkView{Invitation: inv, URL: s.inviteURL(r, inv, token)}),
			page.HubUpdates(h), component.FlashOK(l.T("done.regenerated"))))
	}
	return errNotFound
}

// afterAction reports an action on one row: nothing changed means the row
// was no longer in a state for it (someone else acted first).
func (s *Server) afterAction(w http.ResponseWriter, r *http.Request, n int, err error, message string) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return roster.Errorf(roster.ECONFLICT, "error.changed_meanwhile")
	}
	return s.afterChange(w, r, message)
}

func (s *Server) handleInvitationsBulk(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return roster.Errorf(roster.EINVALID, "form too large")
	}
	ids, now, l := formIDs(r, "id"), s.Now(), i18n.From(ctx)
	if err := s.checkInvitations(ctx, ids); err != nil {
		return err
	}
	if len(ids) == 0 && a.Scope() != nil && r.PostFormValue("action") == "remove_expired" {
		// "Every expired invitation" of a group administrator is every
		// expired one in their reach, not the account's.
		var err error
		if ids, err = s.expiredInReach(ctx); err != nil {
			return err
		}
		if len(ids) == 0 {
			return s.afterChange(w, r, l.T("done.removed", 0))
		}
	}
	var n int
	var err error
	var msg string
	switch r.PostFormValue("action") {
	case "resend":
		n, err = s.Invitations.Resend(ctx, acc.ID, a.User.ID, ids, now)
		msg = l.T("done.resent", n)
	case "revoke":
		n, err = s.Invitations.Revoke(ctx, acc.ID, a.User.ID, ids, now)
		msg = l.T("done.revoked", n)
	case "remove_expired":
		// With nothing selected, every expired invitation goes.
		n, err = s.Invitations.RemoveExpired(ctx, acc.ID, a.User.ID, ids, now)
		msg = l.T("done.removed", n)
	default:
		return roster.Errorf(roster.EINVALID, "unknown action")
	}
	if err != nil {
		return err
	}
	if len(ids) == 0 && r.PostFormValue("action") != "remove_expired" {
		msg = l.T("bulk.none_selected")
	}
	return s.afterChange(w, r, msg)
}

func (s *Server) approveView(r *http.Request) (page.ApproveView, error) {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	v := page.ApproveView{Shell: shell(a, acc, i18n.T(ctx, "approve.title"), "users"), Problems: map[string]string{}}
	id, err := pathID(r, "id")
	if err != nil {
		return v, err
	}
	if v.Request, err = s.Invitations.JoinRequest(ctx, acc.ID, id); err != nil {
		return v, err
	}
	if v.Tree, err = s.managedTree(ctx); err != nil {
		return v, err
	}
	if !reaches(a, v.Tree, v.Request.GroupIDs) {
		return v, errNotFound
	}
	v.Roles, err = s.roles(ctx)
	v.Return = "/users?tab=invitations&istatus=join_request"
	return v, err
}

func (s *Server) handleApprovePage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.approveView(r)
	if err != nil {
		return err
	}
	if v.Request.Status != "pending" {
		return roster.Errorf(roster.ECONFLICT, "error.changed_meanwhile")
	}
	if hxTarget(r) == "dialog" {
		return render(w, r, http.StatusOK, page.ApproveDialog(v))
	}
	return render(w, r, http.StatusOK, page.ApprovePage(v))
}

func (s *Server) handleApprove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	r.ParseForm()
	v, err := s.approveView(r)
	if err != nil {
		return err
	}
	groups, roles := formIDs(r, "group"), formIDs(r, "role")
	p := inviteGroupsProblem(a, v.Tree, groups)
	if len(roles) > 0 && len(groups) == 0 {
		p = "add.problem_roles_need_group"
	}
	if p != "" {
		v.Problems["roles"] = p
		v.Request.GroupIDs, v.Request.RoleIDs = groups, roles
		w.Header().Set("HX-Retarget", "#dialog")
		w.Header().Set("HX-Reswap", "innerHTML")
		return render(w, r, http.StatusUnprocessableEntity, page.ApproveDialog(v))
	}
	u, err := s.Invitations.ApproveJoinRequest(ctx, acc.ID, a.User.ID, v.Request.ID, groups, roles, s.Now())
	if err != nil {
		return err
	}
	w.Header().Set("HX-Trigger", "closeDialog")
	return s.afterChange(w, r, i18n.T(ctx, "done.approved", u.Name))
}

func (s *Server) handleDeny(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	j, err := s.Invitations.JoinRequest(ctx, acc.ID, id)
	if err != nil {
		return err
	}
	managed, err := s.managedTree(ctx)
	if err != nil {
		return err
	}
	if !reaches(a, managed, j.GroupIDs) {
		return errNotFound
	}
	if err := s.Invitations.DenyJoinRequest(ctx, acc.ID, a.User.ID, id, s.Now()); err != nil {
		return err
	}
	return s.afterChange(w, r, i18n.T(ctx, "done.denied", j.Name))
}

func (s *Server) handleDevOutbox(w http.ResponseWriter, r *http.Request) error {
	return render(w, r, http.StatusOK, page.Outbox(s.Outbox.Messages()))
}
