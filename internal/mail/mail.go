// Package mail builds Roster's emails (a plain-text and an HTML part, every
// string from the i18n catalogue) and sends them: over SMTP in production,
// into an in-memory Outbox in development.
package mail

import (
	"context"
	"log/slog"
	"regexp"
	"sync"
)

// Message is one email ready to send.
type Message struct {
	To      string // address
	ToName  string // display name, may be empty
	Subject string
	Text    string // plain-text part
	HTML    string // HTML part
	ID      string // optional: a stable Message-ID local part (caller passes e.g. the job id) so a retried send can be recognised
}

// Sender sends a message. Errors are returned as they are (the caller
// retries with backoff; Permanent tells which retries cannot help).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

var (
	_ Sender = (*SMTPSender)(nil)
	_ Sender = (*Outbox)(nil)
)

// Outbox is the development sender: it keeps the last messages in memory,
// newest first, and logs each one. It is safe for concurrent use.
type Outbox struct {
	logger *slog.Logger
	n      int

	mu   sync.Mutex
	msgs []Message // oldest first; Messages reverses
}

// NewOutbox returns an Outbox that keeps the last n messages (at least one)
// and logs each one (to, subject and the text part) with logger (or
// slog.Default() when nil).
func NewOutbox(logger *slog.Logger, n int) *Outbox {
	if logger == nil {
		logger = slog.Default()
	}
	return &Outbox{logger: logger, n: max(n, 1)}
}

// Send keeps m and logs it. It fails only when ctx is already done.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.mu.Lock()
	o.msgs = append(o.msgs, m)
	if extra := len(o.msgs) - o.n; extra > 0 {
		o.msgs = append(o.msgs[:0:0], o.msgs[extra:]...)
	}
	o.mu.Unlock()
	// The log never holds a link's token: open the outbox page for links.
	o.logger.InfoContext(ctx, "email (dev outbox, not sent)", "to", m.To, "subject", m.Subject, "text", tokenRE.ReplaceAllString(m.Text, "/{token}"))
	return nil
}

// tokenRE matches a link token as the last segment of a URL path.
var tokenRE = regexp.MustCompile(`/[A-Za-z0-9_-]{43}\b`)

// Messages returns the kept messages, newest first.
func (o *Outbox) Messages() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Message, len(o.msgs))
	for i, m := range o.msgs {
		out[len(o.msgs)-1-i] = m
	}
	return out
}
