// Package mailtest is an in-process SMTP server for tests: it keeps every
// message it receives, decoded, and can play an outage or refuse messages.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Server is an in-process SMTP server that keeps every message it receives.
// It offers neither TLS nor AUTH. Its methods are safe for concurrent use.
type Server struct {
	t    testing.TB
	addr string // 127.0.0.1:PORT once listening

	mu       sync.Mutex
	srv      *smtp.Server // nil while stopped
	listener net.Listener
	served   chan struct{}
	msgs     []Received
	arrived  chan struct{} // closed and replaced at each arrival
	failN    int
	failCode int
	failMsg  string
}

// NewServer starts a Server on 127.0.0.1 at a random port; t.Cleanup stops
// it.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, addr: "127.0.0.1:0", arrived: make(chan struct{})}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's address for mail.NewSMTPSender: "smtp://127.0.0.1:PORT".
func (s *Server) URL() string { return "smtp://" + s.addr }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Messages returns the messages received so far, in arrival order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// WaitFor waits until at least n messages have arrived and returns them all
// (in arrival order); it fails the test if that takes longer than timeout.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			msgs := append([]Received(nil), s.msgs...)
			s.mu.Unlock()
			return msgs
		}
		got, arrived := len(s.msgs), s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("mailtest: waited %v for %d messages, %d arrived", timeout, n, got)
			return nil
		}
	}
}

// Stop stops listening and drops open connections, as in an outage: a new
// connection is refused until Start. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, l, served := s.srv, s.listener, s.served
	s.srv, s.listener = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	srv.Close() // drops connections
	// Close only closes the listeners Serve has registered: Serve may not
	// have started yet.
	l.Close()
	<-served
}

// Start listens again, on the same port. Starting a running server does
// nothing.
func (s *Server) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return
	}
	var l net.Listener
	var err error
	// The port was ours a moment ago; give the system a moment if it
	// still holds it.
	for range 50 {
		if l, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("mailtest: listen on %s: %v", s.addr, err)
	}
	s.addr = l.Addr().String()

	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	srv.Domain = "localhost"
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(l)
	}()
	s.srv, s.listener, s.served = srv, l, served
}

// FailNext makes the server refuse the next n messages, at the end of their
// DATA, with code and msg (e.g. 451 for a temporary failure, 550 for a
// permanent one).
func (s *Server) FailNext(n int, code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failCode, s.failMsg = n, code, msg
}

// receive decides the fate of one message's data.
func (s *Server) receive(from string, to []string, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failN > 0 {
		s.failN--
		return &smtp.SMTPError{Code: s.failCode, EnhancedCode: smtp.EnhancedCodeNotSet, Message: s.failMsg}
	}
	r, err := parse(raw)
	if err != nil {
		// A message the test cannot read is a bug in the sender: say so
		// loudly, to the sender.
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: cannot parse the message: " + err.Error()}
	}
	r.From, r.To = from, strings.Join(to, ", ")
	s.msgs = append(s.msgs, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return nil
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return ss.s.receive(ss.from, ss.to, raw)
}

// Received is one message as the server got it, decoded.
type Received struct {
	From, To string      // envelope (several recipients are joined with ", ")
	Subject  string      // decoded
	Text     string      // decoded text/plain part, line breaks as "\n"
	HTML     string      // decoded text/html part, line breaks as "\n"
	Header   mail.Header // net/mail header
	Raw      []byte      // the message as it came over the wire
}

var urlRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// Link returns the first URL in the text part that contains substr (e.g.
// "/invite/"), or "".
func (r Received) Link(substr string) string {
	for _, u := range urlRE.FindAllString(r.Text, -1) {
		u = strings.TrimRight(u, ".,;:!?)]}'")
		if strings.Contains(u, substr) {
			return u
		}
	}
	return ""
}

// parse decodes a message: its subject and its first text/plain and
// text/html parts, at any depth of multipart nesting.
func parse(raw []byte) (Received, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	r := Received{Header: m.Header, Raw: raw}
	if r.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		return Received{}, fmt.Errorf("subject: %w", err)
	}
	if err := walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, &r); err != nil {
		return Received{}, err
	}
	return r, nil
}

func walk(contentType, encoding string, body io.Reader, r *Received) error {
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: the part's transfer encoding is decoded below, the
			// same way at every level.
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mediaType, err)
			}
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, r); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks itself
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	switch {
	case mediaType == "text/plain" && r.Text == "":
		r.Text = text
	case mediaType == "text/html" && r.HTML == "":
		r.HTML = text
	}
	return nil
}
