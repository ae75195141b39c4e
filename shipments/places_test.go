package shipments_test

import (
	"testing"

	"lcrm/shipments"
)

// Known cities and the places named after them are written in English; the rest of a
// place's name, and unknown places, stay as written.
func TestPlaceEN(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"杭州市", "Hangzhou"},
		{"杭州", "Hangzhou"},
		{"西安市", "Xi'an"},
		{"乌鲁木齐市", "Urumqi"},
		{"广州转运中心", "Guangzhou Transit Hub"},
		{"东莞分拨中心", "Dongguan Sorting Centre"},
		{"北京朝阳区人民路营业部", "Beijing 朝阳区人民路 Station"},
		{"上海市浦东新区", "Shanghai 浦东新区"},
		{"拉萨市", "Lhasa"},
		{"喀什", "喀什"},         // not in the list: as written
		{"某某分拨中心", "某某分拨中心"}, // a facility of an unknown city: as written
		{"", ""},
		{"Hangzhou", "Hangzhou"},
	}
	for _, tt := range tests {
		if got := shipments.PlaceEN(tt.in); got != tt.want {
			t.Errorf("PlaceEN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, c := range []struct {
		name string
		want bool
	}{{"宁波市", true}, {"宁波", true}, {"喀什市", false}, {"", false}} {
		if got := shipments.KnownCity(c.name); got != c.want {
			t.Errorf("KnownCity(%q) = %v", c.name, got)
		}
	}
}

// Each way a typed number can be wrong is told apart.
func TestTrackingNoProblem(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"SD100000000001", ""},
		{"RR123456785CN", ""},
		{"rr123456785cn", ""},
		{"RR123456784CN", shipments.ProblemCheckDigit},
		{"SD12", shipments.ProblemLength},
		{"SD1234567890123456789012345678901", shipments.ProblemLength},
		{"SD-1000-0000", shipments.ProblemCharacters},
		{"bad<x>", shipments.ProblemCharacters},
		{"运单号", shipments.ProblemCharacters},
	}
	for _, tt := range tests {
		if got := shipments.TrackingNoProblem(tt.in); got != tt.want {
			t.Errorf("TrackingNoProblem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Numbers past MaxLookup are handed back apart, so the page can say they were not searched.
func TestSplitNumbersOver(t *testing.T) {
	t.Parallel()
	input := ""
	for i := 1; i <= 25; i++ {
		input += " SD1000000000" + string(rune('0'+i/10)) + string(rune('0'+i%10))
	}
	tests := []struct {
		in        string
		n, over   int
		firstOver string
	}{
		{"sd100000000001, SD100000000001；SD100000000002", 2, 0, ""},
		{input, 20, 5, "SD100000000021"},
		{input + input, 20, 5, "SD100000000021"}, // repeats are dropped before counting
	}
	for _, tt := range tests {
		got, over := shipments.SplitNumbers(tt.in)
		if len(got) != tt.n || len(over) != tt.over || (tt.over > 0 && over[0] != tt.firstOver) {
			t.Errorf("SplitNumbers(%.40q…) = %d numbers, over %v", tt.in, len(got), over)
		}
	}
}
