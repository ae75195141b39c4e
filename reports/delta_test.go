package reports_test

import (
	"context"
	"encoding/json"
	"testing"

	"lcrm/reports"
)

// sameAsLive compares the dashboard, value and churn figures of st with those of live,
// a store that ignores the rollup and cuts every range from the rows.
func sameAsLive(t *testing.T, what string, st, live *reports.Store, p reports.Period) {
	t.Helper()
	ctx := context.Background()
	type read func(*reports.Store) (any, error)
	for _, r := range []struct {
		name string
		fn   read
	}{
		{"dashboard", func(s *reports.Store) (any, error) { return s.Dashboard(ctx, p, reports.Filter{}) }},
		{"dashboard of express", func(s *reports.Store) (any, error) {
			return s.Dashboard(ctx, p, reports.Filter{ServiceLevel: "express"})
		}},
		{"value", func(s *reports.Store) (any, error) { return s.Value(ctx, p) }},
		{"churn", func(s *reports.Store) (any, error) { return s.ChurnRisk(ctx, p, reports.Filter{}) }},
	} {
		got, err := r.fn(st)
		if err != nil {
			t.Fatalf("%s: %s: %v", what, r.name, err)
		}
		want, err := r.fn(live)
		if err != nil {
			t.Fatalf("%s: %s live: %v", what, r.name, err)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s: %s differs from the live read:\n got %.2000s\nwant %.2000s", what, r.name, g, w)
		}
	}
}

// TestDeltasExact changes rows of held days in every way the triggers turn into deltas
// (and a delete, which still marks its days) and checks, without Refresh and after it,
// that the figures equal the raw rows' and an all-live read, and that only the marked
// change sends days live.
func TestDeltasExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 1500, true)
	// Two parcels of a shipper of their own with the same sign-off lag, in one cell: a
	// change to one of them removes one of the two equal lags (its median shows it).
	seed(t, pool, []parcel{
		{no: "TWIN000001", shipper: "TW", tier: "small", created: local(11, 4, 8, 0), out: local(11, 5, 9, 0), delivered: local(11, 5, 10, 0)},
		{no: "TWIN000002", shipper: "TW", tier: "small", created: local(11, 4, 8, 0), out: local(11, 5, 9, 0), delivered: local(11, 5, 10, 0)},
	})
	st := reports.NewStore(pool)
	live := reports.NewStore(pool)
	reports.ReadAllLive(live)
	refresh(t, st)
	p := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	sameAsLive(t, "after Refresh", st, live, p)
	changes := []struct {
		name   string
		sql    string
		marked bool // a day mark (read live) rather than deltas
	}{
		{"one of two equal lags changed", `
UPDATE shipments SET out_for_delivery_at = out_for_delivery_at - interval '1 hour' WHERE tracking_no = 'TWIN000002'`, false},
		{"a delivery", `
UPDATE shipments SET delivered_at = out_for_delivery_at + interval '95 minutes', status = 'delivered'
WHERE id IN (SELECT id FROM shipments WHERE delivered_at IS NULL AND out_for_delivery_at >= '2026-11-01'
               AND out_for_delivery_at < '2026-11-18' ORDER BY id LIMIT 3)`, false},
		{"an out-for-delivery time changed", `
UPDATE shipments SET out_for_delivery_at = out_for_delivery_at + interval '17 minutes'
WHERE id IN (SELECT id FROM shipments WHERE delivered_at >= '2026-11-05' AND delivered_at < '2026-11-06'
               AND out_for_delivery_at < delivered_at - interval '1 hour' ORDER BY id LIMIT 4)`, false},
		{"a delivery moved to another day", `
UPDATE shipments SET delivered_at = delivered_at - interval '2 days'
WHERE id = (SELECT min(id) FROM shipments WHERE delivered_at >= '2026-11-12' AND out_for_delivery_at < delivered_at - interval '2 days')`, false},
		{"a shipper and province changed", `
UPDATE shipments SET shipper_id = (SELECT max(shipper_id) FROM shipments), dest_province = '西藏自治区'
WHERE id IN (SELECT id FROM shipments WHERE delivered_at >= '2026-10-25' AND delivered_at < '2026-10-27' ORDER BY id LIMIT 3)`, false},
		{"a charge changed", `
UPDATE shipments SET freight_fen = COALESCE(freight_fen, 0) + 990, cost_fen = NULL
WHERE id IN (SELECT id FROM shipments WHERE created_at >= '2026-11-02' AND created_at < '2026-11-03' ORDER BY id LIMIT 3)`, false},
		{"a survey added", `
INSERT INTO surveys (shipment_id, consignee_id, csat, nps, created_at)
SELECT id, consignee_id, 1, 0, now() FROM shipments
WHERE delivered_at >= '2026-11-01' AND delivered_at < '2026-11-05'
  AND id NOT IN (SELECT shipment_id FROM surveys) ORDER BY id LIMIT 3`, false},
		{"a survey changed", `
UPDATE surveys SET csat = 6 - csat, nps = 10 - nps
WHERE id IN (SELECT v.id FROM surveys v JOIN shipments s ON s.id = v.shipment_id WHERE s.delivered_at < '2026-11-10' ORDER BY v.id LIMIT 2)`, false},
		{"a shipment created on a closed day", `
INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city, dest_province,
    dest_city, weight_g, promised_at, status, created_at, out_for_delivery_at, delivered_at, freight_fen)
SELECT 'LATE000001', shipper_id, consignee_id, 'express', '杭州', '上海市', '上海', 100,
       '2026-11-03 18:00+08', 'delivered', '2026-11-01 09:00+08', '2026-11-03 09:00+08', '2026-11-03 12:00+08', 1200
FROM shipments ORDER BY id LIMIT 1`, false},
		{"a shipment deleted", `DELETE FROM shipments WHERE tracking_no = 'LATE000001'`, true},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			tag, err := pool.Exec(ctx, c.sql)
			if err != nil {
				t.Fatal(err)
			}
			if tag.RowsAffected() == 0 {
				t.Fatal("the change matched no row")
			}
			deltas := count(t, pool, "SELECT count(*) FROM kpi_deltas")
			marks := count(t, pool, "SELECT count(*) FROM kpi_changes")
			if c.marked != (marks > 0) || (!c.marked && deltas == 0) {
				t.Fatalf("%d deltas, %d marks pending; want marks %v", deltas, marks, c.marked)
			}
			before := reports.LiveCuts(st)
			checkAgainstRaw(t, st, pool)
			if cuts := reports.LiveCuts(st) - before; c.marked != (cuts > 0) {
				t.Errorf("%d ranges read live with %d marks pending", cuts, marks)
			}
			sameAsLive(t, "pending", st, live, p)
			checkValue(t, st, pool, p, "pending")
			res := refresh(t, st)
			if res.Deltas != int(deltas) || res.Changes != int(marks) {
				t.Errorf("Refresh = %+v, want %d deltas and %d marks folded in", res, deltas, marks)
			}
			if n := pending(t, pool); n != 0 {
				t.Errorf("%d changes pending after Refresh", n)
			}
			checkAgainstRaw(t, st, pool)
			sameAsLive(t, "after Refresh", st, live, p)
		})
	}
}

// TestDeltasOnDeltas applies several changes to the same shipments without Refresh in
// between, so -1 deltas cancel earlier +1 deltas rather than stored cells.
func TestDeltasOnDeltas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 800, true)
	st := reports.NewStore(pool)
	live := reports.NewStore(pool)
	reports.ReadAllLive(live)
	refresh(t, st)
	p := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	ids := `(SELECT id FROM shipments WHERE delivered_at >= '2026-11-03' AND delivered_at < '2026-11-04' ORDER BY id LIMIT 5)`
	for i, q := range []string{
		`UPDATE shipments SET delivered_at = delivered_at + interval '1 day' WHERE id IN ` + ids,
		`UPDATE shipments SET delivered_at = delivered_at - interval '1 day', dest_province = '海南省' WHERE id IN (SELECT id FROM shipments WHERE dest_province <> '海南省' AND delivered_at >= '2026-11-04' AND delivered_at < '2026-11-05' ORDER BY id LIMIT 5)`,
		`UPDATE surveys SET csat = 1 + (csat % 5) WHERE shipment_id IN (SELECT id FROM shipments WHERE dest_province = '海南省')`,
		`UPDATE shipments SET out_for_delivery_at = out_for_delivery_at - interval '3 hours' WHERE dest_province = '海南省' AND delivered_at IS NOT NULL`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
		checkAgainstRaw(t, st, pool)
		sameAsLive(t, "step "+string(rune('1'+i)), st, live, p)
	}
	if n := count(t, pool, "SELECT count(*) FROM kpi_changes"); n != 0 {
		t.Errorf("%d day marks, want deltas only", n)
	}
	refresh(t, st)
	sameAsLive(t, "after Refresh", st, live, p)
}

// TestChurnWithoutDisrupted: churn risk without disrupted parcels reads live (the cells
// cannot leave them out), as the dashboard does, instead of failing on the rollup.
func TestChurnWithoutDisrupted(t *testing.T) {
	t.Parallel()
	pool := loadDemo(t, 300, false)
	st := reports.NewStore(pool)
	live := reports.NewStore(pool)
	reports.ReadAllLive(live)
	refresh(t, st)
	p := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	f := reports.Filter{ExcludeDisrupted: true}
	got, err := st.ChurnRisk(context.Background(), p, f)
	if err != nil {
		t.Fatal(err)
	}
	want, err := live.ChurnRisk(context.Background(), p, f)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("churn without disrupted = %s, live %s", g, w)
	}
}
