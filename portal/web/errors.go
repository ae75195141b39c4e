package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/dberr"
	"lcrm/shipments"
)

// Error is an error a person can act on: an HTTP status, a stable code, a message, and
// the fields at fault.
type Error struct {
	Status  int                    `json:"-"`
	Code    string                 `json:"code"`
	Message string                 `json:"message"`
	Fields  []customers.FieldError `json:"fields,omitempty"`
}

// Error returns the catalogue key of the message shown to the user.
func (e *Error) Error() string { return e.Message }

// Errorf builds an Error.
func Errorf(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// FieldJSON is how a field error looks in API responses.
type FieldJSON struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// FieldsJSON is fs as API responses show them.
func FieldsJSON(fs []customers.FieldError) []FieldJSON {
	out := make([]FieldJSON, len(fs))
	for i, f := range fs {
		out[i] = FieldJSON{Field: f.Field, Message: f.Message}
	}
	return out
}

// classify maps domain errors to what the client sees; anything unknown is a 500.
func classify(err error) *Error {
	var e *Error
	var fe *fiber.Error
	var ve *customers.ValidationError
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &ve):
		return &Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Message: "Some fields are not valid.", Fields: ve.Fields}
	case errors.Is(err, shipments.ErrNotFound), errors.Is(err, customers.ErrNotFound), errors.Is(err, accounts.ErrNotFound):
		return Errorf(fiber.StatusNotFound, "not_found", "Not found.")
	case errors.Is(err, accounts.ErrBadKey):
		return Errorf(fiber.StatusUnauthorized, "unauthorized", "A valid API key is required: Authorization: Bearer <key>.")
	case errors.As(err, &fe):
		if fe.Code == fiber.StatusRequestEntityTooLarge {
			return Errorf(fe.Code, "too_large", "error.too_large")
		}
		return Errorf(fe.Code, "http_"+strconv.Itoa(fe.Code), fe.Message)
	case dberr.BadText(err):
		return Errorf(fiber.StatusBadRequest, "bad_input", "error.bad_input")
	case dberr.TimedOut(err):
		return Errorf(fiber.StatusServiceUnavailable, "timeout", "error.timeout")
	case dberr.Unavailable(err):
		return Errorf(fiber.StatusServiceUnavailable, "unavailable", "error.unavailable")
	}
	return nil
}

// HandleError is Fiber's one error handler: known errors become 4xx with a message; the
// rest are logged with the request and answered with a plain apology.
func (s *Core) HandleError(c *fiber.Ctx, err error) error {
	e := classify(err)
	log := s.Logger(c)
	if e == nil {
		log.Error("request failed", "method", c.Method(), "path", logPath(c.Path()), "err", err)
		e = Errorf(fiber.StatusInternalServerError, "internal", "Something went wrong on our side. Please try again shortly.")
	}
	switch {
	case e.Code == "timeout":
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retryAfter.Seconds())))
		log.Warn("request out of time: answering 503", "method", c.Method(), "path", logPath(c.Path()), "err", err)
	case e.Status == fiber.StatusServiceUnavailable:
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retryAfter.Seconds())))
		s.outage.note(log, c.Method(), logPath(c.Path()), err)
	}
	c.Status(e.Status)
	if wantsJSON(c) {
		msg := e.Message
		if strings.HasPrefix(msg, "error.") { // a page error reached by an API client
			msg = s.Message("en", msg)
		}
		return c.JSON(fiber.Map{"error": fiber.Map{"code": e.Code, "message": msg, "fields": FieldsJSON(e.Fields)}})
	}
	key := e.Message
	if !strings.HasPrefix(key, "error.") {
		key = pageErrorKey(e.Status)
	}
	data := fiber.Map{"Message": key}
	if len(e.Fields) > 0 && e.Code == "bad_input" {
		data["Field"] = e.Fields[0].Field
	}
	if e.Status == fiber.StatusServiceUnavailable { // rendering would ask the database for the user
		c.Locals("user", (*accounts.User)(nil))
	}
	if err := s.Render(c, "error", data); err != nil {
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.SendString(e.Message)
	}
	return nil
}

// pageErrorKey picks the translated explanation for a status shown on a web page.
func pageErrorKey(status int) string {
	switch {
	case status == fiber.StatusNotFound:
		return "error.not_found"
	case status == fiber.StatusForbidden:
		return "error.forbidden"
	case status == fiber.StatusTooManyRequests:
		return "error.rate_limited"
	case status == fiber.StatusServiceUnavailable:
		return "error.unavailable"
	case status == fiber.StatusRequestEntityTooLarge:
		return "error.too_large"
	case status >= 500:
		return "error.internal"
	case status == fiber.StatusUnprocessableEntity:
		return "error.invalid"
	}
	return "error.bad_request"
}

// wantsJSON reports whether the client is an API client rather than a browser page.
func wantsJSON(c *fiber.Ctx) bool {
	return strings.HasPrefix(c.Path(), "/api/") || strings.HasPrefix(c.Path(), "/webhooks/") ||
		strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON)
}
