package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/page"
)

var (
	errNotFound = roster.Errorf(roster.ENOTFOUND, "error.not_found")
	errMethod   = &roster.Error{Code: "method", Message: "error.method"}
	errForbid   = roster.Errorf(roster.EFORBIDDEN, "error.forbidden")
	// errTooLarge refuses a request body over its cap.
	errTooLarge = &roster.Error{Code: "too_large", Message: "error.too_large"}
	// errTooMany answers a request over a rate limit.
	errTooMany = &roster.Error{Code: roster.ETOOMANY, Message: "error.too_many"}
)

// handler is a handler that may fail; handle turns its error into a page.
type handler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.serveError(w, r, err)
		}
	}
}

// serveError maps a domain error to a status and a page, or for htmx to a
// flash message swapped into the page's flash slot. Only internal errors
// are logged as errors; people never see internals.
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	v := page.ErrorView{Home: "/"}
	// A form cut off at its cap reads as invalid or broken to the handler:
	// say what really happened.
	if code := roster.ErrorCode(err); (code == roster.EINVALID || code == roster.EINTERNAL || code == "") && bodyOverCap(r) {
		err = errTooLarge
	}
	code := roster.ErrorCode(err)
	if code == roster.EINTERNAL && unavailable(err) {
		code = roster.EUNAVAILABLE
	}
	switch code {
	case roster.ENOTFOUND:
		v.Status, v.Title, v.Message = http.StatusNotFound, "error.not_found", "error.not_found_text"
	case roster.EFORBIDDEN:
		v.Status, v.Title, v.Message = http.StatusForbidden, "error.forbidden", "error.forbidden_text"
	case roster.ECONFLICT:
		v.Status, v.Title, v.Message = http.StatusConflict, "error.conflict", "error.conflict_text"
	case roster.EINVALID:
		v.Status, v.Title, v.Message = http.StatusBadRequest, "error.invalid", "error.invalid_text"
	case "method":
		v.Status, v.Title, v.Message = http.StatusMethodNotAllowed, "error.method", "error.method_text"
	case roster.EUNAVAILABLE:
		if r.Context().Err() != nil {
			return // the client went away
		}
		// Logged, but as a warning: an outage makes one line per request,
		// and the cause is the database, not this request.
		s.Logger.WarnContext(r.Context(), "database unavailable", "err", err, "request_id", requestIDFrom(r.Context()))
		v.Status, v.Title, v.Message = http.StatusServiceUnavailable, "error.unavailable", "error.unavailable_text"
		w.Header().Set("Retry-After", "10")
	case "too_large":
		v.Status, v.Title, v.Message = http.StatusRequestEntityTooLarge, "error.too_large", "error.too_large_text"
	case roster.ETOOMANY:
		v.Status, v.Title, v.Message = http.StatusTooManyRequests, "error.too_many", "error.too_many_text"
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", "900")
		}
	default:
		if r.Context().Err() != nil {
			return // the client went away
		}
		s.Logger.ErrorContext(r.Context(), "request failed", "err", err, "request_id", requestIDFrom(r.Context()))
		v.Status, v.Title, v.Message = http.StatusInternalServerError, "error.internal", "error.internal_text"
	}
	// A domain error may carry its own, more precise message.
	if msg := roster.ErrorMessage(err); msg != "" && i18n.Has(msg) && msg != v.Title {
		v.Message = msg
	}
	if isFragment(r) {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		render(w, r, v.Status, page.Flash(v.Message))
		return
	}
	render(w, r, v.Status, page.Error(v))
}

// unavailable reports whether err says the database cannot be reached
// (refused or dropped connections, a server shutting down or starting up,
// too many connections) rather than that this request is wrong: such a
// request is answered 503 and may be tried again. The checks use only the
// standard library and the SQLSTATE every PostgreSQL error carries, so the
// server stays free of the driver.
func unavailable(err error) bool {
	if roster.ErrorCode(err) == roster.EUNAVAILABLE {
		return true
	}
	var sqlErr interface{ SQLState() string }
	if errors.As(err, &sqlErr) {
		state := sqlErr.SQLState()
		// 08: connection exception; 57P01-57P03: admin or crash shutdown,
		// cannot connect now; 53300: too many connections.
		return strings.HasPrefix(state, "08") || state == "57P01" || state == "57P02" || state == "57P03" || state == "53300"
	}
	// The driver's own "nothing was sent, safe to retry" (a failed dial, a
	// connection closed before use).
	var retry interface{ SafeToRetry() bool }
	if errors.As(err, &retry) && retry.SafeToRetry() {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
