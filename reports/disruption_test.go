package reports_test

import (
	"context"
	"testing"

	"lcrm/reports"
	"lcrm/shipments"
)

// TestExcludeDisrupted: with Filter.ExcludeDisrupted the shipment and complaint figures
// leave out the parcels a declared disruption affects, live and with the closed days in the
// rollup (which the filtered view must not read), checked against counts over the raw rows.
func TestExcludeDisrupted(t *testing.T) {
	t.Parallel()
	pool := loadDemo(t, 3000, true)
	ctx := context.Background()
	st := reports.NewStore(pool)
	month := reports.Month(now, shipments.DefaultZone)
	if _, err := pool.Exec(ctx, `INSERT INTO disruptions (provinces, cities, starts_at, ends_at, reason, notice_zh, notice_en, created_at, updated_at)
		VALUES ('{广东}', '{杭州}', $1, $2, 'weather', '暴雪', 'Snow', $1, $1)`, month.From.AddDate(0, 0, 5), month.From.AddDate(0, 0, 12)); err != nil {
		t.Fatal(err)
	}
	count := func(sql string, excl bool) int64 {
		t.Helper()
		if excl {
			sql += ` AND NOT EXISTS (SELECT 1 FROM disrupted_shipments ds WHERE ds.shipment_id = s.id)`
		}
		var n int64
		if err := pool.QueryRow(ctx, sql, month.From, month.To).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const delivered = `SELECT count(*) FROM shipments s WHERE s.delivered_at >= $1 AND s.delivered_at < $2`
	const onTime = delivered + ` AND s.delivered_at <= s.promised_at`
	const created = `SELECT count(*) FROM shipments s WHERE s.created_at >= $1 AND s.created_at < $2`
	const filed = `SELECT count(*) FROM complaints c JOIN shipments s ON s.id = c.shipment_id WHERE c.created_at >= $1 AND c.created_at < $2`
	if all, kept := count(delivered, false), count(delivered, true); kept >= all || kept == 0 {
		t.Fatalf("fixture: %d delivered, %d not disrupted: the disruption must take some and leave some", all, kept)
	}
	for _, mode := range []string{"live", "rollup"} {
		if mode == "rollup" {
			if _, err := st.Refresh(ctx, shipments.DefaultZone, now); err != nil {
				t.Fatal(err)
			}
		}
		for _, excl := range []bool{false, true} {
			f := reports.Filter{ExcludeDisrupted: excl}
			sum, err := st.Summary(ctx, month, f)
			if err != nil {
				t.Fatal(err)
			}
			c := sum.Current
			if want := count(delivered, excl); c.Delivered != want {
				t.Errorf("%s, exclude %v: delivered %d, want %d", mode, excl, c.Delivered, want)
			}
			if want := count(onTime, excl); c.OnTime != want {
				t.Errorf("%s, exclude %v: on time %d, want %d", mode, excl, c.OnTime, want)
			}
			if want := count(created, excl); c.Created != want {
				t.Errorf("%s, exclude %v: created %d, want %d", mode, excl, c.Created, want)
			}
			cs, err := st.Complaints(ctx, month, f)
			if err != nil {
				t.Fatal(err)
			}
			if want := count(filed, excl); cs.Total.Filed != want {
				t.Errorf("%s, exclude %v: complaints %d, want %d", mode, excl, cs.Total.Filed, want)
			}
		}
	}
}
