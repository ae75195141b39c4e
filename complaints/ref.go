package complaints

import (
	"crypto/rand"
	"strings"
)

// References are "C-" and nine symbols in groups of three ("C-4K7-M9Q-XDZ"): eight random
// symbols (40 bits, so knowing one reference tells nothing about any other, and guessing
// one that exists takes about a trillion tries per complaint) and a check symbol, so a
// reference misheard on the phone is caught before anyone looks it up. The symbols are
// Crockford's base 32: digits and capitals without I, L, O and U; read back, I and L are
// 1 and O is 0. References made before December 2026 ("C2611-000123") keep working.
const (
	refAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	refRandom   = 8
)

// newRef returns a fresh random reference.
func newRef() string {
	b := make([]byte, refRandom)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	sym := make([]byte, refRandom, refRandom+1)
	for i, x := range b {
		sym[i] = refAlphabet[x&31] // 256 is a multiple of 32: no bias
	}
	sym = append(sym, refCheck(sym))
	return "C-" + string(sym[0:3]) + "-" + string(sym[3:6]) + "-" + string(sym[6:9])
}

// refCheck is the check symbol of syms by Damm's algorithm over GF(32): the running value
// r becomes 2r + v (a field product and sum) for each symbol's value v, and the check symbol
// is the one that takes r to 0. It catches every single wrong symbol and every swap of two
// neighbours (the Luhn scheme misses some swaps when the base is not prime).
func refCheck(syms []byte) byte {
	r := 0
	for _, c := range syms {
		r = times2(r) ^ strings.IndexByte(refAlphabet, c)
	}
	return refAlphabet[times2(r)]
}

// times2 multiplies by x in GF(32) = GF(2)[x]/(x^5 + x^2 + 1).
func times2(v int) int {
	v <<= 1
	if v&32 != 0 {
		v ^= 0b100101
	}
	return v
}

// ParseRef reads a reference as a person may type or say it: any case, with or without
// spaces and dashes, I or L for 1 and O for 0. It returns the reference as stored and
// whether the input can be one at all (right length and check symbol); when it cannot, no
// complaint has it and there is nothing to look up.
func ParseRef(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= '\uff10' && r <= '\uff3a' { // full-width digits and capitals
			r = r - '\uff10' + '0'
		}
		switch r {
		case ' ', '-', '_', '.', '\t', '\u3000', '\uff0d', '\u2014', '\u2013', '\u2010':
			continue // separators, also the full-width ones of a Chinese keyboard
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		b.WriteRune(r)
	}
	t := b.String()
	if len(t) < 2 || t[0] != 'C' {
		return t, false
	}
	body := t[1:]
	if len(body) >= 10 && allDigits(body) { // before December 2026: C + yymm + "-" + sequence
		return "C" + body[:4] + "-" + body[4:], true
	}
	if len(body) != refRandom+1 {
		return t, false
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(refAlphabet, body[i]) < 0 {
			return t, false
		}
	}
	if refCheck([]byte(body[:refRandom])) != body[refRandom] {
		return t, false
	}
	return "C-" + body[0:3] + "-" + body[3:6] + "-" + body[6:9], true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
