package safetext_test

import (
	"strings"
	"testing"

	"lcrm/internal/safetext"
)

func TestProblem(t *testing.T) {
	tests := []struct {
		in        string
		multiline bool
		want      string // part of the answer; "" for acceptable text
	}{
		{"张小明", false, ""},
		{"望京街10号 B座", false, ""},
		{"tab\tok", false, ""},
		{"two\nlines", true, ""},
		{"two\r\nlines", true, ""},
		{"two\nlines", false, "control"},
		{"a\x00b", true, "NUL"},
		{"\xff\xfe", false, "UTF-8"},
		{"\xed\xa0\x80", false, "UTF-8"}, // a surrogate half
		{"bell\x07", true, "control"},
		{"del\x7f", false, "control"},
		{"c1\u0085", false, "control"},
		{"\u202egpj.exe", false, "text-direction"},
		{"x\u2066y\u2069", true, "text-direction"},
		{"\u200f mark is fine", false, ""}, // RLM is not an override
		{"=HYPERLINK(1)", false, ""},       // formulas are neutralised on export, not refused
	}
	for _, tt := range tests {
		got := safetext.Problem(tt.in, tt.multiline)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("Problem(%q, %v) = %q, want %q", tt.in, tt.multiline, got, tt.want)
		}
	}
}

func TestStripBidi(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain 文本", "plain 文本"},
		{"\u202egpj.exe", "gpj.exe"},
		{"a\u202a\u202b\u202c\u202d\u202eb\u2066\u2067\u2068\u2069c", "abc"},
		{"“引号” — dash", "“引号” — dash"}, // other E2-led characters stay
		{"end\xe2", "end\xe2"},
	}
	for _, tt := range tests {
		if got := safetext.StripBidi(tt.in); got != tt.want {
			t.Errorf("StripBidi(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := string(safetext.StripBidiBytes([]byte(tt.in))); got != tt.want {
			t.Errorf("StripBidiBytes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"张小明", "张小明"},
		{`=HYPERLINK("http://evil","x")`, `'=HYPERLINK("http://evil","x")`},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"+8613800138000", "+8613800138000"},
		{"-12.5", "-12.5"},
		{"-", "'-"},
		{"", ""},
		{"\u202e=1", "'=1"}, // a bidi control cannot hide a formula
	}
	for _, tt := range tests {
		if got := safetext.Cell(tt.in); got != tt.want {
			t.Errorf("Cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
