package customers

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"lcrm/internal/errs"
)

// DefaultRegion is the region assumed for numbers written without a country code.
const DefaultRegion = "CN"

// ErrInvalidPhone means a phone number could not be read as a valid number.
var ErrInvalidPhone = errs.New(errs.Invalid, "field.phone_invalid", "not a valid phone number")

// NormalizePhone returns the E.164 form of a phone number written in any common way
// ("138 0013 8000", "+86-138-0013-8000", "8613800138000"), reading numbers without a
// country code as region (DefaultRegion when empty). Parsing alone is not enough: "12345"
// parses for CN, so the number must also be valid.
func NormalizePhone(raw, region string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", ErrInvalidPhone
	}
	if region == "" {
		region = DefaultRegion
	}
	if region == "CN" {
		if e164, ok := fastMainlandMobile(raw); ok {
			return e164, nil
		}
	}
	num, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		// "8613800138000" with no "+" is a CN number with its country code in front.
		if d := digits(raw); !strings.HasPrefix(raw, "+") && strings.HasPrefix(d, "86") && len(d) > 11 {
			if n2, err2 := phonenumbers.Parse("+"+d, region); err2 == nil && phonenumbers.IsValidNumber(n2) {
				return phonenumbers.Format(n2, phonenumbers.E164), nil
			}
		}
		return "", ErrInvalidPhone
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// fastMainlandMobile handles the common case, a mainland mobile written with or without
// +86/0086 and separators, without the library's regexp-heavy parser (it was 40% of bulk
// import CPU). The library still decides validity. ok is false when the number has
// another shape or is invalid; the caller then takes the full path.
func fastMainlandMobile(raw string) (string, bool) {
	var d [16]byte
	n := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || (c == '+' && n == 0):
		default:
			return "", false
		}
	}
	national := string(d[:n])
	for _, prefix := range []string{"0086", "86"} {
		if len(national) == 11+len(prefix) && strings.HasPrefix(national, prefix) {
			national = national[len(prefix):]
		}
	}
	if len(national) != 11 || national[0] != '1' {
		return "", false
	}
	nn, err := strconv.ParseUint(national, 10, 64)
	if err != nil {
		return "", false
	}
	cc := int32(86)
	if !phonenumbers.IsValidNumber(&phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn}) {
		return "", false
	}
	return "+86" + national, true
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MaskPhone hides a phone number for people who have not proved who they are:
// "+8613800138000" becomes "138********". It keeps the first three digits of the national
// number (the carrier prefix, enough to tell "my mobile" from "my landline") and stars the
// rest, one star per digit. The last four digits are what the tracking page asks a visitor
// to type to see full detail, so no public view may show any of them: a number too short
// to keep three digits ahead of its last four keeps fewer (none for four or fewer).
func MaskPhone(e164 string) string {
	// Mainland numbers are nearly all of them: strip +86 directly, since the library's
	// parse is regexp-heavy and this runs on every public page view.
	national, ok := strings.CutPrefix(e164, "+86")
	if !ok {
		national = e164
		if num, err := phonenumbers.Parse(e164, DefaultRegion); err == nil {
			national = phonenumbers.GetNationalSignificantNumber(num)
		}
	}
	d := digits(national)
	keep := min(3, max(0, len(d)-4))
	return d[:keep] + strings.Repeat("*", len(d)-keep)
}

// PhoneLast4 returns the last four digits of a phone number, what a visitor types to prove
// they know the parcel.
func PhoneLast4(e164 string) string {
	d := digits(e164)
	if len(d) < 4 {
		return d
	}
	return d[len(d)-4:]
}

// MaskName hides a person's name but its first and last character: "张小明" -> "张*明",
// "张明" -> "张*", "Li" -> "L*". Each hidden character becomes one "*".
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	default:
		return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
	}
}
