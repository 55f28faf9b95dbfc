package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/mail"
	"github.com/roster-hub/roster/internal/mail/mailtest"
)

func simple(to, subject string) mail.Message {
	return mail.Message{To: to, Subject: subject, Text: "Hello", HTML: "<p>Hello</p>"}
}

func newSender(t *testing.T, srv *mailtest.Server) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTPSender(srv.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// An outage makes Send fail; once the server is back on the same address,
// the same sender works again.
func TestSendDuringOutage(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	s := newSender(t, srv)
	ctx := context.Background()
	url := srv.URL()

	srv.Stop()
	if err := s.Send(ctx, simple("a@example.com", "during the outage")); err == nil {
		t.Fatal("Send succeeded while the server was stopped")
	} else if mail.Permanent(err) {
		t.Errorf("an outage is reported as permanent: %v", err)
	}
	srv.Start()
	if srv.URL() != url {
		t.Fatalf("server moved from %s to %s", url, srv.URL())
	}
	if err := s.Send(ctx, simple("a@example.com", "after the outage")); err != nil {
		t.Fatalf("Send after Start: %v", err)
	}
	got := srv.WaitFor(t, 1, 5*time.Second)
	if len(got) != 1 || got[0].Subject != "after the outage" {
		t.Errorf("received %d messages, first %q", len(got), got[0].Subject)
	}
}

// A refused message fails its Send only; the reply code tells whether
// retrying can help.
func TestSendRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code      int
		permanent bool
	}{
		{451, false},
		{421, false},
		{550, true},
		{554, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			t.Parallel()
			srv := mailtest.NewServer(t)
			s := newSender(t, srv)
			ctx := context.Background()

			srv.FailNext(1, tt.code, "try later")
			err := s.Send(ctx, simple("a@example.com", "refused"))
			if err == nil {
				t.Fatal("Send succeeded though the server refused it")
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tt.code)) {
				t.Errorf("error %q does not give the code %d", err, tt.code)
			}
			if got := mail.Permanent(err); got != tt.permanent {
				t.Errorf("Permanent = %v, want %v (%v)", got, tt.permanent, err)
			}
			if err := s.Send(ctx, simple("a@example.com", "accepted")); err != nil {
				t.Fatalf("second Send: %v", err)
			}
			got := srv.Messages()
			if len(got) != 1 || got[0].Subject != "accepted" {
				t.Errorf("received %d messages", len(got))
			}
		})
	}
}

// Message-IDs are stable when the caller gives an ID (a retried job sends
// the same one), unique otherwise, and in the sender's domain.
func TestMessageID(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	s := newSender(t, srv)
	ctx := context.Background()
	for _, id := range []string{"invitation-email.42", "invitation-email.42", "", "", "bad id<>@x"} {
		m := simple("a@example.com", "id")
		m.ID = id
		if err := s.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.WaitFor(t, 5, 5*time.Second)
	ids := make([]string, len(got))
	for i, r := range got {
		ids[i] = r.Header.Get("Message-Id")
	}
	if ids[0] != "<invitation-email.42@roster.example>" || ids[1] != ids[0] {
		t.Errorf("given IDs: %q, %q", ids[0], ids[1])
	}
	if ids[2] == ids[3] || !strings.HasSuffix(ids[2], "@roster.example>") || len(ids[2]) < 20 {
		t.Errorf("generated IDs: %q, %q", ids[2], ids[3])
	}
	if ids[4] != "<bad-id---x@roster.example>" {
		t.Errorf("sanitised ID: %q", ids[4])
	}
}

// Many messages at once over one sender.
func TestSendConcurrently(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	s := newSender(t, srv)
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- s.Send(context.Background(), simple(fmt.Sprintf("p%d@example.com", i), "hello")) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := srv.WaitFor(t, n, 5*time.Second); len(got) != n {
		t.Errorf("received %d messages, want %d", len(got), n)
	}
}

func TestNewSMTPSender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, from string
		ok        bool
	}{
		{"smtp://localhost:1025", from, true},
		{"smtp://mail.example.com", from, true},
		{"smtps://user:p%40ss@mail.example.com:465", from, true},
		{"smtp://user:secret@mail.example.com:587", "no-reply@roster.example", true},
		{"http://mail.example.com", from, false},
		{"smtp://", from, false},
		{"smtp://mail.example.com:0", from, false},
		{"smtp://mail.example.com:99999", from, false},
		{"smtp://mail.example.com", "not an address", false},
		{"smtp://user:secret@mail.example.com:bad", from, false},
	}
	for _, tt := range tests {
		_, err := mail.NewSMTPSender(tt.url, tt.from)
		if (err == nil) != tt.ok {
			t.Errorf("NewSMTPSender(%q, %q) error %v, want ok %v", tt.url, tt.from, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestSendToBadAddress(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	if err := newSender(t, srv).Send(context.Background(), simple("not an address", "x")); err == nil {
		t.Error("Send to a bad address succeeded")
	}
}

// The development outbox keeps the last n messages, newest first, and logs
// each one.
func TestOutbox(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	o := mail.NewOutbox(slog.New(slog.NewTextHandler(&logs, nil)), 2)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		m := simple(fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("message %d", i))
		m.Text = fmt.Sprintf("text of message %d", i)
		if err := o.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got := o.Messages()
	if len(got) != 2 || got[0].Subject != "message 3" || got[1].Subject != "message 2" {
		t.Errorf("kept %d messages: %+v", len(got), got)
	}
	for _, s := range []string{"p1@example.com", "message 1", "text of message 3"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, logs.String())
		}
	}
	// The result is a copy.
	got[0].Subject = "changed"
	if o.Messages()[0].Subject != "message 3" {
		t.Error("Messages shares its slice")
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := o.Send(cancelled, simple("a@example.com", "late")); err == nil {
		t.Error("Send with a cancelled context succeeded")
	}
}
