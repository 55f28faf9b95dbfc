package server

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/component"
	"github.com/roster-hub/roster/web/page"
)

// ImportStore keeps CSV imports between the dry run and the confirm, and
// runs them (implemented by the invitation store).
type ImportStore interface {
	// PrepareImport completes a dry run with what the database knows
	// (members, pending invitations) and keeps it; nothing else is written.
	PrepareImport(ctx context.Context, accountID, actorID int64, fileName string, ignored []string, rows []roster.ImportRow, now time.Time) (roster.Import, error)
	// Import returns one import. ENOTFOUND when it is not the account's.
	Import(ctx context.Context, accountID, id int64) (roster.Import, error)
	// ImportRows lists up to limit rows (roster.ImportRows…).
	ImportRows(ctx context.Context, accountID, id int64, which string, limit int) ([]roster.ImportRow, error)
	// EachImportRow streams every row by line.
	EachImportRow(ctx context.Context, accountID, id int64, fn func(roster.ImportRow) error) error
	// ConfirmImport queues the import's job. ENOTFOUND.
	ConfirmImport(ctx context.Context, accountID, actorID, id int64, now time.Time) (roster.Import, error)
}

// QuotaReader tells how many more invitations an administrator may make
// today (implemented by the invitation store).
type QuotaReader interface {
	InviteQuotaLeft(ctx context.Context, accountID, actorID int64, now time.Time) (int, error)
}

// quotaLeft is the actor's invitations left today, or -1 when unknown.
func (s *Server) quotaLeft(r *http.Request) int {
	q, ok := s.Invitations.(QuotaReader)
	if !ok {
		return -1
	}
	a, acc := actorFrom(r.Context())
	n, err := q.InviteQuotaLeft(r.Context(), acc.ID, a.User.ID, s.Now())
	if err != nil {
		return -1
	}
	return n
}

func (s *Server) importStore() (ImportStore, error) {
	st, ok := s.Invitations.(ImportStore)
	if !ok {
		return nil, errNotFound
	}
	return st, nil
}

// importCatalogue indexes the account's groups by path and roles by name
// (custom roles by their name; built-in ones also by their name in the
// request's language and in English, and by key).
//
// A group administrator's catalogue holds only the groups they manage, and
// every row must name one of them.
func (s *Server) importCatalogue(ctx context.Context) (roster.ImportCatalogue, error) {
	tree, err := s.managedTree(ctx)
	if err != nil {
		return roster.ImportCatalogue{}, err
	}
	roles, err := s.roles(ctx)
	if err != nil {
		return roster.ImportCatalogue{}, err
	}
	en := i18n.New("en-US")
	names := map[int64][]string{}
	for _, ro := range roles {
		n := []string{ro.Name, component.RoleName(ctx, ro)}
		if ro.Key != "" {
			n = append(n, en.T("role."+ro.Key), ro.Key)
		}
		names[ro.ID] = n
	}
	cat := roster.NewImportCatalogue(tree, names)
	a, _ := actorFrom(ctx)
	cat.NeedGroup = a.Scope() != nil
	cat.Headers, cat.Locale = importHeaders(), importLocale
	return cat, nil
}

// importView is the Add users dialog on its "Upload a CSV" tab.
func (s *Server) importView(r *http.Request) (page.AddUsers, error) {
	v, err := s.addUsersView(r, page.AddByEmail)
	v.Tab = page.AddByCSV
	return v, err
}

func (s *Server) handleImportTab(w http.ResponseWriter, r *http.Request) error {
	v, err := s.importView(r)
	if err != nil {
		return err
	}
	return renderAddUsers(w, r, http.StatusOK, v)
}

// handleImportUpload reads an uploaded CSV and shows its dry run: what
// would happen to each row. Nothing is invited until the confirm.
func (s *Server) handleImportUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	st, err := s.importStore()
	if err != nil {
		return err
	}
	v, err := s.importView(r)
	if err != nil {
		return err
	}
	refuse := func(key string, args ...any) error {
		v.Import.Problem, v.Import.ProblemArgs = key, args
		return renderAddUsers(w, r, http.StatusUnprocessableEntity, v)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBody)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return refuse("csv.error_too_large", roster.MaxImportBytes>>20)
		}
		return refuse("csv.error_no_file")
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return refuse("csv.error_no_file")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, roster.MaxImportBytes+1))
	if err != nil {
		return refuse("csv.error_no_file")
	}
	if len(data) > roster.MaxImportBytes {
		return refuse("csv.error_too_large", roster.MaxImportBytes>>20)
	}
	cat, err := s.importCatalogue(ctx)
	if err != nil {
		return err
	}
	if tag, ok := i18n.Supported(r.PostFormValue("locale")); ok {
		v.Locale = tag
	}
	rows, ignored, err := roster.ParseImportCSV(data, cat)
	if fe, ok := errors.AsType[*roster.ImportFileError](err); ok {
		if fe.Key == "csv.error_no_email_column" && len(ignored) > 0 {
			return refuse("csv.error_no_email_column_found", strings.Join(ignored, ", "))
		}
		return refuse(fe.Key, fe.Args...)
	}
	if err != nil {
		return err
	}
	for i := range rows {
		if rows[i].Locale == "" {
			rows[i].Locale = v.Locale // the dialog's language for rows without their own
		}
	}
	im, err := st.PrepareImport(ctx, acc.ID, a.User.ID, fileName(hdr.Filename), ignored, rows, s.Now())
	if err != nil {
		return err
	}
	v.Import = page.ImportView{Import: &im, QuotaLeft: s.quotaLeft(r)}
	if len(rows) <= page.ImportRowsShown {
		v.Import.Rows, v.Import.AllRows = rows, true
	} else {
		for _, row := range rows {
			if row.Outcome != roster.ImportInvite {
				v.Import.Rows = append(v.Import.Rows, row)
				if len(v.Import.Rows) == page.ImportRowsShown {
					break
				}
			}
		}
	}
	return renderAddUsers(w, r, http.StatusOK, v)
}

// fileName is the uploaded file's own name, shortened, for display.
func fileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" {
		return ""
	}
	if utf8.RuneCountInString(name) > 120 {
		name = string([]rune(name)[:120])
	}
	return name
}

// loadImport reads the import named by the path, with the rows its view
// lists. Another account's import is not found.
func (s *Server) loadImport(r *http.Request) (page.ImportView, error) {
	ctx := r.Context()
	_, acc := actorFrom(ctx)
	var iv page.ImportView
	st, err := s.importStore()
	if err != nil {
		return iv, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return iv, err
	}
	im, err := s.importOf(ctx, st, id)
	if err != nil {
		return iv, err
	}
	iv.Import = &im
	iv.QuotaLeft = -1
	if im.Status == roster.ImportDryRun {
		iv.QuotaLeft = s.quotaLeft(r)
	}
	switch {
	case im.Status == roster.ImportDryRun && im.Total <= page.ImportRowsShown:
		iv.AllRows = true
		iv.Rows, err = st.ImportRows(ctx, acc.ID, id, roster.ImportRowsAll, page.ImportRowsShown)
	case im.Status == roster.ImportDryRun:
		iv.Rows, err = st.ImportRows(ctx, acc.ID, id, roster.ImportRowsProblems, page.ImportRowsShown)
	case im.Finished():
		iv.Rows, err = st.ImportRows(ctx, acc.ID, id, roster.ImportRowsNotInvited, page.ImportRowsShown)
		iv.AllRows = im.Total <= page.ImportRowsShown && len(iv.Rows) == im.Total
	}
	return iv, err
}

// importOf returns an import of the account; a group administrator sees
// only their own (its rows name people and groups beyond their reach).
func (s *Server) importOf(ctx context.Context, st ImportStore, id int64) (roster.Import, error) {
	a, acc := actorFrom(ctx)
	im, err := st.Import(ctx, acc.ID, id)
	if err == nil && a.Scope() != nil && im.ActorID != a.User.ID {
		return roster.Import{}, errNotFound
	}
	return im, err
}

// handleImportView shows an import as the dialog's tab or a page: its dry
// run, its progress, or its result.
func (s *Server) handleImportView(w http.ResponseWriter, r *http.Request) error {
	iv, err := s.loadImport(r)
	if err != nil {
		return err
	}
	v, err := s.importView(r)
	if err != nil {
		return err
	}
	v.Import = iv
	var extra []templ.Component
	if isFragment(r) && iv.Import != nil && iv.Import.Finished() {
		// A small import may finish before its confirmation is answered:
		// then this answer, not a poll, brings the hub up to date.
		updates, err := s.hubUpdates(r)
		if err != nil {
			return err
		}
		extra = append(extra, updates)
	}
	return renderAddUsers(w, r, http.StatusOK, v, extra...)
}

// handleImportConfirm starts the import as a background job and shows its
// progress (without JavaScript: sends the browser to the import's page).
func (s *Server) handleImportConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	st, err := s.importStore()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	if _, err := s.importOf(ctx, st, id); err != nil {
		return err
	}
	if _, err := st.ConfirmImport(ctx, acc.ID, a.User.ID, id, s.Now()); err != nil {
		return err
	}
	if !isFragment(r) {
		http.Redirect(w, r, "/users/import/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	return s.handleImportView(w, r)
}

// handleImportProgress is the progress fragment htmx polls; once the
// import is done it brings the hub underneath up to date.
func (s *Server) handleImportProgress(w http.ResponseWriter, r *http.Request) error {
	if !isFragment(r) {
		return s.handleImportView(w, r)
	}
	iv, err := s.loadImport(r)
	if err != nil {
		return err
	}
	if iv.Import.Status == roster.ImportDryRun {
		return errNotFound
	}
	parts := []templ.Component{page.ImportProgress(iv)}
	if iv.Import.Finished() {
		updates, err := s.hubUpdates(r)
		if err != nil {
			return err
		}
		parts = append(parts, updates)
	}
	return render(w, r, http.StatusOK, join(parts...))
}

// handleImportTemplate is a CSV to fill in: the header and two example
// rows naming the account's own groups and roles.
func (s *Server) handleImportTemplate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	tree, err := s.managedTree(ctx)
	if err != nil {
		return err
	}
	roles, err := s.roles(ctx)
	if err != nil {
		return err
	}
	var deep, top []string
	for _, g := range tree.Groups {
		switch g.Depth() {
		case 1:
			top = append(top, strings.Join(tree.PathNames(g.ID), " > "))
		case 2:
			deep = append(deep, strings.Join(tree.PathNames(g.ID), " > "))
		}
	}
	groups1, groups2 := "", ""
	switch {
	case len(deep) > 0:
		groups1 = deep[0]
	case len(top) > 0:
		groups1 = top[0]
	}
	if len(top) > 1 {
		groups2 = top[0] + "; " + top[1]
	} else if len(top) == 1 {
		groups2 = top[0]
	}
	roleByKey := map[string]string{}
	var custom []string
	for _, ro := range roles {
		if ro.Key != "" {
			roleByKey[ro.Key] = component.RoleName(ctx, ro)
		} else {
			custom = append(custom, ro.Name)
		}
	}
	pick := func(keys ...string) string {
		var out []string
		for _, k := range keys {
			if n := roleByKey[k]; n != "" {
				out = append(out, n)
			}
		}
		if len(out) == 0 && len(custom) > 0 {
			out = custom[:1]
		}
		return strings.Join(out, "; ")
	}
	roles1, roles2 := pick(roster.RoleRequisitioner), pick(roster.RoleApprover, roster.RoleAnalyst)
	if groups1 == "" {
		roles1 = ""
	}
	if groups2 == "" {
		roles2 = ""
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="roster-import-template.csv"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	l := i18n.From(ctx)
	cw.WriteAll([][]string{
		{l.T("csv.col_email"), l.T("csv.col_name"), l.T("csv.col_groups"), l.T("csv.col_roles"), l.T("lang.csv_header")},
		{"jordan.lee@example.com", "Jordan Lee", csvCell(groups1), csvCell(roles1), ""},
		{"sam.rivera@example.com", "Sam Rivera", csvCell(groups2), csvCell(roles2), ""},
	})
	return nil
}

// handleImportReport streams every row of an import with what the dry run
// said and what the import did, spreadsheet formulas neutralised.
func (s *Server) handleImportReport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	_, acc := actorFrom(ctx)
	st, err := s.importStore()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	im, err := s.importOf(ctx, st, id)
	if err != nil {
		return err
	}
	l := i18n.From(ctx)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="import-`+strconv.FormatInt(im.ID, 10)+`-report.csv"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{l.T("csv.col_line"), l.T("csv.col_email"), l.T("csv.col_name"), l.T("csv.col_groups"), l.T("csv.col_roles"),
		l.T("csv.col_outcome"), l.T("csv.col_reason"), l.T("csv.col_result")})
	n := 0
	err = st.EachImportRow(ctx, acc.ID, id, func(row roster.ImportRow) error {
		outcome := page.ImportOutcome(ctx, row.Outcome)
		if err := cw.Write([]string{strconv.Itoa(row.Line), csvCell(row.Email), csvCell(row.Name), csvCell(row.Groups), csvCell(row.Roles),
			outcome, csvCell(page.ImportReason(ctx, row.Reason, row.Detail)), csvCell(page.ImportResult(ctx, row))}); err != nil {
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
		s.Logger.ErrorContext(ctx, "import report failed", "err", err, "rows", n)
	}
	return nil
}
