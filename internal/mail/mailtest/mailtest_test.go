package mailtest_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/mail/mailtest"
)

// send delivers raw with the standard library's client, independent of the
// sender under test elsewhere.
func send(t *testing.T, s *mailtest.Server, to []string, raw string) error {
	t.Helper()
	return smtp.SendMail(s.Addr(), nil, "from@example.com", to, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

func TestDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw           string
		subject, text, html string
		link                string
	}{
		{
			name: "single text part",
			raw: "Subject: Plain\nContent-Type: text/plain; charset=utf-8\n\n" +
				"Open https://roster.example/invite/abc.\nBye\n",
			subject: "Plain",
			text:    "Open https://roster.example/invite/abc.\nBye\n",
			link:    "https://roster.example/invite/abc",
		},
		{
			name:    "no content type",
			raw:     "Subject: None\n\nhello\n",
			subject: "None",
			text:    "hello\n",
		},
		{
			name: "nested, quoted-printable and base64, encoded subject",
			raw: "Subject: =?UTF-8?q?Zo=C3=AB_M=C3=BCller?=\n" +
				"MIME-Version: 1.0\n" +
				"Content-Type: multipart/mixed; boundary=outer\n\n" +
				"--outer\n" +
				"Content-Type: multipart/alternative; boundary=inner\n\n" +
				"--inner\n" +
				"Content-Type: text/plain; charset=UTF-8\n" +
				"Content-Transfer-Encoding: quoted-printable\n\n" +
				"Jos=C3=A9 (https://roster.example/join/x?a=3D1)\n" +
				"a soft =\nbreak\n" +
				"--inner\n" +
				"Content-Type: text/html; charset=UTF-8\n" +
				"Content-Transfer-Encoding: base64\n\n" +
				"PHA+Sm9zw6k8L3A+\n" +
				"--inner--\n" +
				"--outer--\n",
			subject: "Zoë Müller",
			text:    "José (https://roster.example/join/x?a=1)\na soft break",
			html:    "<p>José</p>",
			link:    "https://roster.example/join/x?a=1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mailtest.NewServer(t)
			if err := send(t, s, []string{"a@example.com", "b@example.com"}, tt.raw); err != nil {
				t.Fatal(err)
			}
			r := s.WaitFor(t, 1, 5*time.Second)[0]
			if r.Subject != tt.subject || r.Text != tt.text || r.HTML != tt.html {
				t.Errorf("got subject %q text %q html %q\nwant subject %q text %q html %q", r.Subject, r.Text, r.HTML, tt.subject, tt.text, tt.html)
			}
			if got := r.Link("roster.example"); got != tt.link {
				t.Errorf("Link %q, want %q", got, tt.link)
			}
			if r.Link("/nowhere/") != "" {
				t.Error("Link found a URL that is not there")
			}
			if r.From != "from@example.com" || r.To != "a@example.com, b@example.com" {
				t.Errorf("envelope %q -> %q", r.From, r.To)
			}
		})
	}
}

func TestStopStartFailNext(t *testing.T) {
	t.Parallel()
	s := mailtest.NewServer(t)
	msg := "Subject: x\n\nx\n"
	addr := s.Addr()

	s.Stop()
	s.Stop() // twice is fine
	if err := send(t, s, []string{"a@example.com"}, msg); err == nil {
		t.Fatal("a stopped server accepted a message")
	}
	s.Start()
	s.Start() // twice is fine
	if s.Addr() != addr {
		t.Fatalf("restarted on %s, was %s", s.Addr(), addr)
	}
	s.FailNext(2, 451, "busy")
	for range 2 {
		if err := send(t, s, []string{"a@example.com"}, msg); err == nil || !strings.Contains(err.Error(), "451") {
			t.Errorf("want a 451 refusal, got %v", err)
		}
	}
	if err := send(t, s, []string{"a@example.com"}, msg); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("kept %d messages, want 1", n)
	}
}
