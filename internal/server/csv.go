package server

import (
	"bufio"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
	if s != "" && strings.IndexByte(csvFormulaStart, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// csvFormulaStart are the first characters csvCell neutralises.
const csvFormulaStart = "=+-@\t\r"

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
	roles, err := s.roles(ctx)
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
	// Rows are appended straight into a 64 KiB buffer, each cell escaped
	// as encoding/csv escapes it (csvField): a million rows are a quarter
	// of a gigabyte, and csv.Writer's 4 KiB buffer meant a write to the
	// connection every 15 rows, plus a []string and the joined group and
	// role strings per row.
	bw := bufio.NewWriterSize(w, 64<<10)
	var b []byte
	for i, k := range []string{"csv.col_name", "csv.col_email", "csv.col_status", "csv.col_groups", "csv.col_roles", "csv.col_last_sign_in", "csv.col_added", "csv.col_invited_by"} {
		if i > 0 {
			b = append(b, ',')
		}
		b = csvField(b, l.T(k))
	}
	b = append(b, '\n')
	bw.Write(b)
	n := 0
	// A million rows name the same few hundred groups and roles: each
	// group's path and each "role (path)" is made and escaped once.
	groupCells := map[int64]*csvText{}
	groupCell := func(id int64) *csvText {
		c, ok := groupCells[id]
		if !ok {
			c = newCSVText(strings.Join(tree.PathNames(id), " > "))
			groupCells[id] = c
		}
		return c
	}
	roleCells := map[[2]int64]*csvText{}
	roleCell := func(roleID, groupID int64) *csvText {
		c, ok := roleCells[[2]int64{roleID, groupID}]
		if !ok {
			c = newCSVText(roleName[roleID] + " (" + groupCell(groupID).raw + ")")
			roleCells[[2]int64{roleID, groupID}] = c
		}
		return c
	}
	active, deactivated := l.T("status.active"), l.T("status.deactivated")
	var groups, held []*csvText
	err = exp.ExportUsers(ctx, acc.ID, f, ids, func(u roster.User) error {
		groups, held = groups[:0], held[:0]
		for _, m := range u.Memberships {
			groups = append(groups, groupCell(m.GroupID))
			for _, rid := range m.RoleIDs {
				held = append(held, roleCell(rid, m.GroupID))
			}
		}
		status := active
		if u.Status == roster.StatusDeactivated {
			status = deactivated
		}
		b := bw.AvailableBuffer()
		b = csvField(b, csvCell(u.Name))
		b = append(b, ',')
		b = csvField(b, csvCell(u.Email))
		b = append(b, ',')
		b = csvField(b, status)
		b = append(b, ',')
		b = csvList(b, groups)
		b = append(b, ',')
		b = csvList(b, held)
		b = append(b, ',')
		if u.LastSignInAt != nil {
			b = u.LastSignInAt.UTC().AppendFormat(b, time.RFC3339)
		}
		b = append(b, ',')
		b = u.CreatedAt.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, ',')
		b = csvField(b, csvCell(u.InvitedByName))
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
		n++
		return nil
	})
	bw.Flush()
	if err != nil {
		// Headers are gone: the client sees a cut file; the log says why.
		s.Logger.ErrorContext(ctx, "export failed", "err", err, "rows", n)
	}
	return nil
}

// csvField appends field to b as encoding/csv's Writer (Comma ',', no
// CRLF) writes it: in quotes, its quotes doubled, when it holds a comma, a
// quote, CR or LF, starts with a space or is `\.`; else as it is.
func csvField(b []byte, field string) []byte {
	if !csvNeedsQuotes(field) {
		return append(b, field...)
	}
	b = append(b, '"')
	b = csvQuoted(b, field)
	return append(b, '"')
}

// csvNeedsQuotes is encoding/csv's fieldNeedsQuotes for Comma ','.
func csvNeedsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` || strings.ContainsAny(field, ",\"\r\n") {
		return true
	}
	r1, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r1)
}

// csvQuoted appends field with its quotes doubled (a quoted field's body).
func csvQuoted(b []byte, field string) []byte {
	for {
		i := strings.IndexByte(field, '"')
		if i < 0 {
			return append(b, field...)
		}
		b = append(b, field[:i+1]...)
		b = append(b, '"')
		field = field[i+1:]
	}
}

// csvText is a text that many cells hold (a group's path, a role held in
// a group), with what csvList needs to know about it worked out once.
type csvText struct {
	raw     string
	quoted  string // raw with its quotes doubled
	special bool   // holds a comma, quote, CR or LF
	space   bool   // starts with a space
	formula bool   // starts with a character csvCell neutralises
}

func newCSVText(raw string) *csvText {
	r1, _ := utf8.DecodeRuneInString(raw)
	return &csvText{raw: raw, quoted: strings.ReplaceAll(raw, `"`, `""`), special: strings.ContainsAny(raw, ",\"\r\n"),
		space: raw != "" && unicode.IsSpace(r1), formula: raw != "" && strings.IndexByte(csvFormulaStart, raw[0]) >= 0}
}

// csvList appends the cell csvField(csvCell(texts joined with "; ")),
// without joining them.
func csvList(b []byte, texts []*csvText) []byte {
	if len(texts) == 0 {
		return b
	}
	if len(texts) == 1 && texts[0].raw == `\.` {
		return append(b, `"\."`...)
	}
	// The joined text's first character is the first text's, or the
	// separator's when the first text is empty.
	first := texts[0]
	formula, quote := first.formula, first.space && !first.formula
	for _, t := range texts {
		quote = quote || t.special
	}
	if quote {
		b = append(b, '"')
	}
	if formula {
		b = append(b, '\'')
	}
	for i, t := range texts {
		if i > 0 {
			b = append(b, "; "...)
		}
		if quote {
			b = append(b, t.quoted...)
		} else {
			b = append(b, t.raw...)
		}
	}
	if quote {
		b = append(b, '"')
	}
	return b
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
	roles, err := s.roles(ctx)
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
