package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/roster-hub/roster/internal/browser"
	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

// startBrowser opens headless Chromium for t. Browser tests never skip in
// CI; elsewhere they skip, saying why, only when Chromium is missing.
func startBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	if browser.ExecPath() == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is not installed; CI must install it (apt-get install chromium)")
		}
		t.Skip("Chromium is not installed (apt-get install chromium): skipping the browser test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	tab, stop, err := browser.Start(ctx, t.TempDir(), width, height)
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(stop)
	return tab
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			if err := browser.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (%s)", what, js)
}

const rowIDs = `[...document.querySelectorAll("#people-table tbody tr")].map(r => r.dataset.userId)`

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	path := filepath.Join(t.ArtifactDir(), name)
	if err := browser.Screenshot(ctx, path); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
}

func checkAxe(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	v, err := browser.Axe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v {
		t.Errorf("axe on %s: %s", page, x)
	}
}

func expectedIDs(t *testing.T, a *app, f roster.UserFilter) []string {
	t.Helper()
	var accountID int64
	if err := a.Pool.QueryRow(t.Context(), `SELECT account_id FROM users WHERE email = $1`, postgres.DemoAdminEmail).Scan(&accountID); err != nil {
		t.Fatal(err)
	}
	f.Limit = roster.PageSize
	if f.Sort == "" {
		f.Sort = roster.SortName
	}
	p, err := postgres.NewUserStore(a.Pool).FindUsers(t.Context(), accountID, f)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range p.Users {
		ids = append(ids, strconv.FormatInt(u.ID, 10))
	}
	return ids
}

// An administrator signs in, searches, filters by a subgroup, goes back,
// and opens a dashboard card: each view shows exactly the right people.
func TestBrowserHubSearchFilterBackAndCards(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := startBrowser(t, 1440, 1000)
	if err := browser.SignIn(ctx, a.URL, postgres.DemoAdminEmail, postgres.DemoAdminPassword); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the hub", `location.pathname === "/users" && !!document.querySelector("#people-table")`)
	shot(t, ctx, "hub.png")
	checkAxe(t, ctx, "the hub")

	// Results as you type, debounced, with the view in the URL.
	do(t, ctx, chromedp.Click(chromedp.CSS("#people-q")), chromedp.SendKeys(chromedp.CSS("#people-q"), "gar"))
	waitFor(t, ctx, "search results", `new URLSearchParams(location.search).get("q") === "gar"`)
	searched := eval[[]string](t, ctx, rowIDs)
	if want := expectedIDs(t, a, roster.UserFilter{Query: "gar"}); !slices.Equal(searched, want) || len(want) == 0 {
		t.Fatalf("search gar shows %v, want %v", searched, want)
	}
	if focused := eval[string](t, ctx, `document.activeElement.id`); focused != "people-q" {
		t.Errorf("focus moved to %q while typing", focused)
	}

	// Filter by a subgroup (with its subgroups).
	var payables int64
	a.Pool.QueryRow(t.Context(), `SELECT id FROM groups WHERE name = 'Payables'`).Scan(&payables)
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#people-group"), strconv.FormatInt(payables, 10)))
	eval[bool](t, ctx, `document.querySelector("#people-group").dispatchEvent(new Event("change", {bubbles: true}))`)
	waitFor(t, ctx, "group filter", fmt.Sprintf(`new URLSearchParams(location.search).get("group") === "%d"`, payables))
	filtered := eval[[]string](t, ctx, rowIDs)
	want := expectedIDs(t, a, roster.UserFilter{Query: "gar", GroupID: payables})
	if !slices.Equal(filtered, want) || len(want) == 0 || len(want) >= len(searched) {
		t.Fatalf("gar in Payables shows %v, want %v (search alone: %d)", filtered, want, len(searched))
	}
	groups := eval[string](t, ctx, `[...document.querySelectorAll("#people-table tbody tr .paths")].map(p => p.textContent).join("|")`)
	if !strings.Contains(groups, "Payables") {
		t.Errorf("filtered rows' groups %q lack Payables", groups)
	}
	shot(t, ctx, "hub-filtered.png")

	// Back shows the previous view, search box included.
	eval[bool](t, ctx, `history.back(), true`)
	waitFor(t, ctx, "back to the search", `location.search === "?q=gar"`)
	if back := eval[[]string](t, ctx, rowIDs); !slices.Equal(back, searched) {
		t.Errorf("after back: %v, want %v", back, searched)
	}
	if q := eval[string](t, ctx, `document.querySelector("#people-q").value`); q != "gar" {
		t.Errorf("after back the search box holds %q", q)
	}
	// A reload shows the same view.
	do(t, ctx, chromedp.Reload())
	if back := eval[[]string](t, ctx, rowIDs); !slices.Equal(back, searched) {
		t.Errorf("after reload: %v, want %v", back, searched)
	}

	// A dashboard card opens the table filtered to exactly its count.
	card := eval[string](t, ctx, `[...document.querySelectorAll("#dashboard a.card")].find(a => a.textContent.includes("Administrators")).querySelector(".card-value").textContent`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`#dashboard a.card[href^="/users?role="]`)))
	waitFor(t, ctx, "administrators card", `location.search.startsWith("?role=")`)
	rows := eval[[]string](t, ctx, rowIDs)
	heading := eval[string](t, ctx, `document.querySelector("#people-result-count").textContent`)
	if n, _ := strconv.Atoi(card); n == 0 || len(rows) != n || !strings.HasPrefix(strings.TrimSpace(heading), card+" ") {
		t.Errorf("Administrators card %s: %d rows, heading %q", card, len(rows), heading)
	}
	chips := eval[int](t, ctx, `[...document.querySelectorAll("#people-table tbody tr")].filter(r => r.querySelector(".chip-admin")).length`)
	if chips != len(rows) {
		t.Errorf("%d of %d rows show the Administrator role", chips, len(rows))
	}
	// A chip, focused from the keyboard, shows the group its role is held in.
	tip := eval[[]string](t, ctx, `(() => {
		const c = document.querySelector("#people-table .chip-admin");
		const before = getComputedStyle(c, "::after").content;
		c.focus();
		const shown = getComputedStyle(c, "::after");
		return [before, shown.content, shown.display, c.getAttribute("aria-label")];
	})()`)
	if tip[0] != "none" || tip[1] != strconv.Quote(tip[3]) || tip[2] == "none" || !strings.Contains(tip[3], " in ") {
		t.Errorf("chip tooltip: before focus %q, on focus %q (display %s), label %q", tip[0], tip[1], tip[2], tip[3])
	}
	shot(t, ctx, "hub-chip-focus.png")

	// The Invitations tab, and axe on it.
	do(t, ctx, chromedp.Click(chromedp.CSS("#tab-invitations")))
	waitFor(t, ctx, "invitations tab", `!!document.querySelector("#invitations-table")`)
	checkAxe(t, ctx, "the invitations tab")
	shot(t, ctx, "invitations.png")
}

// Without JavaScript the same page works through plain forms and links.
func TestBrowserHubWithoutJavaScript(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := startBrowser(t, 1280, 900)
	if err := browser.SignIn(ctx, a.URL, postgres.DemoAdminEmail, postgres.DemoAdminPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(a.URL+"/users"),
		chromedp.SendKeys(chromedp.CSS("#people-q"), "gar"),
		chromedp.SetValue(chromedp.CSS("#people-status"), "active"),
		chromedp.Click(chromedp.CSS("form.filters button[type=submit]")),
	)
	waitFor(t, ctx, "the filtered page", `location.search.includes("q=gar") && !!document.querySelector("#people-result-count")`)
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "q=gar") || !strings.Contains(loc, "status=active") {
		t.Errorf("no-JS form went to %s", loc)
	}
	rows, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#people-table tbody")))
	if !strings.Contains(strings.ToLower(rows), "gar") || strings.Contains(rows, "Deactivated") {
		t.Errorf("no-JS results wrong: %.200q", rows)
	}
	// Sort by a header link, then page on.
	do(t, ctx, chromedp.Click(chromedp.CSS(`th[aria-sort] a[href*="sort=signin"]`)))
	waitFor(t, ctx, "the sorted page", `location.search.includes("sort=signin") && !!document.querySelector("#people-table")`)
	loc, _ = chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "sort=signin") {
		t.Errorf("no-JS sort went to %s", loc)
	}
}
