package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/roster-hub/roster/internal/roster"
)

// sqlStateError stands for the driver's error type: any error with a
// SQLSTATE.
type sqlStateError string

func (e sqlStateError) Error() string    { return "ERROR (SQLSTATE " + string(e) + ")" }
func (e sqlStateError) SQLState() string { return string(e) }

type retryableError bool

func (e retryableError) Error() string     { return "connect failed" }
func (e retryableError) SafeToRetry() bool { return bool(e) }

// The errors of a database that cannot be reached are told apart from the
// errors of a request (the TestFaultDatabaseOutage in cmd/roster meets the
// real ones; this pins the rules).
func TestUnavailable(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "unix", Err: &net.AddrError{Err: "no such file or directory"}}
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("failed to connect: %w", dial), true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF), true},
		{sqlStateError("57P01"), true}, // terminating connection due to administrator command
		{sqlStateError("57P03"), true}, // the database system is starting up
		{sqlStateError("08006"), true}, // connection failure
		{sqlStateError("53300"), true}, // too many connections
		{retryableError(true), true},
		{roster.Errorf(roster.EUNAVAILABLE, "away"), true},
		{sqlStateError("23505"), false}, // a unique violation is the request's
		{sqlStateError("40P01"), false}, // a deadlock is a bug to fix, not an outage
		{retryableError(false), false},
		{errors.New("something else"), false},
		{context.Canceled, false},
	}
	for _, tc := range tests {
		if got := unavailable(tc.err); got != tc.want {
			t.Errorf("unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// downAccounts is an account store whose database cannot be reached.
type downAccounts struct{ AccountStore }

func (downAccounts) Credentials(context.Context, string) (roster.User, string, error) {
	return roster.User{}, "", fmt.Errorf("failed to connect: %w", &net.OpError{Op: "dial", Net: "unix", Err: syscall.ENOENT})
}

// A request that meets the outage gets the 503 page, or for htmx the note
// in the flash slot, with Retry-After.
func TestUnavailablePage(t *testing.T) {
	s := NewServer(Deps{Accounts: downAccounts{}, Logger: slog.New(slog.DiscardHandler)})
	for _, hx := range []bool{false, true} {
		form := url.Values{"email": {"a@example.com"}, "password": {"whatever-it-is"}}
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if hx {
			req.Header.Set("HX-Request", "true")
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("htmx %v: status %d, Retry-After %q", hx, rec.Code, rec.Header().Get("Retry-After"))
		}
		if !strings.Contains(body, "Roster cannot reach its database") {
			t.Errorf("htmx %v: the note is missing:\n%s", hx, body)
		}
		if hx != (rec.Header().Get("HX-Retarget") == "#flash") || hx == strings.Contains(body, "Roster is temporarily unavailable") {
			t.Errorf("htmx %v: retarget %q; a full page only without htmx:\n%s", hx, rec.Header().Get("HX-Retarget"), body)
		}
	}
}
