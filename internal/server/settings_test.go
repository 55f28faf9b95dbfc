package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

// settingsOf reads the demo account's settings from the database.
func settingsOf(t testing.TB, a *app) roster.Settings {
	t.Helper()
	acc, err := postgres.NewAccountStore(a.Pool).Account(t.Context(), a.admAccount(t))
	if err != nil {
		t.Fatal(err)
	}
	return acc.Settings
}

// validSettingsForm changes every setting but the "expiring soon" window.
func validSettingsForm() url.Values {
	return url.Values{
		"invite_validity_days": {"30"},
		"expiring_soon_days":   {"7"},
		"link_validity":        {"7"},
		"link_validity_unit":   {"days"},
		"link_max_uses":        {"1,200"},
	} // reminders unticked: off
}

func TestSettingsPageShowsTheDefaults(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	res, body := a.get(t, c, "/settings")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
		t.Fatalf("GET /settings: %d, Vary %q", res.StatusCode, res.Header.Get("Vary"))
	}
	doc := parse(t, body)
	if cur := doc.Find(`nav.mainnav a[aria-current="page"]`); cur.AttrOr("href", "") != "/settings" {
		t.Errorf("nav highlights %q", cur.AttrOr("href", ""))
	}
	form := doc.Find("form#settings-form")
	if form.AttrOr("method", "") != "post" || form.AttrOr("action", "") != "/settings" {
		t.Fatalf("no plain settings form")
	}
	want := map[string]string{"invite_validity_days": "90", "expiring_soon_days": "7", "link_validity": "30", "link_max_uses": "50"}
	for name, v := range want {
		if got := form.Find(`input[name="`+name+`"]`).AttrOr("value", ""); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
		id := form.Find(`input[name="`+name+`"]`).AttrOr("id", "")
		if id == "" || form.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("%s has no label", name)
		}
	}
	if _, on := form.Find(`input[name="reminders"]`).Attr("checked"); !on {
		t.Error("reminders are on by default")
	}
	if form.Find(`select[name="link_validity_unit"] option[selected]`).AttrOr("value", "") != "days" {
		t.Error("link validity unit is not days")
	}
}

// A save without JavaScript: redirected to the screen, which says so; the
// change is in the audit log with its old and new values; and the Add
// users dialog now starts from the new defaults.
func TestSettingsSaveAuditAndNewDefaults(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	res, _ := a.admPost(t, c, "/settings", validSettingsForm())
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings?saved=1" {
		t.Fatalf("save: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	want := roster.Settings{InviteValidityDays: 30, RemindersEnabled: false, ExpiringSoonDays: 7, LinkValidityHours: 168, LinkMaxUses: 1200,
		InvitesPerAdminPerDay: roster.DefaultInvitesPerDay, DefaultLocale: "en-US"}
	if got := settingsOf(t, a); got != want {
		t.Errorf("saved %+v, want %+v", got, want)
	}
	_, body := a.get(t, c, "/settings?saved=1")
	doc := parse(t, body)
	if strings.TrimSpace(doc.Find("#settings-saved").Text()) != "Settings saved." {
		t.Errorf("no saved message: %q", doc.Find("#settings-saved").Text())
	}
	if doc.Find(`input[name="link_max_uses"]`).AttrOr("value", "") != "1200" || doc.Find(`input[name="link_validity"]`).AttrOr("value", "") != "7" {
		t.Error("the screen does not show the saved values")
	}
	if _, on := doc.Find(`input[name="reminders"]`).Attr("checked"); on {
		t.Error("reminders still ticked")
	}

	_, body = a.get(t, c, "/audit?action=settings_changed")
	sentence := strings.TrimSpace(parse(t, body).Find("#audit-table .audit-sentence").First().Text())
	if sentence != "Alex Morgan changed the settings: email invitation validity 90 days → 30 days; reminder emails on → off; invite link validity 30 days → 7 days; invite link uses 50 → 1,200" {
		t.Errorf("audit: %q", sentence)
	}

	// The invitation flows read the new defaults.
	_, body = a.get(t, c, "/users/add")
	doc = parse(t, body)
	if opt := doc.Find(`#add-validity option[selected]`); opt.AttrOr("value", "") != "30" || !strings.Contains(opt.Text(), "default") {
		t.Errorf("Add users validity: %q %q", opt.AttrOr("value", ""), opt.Text())
	}
	_, body = a.get(t, c, "/users/add?tab=link")
	doc = parse(t, body)
	if got := doc.Find(`#link-max-uses`).AttrOr("value", ""); got != "1200" {
		t.Errorf("link max uses starts at %q", got)
	}
	if got := doc.Find(`#link-validity option[selected]`).AttrOr("value", ""); got != "168" {
		t.Errorf("link validity starts at %q", got)
	}

	// The same values again: nothing changed, and nothing recorded.
	res, _ = a.admPost(t, c, "/settings", validSettingsForm())
	if res.Header.Get("Location") != "/settings?saved=0" {
		t.Errorf("unchanged save went to %q", res.Header.Get("Location"))
	}
	_, body = a.get(t, c, "/audit?action=settings_changed")
	if n := parse(t, body).Find("#audit-table tbody tr").Length(); n != 1 {
		t.Errorf("%d settings events, want 1", n)
	}

	// With htmx: the form comes back with a flash beside it.
	form := validSettingsForm()
	form.Set("reminders", "1")
	form.Set("link_validity", "36")
	form.Set("link_validity_unit", "hours")
	res, body = a.admPost(t, c, "/settings", form, "HX-Request", "true", "HX-Target", "settings-form", "HX-Current-URL", a.URL+"/settings")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
		t.Fatalf("htmx save: %d, Vary %q", res.StatusCode, res.Header.Get("Vary"))
	}
	doc = parse(t, body)
	if strings.Contains(body, "<html") || doc.Find("form#settings-form").Length() != 1 {
		t.Errorf("not the form fragment: %.200s", body)
	}
	if flash := doc.Find(`#flash[hx-swap-oob]`); !strings.Contains(flash.Text(), "Settings saved.") {
		t.Errorf("no flash: %q", flash.Text())
	}
	if doc.Find(`input[name="link_validity"]`).AttrOr("value", "") != "36" || doc.Find(`select[name="link_validity_unit"] option[selected]`).AttrOr("value", "") != "hours" {
		t.Error("36 hours is not shown as such")
	}
	if got := settingsOf(t, a); got.LinkValidityHours != 36 || !got.RemindersEnabled || got.InviteValidityDays != 30 {
		t.Errorf("saved %+v", got)
	}
}

func TestSettingsInvalidAndCrossOrigin(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	before := settingsOf(t, a)
	bad := url.Values{
		"invite_validity_days": {"abc"},
		"reminders":            {"1"},
		"expiring_soon_days":   {"31"},
		"link_validity":        {"181"},
		"link_validity_unit":   {"days"},
		"link_max_uses":        {"0"},
	}
	for _, hx := range []bool{false, true} {
		var headers []string
		if hx {
			headers = []string{"HX-Request", "true", "HX-Target", "settings-form"}
		}
		res, body := a.admPost(t, c, "/settings", bad, headers...)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("htmx %v: %d", hx, res.StatusCode)
		}
		doc := parse(t, body)
		if hx == strings.Contains(body, "<html") {
			t.Errorf("htmx %v: whole page %v", hx, !hx)
		}
		if doc.Find(`#settings-form [role="alert"]`).Length() != 1 {
			t.Error("no summary of the problems")
		}
		for name, typed := range map[string]string{"invite_validity_days": "abc", "expiring_soon_days": "31", "link_validity": "181", "link_max_uses": "0"} {
			in := doc.Find(`input[name="` + name + `"]`)
			if in.AttrOr("value", "") != typed || in.AttrOr("aria-invalid", "") != "true" {
				t.Errorf("%s: value %q, aria-invalid %q", name, in.AttrOr("value", ""), in.AttrOr("aria-invalid", ""))
			}
			for _, ref := range strings.Fields(in.AttrOr("aria-describedby", "")) {
				if doc.Find("#"+ref).Length() != 1 {
					t.Errorf("%s described by missing #%s", name, ref)
				}
			}
			if !strings.Contains(in.AttrOr("aria-describedby", ""), "settings-problem-") {
				t.Errorf("%s: the problem is not tied to the field", name)
			}
		}
		if _, on := doc.Find(`input[name="reminders"]`).Attr("checked"); !on {
			t.Error("the reminders tick was lost")
		}
		if !strings.Contains(doc.Find("#settings-form").Text(), "from 1 to 5,000") {
			t.Error("no problem text for max uses")
		}
	}
	// One bad field holds back the others too.
	partly := validSettingsForm()
	partly.Set("link_validity_unit", "weeks")
	if res, _ := a.admPost(t, c, "/settings", partly); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown unit: %d", res.StatusCode)
	}
	if after := settingsOf(t, a); after != before {
		t.Errorf("invalid saves changed the settings: %+v", after)
	}

	// Cross-origin posts are refused before any handler runs.
	for _, headers := range [][]string{{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "cross-site"}} {
		if res, _ := a.admPost(t, c, "/settings", validSettingsForm(), headers...); res.StatusCode != http.StatusForbidden {
			t.Errorf("%v: %d", headers, res.StatusCode)
		}
	}
	if after := settingsOf(t, a); after != before {
		t.Errorf("a cross-origin post changed the settings: %+v", after)
	}
	// The same post from the site itself works.
	if res, _ := a.admPost(t, c, "/settings", validSettingsForm(), "Origin", a.URL, "Sec-Fetch-Site", "same-origin"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin post: %d", res.StatusCode)
	}
}
