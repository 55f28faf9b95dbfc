package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/mail"
)

// Every email, in every language and its regional forms, is written whole
// in that language: no English text of the catalogue in the subject, the
// text part or the HTML part, and dates written out in the language.
func TestEmailsFullyTranslated(t *testing.T) {
	t.Parallel()
	now := expires.Add(-7 * 24 * time.Hour)
	longDates := map[string]string{ // expires, Monday 9 March 2026, written out
		"fr-FR": "lundi 9 mars 2026", "fr-CA": "lundi 9 mars 2026",
		"es-ES": "lunes, 9 de marzo de 2026", "es-MX": "lunes, 9 de marzo de 2026",
		"it-IT": "lunedì 9 marzo 2026", "de-DE": "Montag, 9. März 2026",
	}
	for locale, longDate := range longDates {
		l := i18n.New(locale)
		inv := invitation()
		inv.PersonalMessage = "À bientôt !"
		// The worker names built-in roles in the email's language; groups
		// are the account's own names.
		inv.Groups = []string{"Comptabilité › Lyon"}
		inv.Roles = []string{l.T("role.approver"), l.T("role.analyst")}
		msgs := map[string]mail.Message{
			"invitation":             mail.InvitationMessage(l, inv),
			"reminder":               mail.ReminderMessage(l, inv, now),
			"reminder, one day":      mail.ReminderMessage(l, inv, expires.Add(-24*time.Hour)),
			"accepted":               mail.AcceptedMessage(l, mail.Accepted{To: "jose@acme.example", AccountName: "Acme Corporation", PersonName: "Zoë Müller", PersonEmail: "zoe@example.com", Link: "https://roster.example/users"}),
			"accepted through link":  mail.AcceptedMessage(l, mail.Accepted{To: "jose@acme.example", AccountName: "Acme Corporation", PersonName: "Zoë Müller", PersonEmail: "zoe@example.com", LinkLabel: "Lyon office", Link: "https://roster.example/users"}),
			"join request":           mail.JoinRequestMessage(l, mail.JoinRequest{To: "jose@acme.example", AccountName: "Acme Corporation", PersonName: "Zoë Müller", PersonEmail: "zoe@example.com", LinkLabel: "Lyon office", Link: "https://roster.example/users"}),
			"join request, no label": mail.JoinRequestMessage(l, mail.JoinRequest{To: "jose@acme.example", AccountName: "Acme Corporation", PersonName: "Zoë Müller", PersonEmail: "zoe@example.com", Link: "https://roster.example/users"}),
			"confirm":                mail.ConfirmMessage(l, mail.Confirm{To: "zoe@example.com", AccountName: "Acme Corporation", Code: "123456", Link: "https://roster.example/join/confirm/x", ExpiresAt: expires}),
			"approved":               mail.DecisionMessage(l, mail.Decision{To: "zoe@example.com", AccountName: "Acme Corporation", Approved: true, Groups: []string{"Comptabilité › Lyon"}, Roles: []string{l.T("role.approver")}, Link: "https://roster.example/login"}),
			"denied":                 mail.DecisionMessage(l, mail.Decision{To: "zoe@example.com", AccountName: "Acme Corporation"}),
		}
		for _, reason := range []string{"expired", "revoked", "used_up", "other"} {
			for _, who := range []string{"zoe@example.com", ""} {
				msgs["new invitation asked, "+reason+", "+who] = mail.NewInvitationAskedMessage(l, mail.NewInvitationAsked{
					To: "jose@acme.example", AccountName: "Acme Corporation", Requester: who, Reason: reason, Link: "https://roster.example/users"})
			}
		}
		for name, m := range msgs {
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(m.HTML))
			if err != nil {
				t.Fatal(err)
			}
			if got := doc.Find("html").AttrOr("lang", ""); got != locale {
				t.Errorf("%s %s: HTML part in %q", locale, name, got)
			}
			all := m.Subject + " | " + m.Text + " | " + doc.Text()
			if leaks := i18n.EnglishLeaks(locale[:2], all); len(leaks) > 0 {
				t.Errorf("%s %s: English text %q", locale, name, leaks)
			}
		}
		for _, name := range []string{"invitation", "reminder"} {
			if m := msgs[name]; !strings.Contains(m.Text, longDate) || !strings.Contains(m.HTML, longDate) {
				t.Errorf("%s %s: the expiry is not written as %q:\n%s", locale, name, longDate, m.Text)
			}
		}
		if m := msgs["confirm"]; !strings.Contains(m.Text, l.DateTime(expires)) {
			t.Errorf("%s confirm: no expiry %q", locale, l.DateTime(expires))
		}
	}
}
