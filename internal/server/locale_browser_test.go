package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/roster-hub/roster/internal/browser"
	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/postgres"
)

// chooseLanguage picks a language with the picker at the foot of the page
// (a plain form) and waits for the page to come back in it.
func chooseLanguage(t *testing.T, ctx context.Context, locale string) {
	t.Helper()
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#locale-picker"), locale),
		chromedp.Click(chromedp.CSS(`form.locale-picker button[type=submit]`)))
	waitFor(t, ctx, "the page in "+locale, fmt.Sprintf(`document.documentElement.lang === %q && document.readyState === "complete" && !!document.querySelector("#locale-picker")`, locale))
}

// noEnglish fails when the page shows English text of the catalogue
// (data aside).
func noEnglish(t *testing.T, ctx context.Context, data []string, locale, what string) {
	t.Helper()
	text := eval[string](t, ctx, `document.title + " " + document.body.innerText`)
	if leaks := i18n.EnglishLeaks(locale[:2], withoutData(text, data)); len(leaks) > 0 {
		t.Errorf("%s, %s: English text %q", locale, what, leaks)
	}
}

// The invite-and-accept flow in French and in German: the administrator
// works in the language, invites in it; the email arrives in it, dates
// written out; the invitee's page speaks it (from the browser in French,
// from the picker in German) and the "accepted" email comes back in the
// administrator's language.
func TestBrowserInviteAndAcceptInFrenchAndGerman(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var adminName string
	a.Pool.QueryRow(t.Context(), `SELECT name FROM users WHERE email = $1`, postgres.DemoAdminEmail).Scan(&adminName)
	data := accountData(t, a)
	admin := startBrowser(t, 1280, 900)
	if err := browser.SignIn(admin, a.URL, postgres.DemoAdminEmail, postgres.DemoAdminPassword); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		locale, email, name string
		browserLanguage     string // the invitee's Accept-Language; "" picks with the picker
	}{
		{"fr-FR", "camille.durand@nouveau.example", "Camille Durand", "fr-FR,fr;q=0.9"},
		{"de-DE", "jonas.becker@neu.example", "Jonas Becker", ""},
	}
	for _, tc := range cases {
		l := i18n.New(tc.locale)
		do(t, admin, chromedp.Navigate(a.URL+"/users"))
		chooseLanguage(t, admin, tc.locale)
		if got := eval[string](t, admin, `document.querySelector("#add-users").textContent.trim()`); got != l.T("add.title") {
			t.Errorf("%s: Add users button reads %q", tc.locale, got)
		}
		noEnglish(t, admin, data, tc.locale, "the hub")
		do(t, admin, chromedp.Click(chromedp.CSS("#add-users")))
		waitFor(t, admin, "the Add users dialog", `!!document.querySelector("dialog#add-users-dialog[open]")`)
		do(t, admin, chromedp.SendKeys(chromedp.CSS("#add-emails"), tc.name+" <"+tc.email+">"),
			chromedp.SetValue(chromedp.CSS("#add-locale"), tc.locale))
		waitFor(t, admin, "the address check", `(document.querySelector("#address-check") || {}).textContent.trim() !== ""`)
		noEnglish(t, admin, data, tc.locale, "the Add users dialog")
		shot(t, admin, "add-users-"+tc.locale+".png")
		do(t, admin, chromedp.Click(chromedp.CSS(`#dialog-body button[type=submit]`)))
		waitFor(t, admin, "the results", `!!document.querySelector("#invite-results-table")`)
		if got := eval[string](t, admin, `[...document.querySelectorAll("#invite-results-table tbody tr")].map(r => r.dataset.outcome).join()`); got != "invited" {
			t.Fatalf("%s: outcomes %q", tc.locale, got)
		}
		noEnglish(t, admin, data, tc.locale, "the invite results")
		do(t, admin, chromedp.Click(chromedp.CSS(`#dialog-body [data-close-dialog]`)))

		// The email, in the invitation's language.
		var link string
		deadline := time.Now().Add(15 * time.Second)
		for link == "" && time.Now().Before(deadline) {
			for _, m := range a.SMTP.Messages() {
				if m.To != tc.email {
					continue
				}
				link = m.Link("/invite/")
				if want := l.T("email.invitation.subject", adminName, "Acme Corporation"); m.Subject != want {
					t.Errorf("%s: subject %q, want %q", tc.locale, m.Subject, want)
				}
				var expires time.Time
				a.Pool.QueryRow(t.Context(), `SELECT expires_at FROM invitations WHERE email = $1`, tc.email).Scan(&expires)
				if date := l.LongDate(expires); !strings.Contains(m.Text, date) || !strings.Contains(m.HTML, date) {
					t.Errorf("%s: the email does not write the expiry as %q:\n%s", tc.locale, date, m.Text)
				}
				if !strings.Contains(m.HTML, `lang="`+tc.locale+`"`) {
					t.Errorf("%s: the HTML part is not marked %s", tc.locale, tc.locale)
				}
				if leaks := i18n.EnglishLeaks(tc.locale[:2], m.Subject+" "+m.Text); len(leaks) > 0 {
					t.Errorf("%s: English in the email: %q", tc.locale, leaks)
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		if link == "" {
			t.Fatalf("%s: no invitation email to %s", tc.locale, tc.email)
		}

		// The invitee's page.
		invitee := startBrowser(t, 1280, 900)
		if tc.browserLanguage != "" {
			if _, err := chromedp.Call(invitee, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": tc.browserLanguage}}); err != nil {
				t.Fatal(err)
			}
		}
		do(t, invitee, chromedp.Navigate(link))
		waitFor(t, invitee, "the invitation page", `!!document.querySelector("input[name=name]")`)
		if tc.browserLanguage == "" {
			if got := eval[string](t, invitee, `document.documentElement.lang`); got != "en-US" {
				t.Errorf("an English browser sees the invitation in %s", got)
			}
			chooseLanguage(t, invitee, tc.locale)
			if got := eval[string](t, invitee, `location.pathname`); !strings.HasPrefix(got, "/invite/") {
				t.Fatalf("the picker left the invitation for %s", got)
			}
		}
		if got := eval[string](t, invitee, `document.documentElement.lang`); got != tc.locale {
			t.Errorf("the invitation page is in %s, want %s", got, tc.locale)
		}
		if got := eval[string](t, invitee, `document.querySelector("main form button[type=submit]").textContent.trim()`); got != l.T("invitee.accept") {
			t.Errorf("%s: accept button reads %q", tc.locale, got)
		}
		noEnglish(t, invitee, data, tc.locale, "the invitation page")
		shot(t, invitee, "invitation-"+tc.locale+".png")
		checkAxe(t, invitee, "the invitation page in "+tc.locale)
		acceptInvitation(t, invitee, tc.name, "a-strong-passphrase")
		if got := eval[string](t, invitee, `document.documentElement.lang`); got != tc.locale {
			t.Errorf("after accepting, the account page is in %s", got)
		}
		var saved string
		a.Pool.QueryRow(t.Context(), `SELECT coalesce(locale, '') FROM users WHERE email = $1`, tc.email).Scan(&saved)
		if saved != tc.locale {
			t.Errorf("the new person's language is %q, want %s", saved, tc.locale)
		}
		noEnglish(t, invitee, data, tc.locale, "my account")

		// "Accepted", to the administrator, in their language.
		want := l.T("email.accepted.subject", tc.name, "Acme Corporation")
		waitMail(t, a, func(subject string) bool { return subject == want }, tc.locale+" accepted email "+want)
	}
}

// overflowing lists the innermost elements that reach past the right edge
// of the window, outside any scrolling box.
const overflowing = `[...document.querySelectorAll("body *")].filter(e => {
	if (e.getBoundingClientRect().right <= document.documentElement.clientWidth + 1) return false;
	for (let p = e.parentElement; p; p = p.parentElement) {
		const o = getComputedStyle(p).overflowX;
		if (o === "auto" || o === "scroll" || o === "hidden") return false;
	}
	return ![...e.children].some(c => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1);
}).slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined ? "." + e.className.split(" ").join(".") : "") + " " + (e.textContent || "").trim().slice(0, 40))`

// fullShot saves a PNG of the whole page, beyond the window.
func fullShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(t.ArtifactDir(), name), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func waitMail(t *testing.T, a *app, match func(subject string) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range a.SMTP.Messages() {
			if match(m.Subject) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	var got []string
	for _, m := range a.SMTP.Messages() {
		got = append(got, m.Subject)
	}
	t.Errorf("no %s; received %q", what, got)
}

// The hub in German (the longest of the languages) and French, at desktop
// and phone widths, for looking at: nothing clipped or broken.
func TestBrowserHubScreenshotsInGermanAndFrench(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for _, tc := range []struct {
		locale string
		width  int
	}{{"de-DE", 1280}, {"de-DE", 375}, {"fr-FR", 1280}, {"fr-FR", 375}} {
		ctx := startBrowser(t, tc.width, 900)
		name := fmt.Sprintf("hub-%s-%d", tc.locale, tc.width)
		// Chosen on the sign-in page, the language stays after signing in.
		do(t, ctx, chromedp.Navigate(a.URL+"/login"))
		chooseLanguage(t, ctx, tc.locale)
		shot(t, ctx, name+"-login.png")
		if err := browser.SignIn(ctx, a.URL, postgres.DemoAdminEmail, postgres.DemoAdminPassword); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, chromedp.Navigate(a.URL+"/users"))
		waitFor(t, ctx, "the hub", `!!document.querySelector("#people-table")`)
		if got := eval[string](t, ctx, `document.documentElement.lang`); got != tc.locale {
			t.Errorf("%s: the hub is in %s", name, got)
		}
		shot(t, ctx, name+".png")
		fullShot(t, ctx, name+"-full.png")
		// Nothing sticks out of the page sideways.
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
			t.Errorf("%s: the page is %d px wider than the window: %q", name, w, eval[[]string](t, ctx, overflowing))
		}
		// No button's text is cut off.
		if clipped := eval[[]string](t, ctx, `[...document.querySelectorAll(".btn, button, .tab, .card")].filter(b => b.offsetParent && (b.scrollWidth > b.clientWidth + 1)).map(b => b.textContent.trim())`); len(clipped) > 0 {
			t.Errorf("%s: clipped %q", name, clipped)
		}
		do(t, ctx, chromedp.Navigate(a.URL+"/users?tab=invitations"))
		waitFor(t, ctx, "the invitations", `!!document.querySelector("#invitations-table")`)
		shot(t, ctx, name+"-invitations.png")
		// At desktop width the table fits: no column, row actions included,
		// hides behind a sideways scroll.
		if over := eval[int](t, ctx, `(w => w.scrollWidth - w.clientWidth)(document.querySelector("#invitations-table").closest(".table-wrap"))`); tc.width >= 1280 && over > 0 {
			t.Errorf("%s: the invitations table is %d px wider than its box", name, over)
		}
		do(t, ctx, chromedp.Click(chromedp.CSS("#add-users")))
		waitFor(t, ctx, "the Add users dialog", `!!document.querySelector("dialog#add-users-dialog[open]")`)
		shot(t, ctx, name+"-add-users.png")
		// The dialog's tabs stay inside it.
		if out := eval[[]string](t, ctx, `[...document.querySelectorAll("dialog .modal-tabs a")].filter(a => a.getBoundingClientRect().right > a.closest("dialog").getBoundingClientRect().right).map(a => a.textContent.trim())`); len(out) > 0 {
			t.Errorf("%s: tabs outside the dialog %q", name, out)
		}
		eval[bool](t, ctx, `document.querySelector("#add-locale").scrollIntoView({block: "center"}), true`)
		shot(t, ctx, name+"-add-users-language.png")
		if clipped := eval[[]string](t, ctx, `[...document.querySelectorAll("dialog .btn, dialog button, dialog .tab")].filter(b => b.offsetParent && (b.scrollWidth > b.clientWidth + 1)).map(b => b.textContent.trim())`); len(clipped) > 0 {
			t.Errorf("%s: clipped in the dialog %q", name, clipped)
		}
		do(t, ctx, chromedp.Navigate(a.URL+"/settings"))
		waitFor(t, ctx, "the settings", `!!document.querySelector("#settings-form")`)
		shot(t, ctx, name+"-settings.png")
		fullShot(t, ctx, name+"-settings-full.png")
	}
}
