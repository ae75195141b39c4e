package complaints

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	t.Parallel()
	ref := newRef()
	if len(ref) != 13 || ref[:2] != "C-" || ref[5] != '-' || ref[9] != '-' {
		t.Fatalf("newRef() = %q", ref)
	}
	body := strings.ReplaceAll(ref[2:], "-", "")
	swapped := []byte(body)
	for i := 0; i+1 < len(swapped); i++ {
		if swapped[i] != swapped[i+1] {
			swapped[i], swapped[i+1] = swapped[i+1], swapped[i]
			break
		}
	}
	oneOff := []byte(body)
	oneOff[3] = refAlphabet[(strings.IndexByte(refAlphabet, oneOff[3])+1)%32]
	good := "C-" + "4K7-M9Q-XD" + string(refCheck([]byte("4K7M9QXD")))
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{ref, ref, true},
		{strings.ToLower(ref), ref, true},
		{"c " + body[:3] + " " + body[3:6] + " " + body[6:], ref, true},
		{"C" + body, ref, true},
		{good, good, true},
		{strings.NewReplacer("1", "l", "0", "o").Replace(strings.ToLower(good)), good, true},
		{"ｃ－４Ｋ７－Ｍ９Ｑ－ＸＤ" + string(rune(0xff10+int(good[len(good)-1]-'0'))), good, true},
		{"C" + string(swapped), "", false},       // two neighbours swapped
		{"C" + string(oneOff), "", false},        // one symbol misheard
		{"C" + body[:8], "", false},              // one short
		{"C" + body + "7", "", false},            // one long
		{"X" + body, "", false},                  // not a complaint
		{"C2611-000123", "C2611-000123", true},   // before December 2026
		{"c2611 000123", "C2611-000123", true},   // typed loosely
		{"C2611-1000123", "C2611-1000123", true}, // past a million
		{"C2611-0001", "", false},                // too short for either
		{"", "", false},
	} {
		got, ok := ParseRef(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseRef(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	// Every single wrong symbol and every swap of neighbours is caught, over many refs.
	for n := 0; n < 2000; n++ {
		b := []byte(strings.ReplaceAll(newRef()[2:], "-", ""))
		for i := range b {
			orig := b[i]
			for _, x := range []byte(refAlphabet) {
				if x == orig {
					continue
				}
				b[i] = x
				if _, ok := ParseRef("C" + string(b)); ok {
					t.Fatalf("C%s (one symbol changed) passes the check", b)
				}
			}
			b[i] = orig
			if i+1 < len(b) && b[i] != b[i+1] {
				b[i], b[i+1] = b[i+1], b[i]
				if _, ok := ParseRef("C" + string(b)); ok {
					t.Fatalf("C%s (neighbours swapped) passes the check", b)
				}
				b[i], b[i+1] = b[i+1], b[i]
			}
		}
	}
}
