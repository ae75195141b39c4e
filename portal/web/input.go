package web

import (
	"io"
	"iter"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
	"lcrm/internal/errs"
)

// maxPhotoForm is the complaint form with its photos: every photo at its limit, plus the
// form fields and multipart framing. The other routes' limits are Config.MaxBodyBytes,
// MaxAPIBytes and MaxUploadBytes (their defaults are in internal/config).
const maxPhotoForm = complaints.MaxPhotos*complaints.MaxPhotoBytes + 1<<20

// maxAppealForm is a formal reply to the regulator with its files, likewise.
const maxAppealForm = complaints.MaxAppealFiles*complaints.MaxPhotoBytes + 1<<20

// bodyLimit is the largest body the route of c accepts.
func (s *Core) bodyLimit(c *fiber.Ctx) int {
	p := c.Path()
	switch {
	case strings.HasPrefix(p, "/api/v1/import/"):
		return s.cfg.MaxUploadBytes
	case strings.HasPrefix(p, "/api/"):
		return s.cfg.MaxAPIBytes
	case strings.HasPrefix(p, "/track/") && strings.HasSuffix(p, "/complaint"):
		return maxPhotoForm
	case strings.HasPrefix(p, "/console/complaints/") && strings.HasSuffix(p, "/appeal/reply"):
		return maxAppealForm
	}
	return s.cfg.MaxBodyBytes
}

// LargestBody is the largest limit of any route: fasthttp's own BodyLimit.
func (s *Core) LargestBody() int {
	return max(s.cfg.MaxBodyBytes, s.cfg.MaxAPIBytes, s.cfg.MaxUploadBytes, maxPhotoForm, maxAppealForm)
}

// LimitBody enforces the route's body limit before anything reads the body. The server
// streams request bodies (StreamRequestBody), so a body announced larger than the limit
// is refused with 413 unread and the connection closed; a chunked body is read up to the
// limit and refused past it. Only then is the body kept in memory for the handlers, so
// large posts to a small route cost nothing.
func (s *Core) LimitBody(c *fiber.Ctx) error {
	limit := s.bodyLimit(c)
	req := c.Request()
	n := req.Header.ContentLength()
	if n > limit {
		c.Context().SetConnectionClose()
		return Errorf(fiber.StatusRequestEntityTooLarge, "too_large", "error.too_large")
	}
	if stream := req.BodyStream(); stream != nil && n != 0 {
		body, err := io.ReadAll(io.LimitReader(stream, int64(limit)+1))
		if err != nil {
			c.Context().SetConnectionClose()
			return Errorf(fiber.StatusBadRequest, "bad_body", "error.bad_request")
		}
		if len(body) > limit {
			c.Context().SetConnectionClose()
			return Errorf(fiber.StatusRequestEntityTooLarge, "too_large", "error.too_large")
		}
		req.SetBodyRaw(body)
	}
	return c.Next()
}

// badInputKey is the field error for a value that is not text; badInputMessage is its
// English.
const (
	badInputKey     = "field.not_text"
	badInputMessage = "is not valid UTF-8 text or contains a NUL byte"
)

// CheckInput answers 400 for a request whose path, query, form, cookie or header values
// are not valid UTF-8 or hold a NUL byte: PostgreSQL refuses such text (SQLSTATE 22021),
// so no handler may pass it on. Finer rules (control and bidi characters, lengths) are
// the domain's, per field.
func (s *Core) CheckInput(c *fiber.Ctx) error {
	if field := badInput(c); field != "" {
		return &Error{Status: fiber.StatusBadRequest, Code: "bad_input", Message: "error.bad_input",
			Fields: []errs.FieldError{{Field: field, Key: badInputKey, Message: badInputMessage}}}
	}
	return c.Next()
}

// badText reports whether b cannot be stored as text.
func badText(b []byte) bool {
	return !utf8.Valid(b) || strings.IndexByte(string(b), 0) >= 0
}

// badInput names the first value of c that is not text, or returns "".
func badInput(c *fiber.Ctx) string {
	req := c.Request()
	if badText(req.URI().Path()) {
		return "path"
	}
	if f := firstBad(req.URI().QueryArgs().All(), ""); f != "" {
		return f
	}
	if f := firstBad(req.Header.All(), "header."); f != "" {
		return f
	}
	field := ""
	ct := string(req.Header.ContentType())
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		field = firstBad(req.PostArgs().All(), "")
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		form, err := c.MultipartForm()
		if err != nil {
			break // the handler reports a broken form
		}
		for k, vs := range form.Value {
			for _, v := range vs {
				if field == "" && (badText([]byte(k)) || badText([]byte(v))) {
					field = fieldName("", []byte(k))
				}
			}
		}
	}
	return field
}

// firstBad names the first pair of args whose key or value is not text, or returns "".
func firstBad(args iter.Seq2[[]byte, []byte], prefix string) string {
	for k, v := range args {
		if badText(k) || badText(v) {
			return fieldName(prefix, k)
		}
	}
	return ""
}

// fieldName is a printable name for a field whose name may itself be bad.
func fieldName(prefix string, k []byte) string {
	return prefix + strings.ToValidUTF8(strings.ReplaceAll(string(k), "\x00", ""), "?")
}
