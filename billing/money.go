package billing

import (
	"strconv"
	"strings"
)

// Yuan formats fen as yuan with two decimals and thousands separators: 123456 → "1,234.56",
// -1500 → "-15.00".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	whole := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	cents := fen % 100
	return sign + b.String() + "." + string(rune('0'+cents/10)) + string(rune('0'+cents%10))
}
