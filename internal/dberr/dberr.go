// Package dberr sorts database errors into the few kinds the HTTP side answers
// differently: the database is unreachable (503, try again), a statement was stopped
// because its time ran out (503, try again), or it refused the text it was given (400).
// Everything else stays an internal error.
package dberr

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"lcrm/internal/errs"
)

// Unavailable reports whether err means the database cannot be reached right now: a
// failed connect, a network error, a closed pool, or a server that says it is shutting
// down or not accepting connections (SQLSTATE class 08, 57P01-57P03). Such a request may
// succeed when retried later. A statement (or a wait for a connection) whose context ran
// out is TimedOut instead, never both.
func Unavailable(err error) bool {
	if err == nil || TimedOut(err) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ce), errors.As(err, &oe), errors.As(err, &ne):
		return true
	case pgconn.Timeout(err), errors.Is(err, context.DeadlineExceeded) && pgconn.SafeToRetry(err):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "closed pool") || strings.Contains(msg, "conn closed") ||
		strings.Contains(msg, "failed to connect") || strings.Contains(msg, "unexpected EOF")
}

// BadText reports whether PostgreSQL refused a value as text: a NUL byte (22021
// character_not_in_repertoire), invalid UTF-8 (22P05 untranslatable_character) or a value
// longer than its column (22001 string_data_right_truncation). Input checks should catch
// these first; this is the last line, so the client hears 400 rather than 500.
func BadText(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "22021" || pe.Code == "22P05" || pe.Code == "22001"
	}
	return false
}

// TimedOut reports whether err means a statement was stopped before it finished because
// its time ran out: its context ended (a request past its deadline, the client gone) or
// PostgreSQL cancelled it (57014 query_canceled: the cancel request pgx sends when the
// context ends, or statement_timeout). The database itself is fine; the same request may
// succeed later. A connection that could not even be made is Unavailable, not this.
func TimedOut(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "57014"
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// Catalogue keys of the database errors a person can be told about.
const (
	// KeyBadText: the request held text the database refuses (BadText).
	KeyBadText = "error.bad_input"
	// KeyTimeout: a statement ran out of time (TimedOut); the database is fine.
	KeyTimeout = "error.timeout"
	// KeyUnavailable: the database cannot be reached (Unavailable).
	KeyUnavailable = "error.unavailable"
)

// Classify expresses err in the errs vocabulary: refused text is errs.Invalid (key
// KeyBadText), a statement out of time errs.Unavailable with KeyTimeout, an unreachable
// database errs.Unavailable with KeyUnavailable; the key keeps the timeout apart from
// the outage. The result wraps err (errors.Is and errors.As still see it); any other
// error, and nil, give nil.
func Classify(err error) error {
	switch {
	case err == nil:
		return nil
	case BadText(err):
		return errs.Wrap(err, errs.Invalid, KeyBadText)
	case TimedOut(err):
		return errs.Wrap(err, errs.Unavailable, KeyTimeout)
	case Unavailable(err):
		return errs.Wrap(err, errs.Unavailable, KeyUnavailable)
	}
	return nil
}
