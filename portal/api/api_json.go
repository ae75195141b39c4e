package api

import (
	"encoding/json"
	"errors"
	"reflect"

	"lcrm/internal/errs"
)

// jsonProblem turns a decoding error into a field error in plain words: which field, what
// was expected and what came ("weight_g: must be a whole number, got text"), never Go's
// own wording with struct and type names.
func jsonProblem(err error) errs.FieldError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(body)"
		}
		return errs.NewField(field, "field.api_json_type", map[string]any{"Want": jsonKind(te.Type), "Got": jsonValue(te.Value)})
	case errors.As(err, &se):
		return errs.NewField("(body)", "field.api_json_syntax", map[string]any{"Offset": se.Offset})
	}
	return errs.NewField("(body)", "field.api_json", nil)
}

// jsonKind names what a Go type accepts, in the words of the API documentation.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

// jsonValue names the JSON value json reports ("string", "number 1.5", "array", ...).
func jsonValue(v string) string {
	switch v {
	case "string":
		return "text"
	case "array":
		return "a list"
	case "object":
		return "an object"
	case "bool":
		return "true or false"
	}
	if len(v) >= 6 && v[:6] == "number" {
		return "a number"
	}
	return v
}
