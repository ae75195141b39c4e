package errs

import (
	"fmt"
	"strings"
	"text/template"
	"unicode/utf8"

	"lcrm/internal/safetext"
)

// FieldError is a validation failure of one named field. Key names its message in the
// catalogue and Data fills the message's template, so the web side can translate it;
// Message is the same message in English, as API answers and logs show it today.
type FieldError struct {
	Field   string
	Message string
	Key     string
	Data    map[string]any
}

// Error says which field is wrong and why.
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError lists every invalid field of one record; its kind is Invalid and its
// catalogue key "error.invalid". It is a type of its own (not an *Error) so that
// errors.As(err, &ve) finds a validation failure and nothing else.
type ValidationError struct{ Fields []FieldError }

// Error lists every field problem in one line.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return "invalid: " + strings.Join(parts, "; ")
}

func (e *ValidationError) kindKey() (Kind, string) { return Invalid, KeyInvalid }

// Add records one invalid field with an English message only (no catalogue key); prefer
// AddKey, whose message can be translated.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// AddKey records one invalid field whose message is the catalogue key key filled with
// data; the English text comes from Messages. A key missing from Messages is a bug: the
// message then reads as the key itself.
func (e *ValidationError) AddKey(field, key string, data map[string]any) {
	e.Fields = append(e.Fields, NewField(field, key, data))
}

// AddField records an existing field error, keeping its key and data.
func (e *ValidationError) AddField(f FieldError) { e.Fields = append(e.Fields, f) }

// NewField builds one field error from a catalogue key and its data, with the English
// message rendered from Messages.
func NewField(field, key string, data map[string]any) FieldError {
	return FieldError{Field: field, Key: key, Data: data, Message: English(key, data)}
}

// Text checks one text field: no NUL, valid UTF-8, no control or bidi override
// characters (newlines and tabs only when multiline), at most maxRunes characters. It
// records a field error and returns false when s is not acceptable.
func (e *ValidationError) Text(field, s string, maxRunes int, multiline bool) bool {
	if p := safetext.Problem(s, multiline); p != "" {
		if key, ok := textProblemKeys[p]; ok {
			e.AddKey(field, key, nil)
		} else {
			e.Add(field, "%s", p)
		}
		return false
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		e.AddKey(field, KeyTooLong, map[string]any{"N": n, "Max": maxRunes})
		return false
	}
	return true
}

// Err returns e when it holds any field, else nil.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// textProblemKeys names safetext's problems in the catalogue.
var textProblemKeys = map[string]string{
	"is not valid UTF-8 text":      "field.not_utf8",
	"contains a NUL byte":          "field.nul",
	"contains a control character": "field.control",
	"contains a text-direction control character (U+202A-U+202E, U+2066-U+2069)": "field.bidi",
}

var templates = func() map[string]*template.Template {
	m := make(map[string]*template.Template, len(Messages))
	for k, v := range Messages {
		m[k] = template.Must(template.New(k).Option("missingkey=zero").Parse(v))
	}
	return m
}()

// English renders the English message of catalogue key key with data (text/template
// syntax, as the catalogue uses); an unknown key renders as itself.
func English(key string, data map[string]any) string {
	t, ok := templates[key]
	if !ok {
		return key
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return key
	}
	return b.String()
}

// AddErr records err as the problem of one field: with its catalogue key and data when
// err is classified (a sentinel such as shipments.ErrBadTrackingNo), else with its text.
func (e *ValidationError) AddErr(field string, err error) {
	if key := KeyOf(err); key != "" {
		e.Fields = append(e.Fields, FieldError{Field: field, Message: err.Error(), Key: key, Data: DataOf(err)})
		return
	}
	e.Add(field, "%s", err.Error())
}
