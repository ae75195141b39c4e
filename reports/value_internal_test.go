package reports

import (
	"testing"
	"time"
)

// TestABCBoundaries checks the ABC rule on a hand-built set: revenue 50, 30, 10, 5, 3, 2
// (of 100). The second shipper crosses 80 % (50 → 80) and is still A; the third starts at
// exactly 80 % and is B; the fifth starts at exactly 95 % and is C; no revenue is C.
func TestABCBoundaries(t *testing.T) {
	ss := []ShipperValue{
		{Code: "F", RevenueFen: 200}, {Code: "A", RevenueFen: 5000}, {Code: "D", RevenueFen: 500},
		{Code: "B", RevenueFen: 3000}, {Code: "Z", RevenueFen: 0}, {Code: "C", RevenueFen: 1000}, {Code: "E", RevenueFen: 300},
	}
	classify(ss)
	want := []struct {
		code, class string
		cum         float64
	}{{"A", "A", 0.5}, {"B", "A", 0.8}, {"C", "B", 0.9}, {"D", "B", 0.95}, {"E", "C", 0.98}, {"F", "C", 1}, {"Z", "C", 1}}
	for i, w := range want {
		s := ss[i]
		if s.Code != w.code || s.Class != w.class || abs(s.CumShare-w.cum) > 1e-9 {
			t.Errorf("#%d = %s class %s cum %.3f, want %s %s %.3f", i, s.Code, s.Class, s.CumShare, w.code, w.class, w.cum)
		}
	}
	// Equal revenue: the code decides the order, and both are A when the first starts below 80 %.
	tie := []ShipperValue{{Code: "Y", RevenueFen: 100}, {Code: "X", RevenueFen: 100}}
	classify(tie)
	if tie[0].Code != "X" || tie[0].Class != "A" || tie[1].Class != "A" {
		t.Errorf("tie = %+v", tie)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestRFMSegments scores a hand-built set of five shippers (quintiles: each value is its
// own fifth) and checks every score and segment, and that a shipper without shipments is
// not scored.
func TestRFMSegments(t *testing.T) {
	last := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	ago := func(d int) *time.Time { v := last.AddDate(0, 0, -d); return &v }
	ss := []ShipperValue{
		// code, shipments, revenue, days since last shipment
		{Code: "V", Shipments: 50, RevenueFen: 9000, LastShipment: ago(0)},  // R5 F5 M5
		{Code: "K", Shipments: 40, RevenueFen: 8000, LastShipment: ago(60)}, // R1 F4 M4
		{Code: "D", Shipments: 2, RevenueFen: 7000, LastShipment: ago(1)},   // R4 F1 M3
		{Code: "G", Shipments: 30, RevenueFen: 100, LastShipment: ago(30)},  // R2 F3 M1
		{Code: "L", Shipments: 3, RevenueFen: 200, LastShipment: ago(20)},   // R3 F2 M2
		{Code: "N"}, // nothing in the period
	}
	score(ss, last)
	want := map[string]struct {
		r, f, m int
		seg     string
	}{
		"V": {5, 5, 5, "important_value"}, "K": {1, 4, 4, "important_keep"}, "D": {4, 1, 3, "important_develop"},
		"G": {2, 3, 1, "general_keep"}, "L": {3, 2, 2, "general_develop"},
	}
	for _, s := range ss {
		w, ok := want[s.Code]
		if !ok {
			if s.RFM.R != 0 || s.RFM.Segment != nil {
				t.Errorf("%s scored without shipments: %+v", s.Code, s.RFM)
			}
			continue
		}
		seg := ""
		if s.RFM.Segment != nil {
			seg = s.RFM.Segment.Code
		}
		if s.RFM.R != w.r || s.RFM.F != w.f || s.RFM.M != w.m || seg != w.seg {
			t.Errorf("%s = R%d F%d M%d %s, want R%d F%d M%d %s", s.Code, s.RFM.R, s.RFM.F, s.RFM.M, seg, w.r, w.f, w.m, w.seg)
		}
	}
	// Every combination of high and low names exactly one segment.
	seen := map[string]bool{}
	for _, r := range []int{1, 3} {
		for _, f := range []int{2, 4} {
			for _, m := range []int{2, 5} {
				seen[segmentOf(r, f, m).Code] = true
			}
		}
	}
	if len(seen) != len(Segments) {
		t.Errorf("segments reached: %v", seen)
	}
}

// TestTierAdvice checks each advice rule and that fitting tiers get none.
func TestTierAdvice(t *testing.T) {
	for _, c := range []struct{ class, tier, to, reason string }{
		{"A", "small", "key", "a_not_key"}, {"A", "regular", "key", "a_not_key"}, {"A", "key", "", ""},
		{"B", "small", "regular", "small_in_b"}, {"B", "key", "", ""}, {"B", "regular", "", ""},
		{"C", "key", "regular", "key_in_c"}, {"C", "regular", "", ""}, {"C", "small", "", ""},
	} {
		a := advise(c.class, c.tier)
		switch {
		case c.to == "" && a != nil:
			t.Errorf("%s on %s: advice %+v, want none", c.class, c.tier, a)
		case c.to != "" && (a == nil || a.To != c.to || a.Reason != c.reason || a.From != c.tier):
			t.Errorf("%s on %s: advice %+v, want %s (%s)", c.class, c.tier, a, c.to, c.reason)
		}
	}
}

// TestValueDefinitionsHaveChinese: every value figure's definition has its Chinese, and
// every Chinese entry belongs to a definition.
func TestValueDefinitionsHaveChinese(t *testing.T) {
	names := map[string]bool{}
	for _, d := range Definitions {
		names[d.Name] = true
	}
	for name := range definitionsZH {
		if !names[name] {
			t.Errorf("Chinese definition %q has no Definition", name)
		}
	}
	for _, name := range []string{"Revenue at risk", "Revenue", "Cost", "Compensation", "Margin", "Revenue per shipment",
		"Customer value (per shipper)", "ABC class", "RFM scores", "RFM segment", "Tier advice"} {
		if !names[name] || definitionsZH[name].Text == "" {
			t.Errorf("%q: in Definitions %v, Chinese %q", name, names[name], definitionsZH[name].Name)
		}
	}
}
