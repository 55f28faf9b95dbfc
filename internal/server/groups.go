package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/component"
	"github.com/roster-hub/roster/web/page"
)

// GroupAdminStore changes an account's group tree and role catalogue, for
// the Groups and Roles screens. Every change writes its audit event in the
// same transaction.
type GroupAdminStore interface {
	GroupStore
	// GroupCounts returns per group the members of the group itself and
	// the people in its whole subtree (each once), in a fixed number of
	// queries; groups without members are absent.
	GroupCounts(ctx context.Context, accountID int64) (direct, subtree map[int64]int64, err error)
	// GroupUsage returns what keeps a group from being deleted: members,
	// subgroups, and open invitations or join requests. ENOTFOUND.
	GroupUsage(ctx context.Context, accountID, groupID int64) (members, subgroups, invitations int64, err error)
	// CreateGroup adds a subgroup. ENOTFOUND for a parent not of the
	// account; EINVALID "groups.name_…"; ECONFLICT "groups.name_taken".
	CreateGroup(ctx context.Context, accountID, actorID, parentID int64, name string, now time.Time) (roster.Group, error)
	// RenameGroup renames a group, the root included. ENOTFOUND; EINVALID
	// "groups.name_…"; ECONFLICT "groups.name_taken".
	RenameGroup(ctx context.Context, accountID, actorID, groupID int64, name string, now time.Time) error
	// MoveGroup puts a group and its subtree below another group.
	// ENOTFOUND; EINVALID "groups.root_fixed", "groups.move_into_itself",
	// "groups.move_same_parent"; ECONFLICT "groups.name_taken_there".
	MoveGroup(ctx context.Context, accountID, actorID, groupID, parentID int64, now time.Time) error
	// DeleteGroup deletes an empty group. ENOTFOUND; EINVALID
	// "groups.root_fixed"; ECONFLICT "groups.delete_in_use".
	DeleteGroup(ctx context.Context, accountID, actorID, groupID int64, now time.Time) error
	// RoleCatalogue returns the roles in catalogue order with their
	// holder counts (people holding the role in any group).
	RoleCatalogue(ctx context.Context, accountID int64) ([]roster.Role, error)
	// CreateRole adds a custom role. EINVALID "groups.name_…",
	// "roles.description_too_long"; ECONFLICT "roles.name_taken".
	CreateRole(ctx context.Context, accountID, actorID int64, name, description string, now time.Time) (roster.Role, error)
}

// groupRoutes registers the routes of this file: The Groups and Roles screens.
//
// A group administrator sees and changes the groups of their subtrees:
// subgroups below the groups they administer are theirs to add, rename,
// move (within their subtrees) and delete; the groups they administer
// themselves stay where an account administrator put them.
func (s *Server) groupRoutes(r chi.Router) {
	r.Get("/groups", s.handle(s.handleGroups))
	r.Get("/groups/new", s.handle(s.handleGroupForm(page.GroupCreate)))
	r.Post("/groups", s.handle(s.handleGroupCreate))
	r.Get("/groups/{id}/rename", s.handle(s.handleGroupForm(page.GroupRename)))
	r.Post("/groups/{id}/rename", s.handle(s.handleGroupRename))
	r.Get("/groups/{id}/move", s.handle(s.handleGroupForm(page.GroupMove)))
	r.Post("/groups/{id}/move", s.handle(s.handleGroupMove))
	r.Get("/groups/{id}/delete", s.handle(s.handleGroupForm(page.GroupDelete)))
	r.Post("/groups/{id}/delete", s.handle(s.handleGroupDelete))
	r.Group(func(r chi.Router) {
		r.Use(s.accountAdminsOnly)
		r.Get("/roles", s.handle(s.handleRoles))
		r.Get("/roles/new", s.handle(s.handleRoleForm))
		r.Post("/roles", s.handle(s.handleRoleCreate))
	})
}

// accountAdminsOnly keeps the Roles screen to account administrators: the
// catalogue is the whole account's.
func (s *Server) accountAdminsOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, _ := actorFrom(r.Context()); a == nil || !a.AccountAdmin {
			s.serveError(w, r, errForbid)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// groupAdmin is the group store's administrative side.
func (s *Server) groupAdmin() (GroupAdminStore, error) {
	if g, ok := s.Groups.(GroupAdminStore); ok {
		return g, nil
	}
	return nil, errors.New("server: the group store cannot change groups")
}

func (s *Server) groupsView(r *http.Request) (page.GroupsView, error) {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	v := page.GroupsView{Shell: shell(a, acc, i18n.T(ctx, "groups.title"), "groups")}
	store, err := s.groupAdmin()
	if err != nil {
		return v, err
	}
	if v.Tree, err = s.managedTree(ctx); err != nil {
		return v, err
	}
	v.Direct, v.Subtree, err = store.GroupCounts(ctx, acc.ID)
	return v, err
}

// handleGroups serves the Groups screen, or for htmx the tree alone. After
// a change without JavaScript, ?done= and ?g= say what to confirm.
func (s *Server) handleGroups(w http.ResponseWriter, r *http.Request) error {
	v, err := s.groupsView(r)
	if err != nil {
		return err
	}
	if hxTarget(r) == "groups-tree" {
		return render(w, r, http.StatusOK, page.GroupsTree(v))
	}
	q := r.URL.Query()
	if gid, err := strconv.ParseInt(q.Get("g"), 10, 64); err == nil {
		if g, ok := v.Tree.Get(gid); ok {
			v.Changed = gid
			v.Flash = groupDoneMessage(r.Context(), v.Tree, q.Get("done"), g)
		}
	} else if q.Get("done") == "deleted" {
		v.Flash = i18n.T(r.Context(), "groups.done_deleted_plain")
	}
	return render(w, r, http.StatusOK, page.GroupsPage(v))
}

func groupDoneMessage(ctx context.Context, t *roster.GroupTree, done string, g roster.Group) string {
	parent := ""
	if g.ParentID != nil {
		parent = page.GroupPath(t, *g.ParentID)
	}
	switch done {
	case "created":
		return i18n.T(ctx, "groups.done_created", g.Name, parent)
	case "renamed":
		return i18n.T(ctx, "groups.done_renamed", g.Name)
	case "moved":
		return i18n.T(ctx, "groups.done_moved", g.Name, parent)
	}
	return ""
}

// afterGroupChange answers a change: for htmx the re-rendered tree (the
// form's target), a flash message, and the dialog closed; without
// JavaScript a redirect to the screen, which confirms it.
func (s *Server) afterGroupChange(w http.ResponseWriter, r *http.Request, done string, groupID int64, name string) error {
	if !isFragment(r) {
		to := "/groups?done=" + done
		if groupID != 0 {
			to += "&g=" + strconv.FormatInt(groupID, 10) + "#group-" + strconv.FormatInt(groupID, 10)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	v, err := s.groupsView(r)
	if err != nil {
		return err
	}
	msg := i18n.T(r.Context(), "groups.done_deleted", name)
	if g, ok := v.Tree.Get(groupID); ok {
		v.Changed = groupID
		msg = groupDoneMessage(r.Context(), v.Tree, done, g)
	}
	w.Header().Set("HX-Trigger", "closeDialog")
	w.Header().Set("HX-Retarget", "#groups-tree")
	w.Header().Set("HX-Reswap", "outerHTML")
	return render(w, r, http.StatusOK, join(page.GroupsTree(v), page.GroupsSummary(v, true), component.FlashOK(msg)))
}

// groupForm loads what a group dialog shows: the tree the actor manages,
// and for rename, move and delete the group named in the path (another
// account's id, or a group out of a group administrator's reach, is not
// found).
func (s *Server) groupForm(r *http.Request, kind string) (page.GroupForm, error) {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	f := page.GroupForm{Kind: kind}
	if _, err := s.groupAdmin(); err != nil {
		return f, err
	}
	var err error
	if f.Tree, err = s.managedTree(ctx); err != nil {
		return f, err
	}
	if len(f.Tree.Groups) > 0 {
		f.ParentID = f.Tree.Groups[0].ID // the root, or a group administrator's first group
	}
	if kind != page.GroupCreate {
		gid, err := pathID(r, "id")
		if err != nil {
			return f, err
		}
		g, ok := f.Tree.Get(gid)
		if !ok {
			return f, errNotFound
		}
		f.Group, f.Name = g, g.Name
		if g.ParentID != nil {
			f.ParentID = *g.ParentID
		}
		if (kind == page.GroupMove || kind == page.GroupDelete) && g.ParentID == nil {
			f.RootFixed, f.Problem = true, i18n.T(ctx, "groups.root_fixed")
		} else if (kind == page.GroupMove || kind == page.GroupDelete) && page.TopOfTree(f.Tree, g) {
			f.RootFixed, f.Problem = true, i18n.T(ctx, "scope.group_fixed", g.Name)
		}
	}
	f.Shell = shell(a, acc, "", "groups")
	f.Shell.Title = page.GroupFormTitle(ctx, f)
	return f, nil
}

// renderGroupForm shows a group form: as a dialog for htmx (replacing the
// open one when it comes back with problems), else as a page.
func renderGroupForm(w http.ResponseWriter, r *http.Request, status int, f page.GroupForm) error {
	if !isFragment(r) {
		return render(w, r, status, page.GroupFormPage(f))
	}
	if hxTarget(r) != "dialog" {
		w.Header().Set("HX-Retarget", "#dialog")
		w.Header().Set("HX-Reswap", "innerHTML")
	}
	f.InDialog = true
	return render(w, r, status, page.GroupDialog(f))
}

func (s *Server) handleGroupForm(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := s.groupForm(r, kind)
		if err != nil {
			return err
		}
		switch kind {
		case page.GroupCreate:
			// "Add subgroup" names the parent; an unknown one falls back to the root.
			if pid, err := strconv.ParseInt(r.URL.Query().Get("parent"), 10, 64); err == nil {
				if _, ok := f.Tree.Get(pid); ok {
					f.ParentID = pid
				}
			}
		case page.GroupDelete:
			if err := s.loadGroupUsage(r, &f); err != nil {
				return err
			}
		}
		return renderGroupForm(w, r, http.StatusOK, f)
	}
}

func (s *Server) loadGroupUsage(r *http.Request, f *page.GroupForm) error {
	store, err := s.groupAdmin()
	if err != nil {
		return err
	}
	_, acc := actorFrom(r.Context())
	f.Members, f.Subgroups, f.Invitations, err = store.GroupUsage(r.Context(), acc.ID, f.Group.ID)
	return err
}

// readGroupForm parses a small form post.
func readGroupForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return roster.Errorf(roster.EINVALID, "form too large")
	}
	return nil
}

// groupProblem turns a store's refusal into the form's problem, in words
// that say how to fix it; other errors are not the form's.
func groupProblem(ctx context.Context, f *page.GroupForm, err error) bool {
	code, key := roster.ErrorCode(err), roster.ErrorMessage(err)
	if code != roster.EINVALID && code != roster.ECONFLICT {
		return false
	}
	parent := ""
	if p, ok := f.Tree.Get(f.ParentID); ok {
		parent = page.GroupPath(f.Tree, p.ID)
	}
	switch key {
	case "groups.name_required", "groups.name_too_long", "groups.name_invalid", "groups.name_unchanged":
		f.Problem, f.ProblemField = i18n.T(ctx, key), "name"
	case "groups.name_taken":
		f.Problem, f.ProblemField = i18n.T(ctx, key, parent, strings.Join(strings.Fields(f.Name), " ")), "name"
	case "groups.name_taken_there":
		f.Problem, f.ProblemField = i18n.T(ctx, key, parent, f.Group.Name), "parent"
	case "groups.move_into_itself":
		f.Problem, f.ProblemField = i18n.T(ctx, key, f.Group.Name, parent), "parent"
	case "groups.move_same_parent":
		f.Problem, f.ProblemField = i18n.T(ctx, key, f.Group.Name, parent), "parent"
	case "groups.root_fixed":
		f.RootFixed, f.Problem, f.ProblemField = true, i18n.T(ctx, key), ""
	default:
		return false
	}
	return true
}

func groupFormParent(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PostFormValue("parent"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) handleGroupCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	if err := readGroupForm(w, r); err != nil {
		return err
	}
	f, err := s.groupForm(r, page.GroupCreate)
	if err != nil {
		return err
	}
	f.Name = r.PostFormValue("name")
	pid, ok := groupFormParent(r)
	if !ok {
		f.Problem, f.ProblemField = i18n.T(ctx, "groups.parent_required"), "parent"
		return renderGroupForm(w, r, http.StatusUnprocessableEntity, f)
	}
	f.ParentID = pid
	if err := checkGroups(f.Tree, pid); err != nil {
		return err
	}
	store, _ := s.groupAdmin()
	g, err := store.CreateGroup(ctx, acc.ID, a.User.ID, pid, f.Name, s.Now())
	if groupProblem(ctx, &f, err) {
		return renderGroupForm(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	return s.afterGroupChange(w, r, "created", g.ID, g.Name)
}

func (s *Server) handleGroupRename(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	if err := readGroupForm(w, r); err != nil {
		return err
	}
	f, err := s.groupForm(r, page.GroupRename)
	if err != nil {
		return err
	}
	f.Name = r.PostFormValue("name")
	store, _ := s.groupAdmin()
	err = store.RenameGroup(ctx, acc.ID, a.User.ID, f.Group.ID, f.Name, s.Now())
	if groupProblem(ctx, &f, err) {
		return renderGroupForm(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	return s.afterGroupChange(w, r, "renamed", f.Group.ID, f.Name)
}

func (s *Server) handleGroupMove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	if err := readGroupForm(w, r); err != nil {
		return err
	}
	f, err := s.groupForm(r, page.GroupMove)
	if err != nil {
		return err
	}
	if f.RootFixed {
		return renderGroupForm(w, r, http.StatusUnprocessableEntity, f)
	}
	pid, ok := groupFormParent(r)
	if !ok {
		f.Problem, f.ProblemField = i18n.T(ctx, "groups.parent_required"), "parent"
		return renderGroupForm(w, r, http.StatusUnprocessableEntity, f)
	}
	f.ParentID = pid
	if err := checkGroups(f.Tree, pid); err != nil {
		return err
	}
	store, _ := s.groupAdmin()
	err = store.MoveGroup(ctx, acc.ID, a.User.ID, f.Group.ID, pid, s.Now())
	if groupProblem(ctx, &f, err) {
		return renderGroupForm(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	return s.afterGroupChange(w, r, "moved", f.Group.ID, f.Group.Name)
}

func (s *Server) handleGroupDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	if err := readGroupForm(w, r); err != nil {
		return err
	}
	f, err := s.groupForm(r, page.GroupDelete)
	if err != nil {
		return err
	}
	if f.RootFixed {
		return renderGroupForm(w, r, http.StatusUnprocessableEntity, f)
	}
	store, _ := s.groupAdmin()
	err = store.DeleteGroup(ctx, acc.ID, a.User.ID, f.Group.ID, s.Now())
	if roster.ErrorMessage(err) == "groups.delete_in_use" {
		// Say what is in the way, and how much of it.
		if err := s.loadGroupUsage(r, &f); err != nil {
			return err
		}
		if !f.Blocked() { // emptied meanwhile: ask again
			f.Problem = i18n.T(ctx, "error.conflict_text")
		}
		return renderGroupForm(w, r, http.StatusUnprocessableEntity, f)
	}
	if groupProblem(ctx, &f, err) {
		return renderGroupForm(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	return s.afterGroupChange(w, r, "deleted", 0, f.Group.Name)
}

func (s *Server) rolesView(r *http.Request) (page.RolesView, error) {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	v := page.RolesView{Shell: shell(a, acc, i18n.T(ctx, "roles.title"), "roles")}
	store, err := s.groupAdmin()
	if err != nil {
		return v, err
	}
	v.Roles, err = store.RoleCatalogue(ctx, acc.ID)
	return v, err
}

// handleRoles serves the Roles screen, or for htmx the table alone.
func (s *Server) handleRoles(w http.ResponseWriter, r *http.Request) error {
	v, err := s.rolesView(r)
	if err != nil {
		return err
	}
	if hxTarget(r) == "roles-table" {
		return render(w, r, http.StatusOK, page.RolesTable(v))
	}
	if rid, err := strconv.ParseInt(r.URL.Query().Get("created"), 10, 64); err == nil {
		for _, role := range v.Roles {
			if role.ID == rid {
				v.Changed = rid
				v.Flash = i18n.T(r.Context(), "roles.done_created", component.RoleName(r.Context(), role))
			}
		}
	}
	return render(w, r, http.StatusOK, page.RolesPage(v))
}

func renderRoleForm(w http.ResponseWriter, r *http.Request, status int, f page.RoleForm) error {
	if !isFragment(r) {
		return render(w, r, status, page.RoleFormPage(f))
	}
	if hxTarget(r) != "dialog" {
		w.Header().Set("HX-Retarget", "#dialog")
		w.Header().Set("HX-Reswap", "innerHTML")
	}
	f.InDialog = true
	return render(w, r, status, page.RoleDialog(f))
}

func (s *Server) handleRoleForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	return renderRoleForm(w, r, http.StatusOK, page.RoleForm{Shell: shell(a, acc, i18n.T(ctx, "roles.create_title"), "roles")})
}

func (s *Server) handleRoleCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	if err := readGroupForm(w, r); err != nil {
		return err
	}
	f := page.RoleForm{Shell: shell(a, acc, i18n.T(ctx, "roles.create_title"), "roles"),
		Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
	store, err := s.groupAdmin()
	if err != nil {
		return err
	}
	role, err := store.CreateRole(ctx, acc.ID, a.User.ID, f.Name, f.Description, s.Now())
	switch key := roster.ErrorMessage(err); key {
	case "groups.name_required", "groups.name_too_long", "groups.name_invalid":
		f.Problem, f.ProblemField = i18n.T(ctx, key), "name"
	case "roles.name_taken":
		f.Problem, f.ProblemField = i18n.T(ctx, key, strings.Join(strings.Fields(f.Name), " ")), "name"
	case "roles.description_too_long":
		f.Problem, f.ProblemField = i18n.T(ctx, key), "description"
	}
	if f.Problem != "" {
		return renderRoleForm(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	if !isFragment(r) {
		http.Redirect(w, r, "/roles?"+url.Values{"created": {strconv.FormatInt(role.ID, 10)}}.Encode()+"#role-"+strconv.FormatInt(role.ID, 10), http.StatusSeeOther)
		return nil
	}
	v, err := s.rolesView(r)
	if err != nil {
		return err
	}
	v.Changed = role.ID
	w.Header().Set("HX-Trigger", "closeDialog")
	return render(w, r, http.StatusOK, join(page.RolesTable(v), component.FlashOK(i18n.T(ctx, "roles.done_created", role.Name))))
}
