package reports_test

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"lcrm/reports"
)

// TestDrillListsMatchCounts: every list the dashboard links to has as many rows as the
// count it is opened from (tiles, per-shipper, per-province and per-agent cells), paged
// or whole, and its workbook has them all.
func TestDrillListsMatchCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 1500, true)
	addComplaints(t, pool, 300)
	if _, err := pool.Exec(ctx, `INSERT INTO slow_signoffs (shipment_id, reason, since, lag, window_allowed, service_level, shipper_tier)
		SELECT id, 'past_promise', promised_at, interval '1 hour', interval '1 hour', 'standard', 'key'
		FROM shipments WHERE delivered_at > promised_at AND id % 3 = 0`); err != nil {
		t.Fatal(err)
	}
	st := reports.NewStore(pool)
	p := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	total := func(t *testing.T, d reports.Drill) int64 {
		t.Helper()
		var n int64
		var err error
		if d.Complaints() {
			_, n, err = st.ComplaintList(ctx, d, 5, 0)
		} else {
			_, n, err = st.Parcels(ctx, d, 5, 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, f := range []reports.Filter{{}, {Tier: "key"}, {DestProvince: "广东省", ServiceLevel: "express"}} {
		t.Run(f.String(), func(t *testing.T) {
			d, err := st.Dashboard(ctx, p, f)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := st.Complaints(ctx, p, f)
			if err != nil {
				t.Fatal(err)
			}
			c := d.Summary.Current
			if c.Delivered == 0 || c.SlowSignoffs == 0 || cs.Total.Filed == 0 {
				t.Fatalf("fixture too thin: %d delivered, %d slow, %d complaints", c.Delivered, c.SlowSignoffs, cs.Total.Filed)
			}
			for kind, want := range map[string]int64{reports.ListCreated: c.Created, reports.ListDelivered: c.Delivered,
				reports.ListSlow: c.SlowSignoffs, reports.ListSurveys: c.Surveys, reports.ListComplaints: cs.Total.Filed} {
				sameInt(t, kind, total(t, reports.Drill{Period: p, Filter: f, Kind: kind}), want)
			}
			for _, g := range d.Shippers[:min(3, len(d.Shippers))] {
				sf := f
				sf.ShipperID, _ = strconv.ParseInt(g.Key, 10, 64)
				sameInt(t, "shipper "+g.Code+" delivered", total(t, reports.Drill{Period: p, Filter: sf, Kind: reports.ListDelivered}), g.Current.Delivered)
				sameInt(t, "shipper "+g.Code+" complaints", total(t, reports.Drill{Period: p, Filter: sf, Kind: reports.ListComplaints}), g.Complaints)
			}
			for _, g := range d.Provinces[:min(3, len(d.Provinces))] {
				pf := f
				pf.DestProvince = g.Key
				sameInt(t, g.Key+" created", total(t, reports.Drill{Period: p, Filter: pf, Kind: reports.ListCreated}), g.Current.Created)
			}
			agents, err := st.Agents(ctx, p, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range agents {
				sameInt(t, "agent "+a.Name, total(t, reports.Drill{Period: p, Filter: f, Kind: reports.ListComplaints, Assignee: a.UserID}), a.Filed)
			}
		})
	}
	// Paging: the pages add up to the list, and the workbook holds every row.
	d := reports.Drill{Period: p, Kind: reports.ListDelivered}
	all, n, err := st.Parcels(ctx, d, 0, 0)
	if err != nil || int64(len(all)) != n {
		t.Fatalf("whole list %d rows, total %d, %v", len(all), n, err)
	}
	page2, _, err := st.Parcels(ctx, d, 100, 100)
	if err != nil || len(page2) != 100 || page2[0].TrackingNo != all[100].TrackingNo {
		t.Fatalf("page 2: %d rows, %v", len(page2), err)
	}
	var buf bytes.Buffer
	rows, err := reports.WriteList(ctx, &buf, st, d, "zh")
	if err != nil || int64(rows) != n {
		t.Fatalf("workbook %d rows, want %d: %v", rows, n, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheetRows, _ := f.GetRows("清单")
	if int64(len(sheetRows)) != n+1 || sheetRows[0][0] != "运单号" || sheetRows[1][0] != all[0].TrackingNo || sheetRows[1][6] != "已签收" {
		t.Errorf("workbook: %d rows, header %v, first %v", len(sheetRows), sheetRows[0], sheetRows[1])
	}
	if _, _, err := st.Parcels(ctx, reports.Drill{Period: p, Kind: "nonsense"}, 5, 0); err == nil {
		t.Error("unknown list kind accepted")
	}
}
