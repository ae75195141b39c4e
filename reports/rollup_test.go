package reports_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/reports"
	"lcrm/shipments"
)

// checkAgainstRaw compares the 30-day tiles, days and groups with the oracle's reading
// of the rows as they are now.
func checkAgainstRaw(t *testing.T, st *reports.Store, pool *pgxpool.Pool) {
	t.Helper()
	r := readRaw(t, pool)
	p := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	sum, err := st.Summary(context.Background(), p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	checkTiles(t, "current", sum.Current, r.tiles(p, reports.Filter{}))
	checkTiles(t, "previous", sum.Previous, r.tiles(p.Previous(), reports.Filter{}))
	checkDaily(t, st, r, p, reports.Filter{})
	checkGroups(t, st, r, p, reports.Filter{})
}

// count runs a count(*) query.
func count(t *testing.T, pool *pgxpool.Pool, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// pending is the number of change marks and deltas not yet folded into the rollup.
func pending(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	return count(t, pool, "SELECT (SELECT count(*) FROM kpi_changes) + (SELECT count(*) FROM kpi_deltas)")
}

func refresh(t *testing.T, st *reports.Store) reports.RefreshResult {
	t.Helper()
	res, err := st.Refresh(context.Background(), shipments.DefaultZone, now)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestRollupIsRead shows the dashboard really reads the rollup for held days, and reads
// a day live again as soon as a change to it is pending.
func TestRollupIsRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 800, true)
	st := reports.NewStore(pool)
	refresh(t, st)
	p := reports.Period{From: day(2026, 11, 10), To: day(2026, 11, 11)}
	before, err := st.Summary(ctx, p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// Tamper with the held cells of Nov 10 (no trigger fires on kpi_cells).
	if _, err := pool.Exec(ctx, `UPDATE kpi_cells SET delivered = delivered + 1000 WHERE day = '2026-11-10'`); err != nil {
		t.Fatal(err)
	}
	tampered, _ := st.Summary(ctx, p, reports.Filter{})
	if tampered.Current.Delivered != before.Current.Delivered+1000*count(t, pool, "SELECT count(*) FROM kpi_cells WHERE day = $1::date", "2026-11-10") {
		t.Fatalf("delivered = %d after tampering, was %d: the rollup is not read", tampered.Current.Delivered, before.Current.Delivered)
	}
	// A change touching Nov 10 (UTC date Nov 10 overlaps local Nov 10 and 11) makes the
	// day live again, so the tampered cells are ignored.
	if _, err := pool.Exec(ctx, `INSERT INTO kpi_changes (utc_day) VALUES ('2026-11-10')`); err != nil {
		t.Fatal(err)
	}
	live, _ := st.Summary(ctx, p, reports.Filter{})
	if live.Current.Delivered != before.Current.Delivered {
		t.Errorf("delivered = %d with a pending change, want the live %d", live.Current.Delivered, before.Current.Delivered)
	}
	// Refresh recomputes the two local days the mark overlaps and clears it.
	res := refresh(t, st)
	if res.Days != 2 || res.Changes != 1 || pending(t, pool) != 0 {
		t.Errorf("Refresh = %+v, pending %d; want 2 days, 1 change, none pending", res, pending(t, pool))
	}
	again, _ := st.Summary(ctx, p, reports.Filter{})
	if again.Current.Delivered != before.Current.Delivered {
		t.Errorf("delivered = %d after Refresh, want %d", again.Current.Delivered, before.Current.Delivered)
	}
	if res := refresh(t, st); res.Days != 0 {
		t.Errorf("a second Refresh recomputed %d days, want 0", res.Days)
	}
}

// TestRollupFollowsChanges changes rows of closed, rolled-up days in the ways a live
// system does and checks the figures against the raw rows before and after Refresh.
func TestRollupFollowsChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 1500, true)
	st := reports.NewStore(pool)
	refresh(t, st)
	if n := pending(t, pool); n != 0 {
		t.Fatalf("%d changes pending after Refresh", n)
	}
	changes := []struct {
		name string
		sql  string
	}{
		{"a survey answered days after delivery", `
INSERT INTO surveys (shipment_id, consignee_id, csat, nps, created_at)
SELECT id, consignee_id, 1, 0, now() FROM shipments
WHERE delivered_at >= '2026-11-01' AND delivered_at < '2026-11-05'
  AND id NOT IN (SELECT shipment_id FROM surveys) ORDER BY id LIMIT 3`},
		{"a survey edited", `
UPDATE surveys SET csat = 6 - csat, nps = 10 - nps
WHERE id = (SELECT min(v.id) FROM surveys v JOIN shipments s ON s.id = v.shipment_id WHERE s.delivered_at < '2026-11-10')`},
		{"a delivery time corrected to another day", `
UPDATE shipments SET delivered_at = delivered_at - interval '2 days'
WHERE id = (SELECT min(id) FROM shipments WHERE delivered_at >= '2026-11-12' AND out_for_delivery_at < delivered_at - interval '2 days')`},
		{"a destination corrected", `
UPDATE shipments SET dest_province = '西藏自治区'
WHERE id IN (SELECT id FROM shipments WHERE delivered_at >= '2026-10-25' AND delivered_at < '2026-10-26' ORDER BY id LIMIT 2)`},
		{"a shipment imported late", `
INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city, dest_province,
    dest_city, weight_g, promised_at, status, created_at, out_for_delivery_at, delivered_at)
SELECT 'LATE000001', shipper_id, consignee_id, 'express', '杭州', '上海市', '上海', 100,
       '2026-11-03 18:00+08', 'delivered', '2026-11-01 09:00+08', '2026-11-03 09:00+08', '2026-11-03 12:00+08'
FROM shipments ORDER BY id LIMIT 1`},
		{"a survey removed", `
DELETE FROM surveys WHERE id = (SELECT max(v.id) FROM surveys v JOIN shipments s ON s.id = v.shipment_id WHERE s.delivered_at < '2026-11-08')`},
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
			if pending(t, pool) == 0 {
				t.Fatal("no change was marked")
			}
			checkAgainstRaw(t, st, pool) // pending days read live
			res := refresh(t, st)
			if res.Days == 0 || res.Days > 6 {
				t.Errorf("Refresh recomputed %d days, want only the days touched (two local days per UTC date marked)", res.Days)
			}
			if n := pending(t, pool); n != 0 {
				t.Errorf("%d changes pending after Refresh", n)
			}
			checkAgainstRaw(t, st, pool) // recomputed days read from the rollup
		})
	}
}

// TestRollupLateDelivery records a late delivery scan for a closed day through the
// shipments domain, the way a courier's offline device uploads it.
func TestRollupLateDelivery(t *testing.T) {
	t.Parallel()
	pool := loadDemo(t, 600, false)
	st := reports.NewStore(pool)
	refresh(t, st)
	seed(t, pool, []parcel{{no: "LATESCAN01", shipper: "LS", tier: "regular",
		created: local(11, 1, 9, 0), out: local(11, 2, 9, 0), delivered: local(11, 2, 11, 30)}})
	checkAgainstRaw(t, st, pool)
	refresh(t, st)
	checkAgainstRaw(t, st, pool)
}

// TestRollupConcurrentWriter commits a change after Refresh took its snapshot: the change
// must keep its mark (and so be read live) instead of being cleared unseen.
func TestRollupConcurrentWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 600, true)
	st := reports.NewStore(pool)
	refresh(t, st)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE surveys SET csat = 6 - csat WHERE id IN (SELECT id FROM surveys ORDER BY id LIMIT 5)`); err != nil {
		t.Fatal(err)
	}
	res := refresh(t, st) // does not see the uncommitted change
	if res.Changes != 0 || res.Days != 0 {
		t.Errorf("Refresh during an open writer = %+v, want nothing to do", res)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if pending(t, pool) == 0 {
		t.Fatal("the writer's mark is gone")
	}
	checkAgainstRaw(t, st, pool)
	refresh(t, st)
	checkAgainstRaw(t, st, pool)
}

// TestRefreshBusy: a second Refresh while one holds the lock returns at once.
func TestRefreshBusy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 200, false)
	st := reports.NewStore(pool)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(0x6c63726d6b7069)); err != nil {
		t.Fatal(err)
	}
	if res := refresh(t, st); !res.Busy || res.Days != 0 {
		t.Errorf("Refresh under another's lock = %+v, want Busy", res)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", int64(0x6c63726d6b7069)); err != nil {
		t.Fatal(err)
	}
	if res := refresh(t, st); res.Busy || res.Days == 0 {
		t.Errorf("Refresh after the lock was released = %+v", res)
	}
}
