package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/component"
)

// UserExporter streams people for CSV export.
type UserExporter interface {
	// ExportUsers calls fn for each person matching f, or each of ids.
	ExportUsers(ctx context.Context, accountID int64, f roster.UserFilter, ids []int64, fn func(roster.User) error) error
}

// csvRoutes registers the routes of this file: CSV export of the People
// view, and CSV import.
func (s *Server) csvRoutes(r chi.Router) {
	r.Get("/users/export.csv", s.handle(s.handleExportPeople))
	r.Get("/invitations/export.csv", s.handle(s.handleExportInvitations))
	// CSV import (csvimport.go): the tab, the dry run, the confirm, the
	// progress, the template and the report.
	r.Get("/users/import", s.handle(s.handleImportTab))
	r.Post("/users/import", s.handle(s.handleImportUpload))
	r.Get("/users/import/template.csv", s.handle(s.handleImportTemplate))
	r.Get("/users/import/{id}", s.handle(s.handleImportView))
	r.Post("/users/import/{id}/confirm", s.handle(s.handleImportConfirm))
	r.Get("/users/import/{id}/progress", s.handle(s.handleImportProgress))
	r.Get("/users/import/{id}/report.csv", s.handle(s.handleImportReport))
}

// csvCell neutralises spreadsheet formulas: a cell that a spreadsheet
// would evaluate (=, +, -, @, tab, carriage return first) gets a leading
// apostrophe, so it shows as the text it is.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// handleExportPeople streams the People view (or the selected people) as
// CSV, row by row, in constant memory.
func (s *Server) handleExportPeople(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	exp, ok := s.Users.(UserExporter)
	if !ok {
		return errNotFound
	}
	q := r.URL.Query()
	f, _ := roster.ParseUserFilter(q)
	f.After, f.Before = "", ""
	f.Scope = a.Scope()
	var ids []int64
	r.ParseForm()
	ids = formIDs(r, "id")
	if err := s.checkPeople(ctx, ids, false); err != nil {
		return err
	}
	tree, managed, err := s.trees(ctx)
	if err != nil {
		return err
	}
	if f.GroupID != 0 && checkGroups(managed, f.GroupID) != nil {
		return errNotFound
	}
	roles, err := s.Groups.Roles(ctx, acc.ID)
	if err != nil {
		return err
	}
	roleName := map[int64]string{}
	for _, ro := range roles {
		roleName[ro.ID] = component.RoleName(ctx, ro)
	}
	l := i18n.From(ctx)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="people-`+time.Now().UTC().Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{l.T("csv.col_name"), l.T("csv.col_email"), l.T("csv.col_status"), l.T("csv.col_groups"), l.T("csv.col_roles"),
		l.T("csv.col_last_sign_in"), l.T("csv.col_added"), l.T("csv.col_invited_by")})
	n := 0
	// A million rows name the same few hundred groups and statuses: each
	// path and word is made once.
	paths := map[int64]string{}
	pathOf := func(id int64) string {
		p, ok := paths[id]
		if !ok {
			p = strings.Join(tree.PathNames(id), " > ")
			paths[id] = p
		}
		return p
	}
	active, deactivated := l.T("status.active"), l.T("status.deactivated")
	record := make([]string, 8)
	var groups, held []string
	err = exp.ExportUsers(ctx, acc.ID, f, ids, func(u roster.User) error {
		groups, held = groups[:0], held[:0]
		for _, m := range u.Memberships {
			path := pathOf(m.GroupID)
			groups = append(groups, path)
			for _, rid := range m.RoleIDs {
				held = append(held, roleName[rid]+" ("+path+")")
			}
		}
		last := ""
		if u.LastSignInAt != nil {
			last = u.LastSignInAt.UTC().Format(time.RFC3339)
		}
		status := active
		if u.Status == roster.StatusDeactivated {
			status = deactivated
		}
		record[0], record[1], record[2], record[3] = csvCell(u.Name), csvCell(u.Email), status, csvCell(strings.Join(groups, "; "))
		record[4], record[5], record[6], record[7] = csvCell(strings.Join(held, "; ")), last, u.CreatedAt.UTC().Format(time.RFC3339), csvCell(u.InvitedByName)
		if err := cw.Write(record); err != nil {
			return err
		}
		if n++; n%1000 == 0 {
			cw.Flush()
			return cw.Error()
		}
		return nil
	})
	cw.Flush()
	if err != nil {
		// Headers are gone: the client sees a cut file; the log says why.
		s.Logger.ErrorContext(ctx, "export failed", "err", err, "rows", n)
	}
	return nil
}

// handleExportInvitations streams the Invitations view as CSV, walking its
// pages by keyset so memory stays flat at any size.
func (s *Server) handleExportInvitations(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	_, acc := actorFrom(ctx)
	f, _ := roster.ParseInvitationFilter(r.URL.Query())
	f = f.FirstPage()
	f.Limit = 500
	tree, managed, err := s.trees(ctx)
	if err != nil {
		return err
	}
	if f.GroupID != 0 && checkGroups(managed, f.GroupID) != nil {
		return errNotFound
	}
	roles, err := s.Groups.Roles(ctx, acc.ID)
	if err != nil {
		return err
	}
	roleName := map[int64]string{}
	for _, ro := range roles {
		roleName[ro.ID] = component.RoleName(ctx, ro)
	}
	l, now := i18n.From(ctx), s.Now()
	soon := time.Duration(acc.Settings.ExpiringSoonDays) * 24 * time.Hour
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="invitations-`+now.UTC().Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{l.T("csv.col_recipient"), l.T("csv.col_status"), l.T("csv.col_delivery"), l.T("csv.col_groups"), l.T("csv.col_roles"),
		l.T("csv.col_invited_by"), l.T("csv.col_sent"), l.T("csv.col_expires"), l.T("csv.col_uses")})
	for {
		var p roster.InvitationPage
		f, p, _, err = s.findInvitations(ctx, acc.ID, f, now, soon)
		if err != nil {
			s.Logger.ErrorContext(ctx, "export failed", "err", err)
			break
		}
		for _, v := range p.Invitations {
			var groups, held []string
			for _, g := range v.GroupIDs {
				groups = append(groups, strings.Join(tree.PathNames(g), " > "))
			}
			for _, rid := range v.RoleIDs {
				held = append(held, roleName[rid])
			}
			recipient, uses, delivery := v.Email, "", v.Delivery
			if v.Kind == roster.KindLink && v.JoinRequestID == 0 {
				recipient = l.T("inv.link_label", v.Label)
				uses = strconv.Itoa(v.UseCount) + "/" + strconv.Itoa(v.MaxUses)
			}
			if v.DeliveryError != "" {
				delivery += ": " + v.DeliveryError
			}
			cw.Write([]string{csvCell(recipient), l.T("istatus." + v.DisplayStatus(now, soon)), csvCell(delivery),
				csvCell(strings.Join(groups, "; ")), csvCell(strings.Join(held, "; ")), csvCell(v.InvitedByName),
				v.CreatedAt.UTC().Format(time.RFC3339), v.ExpiresAt.UTC().Format(time.RFC3339), uses})
		}
		cw.Flush()
		if p.Next == "" || cw.Error() != nil {
			break
		}
		f.After = p.Next
	}
	cw.Flush()
	return nil
}
