package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roster-hub/roster/internal/browser"
	"github.com/roster-hub/roster/internal/postgres"
)

// admSetValue sets a field's value as a script would (no events).
func admSetValue(t *testing.T, ctx context.Context, selector, value string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(document.querySelector(%q).value = %q, true)`, selector, value))
}

// admChange sets a field's value and fires change, as picking does.
func admChange(t *testing.T, ctx context.Context, selector, value string) {
	t.Helper()
	admSetValue(t, ctx, selector, value)
	eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event("change", {bubbles: true}))`, selector))
}

// An administrator changes a setting (after a mistake the form points
// out), then finds that change in the audit log by filtering it; both
// screens are axe-clean.
func TestBrowserSettingsChangeFoundInAuditLog(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := startBrowser(t, 1440, 1000)
	if err := browser.SignIn(ctx, a.URL, postgres.DemoAdminEmail, postgres.DemoAdminPassword); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`nav.mainnav a[href="/settings"]`)))
	waitFor(t, ctx, "the settings screen", `location.pathname === "/settings" && !!document.querySelector("#settings-form")`)
	checkAxe(t, ctx, "the settings screen")
	shot(t, ctx, "settings.png")

	// Out of bounds: the field says why, and keeps what was typed.
	admSetValue(t, ctx, "#settings-invite-validity", "")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#settings-invite-validity"), "500"),
		chromedp.Click(chromedp.CSS(`#settings-form button[type=submit]`)),
	)
	waitFor(t, ctx, "the problem", `!!document.querySelector("#settings-problem-invite_validity")`)
	if v := eval[string](t, ctx, `document.querySelector("#settings-invite-validity").value`); v != "500" {
		t.Errorf("the typed value became %q", v)
	}
	if inv := eval[string](t, ctx, `document.querySelector("#settings-invite-validity").getAttribute("aria-invalid")`); inv != "true" {
		t.Errorf("aria-invalid %q", inv)
	}
	checkAxe(t, ctx, "the settings screen with a problem")
	shot(t, ctx, "settings-problem.png")

	admSetValue(t, ctx, "#settings-invite-validity", "")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#settings-invite-validity"), "45"),
		chromedp.Click(chromedp.CSS(`#settings-form button[type=submit]`)),
	)
	waitFor(t, ctx, "the saved message", `(document.querySelector("#flash") || {}).textContent?.includes("Settings saved.")`)
	if n := eval[int](t, ctx, `document.querySelectorAll("#settings-problem-invite_validity").length`); n != 0 {
		t.Error("the problem is still shown after saving")
	}
	if got := settingsOf(t, a); got.InviteValidityDays != 45 {
		t.Fatalf("saved validity %d", got.InviteValidityDays)
	}

	// Some history of other kinds, older than the change.
	acc, admin, member := a.admAccount(t), a.admUserID(t, postgres.DemoAdminEmail), a.admUserID(t, postgres.DemoMemberEmail)
	if _, err := a.Pool.Exec(t.Context(), `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id, detail) VALUES
	    ($1, now() - interval '2 hours', $2, 'invited', NULL, '{"email": "nina.petrova@newhire.example"}'),
	    ($1, now() - interval '90 minutes', NULL, 'join_requested', NULL, '{"email": "zed@contractor.example", "request": 1}'),
	    ($1, now() - interval '80 minutes', $2, 'deactivated', $3, '{}'),
	    ($1, now() - interval '70 minutes', $2, 'reactivated', $3, '{}'),
	    ($1, now() - interval '60 minutes', $2, 'group_archived', NULL, '{}')`, acc, admin, member); err != nil {
		t.Fatal(err)
	}

	// The audit log, filtered to settings changes.
	do(t, ctx, chromedp.Click(chromedp.CSS(`nav.mainnav a[href="/audit"]`)))
	waitFor(t, ctx, "the audit log", `location.pathname === "/audit" && !!document.querySelector("#audit-table")`)
	checkAxe(t, ctx, "the audit log")
	shot(t, ctx, "audit.png")
	admChange(t, ctx, "#audit-action", "settings_changed")
	waitFor(t, ctx, "the filtered log", `new URLSearchParams(location.search).get("action") === "settings_changed" &&
		[...document.querySelectorAll("#audit-table tbody tr")].every(r => r.dataset.action === "settings_changed")`)
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll("#audit-table tbody tr .audit-sentence")].map(s => s.textContent.trim())`)
	if len(rows) != 1 || rows[0] != "Alex Morgan changed the settings: email invitation validity 90 days → 45 days" {
		t.Errorf("settings changes in the log: %q", rows)
	}
	// Narrowed to today, it is still there; narrowed to a past day, gone.
	today := time.Now().UTC().Format("2006-01-02")
	admChange(t, ctx, "#audit-from", today)
	waitFor(t, ctx, "today's changes", `new URLSearchParams(location.search).get("from") === "`+today+`" && document.querySelectorAll("#audit-table tbody tr").length === 1`)
	checkAxe(t, ctx, "the filtered audit log")
	shot(t, ctx, "audit-filtered.png")
	admChange(t, ctx, "#audit-to", "2020-01-01")
	waitFor(t, ctx, "the note on a backwards range", `!!document.querySelector("#audit-results .notes")`)

	// The ignored end of the range adds no history entry: back goes to
	// the action filter alone, then to the whole log; a reload shows the
	// same view.
	eval[bool](t, ctx, `history.back(), true`)
	waitFor(t, ctx, "back to the action filter", `location.search === "?action=settings_changed" && document.querySelectorAll("#audit-table tbody tr").length === 1`)
	if v := eval[string](t, ctx, `document.querySelector("#audit-from").value`); v != "" {
		t.Errorf("after back the from date is %q", v)
	}
	eval[bool](t, ctx, `history.back(), true`)
	waitFor(t, ctx, "back to the whole log", `location.pathname === "/audit" && location.search === "" && document.querySelectorAll("#audit-table tbody tr").length > 1`)
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the reloaded log", `!!document.querySelector("#audit-table") && document.querySelector("#audit-action").value === ""`)

	// On a phone.
	do(t, ctx, chromedp.EmulateViewport(390, 844))
	do(t, ctx, chromedp.Navigate(a.URL+"/audit?action=settings_changed"))
	waitFor(t, ctx, "the log on a phone", `!!document.querySelector("#audit-table")`)
	shot(t, ctx, "audit-phone.png")
	do(t, ctx, chromedp.Navigate(a.URL+"/settings"))
	waitFor(t, ctx, "settings on a phone", `!!document.querySelector("#settings-form")`)
	shot(t, ctx, "settings-phone.png")
	// (The top bar's links are the layout's own; the screen itself fits.)
	if w := eval[int](t, ctx, `document.querySelector("#main").scrollWidth`); w > 390 {
		t.Errorf("the settings screen scrolls sideways on a phone: %dpx", w)
	}
}
