//go:build load

package care_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/care"
	"lcrm/internal/testdb"
)

// TestBigSlowSignoffs measures the slow sign-off detector at 1,000,000 shipments
// (LCRM_LOAD_SIZE to change) of which 0.5% are at risk: 95% delivered, 4.5% on the
// road and on time, 0.5% late (out for delivery 6 hours, at the station 30 hours, or 2 hours
// past the promise). It times the first run (flags and apologies for every late parcel)
// and the second (nothing new), and logs the scan's plan. Run:
//
//	go test -tags load ./care -run TestBigSlowSignoffs -v -timeout 30m
func TestBigSlowSignoffs(t *testing.T) {
	n := testdb.LoadSize(1_000_000)
	f := newFixture(t)
	ctx := context.Background()
	start := time.Now()
	f.exec(`INSERT INTO shippers (code, name, tier, phone)
		SELECT 'S' || i, '商户' || i, CASE WHEN i % 10 = 0 THEN 'key' WHEN i % 3 = 0 THEN 'small' ELSE 'regular' END,
		       '+8613900' || lpad(i::text, 5, '0')
		FROM generate_series(1, 200) i`)
	f.exec(`INSERT INTO consignees (name, phone) SELECT '客户' || i, '+86138' || lpad(i::text, 8, '0') FROM generate_series(1, 100000) i`)
	// k = i % 1000 picks the parcel's fate: < 950 delivered, < 995 on the road and on
	// time, 995-996 out for delivery 6 h, 997 at the station 30 h, 998-999 past the promise.
	f.exec(`INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city, dest_city, weight_g,
		promised_at, status, created_at, arrived_at_station_at, out_for_delivery_at, delivered_at, signed_at)
		SELECT 'SD' || lpad(i::text, 12, '0'), 1 + i % 200, 1 + i % 100000,
		       CASE WHEN k >= 995 THEN 'standard' WHEN i % 3 = 0 THEN 'express' WHEN i % 3 = 1 THEN 'standard' ELSE 'same_day' END,
		       '杭州', '北京', 1000,
		       CASE WHEN k < 950 THEN c + interval '3 days' WHEN k >= 998 THEN $1::timestamptz - interval '2 hours' ELSE $1::timestamptz + interval '1 day' END,
		       CASE WHEN k < 950 THEN 'delivered' WHEN k < 970 OR k IN (995, 996) THEN 'out_for_delivery'
		            WHEN k = 997 THEN 'arrived_at_station' ELSE 'in_transit' END,
		       c,
		       CASE WHEN k < 950 THEN c + interval '20 hours' WHEN k < 970 THEN $1::timestamptz - interval '5 hours'
		            WHEN k IN (995, 996) THEN $1::timestamptz - interval '8 hours' WHEN k = 997 THEN $1::timestamptz - interval '30 hours' END,
		       CASE WHEN k < 950 THEN c + interval '22 hours' WHEN k < 970 THEN $1::timestamptz - interval '30 minutes'
		            WHEN k IN (995, 996) THEN $1::timestamptz - interval '6 hours' END,
		       CASE WHEN k < 950 THEN c + interval '24 hours' END,
		       CASE WHEN k < 950 THEN c + interval '24 hours' END
		FROM (SELECT i, i % 1000 AS k,
		             CASE WHEN i % 1000 < 950 THEN $1::timestamptz - (1 + i % 90) * interval '1 day' - (i % 1440) * interval '1 minute'
		                  ELSE $1::timestamptz - interval '40 hours' END AS c
		      FROM generate_series(1, $2::int) i) g`, now, n)
	f.exec(`ANALYZE`)
	t.Logf("built %d shipments in %v", n, time.Since(start).Round(time.Millisecond))

	// explain returns the scan's EXPLAIN ANALYZE with jit on or off (the job turns it off).
	// With costs shown the plan ends with the JIT summary (PostgreSQL hides it under COSTS OFF).
	explain := func(jit string) []string {
		var plan []string
		err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL jit = `+jit); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+care.CandidatesSQL, now)
			if err != nil {
				return err
			}
			plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return plan
	}
	summary := func(plan []string) string {
		for i, l := range plan {
			if strings.HasPrefix(strings.TrimSpace(l), "Planning") {
				return strings.Join(plan[i:], "\n")
			}
		}
		return ""
	}
	t.Logf("candidate scan with jit on (PostgreSQL's default), summary:\n%s", summary(explain("on")))
	plan := explain("off")
	t.Logf("candidate scan before the first run (jit off, as the job runs it):\n%s", strings.Join(plan, "\n"))
	for run := 1; run <= 2; run++ {
		start := time.Now()
		res, err := care.FlagSlowSignoffs(ctx, f.deps, now)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("run %d: %v, %+v", run, time.Since(start).Round(time.Millisecond), res)
		if run == 1 && res.Flagged != n/1000*5 {
			t.Errorf("flagged %d, want %d", res.Flagged, n/1000*5)
		}
		if run == 2 && res != (care.SignoffResult{}) {
			t.Errorf("second run did something: %+v", res)
		}
	}
	plan = explain("off")
	defer func() {
		// The survey job's scan a year on: every parcel delivered before the last 3 days has
		// its care_sent row, 30% of them a survey answer.
		f.exec(`INSERT INTO care_sent (kind, subject_id, message_id, at)
			SELECT 'survey', id, 0, delivered_at FROM shipments WHERE delivered_at < $1::timestamptz - interval '3 days'`, now)
		f.exec(`INSERT INTO surveys (shipment_id, consignee_id, csat, nps)
			SELECT id, consignee_id, 5, 10 FROM shipments WHERE delivered_at < $1::timestamptz - interval '3 days' AND id % 10 < 3`, now)
		f.exec(`ANALYZE`)
		for _, jit := range []string{"on", "off"} {
			var plan []string
			err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
				tx.Exec(ctx, `SET LOCAL jit = `+jit)
				rows, err := tx.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+care.SurveysSQL, now.Add(-72*time.Hour), now)
				if err != nil {
					return err
				}
				plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("survey scan, jit %s:\n%s", jit, strings.Join(plan, "\n"))
		}
	}()
	t.Logf("candidate scan after the runs:\n%s", strings.Join(plan, "\n"))
}
