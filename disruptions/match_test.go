package disruptions_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"lcrm/complaints"
	"lcrm/disruptions"
	"lcrm/internal/testdb"
)

// TestAffectedParcels checks which parcels a disruption affects, by province, by city, by
// origin, and at the edges of its window, in SQL (the disrupted_shipments view) and in Go
// (Disruption.Affects, which the tracking page uses): both must give the same answer.
func TestAffectedParcels(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	from, to := sh(23, 0, 0), sh(25, 0, 0)
	f.now = sh(24, 12, 0)
	byProvince := f.declare(snow([]string{"广东省"}, []string{"杭州"}, from, to))
	withOrigin := snow([]string{"四川"}, nil, from, to)
	withOrigin.IncludeOrigin = true
	byOrigin := f.declare(withOrigin)
	at := func(t time.Time) *time.Time { return &t }
	for _, tc := range []struct {
		name string
		p    parcel
		want []*disruptions.Disruption
	}{
		{"destination province", parcel{province: "广东省", city: "广州市", created: sh(22, 9, 0)}, []*disruptions.Disruption{byProvince}},
		{"province written without 省", parcel{province: "广东", city: "深圳", created: sh(22, 9, 0)}, []*disruptions.Disruption{byProvince}},
		{"destination city", parcel{province: "浙江省", city: "杭州市", created: sh(22, 9, 0)}, []*disruptions.Disruption{byProvince}},
		{"elsewhere", parcel{province: "北京市", city: "北京", created: sh(22, 9, 0)}, nil},
		{"created during the window", parcel{province: "广东省", city: "广州市", created: sh(24, 11, 0)}, []*disruptions.Disruption{byProvince}},
		{"created a minute before the end", parcel{province: "广东省", city: "广州市", created: to.Add(-time.Minute)}, []*disruptions.Disruption{byProvince}},
		{"created at the end", parcel{province: "广东省", city: "广州市", created: to}, nil},
		{"delivered a minute before the start", parcel{province: "广东省", city: "广州市", created: sh(21, 9, 0), status: "delivered", delivered: at(from.Add(-time.Minute))}, nil},
		{"delivered at the start", parcel{province: "广东省", city: "广州市", created: sh(21, 9, 0), status: "delivered", delivered: at(from)}, []*disruptions.Disruption{byProvince}},
		{"delivered during the window", parcel{province: "广东省", city: "广州市", created: sh(21, 9, 0), status: "delivered", delivered: at(sh(23, 15, 0))}, []*disruptions.Disruption{byProvince}},
		{"returned before the start", parcel{province: "广东省", city: "广州市", created: sh(20, 9, 0), status: "returned", delivered: at(sh(22, 9, 0))}, nil},
		{"origin in the area, origin counts", parcel{province: "北京市", city: "北京", origin: "成都市", created: sh(22, 9, 0)}, []*disruptions.Disruption{byOrigin}},
		{"origin in the area, origin does not count", parcel{province: "北京市", city: "北京", origin: "广州", created: sh(22, 9, 0)}, nil},
		{"destination in the area of both", parcel{province: "四川省", city: "杭州", created: sh(22, 9, 0)}, []*disruptions.Disruption{byProvince, byOrigin}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := f.shipment(tc.p)
			rows, err := f.pool.Query(f.ctx, `SELECT disruption_id FROM disrupted_shipments WHERE shipment_id = $1 ORDER BY 1`, id)
			if err != nil {
				t.Fatal(err)
			}
			var sql []int64
			for rows.Next() {
				var d int64
				if err := rows.Scan(&d); err != nil {
					t.Fatal(err)
				}
				sql = append(sql, d)
			}
			var want []int64
			for _, d := range tc.want {
				want = append(want, d.ID)
			}
			if !slices.Equal(sql, want) {
				t.Errorf("SQL: affected by %v, want %v", sql, want)
			}
			p := disruptions.Parcel{DestProvince: tc.p.province, DestCity: tc.p.city, OriginCity: tc.p.origin, CreatedAt: tc.p.created}
			if p.OriginCity == "" {
				p.OriginCity = "杭州"
			}
			if tc.p.status == "delivered" || tc.p.status == "returned" {
				p.Final, p.FinalAt = true, *tc.p.delivered
			}
			got, err := f.ds.Affecting(f.ctx, p, f.now)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case len(want) == 0 && got != nil:
				t.Errorf("Go: affected by %d, want none", got.ID)
			case len(want) > 0 && (got == nil || !slices.Contains(want, got.ID)):
				t.Errorf("Go: affected by %v, want one of %v", got, want)
			}
		})
	}
	// As of a moment before the window, nothing is affected yet on the page.
	f.now = from.Add(-time.Hour)
	f.ds.CacheFor = time.Nanosecond
	if got, _ := f.ds.Affecting(f.ctx, disruptions.Parcel{DestProvince: "广东", CreatedAt: sh(22, 9, 0)}, f.now); got != nil {
		t.Errorf("before the window: affected by %d", got.ID)
	}
}

func TestNormalizePlace(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"广东省": "广东", " 北京市 ": "北京", "新疆维吾尔自治区": "新疆", "广西壮族自治区": "广西",
		"香港特别行政区": "香港", "杭州": "杭州", "内蒙古自治区": "内蒙古", "": ""} {
		if got := disruptions.NormalizePlace(in); got != want {
			t.Errorf("NormalizePlace(%q) = %q, want %q", in, got, want)
		}
	}
	if got := disruptions.SplitPlaces("广东省，广西、 北京市;广东\n杭州"); !slices.Equal(got, []string{"广东", "广西", "北京", "杭州"}) {
		t.Errorf("SplitPlaces = %q", got)
	}
}

// BenchmarkAffecting is what the tracking page pays per parcel for the notice: a match in
// Go against the cached list of 20 current disruptions, none of which affects the parcel
// (the worst case: every one is tried); no query while the list is fresh.
func BenchmarkAffecting(b *testing.B) {
	ctx := context.Background()
	pool := testdb.New(b)
	ds := disruptions.NewStore(pool, nil)
	ds.Now = func() time.Time { return sh(24, 0, 0) }
	ds.CacheFor = time.Hour
	for range 20 {
		if _, err := ds.Declare(ctx, disruptions.Input{Provinces: []string{"广东", "广西", "福建"}, Cities: []string{"杭州", "宁波", "温州"},
			IncludeOrigin: true, StartsAt: sh(23, 0, 0), EndsAt: sh(25, 0, 0), Reason: disruptions.Weather, NoticeZH: "x", NoticeEN: "x"},
			complaints.Actor{}); err != nil {
			b.Fatal(err)
		}
	}
	p := disruptions.Parcel{DestProvince: "北京市", DestCity: "北京", OriginCity: "上海市", CreatedAt: sh(22, 9, 0)}
	now := sh(24, 0, 0)
	for b.Loop() {
		if d, err := ds.Affecting(ctx, p, now); d != nil || err != nil {
			b.Fatal(d, err)
		}
	}
}
