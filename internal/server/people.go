package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/component"
	"github.com/roster-hub/roster/web/page"
)

// peopleRoutes registers the routes of this file: User detail, status
// changes and bulk actions on people.
func (s *Server) peopleRoutes(r chi.Router) {
	r.Get("/users/{id}", s.handle(s.handlePerson))
	r.Post("/users/{id}/status", s.handle(s.handlePersonStatus))
	r.Post("/users/{id}/remove", s.handle(s.handlePersonRemove))
	r.Post("/users/{id}/groups", s.handle(s.handlePersonAddGroup))
	r.Post("/users/{id}/groups/{gid}", s.handle(s.handlePersonGroupRoles))
	r.Post("/users/{id}/groups/{gid}/remove", s.handle(s.handlePersonLeaveGroup))
	r.Post("/users/bulk", s.handle(s.handlePeopleBulk))
	r.Get("/users/bulk/{id}", s.handle(s.handleBulkJob))
}

// BulkStore runs "select all N matching" jobs.
type BulkStore interface {
	// StartBulk records, counts and queues a job. EINVALID for an unknown
	// action.
	StartBulk(ctx context.Context, j roster.BulkJob, now time.Time) (roster.BulkJob, error)
	// BulkJob returns a job of the account. ENOTFOUND.
	BulkJob(ctx context.Context, accountID, id int64) (roster.BulkJob, error)
}

func (s *Server) personView(r *http.Request, userID int64) (page.Person, error) {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	v := page.Person{Shell: shell(a, acc, "", "users"), Now: s.Now(), ActorID: a.User.ID}
	if err := s.checkPeople(ctx, []int64{userID}, false); err != nil {
		return v, err
	}
	var err error
	if v.User, err = s.Users.User(ctx, acc.ID, userID); err != nil {
		return v, err
	}
	v.Shell.Title = v.User.Name
	if v.Tree, v.Managed, err = s.trees(ctx); err != nil {
		return v, err
	}
	if v.Roles, err = s.roles(ctx); err != nil {
		return v, err
	}
	if v.Invitation, err = s.Users.CameThrough(ctx, acc.ID, userID); err != nil {
		return v, err
	}
	if s.Audit != nil {
		v.History, err = s.Audit.UserHistory(ctx, acc.ID, userID, 20)
	}
	return v, err
}

// handlePerson shows one person: as a page, or as a dialog over the hub.
func (s *Server) handlePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.personView(r, id)
	if err != nil {
		return err
	}
	switch hxTarget(r) {
	case "dialog":
		return render(w, r, http.StatusOK, page.PersonDialog(v))
	case "person-body":
		return render(w, r, http.StatusOK, page.PersonBody(v))
	}
	return render(w, r, http.StatusOK, page.PersonPage(v))
}

// afterPersonChange answers a change made on a person's page: the person
// again (in the dialog or page), the hub's cards and counts, a flash.
func (s *Server) afterPersonChange(w http.ResponseWriter, r *http.Request, id int64, message string) error {
	if !isFragment(r) {
		http.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	v, err := s.personView(r, id)
	if err != nil {
		return err
	}
	h, err := s.hubState(r)
	if err != nil {
		return err
	}
	w.Header().Set("HX-Retarget", "#person-body")
	w.Header().Set("HX-Reswap", "innerHTML")
	return render(w, r, http.StatusOK, join(page.PersonBody(v), page.HubUpdates(h), component.FlashOK(message)))
}

func (s *Server) handlePersonStatus(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	status := r.PostFormValue("status")
	if err := s.checkPeople(ctx, []int64{id}, true); err != nil {
		return err
	}
	if _, err := s.Users.User(ctx, acc.ID, id); err != nil {
		return err
	}
	if _, err := s.Users.SetStatus(ctx, acc.ID, a.User.ID, []int64{id}, status, s.Now()); err != nil {
		return err
	}
	msg := i18n.T(ctx, "done.reactivated")
	if status == roster.StatusDeactivated {
		msg = i18n.T(ctx, "person.done_deactivated")
	}
	if hxTarget(r) == "" && isFragment(r) { // from the Add users results
		h, err := s.hubState(r)
		if err != nil {
			return err
		}
		return render(w, r, http.StatusOK, join(page.Done(msg), page.HubUpdates(h)))
	}
	return s.afterPersonChange(w, r, id, msg)
}

func (s *Server) handlePersonRemove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.checkPeople(ctx, []int64{id}, true); err != nil {
		return err
	}
	u, err := s.Users.User(ctx, acc.ID, id)
	if err != nil {
		return err
	}
	if err := s.Users.Remove(ctx, acc.ID, a.User.ID, id, s.Now()); err != nil {
		return err
	}
	msg := i18n.T(ctx, "person.done_removed", u.Name)
	if !isFragment(r) {
		http.Redirect(w, r, "/users", http.StatusSeeOther)
		return nil
	}
	h, err := s.hubState(r)
	if err != nil {
		return err
	}
	w.Header().Set("HX-Trigger", "closeDialog")
	w.Header().Set("HX-Reswap", "none")
	return render(w, r, http.StatusOK, join(page.HubUpdates(h), component.FlashOK(msg), s.peopleRefresh(r)))
}

func (s *Server) handlePersonAddGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	if err := s.checkPeople(ctx, []int64{id}, false); err != nil {
		return err
	}
	if _, err := s.Users.User(ctx, acc.ID, id); err != nil {
		return err
	}
	gid, _ := strconv.ParseInt(r.PostFormValue("group"), 10, 64)
	if gid <= 0 {
		return roster.Errorf(roster.EINVALID, "person.problem_group")
	}
	if err := s.checkManagedGroups(ctx, gid); err != nil {
		return err
	}
	if _, err := s.Users.AddToGroup(ctx, acc.ID, a.User.ID, []int64{id}, gid, formIDs(r, "role"), s.Now()); err != nil {
		return err
	}
	return s.afterPersonChange(w, r, id, i18n.T(ctx, "person.done_group_added"))
}

func (s *Server) handlePersonGroupRoles(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	gid, err := pathID(r, "gid")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	if err := s.checkPerson(ctx, id, gid); err != nil {
		return err
	}
	if err := s.Users.SetGroupRoles(ctx, acc.ID, a.User.ID, id, gid, formIDs(r, "role"), s.Now()); err != nil {
		return err
	}
	return s.afterPersonChange(w, r, id, i18n.T(ctx, "person.done_roles"))
}

func (s *Server) handlePersonLeaveGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	gid, err := pathID(r, "gid")
	if err != nil {
		return err
	}
	if err := s.checkPerson(ctx, id, gid); err != nil {
		return err
	}
	n, err := s.Users.RemoveFromGroup(ctx, acc.ID, a.User.ID, []int64{id}, gid, s.Now())
	if err != nil {
		return err
	}
	if n == 0 {
		return errNotFound
	}
	return s.afterPersonChange(w, r, id, i18n.T(ctx, "person.done_group_removed"))
}

// peopleRefresh is the People results for the view the browser shows,
// swapped out of band after a change.
func (s *Server) peopleRefresh(r *http.Request) templ.Component {
	cur, _ := url.Parse(r.Header.Get("HX-Current-URL"))
	if cur == nil || cur.Path != "/users" || cur.Query().Get("tab") == page.TabInvitations {
		return templ.NopComponent
	}
	h, err := s.peopleState(r, cur.Query())
	if err != nil {
		return templ.NopComponent
	}
	h.OOB = true
	return page.PeopleResultsBox(h)
}

func (s *Server) peopleState(r *http.Request, q url.Values) (page.Hub, error) {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	h := page.Hub{Shell: shell(a, acc, "", "users"), Tab: page.TabPeople, Now: s.Now(),
		Soon: time.Duration(acc.Settings.ExpiringSoonDays) * 24 * time.Hour, Fragment: isFragment(r)}
	var err error
	if h.Tree, err = s.managedTree(ctx); err != nil {
		return h, err
	}
	if h.Roles, err = s.roles(ctx); err != nil {
		return h, err
	}
	h.People, _ = roster.ParseUserFilter(q)
	h.People, h.PeoplePage, _, err = s.findPeople(ctx, acc.ID, h.People)
	return h, err
}

// handlePeopleBulk applies one action to the selected people.
func (s *Server) handlePeopleBulk(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return roster.Errorf(roster.EINVALID, "form too large")
	}
	ids, l := formIDs(r, "id"), i18n.From(ctx)
	gid, _ := strconv.ParseInt(r.PostFormValue("group"), 10, 64)
	rid, _ := strconv.ParseInt(r.PostFormValue("role"), 10, 64)
	act := roster.BulkAction{Action: r.PostFormValue("action"), GroupID: gid, RoleID: rid}
	if r.PostFormValue("all") == "1" {
		return s.startBulk(w, r, act)
	}
	if len(ids) == 0 {
		return s.afterPeopleBulk(w, r, l.T("bulk.people_none_selected"))
	}
	// A group administrator acts on people in reach, in groups they manage;
	// a change of status or of a role in every group needs every group of
	// the person to be theirs.
	if err := s.checkPeople(ctx, ids, act.ReachesEveryGroup()); err != nil {
		return err
	}
	if gid > 0 {
		if err := s.checkManagedGroups(ctx, gid); err != nil {
			return err
		}
	}
	if act.Action == "export" {
		return download(w, r, "/users/export.csv?"+url.Values{"id": r.Form["id"]}.Encode())
	}
	n, err := s.Users.ApplyBulk(ctx, acc.ID, a.User.ID, act, ids, s.Now())
	if err != nil {
		return err
	}
	return s.afterPeopleBulk(w, r, l.T("bulk.people_done", n))
}

// download sends the browser to a file: for htmx a redirect header (a
// download, not a swap), else a plain redirect.
func download(w http.ResponseWriter, r *http.Request, to string) error {
	if isFragment(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// startBulk applies an action to every person of the view the bulk form
// was sent from, as a background job, and shows its progress.
func (s *Server) startBulk(w http.ResponseWriter, r *http.Request, act roster.BulkAction) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	view, _ := url.Parse(safeNext(r.PostFormValue("return")))
	if view == nil || view.Path != "/users" {
		view = &url.URL{Path: "/users"}
	}
	h := page.Hub{}
	var err error
	if h.Tree, err = s.managedTree(ctx); err != nil {
		return err
	}
	if h.Roles, err = s.roles(ctx); err != nil {
		return err
	}
	f, _ := roster.ParseUserFilter(view.Query())
	s.dropUnknownIDs(&f, h)
	f = f.FirstPage()
	if act.Action == "export" {
		return download(w, r, "/users/export.csv"+encodeQuery(f.Values()))
	}
	if err := act.Check(); err != nil {
		return err
	}
	if act.GroupID > 0 {
		if err := checkGroups(h.Tree, act.GroupID); err != nil {
			return err
		}
	}
	if s.Bulk == nil {
		return errNotFound
	}
	j, err := s.Bulk.StartBulk(ctx, roster.BulkJob{AccountID: acc.ID, ActorID: a.User.ID, BulkAction: act,
		View: f.Values().Encode(), Scope: a.Scope()}, s.Now())
	if err != nil {
		return err
	}
	if !isFragment(r) {
		http.Redirect(w, r, "/users/bulk/"+strconv.FormatInt(j.ID, 10), http.StatusSeeOther)
		return nil
	}
	w.Header().Set("HX-Retarget", "#bulk-status")
	w.Header().Set("HX-Reswap", "innerHTML")
	return render(w, r, http.StatusAccepted, page.BulkProgress(j))
}

// handleBulkJob shows a bulk job's progress: polled by the hub, or as a
// page of its own. Once it is done the hub's counts and table catch up.
// A group administrator sees only their own jobs.
func (s *Server) handleBulkJob(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if s.Bulk == nil {
		return errNotFound
	}
	j, err := s.Bulk.BulkJob(ctx, acc.ID, id)
	if err != nil {
		return err
	}
	if a.Scope() != nil && j.ActorID != a.User.ID {
		return errNotFound
	}
	if !isFragment(r) {
		return render(w, r, http.StatusOK, page.BulkPage(page.BulkView{Shell: shell(a, acc, i18n.T(ctx, "bulk.title"), "users"), Job: j}))
	}
	if j.Status != roster.BulkDone {
		return render(w, r, http.StatusOK, page.BulkProgress(j))
	}
	h, err := s.hubState(r)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, join(page.BulkProgress(j), page.HubUpdates(h), s.peopleRefresh(r)))
}

func (s *Server) afterPeopleBulk(w http.ResponseWriter, r *http.Request, message string) error {
	if !isFragment(r) {
		to := safeNext(r.PostFormValue("return"))
		if to == "" {
			to = "/users"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	cur, _ := url.Parse(r.Header.Get("HX-Current-URL"))
	q := url.Values{}
	if cur != nil {
		q = cur.Query()
	}
	h, err := s.peopleState(r, q)
	if err != nil {
		return err
	}
	d, err := s.hubState(r)
	if err != nil {
		return err
	}
	d.Tab = ""
	return render(w, r, http.StatusOK, join(page.PeopleResults(h), page.HubUpdates(d), component.FlashOK(message)))
}
