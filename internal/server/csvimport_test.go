package server_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/roster-hub/roster/internal/postgres"
)

// upload posts a CSV file to /users/import as a browser's form would.
func (a *app) upload(t testing.TB, c *http.Client, name string, content []byte, headers ...string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/users/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res, readAll(res)
}

var importIDRE = regexp.MustCompile(`/users/import/(\d+)/report\.csv`)

// importID is the id of the import a dry-run page shows.
func importID(t testing.TB, body string) string {
	t.Helper()
	m := importIDRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no import id in %.300q", body)
	}
	return m[1]
}

func (a *app) invitations(t testing.TB) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM invitations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var asDialog = []string{"HX-Request", "true", "HX-Target", "dialog-body", "HX-Current-URL", "/users?tab=invitations"}

// The dry run through HTTP: each file's rows with their line numbers and
// outcomes, or the file's problem; as an htmx fragment and as a page.
// Nothing is invited.
func TestImportDryRunHTTP(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	tests := []struct {
		name     string
		file     string
		status   int
		outcomes string // line:outcome of the listed rows
		text     []string
	}{
		{"mixed", "\ufeffEmail,Name,Groups,Roles,Team\r\n" +
			"new.one@newhire.example,New One,Finance > Payables,Approver; Requisitioner,x\r\n" +
			postgres.DemoMemberEmail + ",,,\r\n" +
			"new.one@newhire.example,,,\r\n" +
			"\r\n" +
			"\"Doe, Jane <jane@newhire.example>\",,\"Sales > EMEA; Legal\",analyst\r\n" +
			"broken@,,,\r\n" +
			"x@newhire.example,,Finance > Nowhere,\r\n" +
			"y@newhire.example,,Legal,Chief\r\n" +
			"z@newhire.example,,,,,extra\r\n",
			http.StatusOK, "2:invite 3:skip 4:skip 6:invite 7:error 8:error 9:error 10:error",
			[]string{"2 to invite", "2 skipped", "4 errors", "8 rows in the file", "Already a member", "The same address as line 2",
				"Unknown group “Finance > Nowhere”", "Unknown role “Chief”", "More cells than the header has columns",
				"These columns are not read and were ignored: Team.", "Confirm and send 2 invitations"}},
		{"latin-1", "email,name\na@newhire.example,Ann\nb@newhire.example,Jos\xe9\n", http.StatusUnprocessableEntity, "",
			[]string{"The file is not UTF-8 text (first problem on line 3)"}},
		{"no email column", "name,groups\nAnn,Legal\n", http.StatusUnprocessableEntity, "",
			[]string{"with an “email” column; it has: name, groups."}},
		{"nothing to invite", "email\n" + postgres.DemoAdminEmail + "\n", http.StatusOK, "2:skip", []string{"Nothing to invite"}},
	}
	before := a.invitations(t)
	for _, tt := range tests {
		for _, mode := range []string{"fragment", "page"} {
			t.Run(tt.name+" "+mode, func(t *testing.T) {
				var headers []string
				if mode == "fragment" {
					headers = asDialog
				}
				res, body := a.upload(t, c, "people.csv", []byte(tt.file), headers...)
				if res.StatusCode != tt.status {
					t.Fatalf("status %d, want %d: %.500s", res.StatusCode, tt.status, body)
				}
				doc := parse(t, body)
				if full := doc.Find("html").Length() > 0 && doc.Find("nav").Length() > 0; full != (mode == "page") {
					t.Errorf("%s: full page = %v", mode, full)
				}
				if doc.Find(`#add-tab-csv[aria-selected="true"]`).Length() != 1 {
					t.Error("the Upload a CSV tab is not the selected one")
				}
				var got []string
				doc.Find("#csv-rows tbody tr").Each(func(_ int, s *goquery.Selection) {
					got = append(got, s.AttrOr("data-line", "")+":"+s.AttrOr("data-outcome", ""))
				})
				if strings.Join(got, " ") != tt.outcomes {
					t.Errorf("rows %q, want %q", strings.Join(got, " "), tt.outcomes)
				}
				text := strings.Join(strings.Fields(doc.Text()), " ")
				for _, w := range tt.text {
					if !strings.Contains(text, w) {
						t.Errorf("no %q in %.800q", w, text)
					}
				}
				if tt.status != http.StatusOK && doc.Find(`#csv-file[aria-invalid="true"]`).Length() != 1 {
					t.Error("the file field is not marked invalid")
				}
			})
		}
	}
	if after := a.invitations(t); after != before {
		t.Errorf("the dry runs wrote invitations: %d -> %d", before, after)
	}
	// No file at all, and a file over the limit.
	res := a.post(t, c, "/users/import", url.Values{})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("no file: status %d", res.StatusCode)
	}
	big := bytes.Repeat([]byte("x"), 21<<20)
	if res, body := a.upload(t, c, "big.csv", big); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "larger than 20 MB") {
		t.Errorf("21 MB: status %d", res.StatusCode)
	}
}

// Confirm, progress until done (the hub updated out of band), the final
// summary, the report with formulas neutralised, and the template that
// uploads as it is.
func TestImportConfirmProgressReport(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	before := a.invitations(t)
	res, body := a.upload(t, c, "team.csv", []byte("email,name,groups,roles\n"+
		"ana.new@newhire.example,\"=HYPERLINK(\"\"http://evil.example\"\")\",Legal,Analyst\n"+
		"ben.new@newhire.example,Ben,Finance > Payables,\n"+
		"+1@,,,\n"), asDialog...)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dry run: %d", res.StatusCode)
	}
	id := importID(t, body)
	if a.invitations(t) != before {
		t.Fatal("the dry run invited")
	}
	// The view of the dry run can be opened again (another server process
	// would read it from the database just the same).
	if res, body := a.get(t, c, "/users/import/"+id); res.StatusCode != http.StatusOK || !strings.Contains(body, "Confirm and send 2 invitations") {
		t.Fatalf("dry run page: %d", res.StatusCode)
	}

	res = a.post(t, c, "/users/import/"+id+"/confirm", url.Values{}, asDialog...)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	var doc string
	deadline := time.Now().Add(20 * time.Second)
	for polls := 0; ; polls++ {
		res, doc = a.get(t, c, "/users/import/"+id+"/progress", "HX-Request", "true", "HX-Target", "csv-progress", "HX-Current-URL", a.URL+"/users?tab=invitations")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("progress: %d", res.StatusCode)
		}
		if strings.Contains(doc, "csv-finished") {
			break
		}
		if !strings.Contains(doc, `hx-trigger="every 1s"`) || !strings.Contains(doc, "<progress") {
			t.Fatalf("a running import's fragment does not poll: %.300s", doc)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not finish: %.300s", doc)
		}
		time.Sleep(100 * time.Millisecond)
	}
	d := parse(t, doc)
	if got := strings.Join(strings.Fields(d.Find("#csv-progress-title").Text()), " "); got != "Import finished: 2 invitations sent" {
		t.Errorf("final title %q", got)
	}
	if d.Find(`#dashboard[hx-swap-oob]`).Length() != 1 || d.Find(`#invitations-count[hx-swap-oob]`).Length() != 1 ||
		!strings.Contains(d.Find(`#invites-results[hx-swap-oob]`).Text(), "ana.new@newhire.example") {
		t.Errorf("the finished import does not update the hub's cards, counts and invitations out of band")
	}
	if d.Find(`[hx-trigger]`).Length() != 0 {
		t.Error("the finished fragment still polls")
	}
	// A small import can finish before its confirmation is answered: that
	// answer (the import's view in the dialog) then updates the hub itself.
	if res, doc := a.get(t, c, "/users/import/"+id, asDialog...); res.StatusCode != http.StatusOK ||
		parse(t, doc).Find(`#invitations-count[hx-swap-oob]`).Length() != 1 || !strings.Contains(doc, "csv-finished") {
		t.Errorf("the finished import's view in the dialog does not update the hub: %d", res.StatusCode)
	}
	if got := a.invitations(t); got != before+2 {
		t.Errorf("invitations %d -> %d, want +2", before, got)
	}
	// The emails go out through the queue.
	var to []string
	for _, m := range a.SMTP.WaitFor(t, 2, 15*time.Second) {
		to = append(to, m.To)
	}
	if !strings.Contains(strings.Join(to, " "), "ana.new@newhire.example") || !strings.Contains(strings.Join(to, " "), "ben.new@newhire.example") {
		t.Errorf("emails to %v", to)
	}
	var started, finished int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE action = 'csv_import_started'), count(*) FILTER (WHERE action = 'csv_import_finished') FROM audit_events`).Scan(&started, &finished)
	if started != 1 || finished != 1 {
		t.Errorf("audit: %d started, %d finished", started, finished)
	}
	// Confirming again starts nothing new.
	if res := a.post(t, c, "/users/import/"+id+"/confirm", url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/users/import/"+id {
		t.Errorf("second confirm without JS: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := a.invitations(t); got != before+2 {
		t.Errorf("a second confirm invited again: %d", got)
	}
	// The page of the finished import, without JavaScript.
	if res, body := a.get(t, c, "/users/import/"+id); res.StatusCode != http.StatusOK || !strings.Contains(body, "Import finished") {
		t.Errorf("finished page: %d", res.StatusCode)
	}

	// The report: every row, formulas neutralised.
	res, report := a.get(t, c, "/users/import/"+id+"/report.csv")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("report: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	records, err := csv.NewReader(strings.NewReader(report)).ReadAll()
	if err != nil || len(records) != 4 {
		t.Fatalf("report: %d records, %v\n%s", len(records), err, report)
	}
	if want := []string{"Line", "Email", "Name", "Groups", "Roles", "Check", "Why", "Result"}; strings.Join(records[0], ",") != strings.Join(want, ",") {
		t.Errorf("report header %q", records[0])
	}
	if records[1][0] != "2" || records[1][2] != `'=HYPERLINK("http://evil.example")` || records[1][7] != "Invited" {
		t.Errorf("report row 2 %q", records[1])
	}
	if records[3][0] != "4" || records[3][1] != "'+1@" || records[3][5] != "Error" || records[3][6] != "nothing after the @" || records[3][7] != "" {
		t.Errorf("report row 4 %q", records[3])
	}

	// The template names the account's own groups and roles and uploads as it is.
	res, tpl := a.get(t, c, "/users/import/template.csv")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(tpl, "Email,Name,Groups,Roles,Language\n") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("template: %d %q", res.StatusCode, tpl)
	}
	if recs, err := csv.NewReader(strings.NewReader(tpl)).ReadAll(); err != nil || len(recs) != 3 || !strings.Contains(recs[1][2], " > ") || !strings.Contains(recs[2][3], ";") {
		t.Errorf("template rows %q, %v", recs, err)
	}
	res, body = a.upload(t, c, "roster-import-template.csv", []byte(tpl), asDialog...)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "2 to invite") {
		t.Errorf("the template does not upload cleanly: %d %.600s", res.StatusCode, body)
	}
}

// Another account's import ids are not found, whatever the route; a
// cross-origin upload or confirm is refused before any handler runs.
func TestImportScopedAndCrossOrigin(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	_, body := a.upload(t, c, "a.csv", []byte("email\nsomeone@newhire.example\n"))
	id := importID(t, body)

	other := a.client(t)
	a.post(t, other, "/signup", url.Values{"account": {"Initech"}, "name": {"Bill L"}, "email": {"bill@initech.example"}, "password": {"tps-reports-2026"}})
	for _, path := range []string{"/users/import/" + id, "/users/import/" + id + "/progress", "/users/import/" + id + "/report.csv", "/users/import/999999/report.csv", "/users/import/x"} {
		if res, _ := a.get(t, other, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s from another account: %d", path, res.StatusCode)
		}
	}
	if res := a.post(t, other, "/users/import/"+id+"/confirm", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("confirm from another account: %d", res.StatusCode)
	}
	var status string
	a.Pool.QueryRow(t.Context(), `SELECT status FROM csv_imports WHERE id = $1`, id).Scan(&status)
	if status != "dry_run" {
		t.Errorf("another account's confirm changed the import to %q", status)
	}
	// A member who is not an administrator cannot reach any of it.
	member := a.signIn(t, postgres.DemoMemberEmail, postgres.DemoMemberPassword)
	if res, _ := a.get(t, member, "/users/import/"+id+"/report.csv"); res.StatusCode == http.StatusOK {
		t.Errorf("a member reads the report: %d", res.StatusCode)
	}

	for _, headers := range [][]string{{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "cross-site"}} {
		if res, _ := a.upload(t, c, "a.csv", []byte("email\nx@newhire.example\n"), headers...); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin upload %v: %d", headers, res.StatusCode)
		}
		if res := a.post(t, c, "/users/import/"+id+"/confirm", url.Values{}, headers...); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin confirm %v: %d", headers, res.StatusCode)
		}
	}
	a.Pool.QueryRow(t.Context(), `SELECT status FROM csv_imports WHERE id = $1`, id).Scan(&status)
	if status != "dry_run" {
		t.Errorf("a cross-origin confirm changed the import to %q", status)
	}
	// The same from this origin works.
	if res := a.post(t, c, "/users/import/"+id+"/confirm", url.Values{}, "Origin", a.URL, "Sec-Fetch-Site", "same-origin"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin confirm: %d", res.StatusCode)
	}
}

// The Upload a CSV tab: as the dialog's body and as a page of its own.
func TestImportTab(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	for _, headers := range [][]string{nil, {"HX-Request", "true", "HX-Target", "dialog-body"}, {"HX-Request", "true", "HX-Target", "dialog"}} {
		res, body := a.get(t, c, "/users/import", headers...)
		doc := parse(t, body)
		if res.StatusCode != http.StatusOK || doc.Find(`form[action="/users/import"][enctype="multipart/form-data"] input[type=file][name=file][accept]`).Length() != 1 ||
			doc.Find(`a[href="/users/import/template.csv"][download]`).Length() != 1 || doc.Find(`#add-tab-csv[aria-selected="true"]`).Length() != 1 {
			t.Errorf("GET /users/import %v: %d %.300s", headers, res.StatusCode, body)
		}
		if (len(headers) > 0 && headers[3] == "dialog") != (doc.Find("dialog#add-users-dialog").Length() == 1) {
			t.Errorf("%v: dialog wrapper wrong", headers)
		}
	}
	// The other tabs link to it.
	_, body := a.get(t, c, "/users/add", "HX-Request", "true", "HX-Target", "dialog-body")
	if !strings.Contains(body, `id="add-tab-csv"`) {
		t.Error("the email tab has no Upload a CSV tab")
	}
}

// LONG-RUNNING: a 100,000-row file's dry run through HTTP (upload, parse,
// set-based lookups, storing, rendering), timed: about 5 s alone. Not
// parallel, so it runs before this package's parallel tests. Skipped
// with -short.
func TestImportDryRun100000RowsHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("long-running: the 100,000-row dry run")
	}
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	var sb strings.Builder
	sb.WriteString("email,name,groups,roles\n")
	for i := range 100_000 {
		switch {
		case i%500 == 0:
			fmt.Fprintf(&sb, "broken%d@,,,\n", i)
		case i%10 == 0:
			fmt.Fprintf(&sb, "p%06d@bulk.example,Person %d,Finance > Payables; Legal,Requisitioner; Approver\n", i, i)
		default:
			fmt.Fprintf(&sb, "p%06d@bulk.example,Person %d,Sales > EMEA,\n", i, i)
		}
	}
	before := a.invitations(t)
	start := time.Now()
	res, body := a.upload(t, c, "bulk.csv", []byte(sb.String()), asDialog...)
	took := time.Since(start)
	t.Logf("100,000-row dry run through HTTP: %v (%d KB file, %d KB response)", took.Round(time.Millisecond), sb.Len()>>10, len(body)>>10)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	doc := parse(t, body)
	if n := doc.Find("#csv-rows tbody tr").Length(); n != 200 {
		t.Errorf("%d rows listed, want the first 200 problems", n)
	}
	text := strings.Join(strings.Fields(doc.Text()), " ")
	for _, w := range []string{"99,800 to invite", "200 errors", "100,000 rows in the file", "Showing the first 200 rows that are skipped or wrong, of 100,000."} {
		if !strings.Contains(text, w) {
			t.Errorf("no %q", w)
		}
	}
	if took > 60*time.Second { // about 5 s alone; room for a busy machine
		t.Errorf("the dry run took %v, want well under 20s (alone)", took)
	}
	if a.invitations(t) != before {
		t.Error("the dry run invited")
	}
	// The full report streams all 100,000 rows.
	start = time.Now()
	_, report := a.get(t, c, "/users/import/"+importID(t, body)+"/report.csv")
	t.Logf("its report: %v", time.Since(start).Round(time.Millisecond))
	if lines := strings.Count(report, "\n"); lines != 100_001 {
		t.Errorf("report: %d lines, want 100,001", lines)
	}
}
