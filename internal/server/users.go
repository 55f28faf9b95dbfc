package server

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/layout"
	"github.com/roster-hub/roster/web/page"
)

func shell(a *roster.Actor, acc *roster.Account, title, section string) layout.Shell {
	return layout.Shell{Title: title, AccountName: acc.Name, UserName: a.User.Name, UserEmail: a.User.Email,
		Section: section, CanOpenHub: a.CanOpenHub(), AccountAdmin: a.AccountAdmin}
}

// handleUsers serves the Users hub: the whole page, or for htmx the piece
// it targets (the People or Invitations results, or the tabs' body).
func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	q := r.URL.Query()
	now := s.Now()
	h := page.Hub{
		Shell:    shell(a, acc, "", "users"),
		Tab:      page.TabPeople,
		Now:      now,
		Soon:     time.Duration(acc.Settings.ExpiringSoonDays) * 24 * time.Hour,
		Fragment: isFragment(r),
	}
	h.Shell.Title = i18n.T(ctx, "hub.title")
	if q.Get("tab") == page.TabInvitations {
		h.Tab = page.TabInvitations
	}
	var err error
	if h.Tree, err = s.managedTree(ctx); err != nil {
		return err
	}
	if h.Roles, err = s.roles(ctx); err != nil {
		return err
	}
	h.AdminRoleID = adminRoleID(h.Roles)
	target := hxTarget(r)
	// A whole page's cards and inviters are read while its table is, each
	// on its own connection: the page waits for the slowest read rather
	// than for their sum (the cards' counters are most of it).
	var side sync.WaitGroup
	var dashboard roster.Dashboard
	var inviters []roster.User
	var dashErr, invitersErr error
	whole := target != "people-results" && target != "invites-results"
	if whole {
		soon := h.Soon
		side.Go(func() { dashboard, dashErr = s.Users.Dashboard(ctx, acc.ID, a.Scope(), now, soon) })
		side.Go(func() { inviters, invitersErr = s.Users.Administrators(ctx, acc.ID) })
	}
	var canonical url.Values
	if h.Tab == page.TabPeople {
		h.People, h.Notes = roster.ParseUserFilter(q)
		h.Notes = append(h.Notes, s.dropUnknownIDs(&h.People, h)...)
		var reset bool
		h.People, h.PeoplePage, reset, err = s.findPeople(ctx, acc.ID, h.People)
		if reset {
			h.Notes = append(h.Notes, "after")
		}
		canonical = h.People.Values()
	} else {
		h.Invites, h.Notes = roster.ParseInvitationFilter(q)
		if h.Invites.GroupID != 0 {
			if _, ok := h.Tree.Get(h.Invites.GroupID); !ok {
				h.Invites.GroupID = 0
				h.Notes = append(h.Notes, "igroup")
			}
		}
		var reset bool
		h.Invites, h.InvitesPage, reset, err = s.findInvitations(ctx, acc.ID, h.Invites, now, h.Soon)
		if reset {
			h.Notes = append(h.Notes, "iafter")
		}
		canonical = h.Invites.Values()
	}
	side.Wait()
	if err := cmp.Or(err, dashErr, invitersErr); err != nil {
		return err
	}
	var c templ.Component
	switch {
	case target == "people-results":
		c = page.PeopleResults(h)
	case target == "invites-results":
		c = page.InvitationsResults(h)
	default:
		h.Dashboard, h.Inviters = dashboard, inviters
		c = page.HubPage(h)
		if target == "hub-body" {
			c = page.HubBody(h)
		}
	}
	if isFragment(r) {
		// The form sends every field; the address bar shows the short,
		// canonical form of the same view, and a request that leaves the
		// view as it was (a search box losing focus) adds no history entry.
		push := "/users" + encodeQuery(canonical)
		if cur, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil && cur.RequestURI() == push {
			push = "false"
		}
		w.Header().Set("HX-Push-Url", push)
	}
	return render(w, r, http.StatusOK, c)
}

// adminRoleID is the id of the built-in Administrator role among roles.
func adminRoleID(roles []roster.Role) int64 {
	for _, r := range roles {
		if r.Key == roster.RoleAdministrator {
			return r.ID
		}
	}
	return 0
}

// findPeople reads a page of the People view; a damaged page cursor shows
// the first page instead (reset reports it).
func (s *Server) findPeople(ctx context.Context, accountID int64, f roster.UserFilter) (roster.UserFilter, roster.UserPage, bool, error) {
	a, _ := actorFrom(ctx)
	f.Scope = a.Scope()
	p, err := s.Users.FindUsers(ctx, accountID, f)
	if roster.ErrorCode(err) != roster.EINVALID {
		return f, p, false, err
	}
	f = f.FirstPage()
	p, err = s.Users.FindUsers(ctx, accountID, f)
	return f, p, true, err
}

// findInvitations is findPeople for the Invitations view.
func (s *Server) findInvitations(ctx context.Context, accountID int64, f roster.InvitationFilter, now time.Time, soon time.Duration) (roster.InvitationFilter, roster.InvitationPage, bool, error) {
	a, _ := actorFrom(ctx)
	f.Scope = a.Scope()
	p, err := s.Invitations.FindInvitations(ctx, accountID, f, now, soon)
	if roster.ErrorCode(err) != roster.EINVALID {
		return f, p, false, err
	}
	f = f.FirstPage()
	p, err = s.Invitations.FindInvitations(ctx, accountID, f, now, soon)
	return f, p, true, err
}

func encodeQuery(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// dropUnknownIDs removes filter ids that are not this account's groups or
// roles, and names them in the notes.
func (s *Server) dropUnknownIDs(f *roster.UserFilter, h page.Hub) []string {
	var notes []string
	if f.GroupID != 0 {
		if _, ok := h.Tree.Get(f.GroupID); !ok {
			f.GroupID, f.ExcludeSubgroups = 0, false
			notes = append(notes, "group")
		}
	}
	kept := f.RoleIDs[:0]
	for _, id := range f.RoleIDs {
		known := false
		for _, r := range h.Roles {
			known = known || r.ID == id
		}
		if known {
			kept = append(kept, id)
		} else {
			notes = append(notes, "role")
		}
	}
	f.RoleIDs = kept
	return notes
}

func (s *Server) handleMyAccount(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	u, err := s.Users.User(ctx, acc.ID, a.User.ID)
	if err != nil {
		return err
	}
	m := page.MyAccount{Shell: shell(a, acc, i18n.T(ctx, "account.title"), "account"), User: u}
	if m.Tree, _, err = s.trees(ctx); err != nil {
		return err
	}
	if m.Roles, err = s.roles(ctx); err != nil {
		return err
	}
	return render(w, r, http.StatusOK, page.Account(m))
}
