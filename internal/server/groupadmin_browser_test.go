package server_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/roster-hub/roster/internal/browser"
	"github.com/roster-hub/roster/internal/postgres"
)

// Finance's group administrator opens a hub held to Finance, picks "all
// people matching this view" and adds every one of them to Payables: the
// job's progress shows, and when it is done the cards and the table catch
// up. Their hub, the job's own page and their Groups screen are axe-clean.
func TestBrowserGroupAdministratorChangesAWholeView(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := startBrowser(t, 1440, 1000)
	if err := browser.SignIn(ctx, a.URL, postgres.DemoGroupAdminEmail, postgres.DemoMemberPassword); err != nil {
		t.Fatal(err)
	}
	payables := a.id(t, `SELECT id FROM groups WHERE name = 'Payables'`)
	finance := a.id(t, `SELECT id FROM groups WHERE name = 'Finance'`)
	do(t, ctx, chromedp.Navigate(a.URL+"/users"))
	waitFor(t, ctx, "the group administrator's hub", `!!document.querySelector("#scope-banner") && !!document.querySelector("#people-table")`)
	checkAxe(t, ctx, "a group administrator's hub")
	shot(t, ctx, "group-admin-hub.png")

	// Every person of Finance not yet in Payables: more than a page.
	var want int
	a.Pool.QueryRow(t.Context(), `SELECT count(DISTINCT m.user_id) FROM memberships m JOIN groups g ON g.id = m.group_id WHERE g.path @> ARRAY[$1::bigint]`, finance).Scan(&want)
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#people-table tbody input[type=checkbox]")),
		chromedp.SetValue(chromedp.CSS("#bulk-action"), "add_group"),
		chromedp.SetValue(chromedp.CSS("#bulk-group"), strconv.FormatInt(payables, 10)),
		chromedp.Click(chromedp.CSS("#bulk-people input[name=all]")),
		chromedp.Click(chromedp.CSS("#bulk-people button[type=submit]")),
	)
	waitFor(t, ctx, "the job's progress", `!!document.querySelector("#bulk-status #bulk-progress")`)
	waitFor(t, ctx, "the job done", `!!document.querySelector("#bulk-done")`)
	checkAxe(t, ctx, "the hub with a finished job")
	shot(t, ctx, "group-admin-bulk-done.png")
	var missing int
	a.Pool.QueryRow(t.Context(), `SELECT count(DISTINCT m.user_id) FROM memberships m JOIN groups g ON g.id = m.group_id WHERE g.path @> ARRAY[$1::bigint]
	  AND NOT EXISTS (SELECT 1 FROM memberships p WHERE p.user_id = m.user_id AND p.group_id = $2)`, finance, payables).Scan(&missing)
	if missing != 0 || want <= 50 {
		t.Errorf("%d of Finance's %d people are not in Payables", missing, want)
	}
	// The table caught up: filtered to Payables directly, it shows everyone.
	do(t, ctx, chromedp.Navigate(a.URL+"/users?group="+strconv.FormatInt(payables, 10)+"&sub=0"))
	waitFor(t, ctx, "Payables' people", `!!document.querySelector("#people-result-count")`)
	if got := eval[string](t, ctx, `document.querySelector("#people-result-count").textContent.trim()`); got != strconv.Itoa(want)+" people" {
		t.Errorf("Payables now shows %q, want %d people", got, want)
	}
	// The job's page of its own, and the Groups screen.
	var job int64
	a.Pool.QueryRow(t.Context(), `SELECT max(id) FROM bulk_jobs`).Scan(&job)
	do(t, ctx, chromedp.Navigate(a.URL+"/users/bulk/"+strconv.FormatInt(job, 10)))
	waitFor(t, ctx, "the job's page", `!!document.querySelector("#bulk-done")`)
	checkAxe(t, ctx, "a bulk job's page")
	do(t, ctx, chromedp.Navigate(a.URL+"/groups"))
	waitFor(t, ctx, "their Groups screen", `!!document.querySelector("#groups-tree")`)
	checkAxe(t, ctx, "a group administrator's Groups screen")
	shot(t, ctx, "group-admin-groups.png")
	if n := eval[int](t, ctx, `[...document.querySelectorAll("#groups-tree .group-label")].filter(e => e.textContent === "Sales").length`); n != 0 {
		t.Errorf("their Groups screen shows Sales")
	}
}
