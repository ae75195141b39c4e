package api

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// appendTrack writes byte for byte what json.Marshal writes, for every kind of answer and
// every awkward character, and gives way to json.Marshal for a time it cannot write.
func TestTrackJSONSameAsMarshal(t *testing.T) {
	t.Parallel()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 7, 5, 9, 123456000, time.UTC)
	del := at.Add(26 * time.Hour).In(shanghai)
	odd := "<b>&\"\\ \x00\x01\x1f\x7f\t\n\r\b\f \u2028\u2029 \xff\xfe 张*明 138******** 😀 \u00e9"
	full := trackOut{TrackingNo: "SD100000000009", Status: "delivered", ServiceLevel: "express", OriginCity: "杭州",
		DestCity: odd, PromisedAt: at, Late: true, DeliveredAt: &del, SignedBy: "王*锤",
		Shipper:   partyOut{Code: "ACME", Name: "宁波海风电器", Phone: "139********", Email: "a@b.test", Tier: "key"},
		Consignee: partyOut{Name: "张*明", Phone: odd},
		Events: []eventOut{{EventID: "e1", Code: "picked_up", OccurredAt: at, Location: odd, Note: "已揽收", SignedBy: "x"},
			{Code: "delivered", OccurredAt: at.In(time.FixedZone("", -9*3600-30*60)), Location: ""},
			{Code: "in_transit", OccurredAt: at.In(time.FixedZone("LMT", 8*3600+5*60+43))}},
		Estimate:         &etaOut{From: at, To: at.Add(time.Hour), Basis: "lane"},
		EventsArchivedAt: &at}
	tests := []struct {
		name string
		out  trackOut
	}{
		{"zero", trackOut{}},
		{"no events", trackOut{TrackingNo: "SD1", Events: []eventOut{}}},
		{"full", full},
		{"no optional parts", trackOut{TrackingNo: "SD2", Status: "created", PromisedAt: at, Events: full.Events[1:]}},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		var sb strings.Builder
		for j := r.IntN(40); j > 0; j-- {
			if r.IntN(3) == 0 {
				sb.WriteByte(byte(r.IntN(256)))
			} else {
				sb.WriteRune(rune(r.IntN(0x3000)))
			}
		}
		s := sb.String()
		tests = append(tests, struct {
			name string
			out  trackOut
		}{"random", trackOut{TrackingNo: s, Consignee: partyOut{Name: s, Email: s}, Events: []eventOut{{Note: s, Location: s, OccurredAt: at}}}})
	}
	for _, tt := range tests {
		want, err := json.Marshal(tt.out)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendTrack(nil, &tt.out)
		if !ok || string(got) != string(want) {
			t.Errorf("%s: ok %v\n got %s\nwant %s", tt.name, ok, got, want)
		}
	}
	for _, bad := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))} {
		out := trackOut{PromisedAt: bad}
		if _, err := json.Marshal(out); err == nil {
			t.Errorf("%v: json.Marshal takes it; appendTrack should too", bad)
		}
		if _, ok := appendTrack(nil, &out); ok {
			t.Errorf("%v: appendTrack wrote a time json.Marshal refuses", bad)
		}
	}
}

// BenchmarkTrackJSON compares json.Marshal with appendTrack on a parcel of eight events.
func BenchmarkTrackJSON(b *testing.B) {
	at := time.Date(2026, 12, 3, 7, 5, 9, 0, time.UTC)
	out := trackOut{TrackingNo: "SD100000000009", Status: "delivered", ServiceLevel: "express", OriginCity: "杭州市", DestCity: "北京市",
		PromisedAt: at, DeliveredAt: &at, SignedBy: "本人", Shipper: partyOut{Name: "杭*司", Phone: "139********"},
		Consignee: partyOut{Name: "张*明", Phone: "138********"}}
	for i := 0; i < 8; i++ {
		out.Events = append(out.Events, eventOut{Code: "in_transit", OccurredAt: at, Location: "北京西城区东风路营业部", Note: "快件已到达【北京西城区东风路营业部】,准备派送"})
	}
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := json.Marshal(&out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for i := 0; i < b.N; i++ {
			buf, _ = appendTrack(buf[:0], &out)
		}
	})
}
