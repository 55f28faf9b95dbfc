package server_test

import (
	"bytes"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

// The language of an invitation: chosen in the Add users forms (email and
// link), or per row of a CSV import (a language column, else the
// dialog's choice); headers of the import may come in any language.
func TestInvitationLanguage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	localeOf := func(where string, args ...any) string {
		t.Helper()
		var l string
		if err := a.Pool.QueryRow(t.Context(), `SELECT coalesce(locale, '') FROM invitations WHERE `+where, args...).Scan(&l); err != nil {
			t.Fatalf("invitation %s %v: %v", where, args, err)
		}
		return l
	}

	// The dialog's forms offer every language, the account's selected.
	_, body := a.get(t, c, "/users/add")
	if sel := parse(t, body).Find(`form[action="/users/invite"] select[name=locale]`); sel.Find("option").Length() != 11 || sel.Find("option[selected]").AttrOr("value", "") != "en-US" {
		t.Errorf("the email form has no language select showing the account's")
	}
	_, body = a.get(t, c, "/users/add?tab=link")
	if parse(t, body).Find(`form[action="/users/links"] select[name=locale]`).Length() != 1 {
		t.Errorf("the link form has no language select")
	}

	res, _ := a.admPost(t, c, "/users/invite", url.Values{"emails": {"lena@neu.example"}, "locale": {"de-DE"}, "validity": {"30"}})
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite: %d", res.StatusCode)
	}
	if got := localeOf(`email = $1`, "lena@neu.example"); got != "de-DE" {
		t.Errorf("email invitation in %q", got)
	}
	if res, _ := a.admPost(t, c, "/users/invite", url.Values{"emails": {"x@neu.example"}, "locale": {"tlh"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown language: %d", res.StatusCode)
	}
	res, _ = a.admPost(t, c, "/users/links", url.Values{"label": {"Équipe Montréal"}, "max_uses": {"10"}, "validity": {"24"}, "locale": {"fr-CA"}})
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
		t.Fatalf("link: %d", res.StatusCode)
	}
	if got := localeOf(`label = $1`, "Équipe Montréal"); got != "fr-CA" {
		t.Errorf("invite link in %q", got)
	}

	// The CSV template's headers are in the page's language.
	_, tpl := a.get(t, c, "/users/import/template.csv", "Accept-Language", "de-DE")
	head, err := csv.NewReader(strings.NewReader(tpl)).Read()
	de := i18n.New("de-DE")
	if err != nil || strings.Join(head, ",") != strings.Join([]string{de.T("csv.col_email"), de.T("csv.col_name"), de.T("csv.col_groups"), de.T("csv.col_roles"), de.T("lang.csv_header")}, ",") {
		t.Errorf("German template header %q", head)
	}

	// An import with German headers and a language column; rows without
	// a language take the dialog's (it-IT).
	file := strings.Join(head, ",") + "\n" +
		"anne@nouveau.example,Anne,,,fr-CA\n" +
		"jonas@neu.example,Jonas,,,de\n" +
		"paola@nuovo.example,Paola,,,\n" +
		"sofia@nuevo.example,Sofía,,,Español (México)\n" +
		"kor@unknown.example,Kor,,,tlh\n"
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "team.csv")
	fw.Write([]byte(file))
	mw.WriteField("locale", "it-IT")
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/users/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for i := 0; i+1 < len(asDialog); i += 2 {
		req.Header.Set(asDialog[i], asDialog[i+1])
	}
	r2, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(r2)
	if r2.StatusCode != http.StatusOK {
		t.Fatalf("dry run: %d %.300s", r2.StatusCode, body)
	}
	if !strings.Contains(body, "tlh") {
		t.Errorf("the unknown language is not shown as the row's problem")
	}
	id := importID(t, body)
	if res := a.post(t, c, "/users/import/"+id+"/confirm", url.Values{}, asDialog...); res.StatusCode != http.StatusOK {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	want := map[string]string{"anne@nouveau.example": "fr-CA", "jonas@neu.example": "de-DE", "paola@nuovo.example": "it-IT", "sofia@nuevo.example": "es-MX"}
	deadline := time.Now().Add(20 * time.Second)
	for email, locale := range want {
		for {
			var n int
			a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM invitations WHERE email = $1`, email).Scan(&n)
			if n == 1 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if got := localeOf(`email = $1`, email); got != locale {
			t.Errorf("%s invited in %q, want %q", email, got, locale)
		}
	}
	var n int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM invitations WHERE email = 'kor@unknown.example'`).Scan(&n)
	if n != 0 {
		t.Errorf("the row with an unknown language was invited")
	}
}

// Reminders go out in the invitation's language, not the inviter's or the
// account's.
func TestReminderInInvitationLanguage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	acc := a.admAccount(t)
	admin := a.admUserID(t, postgres.DemoAdminEmail)
	a.Pool.Exec(t.Context(), `UPDATE users SET locale = 'de-DE' WHERE id = $1`, admin)
	now := time.Now()
	res, err := a.Invitations.CreateEmailInvitations(t.Context(), acc, admin, roster.EmailInvites{
		Addresses: []roster.Address{{Email: "giulia.reminder@nuovo.example"}}, ValidityDays: 5, Locale: "it-IT"}, now)
	if err != nil || res[0].Outcome != roster.OutcomeInvited {
		t.Fatalf("invite: %v %+v", err, res)
	}
	if _, err := a.Invitations.QueueReminders(t.Context(), now); err != nil {
		t.Fatal(err)
	}
	it := i18n.New("it-IT")
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got []string
		for _, m := range a.SMTP.Messages() {
			if m.To != "giulia.reminder@nuovo.example" {
				continue
			}
			got = append(got, m.Subject)
			if m.Subject == it.T("email.reminder.subject", 5, "Acme Corporation") {
				if !strings.Contains(m.Text, it.LongDate(now.Add(5*24*time.Hour))) || !strings.Contains(m.HTML, `lang="it-IT"`) {
					t.Errorf("the reminder is not wholly Italian:\n%s", m.Text)
				}
				if leaks := i18n.EnglishLeaks("it", m.Subject+" "+m.Text); len(leaks) > 0 {
					t.Errorf("English in the reminder: %q", leaks)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Italian reminder; received %q", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
