// Package roster is Roster's domain: the types the product talks about, the
// filters of its tables, its errors and its policy. It imports neither the
// database driver nor net/http.
package roster

import (
	"errors"
	"fmt"
)

// Error codes. The server maps each to an HTTP status and a page.
const (
	ENOTFOUND  = "not_found"
	ECONFLICT  = "conflict"
	EINVALID   = "invalid"
	EFORBIDDEN = "forbidden"
	EINTERNAL  = "internal"
	// EUNAVAILABLE: a dependency (the database) cannot be reached for the
	// moment; the same request may work a little later.
	EUNAVAILABLE = "unavailable"
	// ETOOMANY: a limit on how much or how often was reached.
	ETOOMANY = "too_many"
)

// Error is a domain error: Code says what kind, Message is safe to show
// (it is a message-catalogue key or plain text without internals).
type Error struct {
	Code    string
	Message string
	Err     error // the underlying cause, never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the showable message of err, or "" when it has none.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
