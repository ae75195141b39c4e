package notify

import "unicode/utf16"

// gsmBasic is the GSM 03.38 default alphabet; gsmExt are the characters that need an
// escape and so count as two septets.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

const gsmExt = "^{}\\[~]|€\f"

var gsmBasicSet, gsmExtSet = runeSet(gsmBasic), runeSet(gsmExt)

func runeSet(s string) map[rune]bool {
	m := make(map[rune]bool, len(s))
	for _, r := range s {
		m[r] = true
	}
	return m
}

// Segments returns how many SMS segments body takes and whether it needs UCS-2.
// GSM-7: 160 septets in one segment, 153 per segment when concatenated (extension
// characters count 2). UCS-2: 70 UTF-16 code units, 67 per concatenated segment.
func Segments(body string) (n int, ucs2 bool) {
	septets := 0
	for _, r := range body {
		switch {
		case gsmBasicSet[r]:
			septets++
		case gsmExtSet[r]:
			septets += 2
		default:
			ucs2 = true
		}
	}
	if ucs2 {
		units := len(utf16.Encode([]rune(body)))
		return parts(units, 70, 67), true
	}
	return parts(septets, 160, 153), false
}

func parts(units, single, multi int) int {
	if units <= single {
		return 1
	}
	return (units + multi - 1) / multi
}
