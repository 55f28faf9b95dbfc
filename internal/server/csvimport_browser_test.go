package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/roster-hub/roster/internal/browser"
	"github.com/roster-hub/roster/internal/postgres"
)

// The administrator opens Add users, picks the Upload a CSV tab, uploads a
// small file, reads the dry run, confirms, and watches the progress to the
// end; the hub underneath counts the new invitations.
func TestBrowserImportCSV(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := startBrowser(t, 1280, 1000)
	if err := browser.SignIn(ctx, a.URL, postgres.DemoAdminEmail, postgres.DemoAdminPassword); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "new-team.csv")
	if err := os.WriteFile(file, []byte("email,name,groups,roles\r\n"+
		"nina.petrova@newhire.example,Nina Petrova,Finance > Payables,Approver; Requisitioner\r\n"+
		"omar.said@newhire.example,Omar Said,Legal,\r\n"+
		postgres.DemoMemberEmail+",Pat Lee,,\r\n"+
		"\"Quinn Ray <quinn.ray@newhire.example>\",,Finance > Nowhere,\r\n"+
		"broken@,,,\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	do(t, ctx, chromedp.Navigate(a.URL+"/users?tab=invitations"))
	before := eval[string](t, ctx, `document.querySelector("#invitations-count").textContent`)
	do(t, ctx, chromedp.Click(chromedp.CSS("#add-users")))
	waitFor(t, ctx, "the Add users dialog", `!!document.querySelector("dialog#add-users-dialog[open]")`)
	do(t, ctx, chromedp.Click(chromedp.CSS("#add-tab-csv")))
	waitFor(t, ctx, "the Upload a CSV tab", `!!document.querySelector("#csv-file") && document.querySelector("#add-tab-csv").getAttribute("aria-selected") === "true"`)
	shot(t, ctx, "csv-upload.png")
	checkAxe(t, ctx, "the Upload a CSV tab")

	do(t, ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#csv-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#dialog-body form.csv-upload button[type=submit]")),
	)
	waitFor(t, ctx, "the dry run", `!!document.querySelector("#csv-dry-run")`)
	outcomes := eval[string](t, ctx, `[...document.querySelectorAll("#csv-rows tbody tr")].map(r => r.dataset.line + ":" + r.dataset.outcome).join(" ")`)
	if outcomes != "2:invite 3:invite 4:skip 5:error 6:error" {
		t.Errorf("dry run rows %q", outcomes)
	}
	summary := eval[string](t, ctx, `document.querySelector("#csv-summary").textContent`)
	if !strings.Contains(summary, "2 to invite") || !strings.Contains(summary, "1 skipped") || !strings.Contains(summary, "2 errors") {
		t.Errorf("summary %q", summary)
	}
	if got := eval[string](t, ctx, `document.querySelector("#invitations-count").textContent`); got != before {
		t.Errorf("the dry run changed the invitations count %s -> %s", before, got)
	}
	shot(t, ctx, "csv-dry-run.png")
	checkAxe(t, ctx, "the CSV dry run")

	do(t, ctx, chromedp.Click(chromedp.CSS("#csv-confirm")))
	waitFor(t, ctx, "the progress", `!!document.querySelector("#csv-progress progress")`)
	waitFor(t, ctx, "the end of the import", `!!document.querySelector("#csv-progress.csv-finished")`)
	title := eval[string](t, ctx, `document.querySelector("#csv-progress-title").textContent`)
	if title != "Import finished: 2 invitations sent" {
		t.Errorf("final title %q", title)
	}
	if done := eval[bool](t, ctx, `(p => p.value === p.max)(document.querySelector("#csv-progress-bar"))`); !done {
		t.Error("the progress bar is not full")
	}
	// The hub underneath already counts them, and lists them.
	after := eval[string](t, ctx, `document.querySelector("#invitations-count").textContent`)
	if countIn(t, after) != countIn(t, before)+2 {
		t.Errorf("invitations count %s -> %s, want +2", before, after)
	}
	if rows := eval[string](t, ctx, `document.querySelector("#invitations-table").textContent`); !strings.Contains(rows, "nina.petrova@newhire.example") {
		t.Error("the invitations table behind the dialog was not refreshed")
	}
	shot(t, ctx, "csv-finished.png")
	checkAxe(t, ctx, "the finished CSV import")

	do(t, ctx, chromedp.Click(chromedp.CSS(`#dialog-body [data-close-dialog]`)))
	waitFor(t, ctx, "the dialog closed", `!document.querySelector("#dialog dialog")`)
}
