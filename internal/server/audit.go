package server

import (
	"context"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/page"
)

// AuditStore reads an account's audit trail.
type AuditStore interface {
	// FindAuditEvents returns a page of the account's events matching f,
	// newest first. EINVALID for a malformed page cursor.
	FindAuditEvents(ctx context.Context, accountID int64, f roster.AuditFilter) (roster.AuditPage, error)
	// AuditActions lists the actions recorded in the account.
	AuditActions(ctx context.Context, accountID int64) ([]string, error)
	// UserHistory returns the latest events in which a person is the
	// target or the actor, newest first.
	UserHistory(ctx context.Context, accountID, userID int64, limit int) ([]roster.AuditEvent, error)
}

// auditRoutes registers the routes of this file: The audit log screen.
func (s *Server) auditRoutes(r chi.Router) {
	r.Get("/audit", s.handle(s.handleAudit))
	r.Get("/audit/people", s.handle(s.handleAuditPeople))
}

// handleAudit serves the audit log: the whole page, or for htmx only the
// results (the filter form and pager load those).
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	if !a.AccountAdmin {
		return errForbid
	}
	v := page.AuditView{Shell: shell(a, acc, i18n.T(ctx, "audit.title"), "audit"), Now: s.Now()}
	v.Filter, v.Notes = roster.ParseAuditFilter(r.URL.Query())
	var err error
	if v.Actors, err = s.Users.Administrators(ctx, acc.ID); err != nil {
		return err
	}
	if id := v.Filter.ActorID; id != 0 && !hasPerson(v.Actors, id) {
		// Anyone of the account may be looked up by a link (their own
		// sign-ins, acceptances); they join the picker's choices.
		u, err := s.Users.User(ctx, acc.ID, id)
		switch roster.ErrorCode(err) {
		case "":
			v.Actors = append(v.Actors, u)
		case roster.ENOTFOUND:
			v.Filter.ActorID = 0
			v.Notes = append(v.Notes, "actor")
		default:
			return err
		}
	}
	v.Page, err = s.Audit.FindAuditEvents(ctx, acc.ID, v.Filter)
	if roster.ErrorCode(err) == roster.EINVALID { // a damaged page cursor: show the first page
		if v.Filter.After != "" {
			v.Notes = append(v.Notes, "after")
		} else {
			v.Notes = append(v.Notes, "before")
		}
		v.Filter = v.Filter.FirstPage()
		v.Page, err = s.Audit.FindAuditEvents(ctx, acc.ID, v.Filter)
	}
	if err != nil {
		return err
	}
	if v.Tree, _, err = s.trees(ctx); err != nil {
		return err
	}
	if v.Roles, err = s.roles(ctx); err != nil {
		return err
	}
	if isFragment(r) {
		push := "/audit" + encodeQuery(v.Filter.Values())
		if cur, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil && cur.RequestURI() == push {
			push = "false"
		}
		w.Header().Set("HX-Push-Url", push)
	}
	if hxTarget(r) == "audit-results" {
		return render(w, r, http.StatusOK, page.AuditResults(v))
	}
	if v.Recorded, err = s.Audit.AuditActions(ctx, acc.ID); err != nil {
		return err
	}
	return render(w, r, http.StatusOK, page.AuditPage(v))
}

// handleAuditPeople suggests people for the audit log's person filter as
// an administrator types a name or email: the options of a datalist.
func (s *Server) handleAuditPeople(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	if !a.AccountAdmin {
		return errForbid
	}
	f, _ := roster.ParseUserFilter(url.Values{"q": {r.URL.Query().Get("target")}})
	var people []roster.User
	if utf8.RuneCountInString(f.Query) >= 2 { // one letter matches too many to help
		f.Limit = 8
		p, err := s.Users.FindUsers(ctx, acc.ID, f)
		if err != nil {
			return err
		}
		people = p.Users
	}
	return render(w, r, http.StatusOK, page.AuditPeopleOptions(people))
}

func hasPerson(people []roster.User, id int64) bool {
	for _, u := range people {
		if u.ID == id {
			return true
		}
	}
	return false
}
