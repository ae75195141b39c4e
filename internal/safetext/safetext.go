// Package safetext checks and tidies text that people type or integrations send: what
// PostgreSQL refuses (NUL, invalid UTF-8), what no field needs (other control characters),
// and what can disguise text (bidirectional override and isolate characters, which make
// "txt.exe" look like "exe.txt"). Domain validation rejects such input with a field
// error; pages strip the bidi controls from text already stored.
package safetext

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Problem names what is wrong with s for a text field, or "" when s is acceptable.
// multiline admits newline, carriage return and tab (notes, descriptions); single-line
// fields admit tab alone. The answer is an English phrase for a field error ("contains a
// NUL byte"), stable so clients and tests can rely on it.
func Problem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8 text"
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "contains a NUL byte"
		case r == '\t':
		case (r == '\n' || r == '\r') && multiline:
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return "contains a control character"
		case IsBidiControl(r):
			return "contains a text-direction control character (U+202A-U+202E, U+2066-U+2069)"
		}
	}
	return ""
}

// IsBidiControl reports whether r is a bidirectional embedding, override or isolate
// character (U+202A-U+202E, U+2066-U+2069): invisible, and able to reorder what follows.
func IsBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// StripBidi returns s without bidi embedding, override and isolate characters, for
// showing text that was stored before input was checked.
func StripBidi(s string) string {
	if !strings.ContainsFunc(s, IsBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// StripBidiBytes is StripBidi over a rendered page; it returns b itself when there is
// nothing to strip (the common case costs one scan for the 0xE2 lead byte).
func StripBidiBytes(b []byte) []byte {
	found := false
	for i := bytes.IndexByte(b, 0xe2); i >= 0 && i+2 < len(b); {
		if isBidiAt(b, i) {
			found = true
			break
		}
		j := bytes.IndexByte(b[i+1:], 0xe2)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	if !found {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == 0xe2 && i+2 < len(b) && isBidiAt(b, i) {
			i += 2
			continue
		}
		out = append(out, b[i])
	}
	return out
}

// isBidiAt reports whether b[i:i+3] encodes U+202A-U+202E or U+2066-U+2069.
func isBidiAt(b []byte, i int) bool {
	return b[i] == 0xe2 && ((b[i+1] == 0x80 && b[i+2] >= 0xaa && b[i+2] <= 0xae) ||
		(b[i+1] == 0x81 && b[i+2] >= 0xa6 && b[i+2] <= 0xa9))
}

// Cell makes text safe for a spreadsheet cell: text that starts with =, +, -, @, tab or
// carriage return is what Excel and LibreOffice would read as a formula once a cell is
// edited or the sheet saved as CSV (=HYPERLINK(...), =cmd|...), so it gets a leading
// apostrophe (the OWASP advice for CSV and Excel injection). Signed numbers and phone
// numbers ("+8613800138000", "-12.5") stay as they are: they cannot be formulas. Bidi
// controls are removed, as on pages. Every workbook writer passes its text cells through
// Cell.
func Cell(s string) string {
	s = StripBidi(s)
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || plainNumber(s) {
		return s
	}
	return "'" + s
}

// plainNumber reports whether s is a sign followed by digits, spaces and dots only.
func plainNumber(s string) bool {
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == ' ' || c == '.') {
			return false
		}
	}
	return true
}
