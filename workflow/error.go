package workflow

import (
	"errors"
	"fmt"
)

// Error codes. Adapters map them to their own answers in one place: storage
// maps PostgreSQL errors to them, bot maps them to Russian replies.
const (
	EInvalid   = "invalid"   // the request is wrong: a disallowed event, a bad value
	ENotFound  = "not_found" // the thing does not exist (or is not visible to the actor)
	EConflict  = "conflict"  // someone else changed it first
	EForbidden = "forbidden" // the actor's role does not allow it
	ELimited   = "limited"   // a rate limit was hit
	EInternal  = "internal"  // anything else; details only in logs
)

// ErrDeadlinePassed is the cause of an extension refused because the
// deadline has already passed (see Guard).
var ErrDeadlinePassed = errors.New("the deadline has passed")

// Error is the domain error: a code for machines and a message for people
// reading logs. Err, when set, is the underlying cause.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("workflow: %s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("workflow: %s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// coded is an error that carries a code: *Error, and the workflow's
// constant errors (InviteError).
type coded interface {
	error
	code() string
}

// code returns e's code.
func (e *Error) code() string { return e.Code }

// ErrorCode returns the code of the first error in err's chain that has
// one (an *Error, an InviteError), EInternal for any other non-nil error
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var c coded
	if errors.As(err, &c) {
		return c.code()
	}
	return EInternal
}
