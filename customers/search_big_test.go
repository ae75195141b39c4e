//go:build load

package customers_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/demo"
	"lcrm/internal/testdb"
)

// TestSearchBig is a load run (built only with -tags load): it measures caller lookups on
// demo data of 300,000 shipments (LCRM_LOAD_SIZE to change) and logs the median and worst
// of 20 runs per kind of input. Run:
//
//	go test -tags load ./customers -run TestSearchBig -v
func TestSearchBig(t *testing.T) {
	n := testdb.LoadSize(300_000)
	ctx := context.Background()
	pool := testdb.New(t)
	start := time.Now()
	sum, err := demo.Load(ctx, pool, demo.Options{Shipments: n, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %+v in %s", *sum, time.Since(start).Round(time.Millisecond))
	var phone, tn, name string
	var consigneeID int64
	if err := pool.QueryRow(ctx, `SELECT c.phone, s.tracking_no, c.name, c.id FROM shipments s JOIN consignees c ON c.id = s.consignee_id
		ORDER BY s.id DESC LIMIT 1`).Scan(&phone, &tn, &name, &consigneeID); err != nil {
		t.Fatal(err)
	}
	st := customers.NewStore(pool)
	local := phone[3:6] + " " + phone[6:10] + " " + phone[10:] // "138 0013 8000"
	runes := []rune(name)
	cases := []struct{ what, q string }{
		{"phone as spoken", local},
		{"tracking number", tn},
		{"full name", name},
		{"surname only", string(runes[:1])},
		{"given name", string(runes[1:])},
		{"nothing matches", "zzzqqq"},
	}
	for _, c := range cases {
		var times []time.Duration
		var got int
		for i := 0; i < 20; i++ {
			t0 := time.Now()
			m, err := st.Search(ctx, c.q, 20)
			times = append(times, time.Since(t0))
			if err != nil {
				t.Fatal(err)
			}
			got = len(m)
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		t.Logf("%-16s %-20q %2d matches: median %s, worst %s", c.what, c.q, got, times[10].Round(10*time.Microsecond), times[19].Round(10*time.Microsecond))
	}
	var busiest int64 // the shipper with the most shipments
	if err := pool.QueryRow(ctx, `SELECT shipper_id FROM shipments GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`).Scan(&busiest); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		kind customers.Kind
		id   int64
	}{{customers.KindConsignee, consigneeID}, {customers.KindShipper, busiest}} {
		var times []time.Duration
		for i := 0; i < 20; i++ {
			t0 := time.Now()
			if _, err := st.Profile(ctx, p.kind, p.id); err != nil {
				t.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		t.Logf("profile of a %s (one batch): median %s, worst %s", p.kind, times[10].Round(10*time.Microsecond), times[19].Round(10*time.Microsecond))
	}
}
