package errs_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"lcrm/internal/errs"
)

var errSentinel = errs.New(errs.NotFound, errs.KeyNotFound, "thing: not found")

func TestKindKeyFields(t *testing.T) {
	var v errs.ValidationError
	v.AddKey("name", errs.KeyRequired, nil)
	v.AddKey("note", errs.KeyTooLong, map[string]any{"N": 12, "Max": 10})
	invalid := v.Err()
	cause := errors.New("disk on fire")
	tests := []struct {
		name   string
		err    error
		kind   errs.Kind
		key    string
		fields int
		text   string
	}{
		{"nil", nil, errs.Internal, "", 0, ""},
		{"plain error", cause, errs.Internal, "", 0, "disk on fire"},
		{"sentinel", errSentinel, errs.NotFound, "error.not_found", 0, "thing: not found"},
		{"wrapped sentinel", fmt.Errorf("shipments: get: %w", errSentinel), errs.NotFound, "error.not_found", 0, "shipments: get: thing: not found"},
		{"validation", invalid, errs.Invalid, "error.invalid", 2, "invalid: name: is required; note: is 12 characters long, at most 10"},
		{"wrapped validation", fmt.Errorf("complaints: file: %w", invalid), errs.Invalid, "error.invalid", 2, "complaints: file: invalid: name: is required; note: is 12 characters long, at most 10"},
		{"Wrap", errs.Wrap(cause, errs.Unavailable, "error.unavailable"), errs.Unavailable, "error.unavailable", 0, "disk on fire"},
		{"Wrap nil", errs.Wrap(nil, errs.Conflict, "x"), errs.Internal, "", 0, ""},
		{"outermost kind wins", &errs.Error{Kind: errs.Conflict, Key: "error.desk_claimed", Err: errSentinel}, errs.Conflict, "error.desk_claimed", 0, "thing: not found"},
		{"message and cause", &errs.Error{Kind: errs.Limited, Key: "k", Msg: "too many", Err: cause}, errs.Limited, "k", 0, "too many: disk on fire"},
		{"fields on an Error", &errs.Error{Kind: errs.Invalid, Key: "k", Fields: []errs.FieldError{errs.NewField("a", errs.KeyRequired, nil)}}, errs.Invalid, "k", 1, "k"},
		{"joined", errors.Join(cause, invalid), errs.Invalid, "error.invalid", 2, "disk on fire\n" + invalid.Error()},
	}
	for _, tt := range tests {
		if got := errs.KindOf(tt.err); got != tt.kind {
			t.Errorf("%s: KindOf = %v, want %v", tt.name, got, tt.kind)
		}
		if got := errs.KeyOf(tt.err); got != tt.key {
			t.Errorf("%s: KeyOf = %q, want %q", tt.name, got, tt.key)
		}
		if got := len(errs.FieldsOf(tt.err)); got != tt.fields {
			t.Errorf("%s: FieldsOf has %d fields, want %d", tt.name, got, tt.fields)
		}
		if tt.err != nil && tt.err.Error() != tt.text {
			t.Errorf("%s: Error() = %q, want %q", tt.name, tt.err.Error(), tt.text)
		}
	}
}

func TestIs(t *testing.T) {
	other := errs.New(errs.NotFound, errs.KeyNotFound, "other: not found")
	wrapped := fmt.Errorf("x: %w", errSentinel)
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"itself", errSentinel, errSentinel, true},
		{"wrapped", wrapped, errSentinel, true},
		{"same kind and key, other sentinel", other, errSentinel, false},
		{"bare kind", wrapped, &errs.Error{Kind: errs.NotFound}, true},
		{"other bare kind", wrapped, &errs.Error{Kind: errs.Conflict}, false},
		{"through Wrap", errs.Wrap(errSentinel, errs.Conflict, "k"), errSentinel, true},
		{"plain error", errors.New("thing: not found"), errSentinel, false},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, tt.target); got != tt.want {
			t.Errorf("%s: errors.Is = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidationError(t *testing.T) {
	tests := []struct {
		name  string
		build func(v *errs.ValidationError)
		want  []errs.FieldError
	}{
		{"empty", func(v *errs.ValidationError) {}, nil},
		{"key with data", func(v *errs.ValidationError) {
			v.AddKey("phone", errs.KeyPhone, map[string]any{"Value": `"12"`})
		}, []errs.FieldError{{Field: "phone", Message: `"12" is not a valid phone number`, Key: errs.KeyPhone, Data: map[string]any{"Value": `"12"`}}}},
		{"English only", func(v *errs.ValidationError) { v.Add("x", "must be %d", 3) },
			[]errs.FieldError{{Field: "x", Message: "must be 3"}}},
		{"text: NUL", func(v *errs.ValidationError) { v.Text("n", "a\x00b", 10, false) },
			[]errs.FieldError{{Field: "n", Message: "contains a NUL byte", Key: "field.nul"}}},
		{"text: newline on one line", func(v *errs.ValidationError) { v.Text("n", "a\nb", 10, false) },
			[]errs.FieldError{{Field: "n", Message: "contains a control character", Key: "field.control"}}},
		{"text: newline multiline", func(v *errs.ValidationError) { v.Text("n", "a\nb", 10, true) }, nil},
		{"text: too long", func(v *errs.ValidationError) { v.Text("n", "你好世界", 3, false) },
			[]errs.FieldError{{Field: "n", Message: "is 4 characters long, at most 3", Key: errs.KeyTooLong, Data: map[string]any{"N": 4, "Max": 3}}}},
		{"AddErr with a sentinel", func(v *errs.ValidationError) {
			v.AddErr("tracking_no", errs.New(errs.Invalid, "field.tracking_no", "tracking number must be 8-30 letters A-Z or digits"))
		}, []errs.FieldError{{Field: "tracking_no", Message: "tracking number must be 8-30 letters A-Z or digits", Key: "field.tracking_no"}}},
		{"AddErr with a plain error", func(v *errs.ValidationError) { v.AddErr("f", errors.New("bad")) },
			[]errs.FieldError{{Field: "f", Message: "bad"}}},
		{"unknown key shows itself", func(v *errs.ValidationError) { v.AddKey("f", "field.nope", nil) },
			[]errs.FieldError{{Field: "f", Message: "field.nope", Key: "field.nope"}}},
	}
	for _, tt := range tests {
		var v errs.ValidationError
		tt.build(&v)
		if !reflect.DeepEqual(v.Fields, tt.want) {
			t.Errorf("%s: fields = %#v, want %#v", tt.name, v.Fields, tt.want)
		}
		if (v.Err() == nil) != (len(tt.want) == 0) {
			t.Errorf("%s: Err() = %v", tt.name, v.Err())
		}
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		kind errs.Kind
		want string
	}{
		{errs.Internal, "internal"}, {errs.NotFound, "not_found"}, {errs.Invalid, "invalid"},
		{errs.Conflict, "conflict"}, {errs.Forbidden, "forbidden"}, {errs.Unauthorized, "unauthorized"},
		{errs.Limited, "limited"}, {errs.Unavailable, "unavailable"}, {errs.Kind(200), "internal"},
	}
	for _, tt := range tests {
		if got := tt.kind.String(); got != tt.want {
			t.Errorf("Kind(%d).String() = %q, want %q", tt.kind, got, tt.want)
		}
	}
}
