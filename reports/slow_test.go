package reports_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/customers"
	"lcrm/internal/testdb"
	"lcrm/reports"
)

// TestSlowSignoffs: four parcels delivered in October 2026 (SL1 flagged twice, SL2 once,
// SL3 not at all, SL4 flagged but of a small-tier shipper), SL5 flagged and delivered in
// September (the previous period), SL6 flagged and not delivered.
func TestSlowSignoffs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	seed(t, pool, []parcel{
		{no: "SL00000001", shipper: "SLK", tier: customers.TierKey, created: local(10, 3, 9, 0), out: local(10, 4, 8, 0), delivered: local(10, 4, 20, 0)},
		{no: "SL00000002", shipper: "SLK", tier: customers.TierKey, created: local(10, 3, 9, 0), out: local(10, 5, 8, 0), delivered: local(10, 5, 19, 0)},
		{no: "SL00000003", shipper: "SLK", tier: customers.TierKey, created: local(10, 3, 9, 0), out: local(10, 5, 8, 0), delivered: local(10, 5, 10, 0)},
		{no: "SL00000004", shipper: "SLS", tier: customers.TierSmall, created: local(10, 3, 9, 0), out: local(10, 5, 8, 0), delivered: local(10, 6, 10, 0)},
		{no: "SL00000005", shipper: "SLK", tier: customers.TierKey, created: local(9, 20, 9, 0), out: local(9, 21, 8, 0), delivered: local(9, 21, 20, 0)},
		{no: "SL00000006", shipper: "SLK", tier: customers.TierKey, created: local(10, 20, 9, 0), out: local(10, 21, 8, 0)},
	})
	flag := func(no, reason string, since time.Time, lag time.Duration) {
		t.Helper()
		if _, err := pool.Exec(ctx, `INSERT INTO slow_signoffs (shipment_id, reason, since, flagged_at, lag, window_allowed, service_level, shipper_tier)
			SELECT id, $2, $3, $4, make_interval(secs => $5), interval '4 hours', 'standard', 'key' FROM shipments WHERE tracking_no = $1`,
			no, reason, since, since.Add(lag), lag.Seconds()); err != nil {
			t.Fatal(err)
		}
	}
	flag("SL00000001", "out_for_delivery", local(10, 4, 8, 0), 5*time.Hour)
	flag("SL00000001", "past_promise", local(10, 4, 9, 0), 9*time.Hour)
	flag("SL00000002", "at_station", local(10, 5, 8, 0), 6*time.Hour)
	flag("SL00000004", "out_for_delivery", local(10, 5, 8, 0), 5*time.Hour)
	flag("SL00000005", "out_for_delivery", local(9, 21, 8, 0), 5*time.Hour)
	flag("SL00000006", "out_for_delivery", local(10, 21, 8, 0), 5*time.Hour)
	st := reports.NewStore(pool)
	oct := reports.Month(local(10, 15, 0, 0), nil)
	cases := []struct {
		name                 string
		f                    reports.Filter
		cur, prev, delivered int64
		list                 []string
		firstReason          string
		firstFlags           int64
	}{
		{"all", reports.Filter{}, 3, 1, 4, []string{"SL00000001", "SL00000002", "SL00000004"}, "out_for_delivery", 2},
		{"key tier", reports.Filter{Tier: "key"}, 2, 1, 3, []string{"SL00000001", "SL00000002"}, "out_for_delivery", 2},
		{"small tier", reports.Filter{Tier: "small"}, 1, 0, 1, []string{"SL00000004"}, "out_for_delivery", 1},
		{"express: none", reports.Filter{ServiceLevel: "express"}, 0, 0, 0, nil, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sum, err := st.Summary(ctx, oct, c.f)
			if err != nil {
				t.Fatal(err)
			}
			sameInt(t, "slow", sum.Current.SlowSignoffs, c.cur)
			sameInt(t, "slow previous", sum.Previous.SlowSignoffs, c.prev)
			sameInt(t, "delivered", sum.Current.Delivered, c.delivered)
			sameFloat(t, "slow rate", sum.Current.SlowSignoffRate(), rate(c.cur, c.delivered))
			found := false
			for _, tile := range sum.Tiles() {
				if tile.Name == "Slow sign-off rate" {
					found = true
					sameFloat(t, "tile", tile.Current, rate(c.cur, c.delivered))
				}
			}
			if !found {
				t.Error("no Slow sign-off rate tile")
			}
			var got []reports.SlowSignoff
			if err := st.SlowSignoffs(ctx, oct, c.f, func(r reports.SlowSignoff) error { got = append(got, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.list) {
				t.Fatalf("list = %d rows, want %d", len(got), len(c.list))
			}
			for i, no := range c.list {
				if got[i].TrackingNo != no {
					t.Errorf("row %d = %s, want %s", i, got[i].TrackingNo, no)
				}
			}
			if len(got) > 0 && (got[0].Reason != c.firstReason || got[0].Flags != c.firstFlags || got[0].Lag != 5*time.Hour) {
				t.Errorf("first row = %+v, want reason %s, %d flags, lag 5h", got[0], c.firstReason, c.firstFlags)
			}
			var buf bytes.Buffer
			if err := reports.WriteWorkbook(ctx, &buf, st, oct, c.f, "en"); err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			rows, err := x.GetRows(reports.SheetSlow)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1+len(c.list) {
				t.Errorf("sheet rows = %d, want %d", len(rows), 1+len(c.list))
			}
			for i, no := range c.list {
				if i+1 < len(rows) && rows[i+1][1] != no {
					t.Errorf("sheet row %d = %s, want %s", i+1, rows[i+1][1], no)
				}
			}
		})
	}
}
