package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

// waitPage waits until the browser shows path with a heading containing
// heading.
func waitPage(t *testing.T, ctx context.Context, path, heading string) {
	t.Helper()
	waitFor(t, ctx, heading, `location.pathname === `+jsString(path)+
		` && !!document.querySelector("h1") && document.querySelector("h1").textContent.includes(`+jsString(heading)+`)`)
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// An invitee opens the invitation from the email in a browser of their
// own, fixes a too-short password, accepts, and lands signed in.
func TestBrowserInviteeAcceptsFromEmail(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	const email = "ines.invitee@newhire.example"
	_, err := f.a.Invitations.CreateEmailInvitations(t.Context(), f.accountID, f.adminID, roster.EmailInvites{
		Addresses: []roster.Address{{Email: email}}, GroupIDs: []int64{f.payables, f.emea},
		RoleIDs: []int64{f.requisitioner, f.approver}, Message: "Hi Inès, welcome to the Payables team!\nWe start on Monday at 9.",
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	link := f.mailTo(t, email, "invited you").Link("/invite/")
	if link == "" {
		t.Fatal("the invitation email has no link")
	}
	path := strings.TrimPrefix(link, f.a.URL)

	ctx := startBrowser(t, 1280, 1000)
	do(t, ctx, chromedp.Navigate(link))
	waitPage(t, ctx, path, "Join "+postgres.DemoAccountName)
	checkAxe(t, ctx, "the invitation page")
	shot(t, ctx, "invite.png")
	if got := eval[string](t, ctx, `document.querySelector("#invite-email").value`); got != email {
		t.Errorf("email field shows %q", got)
	}

	// The same page on a phone.
	do(t, ctx, chromedp.EmulateViewport(390, 844))
	do(t, ctx, chromedp.Reload())
	waitPage(t, ctx, path, "Join")
	shot(t, ctx, "invite-phone.png")
	do(t, ctx, chromedp.EmulateViewport(1280, 1000))

	// A too-short password is refused on the form, with the name kept.
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#invite-name"), "Inès Invitée"),
		chromedp.SendKeys(chromedp.CSS("#invite-password"), "short"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
	)
	waitFor(t, ctx, "the password problem", `!!document.querySelector("#invite-password-problem")`)
	if got := eval[string](t, ctx, `document.querySelector("#invite-name").value`); got != "Inès Invitée" {
		t.Errorf("the name field lost its value: %q", got)
	}
	checkAxe(t, ctx, "the invitation form with a problem")
	shot(t, ctx, "invite-problem.png")

	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#invite-password"), "a-strong-passphrase"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
	)
	waitPage(t, ctx, "/account", "My account")
	body := eval[string](t, ctx, `document.querySelector("main").textContent`)
	for _, want := range []string{"Inès Invitée", "Finance › Payables › EMEA", "Approver"} {
		if !strings.Contains(body, want) {
			t.Errorf("My account after accepting lacks %q", want)
		}
	}
	shot(t, ctx, "invite-accepted.png")

	// Opening the link again says it was used.
	do(t, ctx, chromedp.Navigate(link))
	waitPage(t, ctx, path, "already been used")
	checkAxe(t, ctx, "the used invitation page")
	shot(t, ctx, "invite-used.png")
}

// Someone opens an invite link that needs approval, joins, enters a wrong
// and then the right code from the email, and sees their request waiting.
// Dead and unknown links get their own pages.
func TestBrowserInviteeJoinsThroughLink(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	token, _ := f.newLink(t, roster.LinkInvite{Label: "Finance onboarding 2026", Approval: true, AllowedDomains: []string{"acme.example", "acme-finance.example"}})
	ctx := startBrowser(t, 1280, 1000)

	do(t, ctx, chromedp.Navigate(f.a.URL+"/join/"+token))
	waitPage(t, ctx, "/join/"+token, "Join "+postgres.DemoAccountName)
	checkAxe(t, ctx, "the join page")
	shot(t, ctx, "join.png")

	const email = "jo.joiner@acme-finance.example"
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#join-email"), email),
		chromedp.SendKeys(chromedp.CSS("#join-name"), "Jo Joiner"),
		chromedp.SendKeys(chromedp.CSS("#join-password"), "a-strong-passphrase"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
	)
	waitPage(t, ctx, "/join/"+token, "Check your email")
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "join-code" {
		t.Errorf("focus on %q, want the code field", got)
	}
	checkAxe(t, ctx, "the code page")
	shot(t, ctx, "join-code.png")

	m := codeRE.FindStringSubmatch(f.mailTo(t, email, "is your code").Subject)
	if m == nil {
		t.Fatal("no code in the email's subject")
	}
	wrong := "000000"
	if m[1] == wrong {
		wrong = "111111"
	}
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#join-code"), wrong), chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	waitFor(t, ctx, "the wrong-code problem", `!!document.querySelector("#join-code-problem")`)
	checkAxe(t, ctx, "the code page with a wrong code")
	shot(t, ctx, "join-code-wrong.png")

	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#join-code"), m[1]), chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	waitPage(t, ctx, "/join/"+token+"/confirm", "Waiting for approval")
	if got := eval[string](t, ctx, `document.querySelector("main").textContent`); !strings.Contains(got,
		"Your request to join "+postgres.DemoAccountName+" is waiting for an administrator's approval") {
		t.Errorf("waiting page reads %q", got)
	}
	checkAxe(t, ctx, "the waiting page")
	shot(t, ctx, "join-waiting.png")

	// A revoked link.
	dead, deadID := f.newLink(t, roster.LinkInvite{Label: "Old link"})
	if _, err := f.a.Invitations.Revoke(t.Context(), f.accountID, f.adminID, []int64{deadID}, time.Now()); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(f.a.URL+"/join/"+dead))
	waitPage(t, ctx, "/join/"+dead, "turned off")
	checkAxe(t, ctx, "the dead link page")
	shot(t, ctx, "join-dead.png")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#ask-email"), "jo.joiner@acme-finance.example"), chromedp.Click(chromedp.CSS("form.invitee-ask button[type=submit]")))
	waitPage(t, ctx, "/join/"+dead+"/ask", "We've let Alex Morgan know")
	checkAxe(t, ctx, "the asked page")
	shot(t, ctx, "join-asked.png")

	// An unknown link.
	do(t, ctx, chromedp.Navigate(f.a.URL+"/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
	waitPage(t, ctx, "/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "This link doesn't work")
	checkAxe(t, ctx, "the unknown link page")
	shot(t, ctx, "unknown.png")
}
