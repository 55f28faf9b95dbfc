package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

func pageLang(t *testing.T, body string) string {
	t.Helper()
	return parse(t, body).Find("html").AttrOr("lang", "")
}

// Signed out: the picker's choice (a cookie), else the browser, else
// English; every page has the picker as a plain form.
func TestLocaleChoiceSignedOut(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.client(t)
	_, body := a.get(t, c, "/login", "Accept-Language", "de-AT,de;q=0.9")
	if got := pageLang(t, body); got != "de-DE" {
		t.Errorf("German browser: page in %s", got)
	}
	doc := parse(t, body)
	form := doc.Find(`form[action="/locale"]`)
	if form.AttrOr("method", "") != "post" || form.Find(`select[name=locale] option`).Length() != 11 || form.Find(`button[type=submit]`).Length() != 1 {
		t.Fatalf("no language picker form on /login")
	}
	if v := form.Find(`select option[selected]`).AttrOr("value", ""); v != "de-DE" {
		t.Errorf("picker selects %q", v)
	}
	if id := form.Find("select").AttrOr("id", ""); form.Find(`label[for="`+id+`"]`).Length() != 1 {
		t.Errorf("the picker has no label")
	}
	if r := form.Find(`input[name=return]`).AttrOr("value", ""); r != "/login" {
		t.Errorf("picker returns to %q", r)
	}
	_, body = a.get(t, c, "/login", "Accept-Language", "nl-NL")
	if got := pageLang(t, body); got != "en-US" {
		t.Errorf("Dutch browser: page in %s", got)
	}

	res := a.post(t, c, "/locale", url.Values{"locale": {"fr-CA"}, "return": {"/signup?x=1"}}, "Accept-Language", "de")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signup?x=1" {
		t.Fatalf("POST /locale: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = a.get(t, c, "/signup", "Accept-Language", "de")
	if got := pageLang(t, body); got != "fr-CA" {
		t.Errorf("after choosing fr-CA: page in %s", got)
	}
	// Only paths of this site; unknown languages are refused.
	for _, ret := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""} {
		res := a.post(t, c, "/locale", url.Values{"locale": {"it-IT"}, "return": {ret}})
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("return %q: %d to %q", ret, res.StatusCode, loc)
		}
	}
	if res := a.post(t, c, "/locale", url.Values{"locale": {"pt-BR"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown language: %d", res.StatusCode)
	}
	// A cross-site post is refused before any handler.
	if res := a.post(t, c, "/locale", url.Values{"locale": {"de-DE"}}, "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /locale: %d", res.StatusCode)
	}
}

// Signed in: the saved choice, else the browser, else the account's
// default; choosing saves it (audited) for every device.
func TestLocaleChoiceSignedIn(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := a.admAccount(t)
	if _, err := a.Pool.Exec(t.Context(), `UPDATE accounts SET default_locale = 'it-IT' WHERE id = $1`, acc); err != nil {
		t.Fatal(err)
	}
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	_, body := a.get(t, c, "/users", "Accept-Language", "nl-NL")
	if got := pageLang(t, body); got != "it-IT" {
		t.Errorf("no choice, Dutch browser: page in %s, want the account's it-IT", got)
	}
	_, body = a.get(t, c, "/users", "Accept-Language", "es-MX")
	if got := pageLang(t, body); got != "es-MX" {
		t.Errorf("Mexican browser: page in %s", got)
	}
	if r := parse(t, body).Find(`form[action="/locale"] input[name=return]`).AttrOr("value", ""); r != "/users" {
		t.Errorf("picker on the hub returns to %q", r)
	}
	res := a.post(t, c, "/locale", url.Values{"locale": {"de-DE"}, "return": {"/users?tab=invitations"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/users?tab=invitations" {
		t.Fatalf("POST /locale: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	var saved string
	a.Pool.QueryRow(t.Context(), `SELECT coalesce(locale, '') FROM users WHERE email = $1`, postgres.DemoAdminEmail).Scan(&saved)
	if saved != "de-DE" {
		t.Errorf("saved locale %q", saved)
	}
	// Another device, another browser language: the saved choice wins.
	other := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	_, body = a.get(t, other, "/users", "Accept-Language", "fr-FR")
	if got := pageLang(t, body); got != "de-DE" {
		t.Errorf("after choosing de-DE: page in %s", got)
	}
	_, body = a.get(t, other, "/audit?action=locale_changed")
	if !strings.Contains(body, "Deutsch (Deutschland)") {
		t.Errorf("the audit log does not show the language change")
	}
	var n int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = 'locale_changed' AND detail->>'new' = 'de-DE'`, acc).Scan(&n)
	if n != 1 {
		t.Errorf("%d locale_changed events", n)
	}
	// The same choice again records nothing.
	a.post(t, c, "/locale", url.Values{"locale": {"de-DE"}})
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = 'locale_changed'`, acc).Scan(&n)
	if n != 1 {
		t.Errorf("%d locale_changed events after choosing the same again", n)
	}
}

// An invitee's page: the picker's choice, else the browser, else the
// invitation's language. Going back to a page with a token is done
// without a redirect header.
func TestLocaleOfInviteePages(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := a.admAccount(t)
	admin := a.admUserID(t, postgres.DemoAdminEmail)
	res, err := a.Invitations.CreateEmailInvitations(t.Context(), acc, admin, roster.EmailInvites{
		Addresses: []roster.Address{{Email: "giulia@nuovo.example"}}, Locale: "it-IT"}, time.Now())
	if err != nil || res[0].Outcome != roster.OutcomeInvited {
		t.Fatalf("invite: %v %+v", err, res)
	}
	_, token, err := a.Invitations.InvitationLink(t.Context(), acc, res[0].InvitationID)
	if err != nil {
		t.Fatal(err)
	}
	c := a.client(t)
	_, body := a.get(t, c, "/invite/"+token)
	if got := pageLang(t, body); got != "it-IT" {
		t.Errorf("no browser language: page in %s, want the invitation's it-IT", got)
	}
	_, body = a.get(t, c, "/invite/"+token, "Accept-Language", "es-ES")
	if got := pageLang(t, body); got != "es-ES" {
		t.Errorf("Spanish browser: page in %s", got)
	}
	_, body = a.get(t, c, "/invite/"+token, "Accept-Language", "nl")
	if got := pageLang(t, body); got != "it-IT" {
		t.Errorf("Dutch browser: page in %s, want it-IT", got)
	}
	ret := parse(t, body).Find(`form[action="/locale"] input[name=return]`).AttrOr("value", "")
	if ret != "/invite/"+token {
		t.Fatalf("picker on the invitation returns to %q", ret)
	}
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/locale", strings.NewReader(url.Values{"locale": {"fr-FR"}, "return": {ret}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r2, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b := readAll(r2)
	if r2.StatusCode != http.StatusOK || r2.Header.Get("Location") != "" || !strings.Contains(b, `http-equiv="refresh"`) {
		t.Errorf("back to a token page: %d, Location %q", r2.StatusCode, r2.Header.Get("Location"))
	}
	for k, v := range r2.Header {
		if strings.Contains(strings.Join(v, " "), token) {
			t.Errorf("header %s carries the token", k)
		}
	}
	_, body = a.get(t, c, "/invite/"+token, "Accept-Language", "es-ES")
	if got := pageLang(t, body); got != "fr-FR" {
		t.Errorf("after choosing fr-FR: page in %s", got)
	}
}

// The account's default language is a setting: validated, saved, audited.
func TestSettingsDefaultLanguage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	_, body := a.get(t, c, "/settings")
	sel := parse(t, body).Find(`form#settings-form select[name=default_locale]`)
	if sel.Find("option").Length() != 11 || sel.Find("option[selected]").AttrOr("value", "") != "en-US" {
		t.Fatalf("no default language select showing en-US")
	}
	form := validSettingsForm()
	form.Set("default_locale", "xx-YY")
	res, _ := a.admPost(t, c, "/settings", form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown language: %d", res.StatusCode)
	}
	form.Set("default_locale", "es-MX")
	if res, _ := a.admPost(t, c, "/settings", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	if got := settingsOf(t, a).DefaultLocale; got != "es-MX" {
		t.Errorf("saved default %q", got)
	}
	_, body = a.get(t, c, "/audit?action=settings_changed", "Accept-Language", "en-US")
	if !strings.Contains(body, "Español (México)") {
		t.Errorf("the audit log does not show the new default language")
	}
}
