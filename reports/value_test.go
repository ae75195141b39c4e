package reports_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/reports"
)

// valueOracle is one shipper's value recomputed in Go from the raw rows.
type valueOracle struct {
	shipments, delivered, surveys, satisfied int64
	revenue, cost, unknown, comp, complaints int64
}

// readValueOracle reads shipments, surveys and complaints with plain SELECTs and adds
// them up per shipper for p, following the written definitions.
func readValueOracle(t *testing.T, pool *pgxpool.Pool, p reports.Period) map[int64]*valueOracle {
	t.Helper()
	ctx := context.Background()
	out := map[int64]*valueOracle{}
	get := func(id int64) *valueOracle {
		if out[id] == nil {
			out[id] = &valueOracle{}
		}
		return out[id]
	}
	rows, err := pool.Query(ctx, `SELECT s.shipper_id, s.created_at, s.delivered_at, s.freight_fen, s.surcharge_fen,
	    s.cost_fen, v.csat FROM shipments s LEFT JOIN surveys v ON v.shipment_id = s.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var created time.Time
		var delivered *time.Time
		var freight, surcharge, cost *int64
		var csat *int
		if err := rows.Scan(&id, &created, &delivered, &freight, &surcharge, &cost, &csat); err != nil {
			t.Fatal(err)
		}
		o := get(id)
		if in(created, p.From, p.To) {
			o.shipments++
			if freight != nil {
				o.revenue += *freight
			}
			if surcharge != nil {
				o.revenue += *surcharge
			}
			if cost != nil {
				o.cost += *cost
			} else {
				o.unknown++
			}
		}
		if delivered != nil && in(*delivered, p.From, p.To) {
			o.delivered++
			if csat != nil {
				o.surveys++
				if *csat >= 4 {
					o.satisfied++
				}
			}
		}
	}
	rows, err = pool.Query(ctx, `SELECT shipper_id, created_at, resolved_at, compensation_fen FROM complaints`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, comp int64
		var created time.Time
		var resolved *time.Time
		if err := rows.Scan(&id, &created, &resolved, &comp); err != nil {
			t.Fatal(err)
		}
		if in(created, p.From, p.To) {
			get(id).complaints++
		}
		if resolved != nil && in(*resolved, p.From, p.To) {
			get(id).comp += comp
		}
	}
	return out
}

// checkValue compares Value with the oracle for every shipper, and returns the report.
func checkValue(t *testing.T, st *reports.Store, pool *pgxpool.Pool, p reports.Period, what string) *reports.Value {
	t.Helper()
	v, err := st.Value(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	want := readValueOracle(t, pool, p)
	var total int64
	for _, s := range v.Shippers {
		w := want[s.ShipperID]
		if w == nil {
			w = &valueOracle{}
		}
		got := valueOracle{s.Shipments, s.Delivered, s.Surveys, s.Satisfied, s.RevenueFen, s.CostFen, s.UnknownCost,
			s.CompensationFen, s.Complaints}
		if got != *w {
			t.Errorf("%s: %s = %+v, oracle %+v", what, s.Code, got, *w)
		}
		if s.MarginFen() != w.revenue-w.cost-w.comp {
			t.Errorf("%s: %s margin %d", what, s.Code, s.MarginFen())
		}
		total += s.RevenueFen
		delete(want, s.ShipperID)
	}
	for id, w := range want {
		if w.shipments+w.delivered+w.complaints+w.comp > 0 {
			t.Errorf("%s: shipper %d missing (%+v)", what, id, *w)
		}
	}
	if total != v.RevenueFen {
		t.Errorf("%s: total revenue %d, shippers add to %d", what, v.RevenueFen, total)
	}
	return v
}

// TestValueAgainstRaw computes every value figure against the raw rows: live (no
// rollup), from the rollup, after a charge changes (its day is read live again until the
// next refresh), including the demo's shipper without charges and a compensation larger
// than a month's revenue (negative margin).
func TestValueAgainstRaw(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 1500, true)
	st := reports.NewStore(pool)
	month := reports.Period{From: day(2026, 10, 1), To: day(2026, 11, 1)}
	year := reports.Period{From: day(2025, 11, 22), To: day(2026, 11, 22)}
	// Complaints: a small compensation on one parcel of each of a few shippers, and on the
	// busiest shipper of October a refund larger than its October revenue.
	var big, bigRevenue int64
	if err := pool.QueryRow(ctx, `SELECT shipper_id, sum(freight_fen + COALESCE(surcharge_fen, 0))::bigint FROM shipments
	    WHERE created_at >= $1 AND created_at < $2 AND freight_fen IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
		month.From, month.To).Scan(&big, &bigRevenue); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
INSERT INTO complaints (ref, shipment_id, shipper_id, consignee_id, category, description, contact_phone, status,
    priority, first_response_due, resolution_due, clock_start, resolved_at, compensation_fen, created_at, updated_at)
SELECT 'VAL' || s.id, s.id, s.shipper_id, s.consignee_id, 'damaged', '破损', '+8613800138000', 'resolved', 'P2',
       s.created_at + interval '1 day', s.created_at + interval '3 days', s.created_at + interval '1 day',
       s.created_at + interval '2 days',
       CASE WHEN s.shipper_id = $1 AND s.id = (SELECT max(id) FROM shipments WHERE shipper_id = $1 AND created_at >= $3 AND created_at < $4::timestamptz - interval '3 days')
            THEN $2::bigint + 100000 ELSE 1000 + s.id % 5000 END,
       s.created_at + interval '1 day', s.created_at + interval '2 days'
FROM shipments s WHERE s.id % 37 = 0 OR s.id = (SELECT max(id) FROM shipments WHERE shipper_id = $1 AND created_at >= $3 AND created_at < $4::timestamptz - interval '3 days')`,
		big, bigRevenue, month.From, month.To); err != nil {
		t.Fatal(err)
	}
	v := checkValue(t, st, pool, month, "live month")
	if s := v.Shipper(big); s == nil || s.MarginFen() >= 0 || s.MarginPct() == nil || *s.MarginPct() >= -0.01 {
		t.Errorf("the refund bigger than a month's revenue: %+v", s)
	}
	var uncharged bool
	for _, s := range v.Shippers {
		if s.Shipments > 0 && s.Uncharged == s.Shipments {
			uncharged = true
			if s.RevenueFen != 0 || s.Class != "C" || s.MarginPct() != nil {
				t.Errorf("shipper without charges: %+v", s)
			}
		}
	}
	if !uncharged {
		t.Error("the demo has no shipper without charges in October")
	}
	checkValue(t, st, pool, year, "live year")
	refresh(t, st)
	checkValue(t, st, pool, month, "rollup month")
	checkValue(t, st, pool, year, "rollup year")
	// A charge corrected after the rollup: the day is marked and read live.
	if _, err := pool.Exec(ctx, `UPDATE shipments SET cost_fen = NULL, freight_fen = freight_fen + 777
	    WHERE id = (SELECT min(id) FROM shipments WHERE created_at >= $1 AND freight_fen IS NOT NULL AND cost_fen IS NOT NULL)`, month.From); err != nil {
		t.Fatal(err)
	}
	if pending(t, pool) == 0 {
		t.Fatal("a charge change left no change mark")
	}
	checkValue(t, st, pool, month, "after a charge change")
	refresh(t, st)
	checkValue(t, st, pool, month, "after the next refresh")
}

// TestChurnRevenueAgainstRaw checks the churn list's 90-day revenue and margin, and its
// order by revenue at risk, against the raw rows.
func TestChurnRevenueAgainstRaw(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 1500, false)
	st := reports.NewStore(pool)
	refresh(t, st)
	// Two shippers go quiet for the last 30 days of the demo: their recent parcels move
	// to another shipper (which marks those days), so both are at risk.
	end := day(2026, 11, 22)
	if _, err := pool.Exec(ctx, `
WITH top AS (SELECT shipper_id FROM shipments GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3)
UPDATE shipments SET shipper_id = (SELECT shipper_id FROM top ORDER BY 1 DESC LIMIT 1)
WHERE shipper_id IN (SELECT shipper_id FROM top ORDER BY 1 LIMIT 2) AND created_at >= $1`, end.AddDate(0, 0, -30)); err != nil {
		t.Fatal(err)
	}
	// A period ending at a local midnight (whole days from the rollup) and one ending mid-
	// afternoon (the days the boundaries cut are read live).
	for _, to := range []time.Time{end, end.Add(-9*time.Hour + 4*time.Minute)} {
		p := reports.Period{From: to.AddDate(0, 0, -7), To: to}
		got, err := st.ChurnRisk(ctx, p, reports.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < 2 {
			t.Fatalf("churn risk to %v = %d shippers, want at least the 2 gone quiet", to, len(got))
		}
		mid := to.AddDate(0, 0, -30)
		want := readValueOracle(t, pool, reports.Period{From: to.AddDate(0, 0, -90), To: to})
		last30 := readValueOracle(t, pool, reports.Period{From: mid, To: to})
		prev90 := readValueOracle(t, pool, reports.Period{From: mid.AddDate(0, 0, -90), To: mid})
		for i, c := range got {
			w := want[c.ShipperID]
			if c.Revenue90Fen != w.revenue || c.Margin90Fen != w.revenue-w.cost-w.comp {
				t.Errorf("to %v: %s: revenue %d margin %d, oracle %d %d", to, c.Code, c.Revenue90Fen, c.Margin90Fen, w.revenue, w.revenue-w.cost-w.comp)
			}
			if c.Last30 != last30[c.ShipperID].shipments || c.Prev90 != prev90[c.ShipperID].shipments {
				t.Errorf("to %v: %s: last 30 %d, previous 90 %d; oracle %d %d", to, c.Code, c.Last30, c.Prev90,
					last30[c.ShipperID].shipments, prev90[c.ShipperID].shipments)
			}
			if i > 0 && got[i-1].Revenue90Fen < c.Revenue90Fen {
				t.Errorf("not sorted by revenue at risk: %s before %s", got[i-1].Code, c.Code)
			}
		}
	}
}
