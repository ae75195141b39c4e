package shipments

import (
	"strings"

	"lcrm/internal/errs"
)

// ErrBadTrackingNo means a tracking number is malformed or fails its check digit.
var ErrBadTrackingNo = errs.New(errs.Invalid, "field.tracking_no", "tracking number must be 8-30 letters A-Z or digits")

// ErrBadCheckDigit means a UPU S10 number's check digit does not match its serial.
var ErrBadCheckDigit = errs.New(errs.Invalid, "field.check_digit", "tracking number has a wrong S10 check digit")

// NormalizeTrackingNo trims and upper-cases a tracking number and checks its form: 8-30
// characters of A-Z0-9, and when it has the UPU S10 shape (2 letters, 8 digits, check
// digit, 2 letters) a valid S10 check digit.
func NormalizeTrackingNo(raw string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(raw))
	if len(n) < 8 || len(n) > 30 {
		return "", ErrBadTrackingNo
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", ErrBadTrackingNo
		}
	}
	if IsS10Shape(n) && S10CheckDigit(n[2:10]) != int(n[10]-'0') {
		return "", ErrBadCheckDigit
	}
	return n, nil
}

// IsS10Shape reports whether n looks like a UPU S10 item identifier: AA123456785CN.
func IsS10Shape(n string) bool {
	if len(n) != 13 {
		return false
	}
	for i := 0; i < 13; i++ {
		c := n[i]
		letter := c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if (i < 2 || i > 10) && !letter || i >= 2 && i <= 10 && !digit {
			return false
		}
	}
	return true
}

// S10CheckDigit computes the UPU S10 check digit of an 8-digit serial number: weights
// 8 6 4 2 3 5 9 7, then 11 minus the sum modulo 11, with 10 -> 0 and 11 -> 5.
func S10CheckDigit(serial string) int {
	weights := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(serial[i]-'0') * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 0
	case 11:
		return 5
	default:
		return c
	}
}

// Why a typed tracking number is not a valid one (TrackingNoProblem).
const (
	ProblemLength     = "length"      // not 8-30 characters
	ProblemCharacters = "characters"  // something other than A-Z and 0-9
	ProblemCheckDigit = "check_digit" // S10 shape with a wrong check digit
)

// TrackingNoProblem says why raw is not a valid tracking number ("" when it is one): one
// of the Problem constants, so a page can tell a typo in the check digit from a number of
// the wrong length or with stray characters.
func TrackingNoProblem(raw string) string {
	_, err := NormalizeTrackingNo(raw)
	switch {
	case err == nil:
		return ""
	case err == ErrBadCheckDigit:
		return ProblemCheckDigit
	}
	n := strings.ToUpper(strings.TrimSpace(raw))
	for i := 0; i < len(n); i++ {
		if c := n[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return ProblemCharacters
		}
	}
	return ProblemLength
}
