package server_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/roster-hub/roster/internal/browser"
	"github.com/roster-hub/roster/internal/postgres"
)

// An administrator creates a subgroup from a row's menu, moves it under
// another group, is told clearly when a name is taken or a group cannot
// be deleted, and the Groups and Roles screens pass axe-core throughout.
func TestBrowserGroupsCreateMoveAndRoles(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := startBrowser(t, 1440, 1000)
	if err := browser.SignIn(ctx, a.URL, postgres.DemoAdminEmail, postgres.DemoAdminPassword); err != nil {
		t.Fatal(err)
	}
	finance, sales, payables := a.gaGroup(t, "Finance"), a.gaGroup(t, "Sales"), a.gaGroup(t, "Finance", "Payables")
	do(t, ctx, chromedp.Navigate(a.URL+"/groups"))
	waitFor(t, ctx, "the Groups screen", `!!document.querySelector("#groups-tree tbody tr")`)
	shot(t, ctx, "groups.png")
	checkAxe(t, ctx, "the Groups screen")

	// Add a subgroup of Finance from its row's menu.
	openMenuItem := func(group int64, action string) {
		t.Helper()
		do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#group-%d button[popovertarget]`, group))))
		waitFor(t, ctx, "the row menu", fmt.Sprintf(`document.querySelector("#group-menu-%d").matches(":popover-open")`, group))
		do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#group-menu-%d a[href*="%s"]`, group, action))))
		waitFor(t, ctx, "the dialog", `!!document.querySelector("dialog#group-dialog[open]")`)
	}
	openMenuItem(finance, "/groups/new")
	if got := eval[string](t, ctx, `document.querySelector("#group-parent").value`); got != strconv.FormatInt(finance, 10) {
		t.Errorf("Add subgroup preselects %s, want Finance", got)
	}
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "group-name" {
		t.Errorf("focus in the dialog on %q, want the name", got)
	}
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#group-name"), "Audit"))
	shot(t, ctx, "groups-create-dialog.png")
	checkAxe(t, ctx, "the New group dialog")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#group-dialog button[type=submit].btn-primary`)))
	waitFor(t, ctx, "the new group in the tree", `[...document.querySelectorAll("#groups-tree tr.changed .group-label")].some(e => e.textContent === "Audit") && !document.querySelector("#dialog dialog")`)
	if flash := eval[string](t, ctx, `document.querySelector("#flash").textContent`); flash != "Created “Audit” in Finance." {
		t.Errorf("flash %q", flash)
	}
	audit := a.gaGroup(t, "Finance", "Audit")
	if focused := eval[string](t, ctx, `document.activeElement.closest("tr") ? document.activeElement.closest("tr").id : ""`); focused != fmt.Sprintf("group-%d", audit) {
		t.Errorf("after creating, focus is in %q", focused)
	}
	// It sits right below Finance's other subgroups, indented one deeper.
	order := eval[[]string](t, ctx, `[...document.querySelectorAll("#groups-tree tbody tr")].map(r => r.dataset.groupId)`)
	if i := slices.Index(order, strconv.FormatInt(audit, 10)); i < 0 || !slices.Contains(order[:i], strconv.FormatInt(finance, 10)) ||
		eval[string](t, ctx, fmt.Sprintf(`document.querySelector("#group-%d").className`, audit)) != "gt-depth-2 changed" {
		t.Errorf("Audit at %d in %v, class %q", i, order, eval[string](t, ctx, fmt.Sprintf(`document.querySelector("#group-%d").className`, audit)))
	}
	shot(t, ctx, "groups-created.png")

	// Move it under Sales.
	openMenuItem(audit, "/move")
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#group-parent"), strconv.FormatInt(sales, 10)))
	shot(t, ctx, "groups-move-dialog.png")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#group-dialog button[type=submit].btn-primary`)))
	waitFor(t, ctx, "the move", `(document.querySelector("#flash") || {}).textContent === "Moved “Audit” into Sales." && !document.querySelector("#dialog dialog")`)
	if a.gaGroup(t, "Sales", "Audit") != audit {
		t.Fatal("Audit is not in Sales")
	}
	var path []int64
	a.Pool.QueryRow(t.Context(), `SELECT path FROM groups WHERE id = $1`, audit).Scan(&path)
	if !slices.Equal(path, []int64{a.gaGroup(t), sales, audit}) {
		t.Errorf("path after the move %v", path)
	}

	// A taken name is refused in the dialog, which stays open and accessible.
	openMenuItem(audit, "/rename")
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#group-name"), "north america"))
	do(t, ctx, chromedp.Click(chromedp.CSS(`#group-dialog button[type=submit].btn-primary`)))
	waitFor(t, ctx, "the problem", `!!document.querySelector("dialog#group-dialog[open] #group-problem-name")`)
	problem := eval[string](t, ctx, `document.querySelector("#group-problem-name").textContent`)
	if problem == "" || eval[string](t, ctx, `document.activeElement.id`) != "group-name" {
		t.Errorf("problem %q, focus on %q", problem, eval[string](t, ctx, `document.activeElement.id`))
	}
	shot(t, ctx, "groups-name-taken.png")
	checkAxe(t, ctx, "the Rename dialog with a problem")
	do(t, ctx, chromedp.KeyEvent("\x1b"))
	waitFor(t, ctx, "the dialog to close", `!document.querySelector("#dialog dialog")`)

	// Deleting a group with members says why not.
	openMenuItem(payables, "/delete")
	waitFor(t, ctx, "the reasons", `!!document.querySelector("#group-dialog .group-blocked li")`)
	shot(t, ctx, "groups-delete-blocked.png")
	checkAxe(t, ctx, "the Delete dialog")
	do(t, ctx, chromedp.KeyEvent("\x1b"))

	// The Roles screen.
	do(t, ctx, chromedp.Navigate(a.URL+"/roles"))
	waitFor(t, ctx, "the Roles screen", `!!document.querySelector("#roles-table tbody tr")`)
	shot(t, ctx, "roles.png")
	checkAxe(t, ctx, "the Roles screen")
	do(t, ctx, chromedp.Click(chromedp.CSS("#new-role")))
	waitFor(t, ctx, "the New role dialog", `!!document.querySelector("dialog#role-dialog[open]")`)
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#role-name"), "Budget owner"),
		chromedp.SendKeys(chromedp.CSS("#role-description"), "Owns a cost centre's budget"))
	checkAxe(t, ctx, "the New role dialog")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#role-dialog button[type=submit].btn-primary`)))
	waitFor(t, ctx, "the new role", `[...document.querySelectorAll("#roles-table tr.changed .role-title")].some(e => e.textContent === "Budget owner")`)
	shot(t, ctx, "roles-created.png")

	// Without JavaScript: the row menu (a native popover) opens the rename
	// page, whose form posts and comes back to the screen, which confirms.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(a.URL+"/groups"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#group-%d button[popovertarget]`, audit))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#group-menu-%d a[href$="/rename"]`, audit))))
	waitFor(t, ctx, "the rename page", fmt.Sprintf(`location.pathname === "/groups/%d/rename" && !!document.querySelector("#group-name")`, audit))
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#group-name"), "Sales Audit"),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	waitFor(t, ctx, "the Groups screen again", `location.pathname === "/groups" && !!document.querySelector("main .alert-ok")`)
	if msg := eval[string](t, ctx, `document.querySelector("main .alert-ok").textContent`); msg != "Renamed to “Sales Audit”." {
		t.Errorf("without JavaScript the screen says %q", msg)
	}
	shot(t, ctx, "groups-nojs-renamed.png")
}
