package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPSender sends messages through one SMTP server, a new connection per
// message. It is safe for concurrent use.
type SMTPSender struct {
	client *gomail.Client
	from   *netmail.Address
	domain string // of from, for Message-IDs
}

// Default ports when the URL names none: submission with STARTTLS, and
// submission over implicit TLS.
const (
	defaultSMTPPort  = 587
	defaultSMTPSPort = 465
	// sendTimeout bounds each network step (dial, each SMTP command).
	sendTimeout = 30 * time.Second
)

// NewSMTPSender returns a Sender for rawURL: smtp://[user:pass@]host[:port]
// (STARTTLS when the server offers it, plain otherwise; port 587 when
// omitted) or smtps://[user:pass@]host[:port] (implicit TLS; port 465). With
// a user, the sender authenticates with the strongest mechanism the server
// offers; PLAIN and LOGIN are used only over TLS, so a password never
// crosses the network in the clear. from is the sender address, e.g.
// "Roster <no-reply@roster.example>".
//
// Every message has a text and an HTML part (multipart/alternative), UTF-8,
// and Date, Message-ID and Auto-Submitted headers.
func NewSMTPSender(rawURL, from string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP URL: %w", redactURLError(err))
	}
	var opts []gomail.Option
	port := defaultSMTPPort
	switch u.Scheme {
	case "smtp":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "smtps":
		port = defaultSMTPSPort
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("mail: SMTP URL: scheme %q is not smtp or smtps", u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return nil, errors.New("mail: SMTP URL: no host")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("mail: SMTP URL: bad port %q", p)
		}
	}
	opts = append(opts, gomail.WithPort(port), gomail.WithTimeout(sendTimeout))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()),
			gomail.WithPassword(pass))
	}
	client, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP client: %w", err)
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: sender address %q: %w", from, err)
	}
	domain := addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]
	return &SMTPSender{client: client, from: addr, domain: domain}, nil
}

// redactURLError keeps a password in the URL out of the error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Send sends m in a connection of its own. ctx bounds the connection
// set-up; each later SMTP step is bounded by a timeout.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m, time.Now())
	if err != nil {
		return err
	}
	return s.client.DialAndSendWithContext(ctx, msg)
}

func (s *SMTPSender) build(m Message, now time.Time) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(s.from)
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	to.Name = oneLine(m.ToName)
	msg.ToMailAddress(to)
	msg.Subject(oneLine(m.Subject))
	msg.SetDateWithValue(now)
	id := messageIDLocal(m.ID)
	if id == "" {
		id = rand.Text()
	}
	msg.SetMessageIDWithValue(id + "@" + s.domain)
	msg.SetUserAgent("Roster")
	// Automatic mail: no out-of-office or other auto-replies (RFC 3834).
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageIDLocal keeps the characters a Message-ID's left part may hold
// (RFC 5322 dot-atom text) and replaces the others.
func messageIDLocal(id string) string {
	id = strings.Trim(id, ".")
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r):
			return r
		}
		return '-'
	}, id)
}

// oneLine folds line breaks and runs of spaces in a header value into one
// space, so a value from a user cannot add a header.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Permanent reports whether err from Send is a refusal that retrying cannot
// change: the server answered with a 5xx code (for example 550, no such
// mailbox). Connection failures, timeouts and 4xx answers are temporary.
func Permanent(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return !se.IsTemp() && se.ErrorCode() >= 500
	}
	return false
}
