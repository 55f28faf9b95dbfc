package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

// setInviteLimit lets the demo administrator make exactly room more
// invitations today, and returns the limit set.
func (a *app) setInviteLimit(t testing.TB, room int) int {
	t.Helper()
	ctx := context.Background()
	acc, admin := a.admAccount(t), a.admUserID(t, postgres.DemoAdminEmail)
	var used int
	if err := a.Pool.QueryRow(ctx, `SELECT coalesce(sum(used), 0) FROM invite_quota_usage WHERE account_id = $1 AND user_id = $2 AND day = (now() AT TIME ZONE 'UTC')::date`,
		acc, admin).Scan(&used); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `UPDATE accounts SET invites_per_admin_per_day = $2 WHERE id = $1`, acc, used+room); err != nil {
		t.Fatal(err)
	}
	return used + room
}

// Invitations per administrator per day (a setting): the part of a submit
// over the limit is refused per address with a clear message, the rest is
// invited; with nothing left, email, link and the htmx dialog answer 429.
func TestInviteLimitPerAdministratorPerDay(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	a.setInviteLimit(t, 2)
	before := a.invitations(t)
	res, body := a.admPost(t, c, "/users/invite", url.Values{"emails": {"q1@quota.example, q2@quota.example, q3@quota.example, not-an-address, q4@quota.example"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("submit over the limit: %d", res.StatusCode)
	}
	doc := parse(t, body)
	got := map[string]string{}
	doc.Find("#invite-results-table tbody tr").Each(func(_ int, s *goqSelection) {
		got[strings.TrimSpace(s.Find(".email-cell").Text())] = s.AttrOr("data-outcome", "")
	})
	want := map[string]string{"q1@quota.example": "invited", "q2@quota.example": "invited", "q3@quota.example": "over_limit",
		"q4@quota.example": "over_limit", "not-an-address": "invalid"}
	for e, o := range want {
		if got[e] != o {
			t.Errorf("%s: %q, want %q (all %v)", e, got[e], o, got)
		}
	}
	alert := strings.Join(strings.Fields(doc.Find("#add-alert").Text()), " ")
	if !strings.Contains(alert, "limit of") || !strings.Contains(alert, "2 of these addresses were not invited") {
		t.Errorf("alert %q", alert)
	}
	if n := a.invitations(t); n != before+2 {
		t.Errorf("invitations %d -> %d, want +2", before, n)
	}

	// Nothing left: 429, as a page and as the dialog's fragment.
	res, body = a.admPost(t, c, "/users/invite", url.Values{"emails": {"q5@quota.example"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, `data-outcome="over_limit"`) {
		t.Errorf("submit with no room: %d", res.StatusCode)
	}
	res, body = a.admPost(t, c, "/users/invite", url.Values{"emails": {"q5@quota.example"}}, "HX-Request", "true", "HX-Target", "dialog-body")
	if res.StatusCode != http.StatusTooManyRequests || strings.Contains(body, "<html") || !strings.Contains(body, `id="add-alert"`) {
		t.Errorf("htmx submit with no room: %d %.200s", res.StatusCode, body)
	}
	res, body = a.admPost(t, c, "/users/links", url.Values{"label": {"Quota"}, "max_uses": {"5"}, "validity": {"24"}}, "HX-Request", "true", "HX-Target", "dialog-body")
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "no link was made") {
		t.Errorf("link with no room: %d %.300s", res.StatusCode, body)
	}
	if n := a.invitations(t); n != before+2 {
		t.Errorf("refused submits made invitations: %d -> %d", before, n)
	}
}

// The CSV path: an import confirmed with room for one row invites one and
// reports the others as over the limit (in the result and the report),
// never dropping them silently.
func TestInviteLimitAppliesToCSVImports(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	a.setInviteLimit(t, 1)
	res, body := a.upload(t, c, "quota.csv", []byte("email,name\nc1@quota.example,One\nc2@quota.example,Two\nc3@quota.example,Three\n"), asDialog...)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dry run: %d", res.StatusCode)
	}
	// The dry run says so before anything is sent.
	warn := strings.Join(strings.Fields(parse(t, body).Find("#csv-over-limit").Text()), " ")
	if !strings.Contains(warn, "lets you send 1 more today, so the last 2 rows") {
		t.Errorf("dry run warning %q", warn)
	}
	id := importID(t, body)
	if res := a.post(t, c, "/users/import/"+id+"/confirm", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var status string
		a.Pool.QueryRow(context.Background(), `SELECT status FROM csv_imports WHERE id = $1`, id).Scan(&status)
		if status == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import not done: %s", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rows, err := a.Pool.Query(context.Background(), `SELECT email, result FROM csv_import_rows WHERE import_id = $1 ORDER BY line`, id)
	if err != nil {
		t.Fatal(err)
	}
	var results []string
	for rows.Next() {
		var e, r string
		rows.Scan(&e, &r)
		results = append(results, e+":"+r)
	}
	rows.Close()
	if strings.Join(results, " ") != "c1@quota.example:invited c2@quota.example:over_limit c3@quota.example:over_limit" {
		t.Errorf("results %v", results)
	}
	_, report := a.get(t, c, "/users/import/"+id+"/report.csv")
	if strings.Count(report, "Not invited: daily limit reached") != 2 {
		t.Errorf("report:\n%s", report)
	}
}

// The limit is a setting: validated (1 to 100,000, "5,000" read as 5000),
// saved, and audited with its old and new values.
func TestInviteLimitSetting(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	_, body := a.get(t, c, "/settings")
	if v := parse(t, body).Find(`input[name="invites_per_day"]`).AttrOr("value", ""); v != "1000" {
		t.Errorf("default shown %q, want 1000", v)
	}
	form := validSettingsForm()
	for _, bad := range []string{"0", "100001", "ten", "-5", ""} {
		form.Set("invites_per_day", bad)
		res, body := a.admPost(t, c, "/settings", form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "from 1 to 100,000") {
			t.Errorf("%q: %d", bad, res.StatusCode)
		}
	}
	form.Set("invites_per_day", "5,000")
	if res, _ := a.admPost(t, c, "/settings", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	if got := settingsOf(t, a).InvitesPerAdminPerDay; got != 5000 {
		t.Errorf("saved %d", got)
	}
	var detail string
	if err := a.Pool.QueryRow(context.Background(), `SELECT detail::text FROM audit_events WHERE action = 'settings_changed' ORDER BY id DESC LIMIT 1`).Scan(&detail); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, `"setting": "invites_per_admin_per_day"`) || !strings.Contains(detail, `"new": 5000`) || !strings.Contains(detail, `"old": 1000`) {
		t.Errorf("audit detail %s", detail)
	}
	_, body = a.get(t, c, "/audit?action=settings_changed")
	if !strings.Contains(body, "invitations per administrator per day") {
		t.Error("the audit log does not name the setting")
	}
}

// New passwords are refused when common, too short or too long (over
// 1,024 bytes), with a clear message, at sign-up, when accepting an email
// invitation and when joining through a link; nothing is created.
func TestNewPasswordRulesEverywhere(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	a := f.a
	token, _ := f.inviteByEmail(t, "pw.invitee@newhire.example", "")
	linkToken, _ := f.newLink(t, roster.LinkInvite{Label: "Passwords", ValidityHours: 24, MaxUses: 5, Approval: true})
	long := strings.Repeat("ab1é", 205) // 1,025 bytes
	cases := []struct {
		password, problem string
	}{
		{"Password123", "attackers try first"},
		{"qwertyuiop", "attackers try first"},
		{"1234567890", "attackers try first"},
		{"zzzzzzzzzzzz", "attackers try first"},
		{"too-short", "at least 10 characters"},
		{long, "at most 1,024"},
	}
	users := func() int {
		var n int
		a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM users`).Scan(&n)
		return n
	}
	before := users()
	for _, c := range cases {
		for _, form := range []struct {
			path string
			v    url.Values
		}{
			{"/signup", url.Values{"account": {"Pw Co"}, "name": {"Pat"}, "email": {"pat@pwco.example"}, "password": {c.password}}},
			{"/invite/" + token, url.Values{"name": {"Pat"}, "password": {c.password}}},
			{"/join/" + linkToken, url.Values{"email": {"pat.join@newhire.example"}, "name": {"Pat"}, "password": {c.password}}},
		} {
			res, body := a.admPost(t, a.client(t), form.path, form.v)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s with %.20q: %d, want 422", form.path, c.password, res.StatusCode)
				continue
			}
			if p := parse(t, body).Find(".problem").Text(); !strings.Contains(p, c.problem) {
				t.Errorf("%s with %.20q: problem %q, want %q", form.path, c.password, p, c.problem)
			}
		}
	}
	if users() != before {
		t.Error("a refused password made a person")
	}
	// A good passphrase goes through.
	if res, _ := a.admPost(t, a.client(t), "/signup", url.Values{"account": {"Pw Co"}, "name": {"Pat"}, "email": {"pat@pwco.example"},
		"password": {"violet tram 42 marmalade"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("good passphrase: %d", res.StatusCode)
	}
}
