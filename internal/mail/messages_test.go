package mail_test

import (
	"context"
	"html"
	"log/slog"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/mail"
	"github.com/roster-hub/roster/internal/mail/mailtest"
)

const from = "Roster <no-reply@roster.example>"

// expires is a Monday.
var expires = time.Date(2026, 3, 9, 17, 0, 0, 0, time.UTC)

// deliver sends m through a real SMTP conversation and returns what the
// server received.
func deliver(t *testing.T, m mail.Message) mailtest.Received {
	t.Helper()
	srv := mailtest.NewServer(t)
	s, err := mail.NewSMTPSender(srv.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	return srv.WaitFor(t, 1, 5*time.Second)[0]
}

var (
	// Markup that has no place in a plain-text part.
	textTagRE    = regexp.MustCompile(`</?(html|body|p|a|table|tr|td|ul|li|br|span|div|h1)\b`)
	textEntityRE = regexp.MustCompile(`&(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);`)
)

func invitation() mail.Invitation {
	return mail.Invitation{
		To:              "zoe@example.com",
		AccountName:     "Acme Corporation",
		InviterName:     "José García",
		InviterEmail:    "jose@acme.example",
		Link:            "https://roster.example/invite/tok_abc-123",
		Groups:          []string{"Finance › Payables", "Sales › EMEA"},
		Roles:           []string{"Approver", "Analyst"},
		ExpiresAt:       expires,
		PersonalMessage: "Welcome aboard, Zoë!\r\nSee you on Monday.\n\nJosé",
	}
}

// Each kind of email, sent over SMTP: what arrives is complete, decoded
// and readable in both parts.
func TestMessagesArrive(t *testing.T) {
	t.Parallel()
	en := i18n.New("en-US")
	withName := func(m mail.Message, name string) mail.Message { m.ToName = name; return m }
	noMessage := invitation()
	noMessage.PersonalMessage, noMessage.Groups = "", nil

	tests := []struct {
		name     string
		msg      mail.Message
		toName   string
		subject  string
		link     string   // in both parts
		both     []string // in the text part and in the HTML part's text
		text     []string // in the text part only (layout)
		html     []string // regular expressions on the raw HTML
		not      []string // in neither part
		fromName string
	}{
		{
			name:    "invitation",
			msg:     withName(mail.InvitationMessage(en, invitation()), "Zoë Müller"),
			toName:  "Zoë Müller",
			subject: "José García invited you to join Acme Corporation on Roster",
			link:    "https://roster.example/invite/tok_abc-123",
			both: []string{
				"José García (jose@acme.example) invited you to join Acme Corporation on Roster.",
				"Finance › Payables", "Sales › EMEA", "Approver", "Analyst",
				"This invitation expires on Monday, March 9, 2026.",
				"José García wrote:",
				"You received this email because José García (jose@acme.example) invited you",
				"If you weren't expecting it, you can ignore this email.",
			},
			text: []string{
				"> Welcome aboard, Zoë!\n> See you on Monday.\n>\n> José\n",
				"You'll join these groups:\n- Finance › Payables\n- Sales › EMEA\n",
				"You'll have these roles:\n- Approver\n- Analyst\n",
				"Accept invitation:\nhttps://roster.example/invite/tok_abc-123\n",
			},
			html: []string{
				`Welcome aboard, Zoë!\s*<br>\s*See you on Monday.\s*<br>\s*<br>\s*José`,
				`<li[^>]*>Finance › Payables</li>`,
				`<a href="https://roster.example/invite/tok_abc-123"[^>]*>Accept invitation</a>`,
				`max-width:560px`,
				`<html lang="en-US">`,
			},
		},
		{
			name:    "invitation without message or groups",
			msg:     mail.InvitationMessage(en, noMessage),
			subject: "José García invited you to join Acme Corporation on Roster",
			link:    "https://roster.example/invite/tok_abc-123",
			both:    []string{"Approver", "Monday, March 9, 2026"},
			not:     []string{"wrote:", "groups"},
		},
		{
			name:    "reminder, 7 days",
			msg:     mail.ReminderMessage(en, invitation(), expires.Add(-7*24*time.Hour)),
			subject: "Reminder: your invitation to join Acme Corporation expires in 7 days",
			link:    "https://roster.example/invite/tok_abc-123",
			both: []string{
				"Your invitation to Acme Corporation expires soon",
				"José García (jose@acme.example) invited you to join Acme Corporation on Roster. The invitation expires in 7 days, on Monday, March 9, 2026.",
				"Finance › Payables", "Analyst",
			},
			text: []string{"> Welcome aboard, Zoë!\n> See you on Monday.\n"},
			not:  []string{"This invitation expires on"}, // the first line says it
		},
		{
			name:    "reminder, 1 day, sent a little late",
			msg:     mail.ReminderMessage(en, invitation(), expires.Add(-23*time.Hour)),
			subject: "Reminder: your invitation to join Acme Corporation expires in 1 day",
			link:    "https://roster.example/invite/tok_abc-123",
			both:    []string{"The invitation expires in 1 day, on Monday, March 9, 2026."},
			not:     []string{"1 days"},
		},
		{
			name: "accepted, email invitation",
			msg: mail.AcceptedMessage(en, mail.Accepted{
				To: "jose@acme.example", ToName: "José García", AccountName: "Acme Corporation",
				PersonName: "Zoë Müller", PersonEmail: "zoe@example.com", Link: "https://roster.example/users",
			}),
			toName:  "José García",
			subject: "Zoë Müller accepted your invitation to Acme Corporation",
			link:    "https://roster.example/users",
			both: []string{
				"Zoë Müller joined Acme Corporation",
				"Zoë Müller (zoe@example.com) accepted your invitation and is now a member of Acme Corporation.",
				"Open People",
				"You received this email because you invited Zoë Müller to Acme Corporation on Roster.",
			},
		},
		{
			name: "accepted, invite link",
			msg: mail.AcceptedMessage(en, mail.Accepted{
				To: "jose@acme.example", AccountName: "Acme Corporation",
				PersonName: "Zoë Müller", PersonEmail: "zoe@example.com", Link: "https://roster.example/users",
				LinkLabel: "Spring interns",
			}),
			subject: "Zoë Müller joined Acme Corporation through your invite link",
			link:    "https://roster.example/users",
			both: []string{
				"Zoë Müller (zoe@example.com) joined Acme Corporation through your invite link “Spring interns”.",
				"because you created an invite link for Acme Corporation",
			},
		},
		{
			name: "join request",
			msg: mail.JoinRequestMessage(en, mail.JoinRequest{
				To: "admin@acme.example", ToName: "Ada Admin", AccountName: "Acme Corporation",
				PersonName: "Zoë Müller", PersonEmail: "zoe@example.com", LinkLabel: "Spring interns",
				Link: "https://roster.example/users?tab=invitations&status=join_request",
			}),
			toName:  "Ada Admin",
			subject: "Zoë Müller is waiting for approval to join Acme Corporation",
			link:    "https://roster.example/users?tab=invitations&status=join_request",
			both: []string{
				"New request to join Acme Corporation",
				"Zoë Müller (zoe@example.com) joined through the invite link “Spring interns” and is waiting for approval to join Acme Corporation.",
				"Review request",
				"because you can approve join requests for Acme Corporation",
			},
			html: []string{`href="https://roster.example/users\?tab=invitations&amp;status=join_request"`},
		},
		{
			name: "join request, link without a label",
			msg: mail.JoinRequestMessage(en, mail.JoinRequest{
				To: "admin@acme.example", AccountName: "Acme Corporation",
				PersonName: "Zoë Müller", PersonEmail: "zoe@example.com", Link: "https://roster.example/users?tab=invitations",
			}),
			subject: "Zoë Müller is waiting for approval to join Acme Corporation",
			link:    "https://roster.example/users?tab=invitations",
			both:    []string{"joined through an invite link and is waiting for approval"},
			not:     []string{"“”"},
		},
		{
			name: "confirm",
			msg: mail.ConfirmMessage(en, mail.Confirm{
				To: "zoe@example.com", ToName: "Zoë Müller", AccountName: "Acme Corporation",
				Code: "482913", Link: "https://roster.example/join/confirm/tok_xyz", ExpiresAt: time.Date(2026, 3, 4, 15, 30, 0, 0, time.UTC),
			}),
			toName:  "Zoë Müller",
			subject: "482913 is your code to join Acme Corporation",
			link:    "https://roster.example/join/confirm/tok_xyz",
			both: []string{
				"Confirm your email address",
				"To finish joining Acme Corporation on Roster, enter this code:",
				"482913",
				"Confirm email address",
				"The code and the link work until Mar 4, 2026, 3:30 PM UTC.",
				"If it wasn't you, you can safely ignore this email.",
			},
			text: []string{"enter this code:\n\n    482913\n"},
		},
		{
			name: "decision, approved",
			msg: mail.DecisionMessage(en, mail.Decision{
				To: "zoe@example.com", ToName: "Zoë Müller", AccountName: "Acme Corporation", Approved: true,
				Groups: []string{"Finance › Payables"}, Roles: []string{"Requisitioner"}, Link: "https://roster.example/login",
			}),
			toName:  "Zoë Müller",
			subject: "Welcome to Acme Corporation: your request to join was approved",
			link:    "https://roster.example/login",
			both: []string{
				"Welcome to Acme Corporation",
				"Your request to join Acme Corporation on Roster was approved.",
				"Finance › Payables", "Requisitioner", "Sign in to Roster",
				"because you asked to join Acme Corporation on Roster",
			},
			text: []string{"Your groups:\n- Finance › Payables\n", "Your roles:\n- Requisitioner\n"},
		},
		{
			name: "decision, denied",
			msg: mail.DecisionMessage(en, mail.Decision{
				To: "zoe@example.com", AccountName: "Acme Corporation", Approved: false,
				Groups: []string{"Finance › Payables"}, Roles: []string{"Requisitioner"}, Link: "https://roster.example/login",
			}),
			subject: "Your request to join Acme Corporation wasn't approved",
			both: []string{
				"Your request wasn't approved",
				"An administrator of Acme Corporation declined your request to join on Roster.",
				"contact the person who shared the invite link with you",
			},
			// A refusal says nothing of what would have been granted.
			not: []string{"Finance", "Requisitioner", "https://roster.example/login"},
		},
		{
			name: "new invitation asked, expired",
			msg: mail.NewInvitationAskedMessage(en, mail.NewInvitationAsked{
				To: "jose@acme.example", ToName: "José García", AccountName: "Acme Corporation",
				Requester: "zoe@example.com", Reason: "expired", Link: "https://roster.example/users?tab=invitations",
			}),
			toName:  "José García",
			subject: "zoe@example.com asked for a new invitation to Acme Corporation",
			link:    "https://roster.example/users?tab=invitations",
			both: []string{
				"zoe@example.com opened an invitation to Acme Corporation that has expired, and asked for a new one.",
				"Open Invitations",
			},
		},
		{
			name: "new invitation asked, revoked",
			msg: mail.NewInvitationAskedMessage(en, mail.NewInvitationAsked{
				To: "jose@acme.example", AccountName: "Acme Corporation",
				Requester: "zoe@example.com", Reason: "revoked", Link: "https://roster.example/users?tab=invitations",
			}),
			subject: "zoe@example.com asked for a new invitation to Acme Corporation",
			link:    "https://roster.example/users?tab=invitations",
			both:    []string{"that was revoked, and asked for a new one."},
		},
		{
			name: "new invitation asked, link used up, requester unknown",
			msg: mail.NewInvitationAskedMessage(en, mail.NewInvitationAsked{
				To: "jose@acme.example", AccountName: "Acme Corporation",
				Reason: "used_up", Link: "https://roster.example/users?tab=invitations",
			}),
			subject: "Someone asked for a new invitation to Acme Corporation",
			link:    "https://roster.example/users?tab=invitations",
			both:    []string{"Someone opened an invite link to Acme Corporation that has reached its maximum number of uses"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := deliver(t, tt.msg)
			htmlText := html.UnescapeString(r.HTML)

			if r.Subject != tt.subject {
				t.Errorf("subject %q, want %q", r.Subject, tt.subject)
			}
			if r.Text == "" || r.HTML == "" {
				t.Fatalf("a part is missing: text %d bytes, HTML %d bytes", len(r.Text), len(r.HTML))
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
				t.Errorf("Content-Type %q", ct)
			}
			for _, h := range []string{"Date", "Message-Id", "From", "To", "Mime-Version"} {
				if r.Header.Get(h) == "" {
					t.Errorf("no %s header", h)
				}
			}
			if to, err := netmail.ParseAddress(r.Header.Get("To")); err != nil || to.Address != tt.msg.To || to.Name != tt.toName {
				t.Errorf("To %q (%v), want %q <%s>", r.Header.Get("To"), err, tt.toName, tt.msg.To)
			}
			if r.To != tt.msg.To || r.From != "no-reply@roster.example" {
				t.Errorf("envelope from %q to %q", r.From, r.To)
			}
			if tt.link != "" {
				if got := r.Link(tt.link); got != tt.link {
					t.Errorf("text part link %q, want %q", got, tt.link)
				}
				if !strings.Contains(htmlText, `href="`+tt.link+`"`) {
					t.Errorf("HTML part has no link to %s", tt.link)
				}
			}
			for _, s := range tt.both {
				if !strings.Contains(r.Text, s) {
					t.Errorf("text part lacks %q", s)
				}
				if !strings.Contains(htmlText, s) {
					t.Errorf("HTML part lacks %q", s)
				}
			}
			for _, s := range tt.text {
				if !strings.Contains(r.Text, s) {
					t.Errorf("text part lacks %q", s)
				}
			}
			for _, re := range tt.html {
				if !regexp.MustCompile(re).MatchString(r.HTML) {
					t.Errorf("HTML part does not match %s", re)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(r.Text, s) || strings.Contains(htmlText, s) {
					t.Errorf("found %q", s)
				}
			}
			// Every email says why the reader got it.
			if !strings.Contains(r.Text, "\n-- \nYou received this email because ") {
				t.Error("text part has no footer")
			}
			if m := textTagRE.FindString(r.Text); m != "" {
				t.Errorf("text part has markup %q", m)
			}
			if m := textEntityRE.FindString(r.Text); m != "" {
				t.Errorf("text part has an HTML entity %q", m)
			}
			if strings.Contains(r.Text+r.HTML+r.Subject, "%!") {
				t.Error("a message has a formatting error (%!)")
			}
			t.Logf("text part:\n%s", r.Text)
		})
	}
}

// Values from users are escaped in the HTML part and shown as written in
// the text part and the subject.
func TestUserValuesAreEscaped(t *testing.T) {
	t.Parallel()
	d := invitation()
	d.InviterName = `Eve <script>alert("x")</script>`
	d.AccountName = "Tom & Jerry <Ltd>"
	d.Groups = []string{`<img src=x onerror=alert(1)>`}
	d.Roles = []string{"R&D"}
	d.PersonalMessage = "Hi <b>there</b>\n<script>steal()</script> & bye"
	r := deliver(t, mail.InvitationMessage(i18n.New("en-US"), d))

	for _, raw := range []string{"<script", "<b>", "<img", "<Ltd>", "Tom & Jerry", "R&D"} {
		if strings.Contains(r.HTML, raw) {
			t.Errorf("HTML part has %q unescaped", raw)
		}
	}
	for _, esc := range []string{"&lt;script&gt;", "&lt;b&gt;there&lt;/b&gt;", "Tom &amp; Jerry &lt;Ltd&gt;", "&lt;img src=x onerror=alert(1)&gt;", "R&amp;D"} {
		if !strings.Contains(r.HTML, esc) {
			t.Errorf("HTML part lacks %q", esc)
		}
	}
	for _, lit := range []string{`Eve <script>alert("x")</script> wrote:`, "> Hi <b>there</b>\n> <script>steal()</script> & bye\n", "Tom & Jerry <Ltd>", "- <img src=x onerror=alert(1)>", "- R&D"} {
		if !strings.Contains(r.Text, lit) {
			t.Errorf("text part lacks %q", lit)
		}
	}
	if want := `Eve <script>alert("x")</script> invited you to join Tom & Jerry <Ltd> on Roster`; r.Subject != want {
		t.Errorf("subject %q, want %q", r.Subject, want)
	}
}

// A link that is not http(s) never becomes a live link in the HTML part.
func TestUnsafeLinkIsNotLinked(t *testing.T) {
	t.Parallel()
	d := invitation()
	d.Link = "javascript:alert(1)"
	m := mail.InvitationMessage(i18n.New("en-US"), d)
	if strings.Contains(m.HTML, `href="javascript:`) {
		t.Error("HTML part links to a javascript: URL")
	}
}

// The language's regional forms reach the email: the date written out as
// in the United Kingdom, and the html lang attribute.
func TestRegionalForms(t *testing.T) {
	t.Parallel()
	m := mail.InvitationMessage(i18n.New("en-GB"), invitation())
	if want := "This invitation expires on Monday 9 March 2026."; !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
		t.Errorf("no %q in both parts", want)
	}
	if !strings.Contains(m.HTML, `<html lang="en-GB">`) {
		t.Error("HTML part is not marked en-GB")
	}
}

// A header value from a user cannot add a header.
func TestNoHeaderInjection(t *testing.T) {
	t.Parallel()
	d := invitation()
	d.InviterName = "Eve\r\nBcc: victim@example.com"
	m := mail.InvitationMessage(i18n.New("en-US"), d)
	m.ToName = "Zoë\r\nX-Evil: 1"
	r := deliver(t, m)
	if r.Header.Get("Bcc") != "" || r.Header.Get("X-Evil") != "" {
		t.Errorf("injected header: %v", r.Header)
	}
	if want := "Eve Bcc: victim@example.com invited you to join Acme Corporation on Roster"; r.Subject != want {
		t.Errorf("subject %q, want %q", r.Subject, want)
	}
}

func TestOutboxLogHasNoTokens(t *testing.T) {
	var buf strings.Builder
	o := mail.NewOutbox(slog.New(slog.NewTextHandler(&buf, nil)), 5)
	token := "iKGns8ZhPjKP_kND34bIIV4BejcEo0pugUHoTslJsac"
	if err := o.Send(context.Background(), mail.Message{To: "a@b.example", Subject: "s", Text: "Open http://x/invite/" + token + "\nthanks"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), token) || !strings.Contains(buf.String(), "/invite/{token}") {
		t.Errorf("outbox log: %s", buf.String())
	}
	if !strings.Contains(o.Messages()[0].Text, token) {
		t.Errorf("the outbox page lost the link")
	}
}
