// Package errs is lcrm's one error vocabulary: a small set of kinds (not found, invalid
// with field errors, conflict, forbidden, unauthorized, limited, unavailable) that every
// domain package wraps, each error naming the catalogue key of the message a person sees.
// The web side maps a kind to an HTTP status once and translates the key; domain packages
// stay ignorant of HTTP. (After golang/pkgsite's derrors and benbjohnson/wtf's codes.)
//
// A domain declares its sentinels as values of *Error, so errors.Is(err, pkg.ErrX) keeps
// working by identity, while KindOf, KeyOf and FieldsOf read any error chain:
//
//	var ErrNotFound = errs.New(errs.NotFound, "error.not_found", "shipments: not found")
package errs

import (
	"errors"
)

// Kind is the class of an error: what the caller can do about it.
type Kind uint8

// The kinds. Internal is the zero value: an error of no known kind is the server's fault.
const (
	// Internal is a failure on the server's side (a bug, an unexpected database error).
	Internal Kind = iota
	// NotFound means the thing asked for does not exist (or is not visible to the caller).
	NotFound
	// Invalid means the input was refused; FieldsOf says which fields and why.
	Invalid
	// Conflict means the request clashes with the current state (already claimed, taken).
	Conflict
	// Forbidden means the caller is known but may not do this.
	Forbidden
	// Unauthorized means the caller could not be identified (bad key, wrong password).
	Unauthorized
	// Limited means the caller asked too often or too much; trying later may succeed.
	Limited
	// Unavailable means a dependency (the database) cannot answer now; retrying may succeed.
	Unavailable
)

var kindNames = [...]string{"internal", "not_found", "invalid", "conflict", "forbidden", "unauthorized", "limited", "unavailable"}

// String is the kind's stable name (also its API error code where the web side has no
// more specific one).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "internal"
}

// Error is an error of a kind, with the catalogue key (message id) of what a person is
// told, the data its message template needs, the fields at fault and the wrapped cause.
// Msg is the text Error() returns, for logs and developers; it is never shown translated.
type Error struct {
	Kind   Kind
	Key    string
	Data   map[string]any
	Fields []FieldError
	Msg    string
	Err    error
}

// New returns an error of kind k with catalogue key key and developer text msg; use it
// for package-level sentinels.
func New(k Kind, key, msg string) *Error {
	return &Error{Kind: k, Key: key, Msg: msg}
}

// Wrap returns err classified as kind k with catalogue key key; errors.Is and errors.As
// still see err through Unwrap. A nil err gives nil.
func Wrap(err error, k Kind, key string) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Key: key, Err: err}
}

// Error is the developer text, followed by the cause when there is one.
func (e *Error) Error() string {
	switch {
	case e.Msg != "" && e.Err != nil:
		return e.Msg + ": " + e.Err.Error()
	case e.Msg != "":
		return e.Msg
	case e.Err != nil:
		return e.Err.Error()
	case e.Key != "":
		return e.Key
	}
	return e.Kind.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, target) match a bare kind: target built as &Error{Kind: k} (no
// key, text or cause) matches every error of kind k. A sentinel matches only itself,
// by identity, as with errors.New.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t.Key != "" || t.Msg != "" || t.Err != nil || t.Fields != nil {
		return false
	}
	return t.Kind == e.Kind
}

// kinded is what carries a kind in an error chain: *Error and *ValidationError.
type kinded interface {
	error
	kindKey() (Kind, string)
}

func (e *Error) kindKey() (Kind, string) { return e.Kind, e.Key }

// KindOf returns the kind of the first classified error in err's chain, Internal when
// there is none (and for nil).
func KindOf(err error) Kind {
	var k kinded
	if errors.As(err, &k) {
		kind, _ := k.kindKey()
		return kind
	}
	return Internal
}

// KeyOf returns the catalogue key of the first classified error in err's chain, or ""
// when there is none.
func KeyOf(err error) string {
	var k kinded
	if errors.As(err, &k) {
		_, key := k.kindKey()
		return key
	}
	return ""
}

// DataOf returns the template data of the first *Error in err's chain, or nil.
func DataOf(err error) map[string]any {
	var e *Error
	if errors.As(err, &e) {
		return e.Data
	}
	return nil
}

// FieldsOf returns the field errors of the first error in err's chain that has any
// (a *ValidationError, or an *Error with Fields), or nil.
func FieldsOf(err error) []FieldError {
	for err != nil {
		switch e := err.(type) {
		case *ValidationError:
			if len(e.Fields) > 0 {
				return e.Fields
			}
		case *Error:
			if len(e.Fields) > 0 {
				return e.Fields
			}
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				if fs := FieldsOf(inner); fs != nil {
					return fs
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}
