package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roster-hub/roster/internal/browser"
	"github.com/roster-hub/roster/internal/postgres"
)

// The administrator invites three addresses (one invalid) into a subgroup
// with two roles; the invitee accepts from the email in another browser;
// the administrator sees them active with that group and those roles.
func TestBrowserInviteByEmailAndAccept(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	admin := startBrowser(t, 1440, 1000)
	if err := browser.SignIn(admin, a.URL, postgres.DemoAdminEmail, postgres.DemoAdminPassword); err != nil {
		t.Fatal(err)
	}
	var payables, requisitioner, approver int64
	a.Pool.QueryRow(t.Context(), `SELECT id FROM groups WHERE name = 'Payables'`).Scan(&payables)
	a.Pool.QueryRow(t.Context(), `SELECT id FROM roles WHERE key = 'requisitioner'`).Scan(&requisitioner)
	a.Pool.QueryRow(t.Context(), `SELECT id FROM roles WHERE key = 'approver'`).Scan(&approver)

	do(t, admin, chromedp.Navigate(a.URL+"/users?tab=invitations"))
	before := eval[string](t, admin, `document.querySelector("#invitations-count").textContent`)
	do(t, admin, chromedp.Click(chromedp.CSS("#add-users")))
	waitFor(t, admin, "the Add users dialog", `!!document.querySelector("dialog#add-users-dialog[open]")`)
	if got := eval[string](t, admin, `document.activeElement.id`); got != "add-emails" {
		t.Errorf("focus in dialog on %q, want the address field", got)
	}
	// Sending nothing shows the problem in the dialog, which stays accessible.
	do(t, admin, chromedp.Click(chromedp.CSS(`#dialog-body button[type=submit]`)))
	waitFor(t, admin, "the form's problem", `!!document.querySelector("#dialog-body #problem-emails")`)
	checkAxe(t, admin, "the Add users dialog with a problem shown")
	do(t, admin, chromedp.SendKeys(chromedp.CSS("#add-emails"), "Nina Petrova <nina.petrova@newhire.example>, bad-address@, omar.said@newhire.example"))
	waitFor(t, admin, "the address check", `(document.querySelector("#address-check") || {}).textContent.includes("2 valid")`)
	do(t, admin,
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#add-g%d", payables))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#add-r%d", requisitioner))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#add-r%d", approver))),
	)
	shot(t, admin, "add-users-dialog.png")
	checkAxe(t, admin, "the Add users dialog")
	do(t, admin, chromedp.Click(chromedp.CSS(`#dialog-body button[type=submit]`)))
	waitFor(t, admin, "the results", `!!document.querySelector("#invite-results-table")`)
	outcomes := eval[[]string](t, admin, `[...document.querySelectorAll("#invite-results-table tbody tr")].map(r => r.dataset.outcome)`)
	if strings.Join(outcomes, ",") != "invited,invited,invalid" {
		t.Fatalf("outcomes %v, want two invited and one invalid", outcomes)
	}
	shot(t, admin, "add-users-results.png")
	checkAxe(t, admin, "the Add users results")
	// The hub underneath is already updated.
	after := eval[string](t, admin, `document.querySelector("#invitations-count").textContent`)
	if countIn(t, after) != countIn(t, before)+2 {
		t.Errorf("invitations count %s -> %s, want +2", before, after)
	}
	rows := eval[string](t, admin, `document.querySelector("#invitations-table").textContent`)
	if !strings.Contains(rows, "nina.petrova@newhire.example") {
		t.Errorf("the invitations table behind the dialog was not refreshed")
	}
	do(t, admin, chromedp.Click(chromedp.CSS(`#dialog-body [data-close-dialog]`)))
	waitFor(t, admin, "the dialog closed", `!document.querySelector("#dialog dialog")`)

	// The invitee opens the emailed link in a browser of their own.
	var link string
	for _, m := range a.SMTP.WaitFor(t, 2, 10*time.Second) {
		if m.To == "nina.petrova@newhire.example" {
			link = m.Link("/invite/")
		}
	}
	if link == "" {
		t.Fatal("no invitation email with a link for nina.petrova@newhire.example")
	}
	invitee := startBrowser(t, 1280, 900)
	do(t, invitee, chromedp.Navigate(link))
	acceptInvitation(t, invitee, "Nina Petrova", "a-strong-passphrase")

	// Back in the administrator's browser: active, in Payables, both roles.
	do(t, admin, chromedp.Navigate(a.URL+"/users?q=nina.petrova"))
	row := eval[string](t, admin, `document.querySelector("#people-table tbody tr").textContent`)
	for _, want := range []string{"Nina Petrova", "Active", "Payables", "Requisitioner", "Approver"} {
		if !strings.Contains(row, want) {
			t.Errorf("people row %q lacks %q", row, want)
		}
	}
	do(t, admin, chromedp.Navigate(a.URL+"/users?tab=invitations&iq=nina.petrova"))
	if st := eval[string](t, admin, `document.querySelector("#invitations-table tbody tr").dataset.status`); st != "accepted" {
		t.Errorf("invitation status %q, want accepted", st)
	}
}

// acceptInvitation fills the invitee page's form and waits to land signed in.
func acceptInvitation(t *testing.T, ctx context.Context, name, password string) {
	t.Helper()
	do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS(`input[name=name]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
	)
	waitFor(t, ctx, "signed in after accepting", `location.pathname === "/account"`)
}
