package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/roster-hub/roster/internal/browser"
	"github.com/roster-hub/roster/internal/postgres"
)

// The administrator selects people without a group, adds them to a group
// in bulk, and sees the rows and the dashboard update in place.
func TestBrowserBulkAddToGroup(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := startBrowser(t, 1440, 1000)
	if err := browser.SignIn(ctx, a.URL, postgres.DemoAdminEmail, postgres.DemoAdminPassword); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(a.URL+"/users?nogroup=1"))
	waitFor(t, ctx, "people without a group", `!!document.querySelector("#people-table")`)
	card := func() string {
		return eval[string](t, ctx, `document.querySelector('#dashboard a.card[href="/users?nogroup=1"] .card-value').textContent`)
	}
	before := countIn(t, card())
	legal := a.id(t, `SELECT id FROM groups WHERE name = 'Legal'`)
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#people-table tbody tr:nth-child(1) input[type=checkbox]")),
		chromedp.Click(chromedp.CSS("#people-table tbody tr:nth-child(2) input[type=checkbox]")),
		chromedp.Click(chromedp.CSS("#people-table tbody tr:nth-child(3) input[type=checkbox]")),
		chromedp.SetValue(chromedp.CSS("#bulk-action"), "add_group"),
		chromedp.SetValue(chromedp.CSS("#bulk-group"), fmt.Sprint(legal)),
	)
	picked := eval[[]string](t, ctx, `[...document.querySelectorAll('#people-table tbody input[name=id]:checked')].map(c => c.value)`)
	if len(picked) != 3 {
		t.Fatalf("selected %v", picked)
	}
	shot(t, ctx, "bulk-selected.png")
	checkAxe(t, ctx, "the People table with bulk actions")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#bulk-people button[type=submit]`)))
	waitFor(t, ctx, "the bulk result", `(document.querySelector("#flash") || {}).textContent.includes("3 people")`)
	if after := countIn(t, card()); after != before-3 {
		t.Errorf("Users without a group card %d -> %d, want -3", before, after)
	}
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll("#people-table tbody tr")].map(r => r.dataset.userId)`)
	for _, id := range picked {
		for _, r := range rows {
			if r == id {
				t.Errorf("person %s is still listed without a group", id)
			}
		}
	}
	shot(t, ctx, "bulk-done.png")
	// A search, then a row ticked at once: leaving the search box must not
	// load the same results again (it did: a "change" as the box lost
	// focus swapped the table and dropped the tick), and the group picker
	// swapped in with the results works.
	groups := a.id(t, `SELECT count(*) FROM groups WHERE account_id = (SELECT account_id FROM groups WHERE id = $1)`, legal)
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#people-q"), "a"))
	waitFor(t, ctx, "the search's results", `location.search.includes("q=a") && !document.querySelector(".htmx-request, .htmx-settling, .htmx-swapping")`)
	if n := eval[int64](t, ctx, `document.querySelectorAll("#bulk-group option[value]:not([value=''])").length`); n != groups {
		t.Errorf("after the swaps the group picker has %d groups, want %d", n, groups)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#people-table tbody tr:nth-child(1) input[type=checkbox]")),
		chromedp.SetValue(chromedp.CSS("#bulk-action"), "add_group"),
		chromedp.SetValue(chromedp.CSS("#bulk-group"), fmt.Sprint(legal)),
		chromedp.Click(chromedp.CSS(`#bulk-people button[type=submit]`)),
	)
	waitFor(t, ctx, "the second bulk result", `(document.querySelector("#flash") || {}).textContent.includes("1 person")`)
	// Their detail now shows Legal.
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%s", a.URL, picked[0])))
	if text := eval[string](t, ctx, `document.querySelector("#person-body").textContent`); !strings.Contains(text, "Legal") {
		t.Errorf("person detail lacks Legal")
	}
	checkAxe(t, ctx, "the person page")
	shot(t, ctx, "person.png")
}
