package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"lcrm/accounts"
	"lcrm/internal/dberr"
	"lcrm/internal/errs"
)

// Error is an error a person can act on: an HTTP status, a stable code, a message, and
// the fields at fault. Message is a catalogue key, translated when shown (Data fills its
// template); API answers show it in English.
type Error struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Data    map[string]any    `json:"-"`
	Fields  []errs.FieldError `json:"fields,omitempty"`
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

// FieldsJSON is fs as API responses show them: each message rendered in English from
// its catalogue key and data (its Message when it has no key or the key is unknown).
func (s *Core) FieldsJSON(fs []errs.FieldError) []FieldJSON {
	out := make([]FieldJSON, len(fs))
	for i, f := range fs {
		out[i] = FieldJSON{Field: f.Field, Message: f.Message}
		if f.Key == "" {
			continue
		}
		if en, ok := s.english(f.Key, f.Data); ok {
			out[i].Message = en
		}
	}
	return out
}

// English renders catalogue key key with data in English, as API answers show it; a key
// not in the catalogue renders as fallback.
func (s *Core) English(key string, data map[string]any, fallback string) string {
	if en, ok := s.english(key, data); ok {
		return en
	}
	return fallback
}

// kindHTTP is how the web answers one kind of error: a status, a stable code and,
// where the API has always said something else, the catalogue key of the message shown
// instead of the error's own key.
type kindHTTP struct {
	status  int
	code    string
	message string
}

// kinds is the one mapping from an error kind (lcrm/internal/errs) to an HTTP answer.
var kinds = map[errs.Kind]kindHTTP{
	errs.NotFound:     {fiber.StatusNotFound, "not_found", ""},
	errs.Invalid:      {fiber.StatusUnprocessableEntity, "invalid", ""},
	errs.Conflict:     {fiber.StatusConflict, "conflict", ""},
	errs.Forbidden:    {fiber.StatusForbidden, "forbidden", ""},
	errs.Unauthorized: {fiber.StatusUnauthorized, "unauthorized", ""},
	errs.Limited:      {fiber.StatusTooManyRequests, "rate_limited", ""},
	errs.Unavailable:  {fiber.StatusServiceUnavailable, "unavailable", ""},
}

// keys are the catalogue keys whose answer differs from their kind's: text the database
// refused is a 400 (the request, not a field, is at fault), a timeout keeps its own code
// (it is logged as such, not counted as an outage), and not found keeps the API's words
// ("Not found."; pages say error.not_found, see pageKeys).
var keys = map[string]kindHTTP{
	dberr.KeyBadText: {fiber.StatusBadRequest, "bad_input", ""},
	dberr.KeyTimeout: {fiber.StatusServiceUnavailable, "timeout", ""},
	errs.KeyNotFound: {fiber.StatusNotFound, "not_found", KeyAPINotFound},
	// the desk's refused status change and lost claim keep their own codes
	"error.desk_transition": {fiber.StatusConflict, "illegal_transition", ""},
	"error.desk_claimed":    {fiber.StatusConflict, "claimed", ""},
}

// Catalogue keys of the answers written for API clients (portal/web/i18n/apierrors.*.json).
const (
	// KeyAPINotFound is "Not found.".
	KeyAPINotFound = "error.api_not_found"
	// KeyAPIInvalid is "Some fields are not valid." (a *errs.ValidationError as a whole).
	KeyAPIInvalid = "error.api_invalid"
	// KeyAPIInternal is the apology for a 500.
	KeyAPIInternal = "error.api_internal"
)

// pageKeys are the page's words for the answers written for API clients: a person on a
// page reads the page's explanation, as before these answers had keys.
var pageKeys = map[string]string{
	KeyAPINotFound: "error.not_found",
	KeyAPIInvalid:  "error.invalid",
	KeyAPIInternal: "error.internal",
}

// classify maps domain errors to what the client sees; anything unknown is a 500.
func classify(err error) *Error {
	var e *Error
	var fe *fiber.Error
	var ve *errs.ValidationError
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &ve):
		return &Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Message: KeyAPIInvalid, Fields: ve.Fields}
	case errs.KindOf(err) != errs.Internal:
		return fromKind(err)
	case errors.As(err, &fe):
		if fe.Code == fiber.StatusRequestEntityTooLarge {
			return Errorf(fe.Code, "too_large", "error.too_large")
		}
		return Errorf(fe.Code, "http_"+strconv.Itoa(fe.Code), fe.Message)
	}
	if de := dberr.Classify(err); de != nil {
		return fromKind(de)
	}
	return nil
}

// fromKind answers an error that has a kind: its status and code from kinds (or keys),
// its message the error's catalogue key.
func fromKind(err error) *Error {
	key := errs.KeyOf(err)
	h, ok := keys[key]
	if !ok {
		h = kinds[errs.KindOf(err)]
	}
	e := &Error{Status: h.status, Code: h.code, Message: key, Data: errs.DataOf(err), Fields: errs.FieldsOf(err)}
	if h.message != "" {
		e.Message = h.message
	}
	return e
}

// english renders catalogue key key with data in English; ok is false when key is not
// in the catalogue (Message is then English already).
func (s *Core) english(key string, data map[string]any) (msg string, ok bool) {
	if data == nil {
		msg = s.web.message("en", key) // the key itself when it is not in the catalogue
		return msg, msg != key
	}
	msg, err := i18n.NewLocalizer(s.web.bundle, "en").Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data})
	return msg, err == nil
}

// handleError is Fiber's one error handler: known errors become 4xx with a message; the
// rest are logged with the request and answered with a plain apology.
func (s *Core) HandleError(c *fiber.Ctx, err error) error {
	e := classify(err)
	log := s.Logger(c)
	if e == nil {
		log.Error("request failed", "method", c.Method(), "path", logPath(c.Path()), "err", err)
		e = Errorf(fiber.StatusInternalServerError, "internal", KeyAPIInternal)
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
		if en, ok := s.english(msg, e.Data); ok { // a catalogue key reached by an API client
			msg = en
		}
		return c.JSON(fiber.Map{"error": fiber.Map{"code": e.Code, "message": msg, "fields": s.FieldsJSON(e.Fields)}})
	}
	key, msgData := e.Message, e.Data
	if k, ok := pageKeys[key]; ok {
		key = k
	}
	if _, ok := s.english(key, msgData); !ok { // not a key: fiber's own text ("Cannot GET /x")
		key, msgData = pageErrorKey(e.Status), nil
	}
	data := fiber.Map{"Message": key, "Data": msgData}
	if len(e.Fields) > 0 && e.Code == "bad_input" {
		data["Field"] = e.Fields[0].Field
	}
	if e.Status == fiber.StatusServiceUnavailable { // rendering would ask the database for the user
		c.Locals("user", (*accounts.User)(nil))
	}
	if err := s.Render(c, "error", data); err != nil {
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.SendString(s.English(e.Message, e.Data, e.Message))
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
