package shipments

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// estimateJoin is joined into detailSQL: for a parcel on the road, the quantiles from its
// latest milestone on the most specific key with at least MinEstimateParcels parcels
// (lane, then provinces, then service level; Model.Lookup is the same rule in Go). It is
// three primary-key lookups, inside the tracking read's one round trip. A province key
// with an empty side never matches: the refresh learns none (Keys).
var estimateJoin = `
LEFT JOIN LATERAL (
    SELECT CASE WHEN s.out_for_delivery_at IS NOT NULL THEN 'out_for_delivery'
        WHEN s.arrived_at_station_at IS NOT NULL THEN 'arrived_at_station'
        WHEN s.picked_up_at IS NOT NULL THEN 'picked_up' ELSE 'created' END AS milestone,
        (SELECT cp.province FROM city_provinces cp WHERE cp.city = s.origin_city) AS origin_province
    WHERE s.delivered_at IS NULL AND s.status NOT IN ('delivered', 'returned')
) open ON true
LEFT JOIN LATERAL (
    SELECT b.basis, b.milestone, b.n, b.p10_s, b.p50_s, b.p90_s FROM (
        SELECT 0 pri, q.* FROM estimate_quantiles q
        WHERE (q.service_level, q.milestone, q.basis, q.origin, q.dest) = (s.service_level, open.milestone, 'lane', s.origin_city, s.dest_city)
        UNION ALL
        SELECT 1, q.* FROM estimate_quantiles q
        WHERE (q.service_level, q.milestone, q.basis, q.origin, q.dest) = (s.service_level, open.milestone, 'province', open.origin_province, s.dest_province)
        UNION ALL
        SELECT 2, q.* FROM estimate_quantiles q
        WHERE (q.service_level, q.milestone, q.basis, q.origin, q.dest) = (s.service_level, open.milestone, 'service', '', '')
    ) b
    WHERE b.n >= ` + strconv.Itoa(MinEstimateParcels) + `
    ORDER BY b.pri LIMIT 1
) est ON true`

// estimateRow is the nullable model columns of detailSQL.
type estimateRow struct {
	basis, milestone *string
	n                *int64
	p10, p50, p90    *int32
}

// model turns the joined row into an EstimateModel (nil when nothing was joined).
func (r estimateRow) model() *EstimateModel {
	if r.basis == nil || r.milestone == nil || r.n == nil || r.p10 == nil || r.p50 == nil || r.p90 == nil {
		return nil
	}
	sec := func(v *int32) time.Duration { return time.Duration(*v) * time.Second }
	return &EstimateModel{Basis: Basis(*r.basis), Milestone: Milestone(*r.milestone),
		Quantiles: Quantiles{N: *r.n, P10: sec(r.p10), P50: sec(r.p50), P90: sec(r.p90)}}
}

// foldSQL marks delivered shipments folded (each once, ever) and returns what the model
// learns from the newly marked ones. %s is the filter on s.
const foldSQL = `
WITH f AS (
    INSERT INTO estimate_folded (shipment_id)
    SELECT s.id FROM shipments s WHERE s.delivered_at IS NOT NULL %s
    ON CONFLICT DO NOTHING RETURNING shipment_id
)
SELECT s.service_level, s.origin_city, coalesce(cp.province, ''), s.dest_city, s.dest_province,
    s.created_at, s.picked_up_at, s.arrived_at_station_at, s.out_for_delivery_at, s.delivered_at, s.promised_at
FROM f JOIN shipments s ON s.id = f.shipment_id
LEFT JOIN city_provinces cp ON cp.city = s.origin_city`

// scanDeliveries reads rows of foldSQL (and of deliveriesSQL).
func scanDeliveries(rows pgx.Rows) ([]Delivery, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) {
		var d Delivery
		err := r.Scan(&d.ServiceLevel, &d.OriginCity, &d.OriginProvince, &d.DestCity, &d.DestProvince,
			&d.CreatedAt, &d.PickedUpAt, &d.ArrivedAtStation, &d.OutForDeliveryAt, &d.DeliveredAt, &d.PromisedAt)
		return d, err
	})
}

// RefreshEstimates folds the deliveries not yet learned from into the estimate's
// histograms and recomputes the quantiles of the keys they touch, as of now (the job's
// instant from the one clock).
// The first run reads every delivered shipment once; every later run reads only the
// shipments whose delivery the status-change feed has recorded since (ConsumerEstimate),
// so no run after the first scans the history. It returns how many deliveries it folded.
func (st *Store) RefreshEstimates(ctx context.Context, now time.Time) (int, error) {
	total := 0
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		// One refresh at a time: two would fold disjoint parcels but race on the quantiles.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('lcrm.estimate.rebuild'))`); err != nil {
			return err
		}
		var built bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM estimate_state)`).Scan(&built); err != nil {
			return err
		}
		if built {
			return nil
		}
		n, err := foldInto(ctx, tx, fmt.Sprintf(foldSQL, ""), nil, now)
		total += n
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO estimate_state (rebuilt_at, refreshed_at) VALUES ($1, $1)`, now)
		return err
	})
	if err != nil {
		return total, fmt.Errorf("shipments: refresh estimates: rebuild: %w", err)
	}
	for {
		k, err := st.HandOnStatusChanges(ctx, ConsumerEstimate, 1000, func(ctx context.Context, tx pgx.Tx, changes []StatusChange) error {
			var ids []int64
			for _, c := range changes {
				if c.To == Delivered {
					ids = append(ids, c.ShipmentID)
				}
			}
			if len(ids) == 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('lcrm.estimate.rebuild'))`); err != nil {
				return err
			}
			n, err := foldInto(ctx, tx, fmt.Sprintf(foldSQL, "AND s.id = ANY($1)"), []any{ids}, now)
			total += n
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE estimate_state SET refreshed_at = $1`, now)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("shipments: refresh estimates: %w", err)
		}
		if k == 0 {
			return total, nil
		}
	}
}

// foldInto runs a foldSQL query, adds what it returns to the bucket counts and recomputes
// the quantiles of every key and milestone it touched.
func foldInto(ctx context.Context, tx pgx.Tx, query string, args []any, now time.Time) (int, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	ds, err := scanDeliveries(rows)
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	hs := map[LaneKey]map[Milestone]Histogram{}
	for _, d := range ds {
		Fold(hs, d)
	}
	var basis, origin, dest, level, ms []string
	var bucket []int32
	var count []int64
	for k, byM := range hs {
		for m, h := range byM {
			for b, c := range h {
				basis, origin, dest, level, ms = append(basis, string(k.Basis)), append(origin, k.Origin), append(dest, k.Dest), append(level, string(k.ServiceLevel)), append(ms, string(m))
				bucket, count = append(bucket, int32(b)), append(count, c)
			}
		}
	}
	if _, err := tx.Exec(ctx, `
INSERT INTO estimate_buckets (basis, origin, dest, service_level, milestone, bucket, n)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[])
ON CONFLICT (basis, origin, dest, service_level, milestone, bucket) DO UPDATE SET n = estimate_buckets.n + EXCLUDED.n`,
		basis, origin, dest, level, ms, bucket, count); err != nil {
		return 0, err
	}
	return len(ds), recompute(ctx, tx, hs, now)
}

// recompute reads the whole histogram of every key and milestone in touched and writes
// their quantiles.
func recompute(ctx context.Context, tx pgx.Tx, touched map[LaneKey]map[Milestone]Histogram, now time.Time) error {
	var basis, origin, dest, level []string
	for k := range touched {
		basis, origin, dest, level = append(basis, string(k.Basis)), append(origin, k.Origin), append(dest, k.Dest), append(level, string(k.ServiceLevel))
	}
	rows, err := tx.Query(ctx, `
SELECT b.basis, b.origin, b.dest, b.service_level, b.milestone, b.bucket, b.n
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) t(basis, origin, dest, service_level)
JOIN estimate_buckets b USING (basis, origin, dest, service_level)`, basis, origin, dest, level)
	if err != nil {
		return err
	}
	full := map[LaneKey]map[Milestone]Histogram{}
	var k LaneKey
	var m Milestone
	var b int
	var c int64
	_, err = pgx.ForEachRow(rows, []any{&k.Basis, &k.Origin, &k.Dest, &k.ServiceLevel, &m, &b, &c}, func() error {
		if full[k] == nil {
			full[k] = map[Milestone]Histogram{}
		}
		if full[k][m] == nil {
			full[k][m] = Histogram{}
		}
		full[k][m][b] += c
		return nil
	})
	if err != nil {
		return err
	}
	basis, origin, dest, level = basis[:0], origin[:0], dest[:0], level[:0]
	var ms []string
	var n []int64
	var p10, p50, p90 []int32
	for k, byM := range full {
		for m, h := range byM {
			q := h.Quantiles()
			basis, origin, dest, level, ms = append(basis, string(k.Basis)), append(origin, k.Origin), append(dest, k.Dest), append(level, string(k.ServiceLevel)), append(ms, string(m))
			n = append(n, q.N)
			p10, p50, p90 = append(p10, int32(q.P10/time.Second)), append(p50, int32(q.P50/time.Second)), append(p90, int32(q.P90/time.Second))
		}
	}
	_, err = tx.Exec(ctx, `
INSERT INTO estimate_quantiles (basis, origin, dest, service_level, milestone, n, p10_s, p50_s, p90_s, refreshed_at)
SELECT t.*, $10::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::int[], $9::int[]) t
ON CONFLICT (service_level, milestone, basis, origin, dest) DO UPDATE
SET n = EXCLUDED.n, p10_s = EXCLUDED.p10_s, p50_s = EXCLUDED.p50_s, p90_s = EXCLUDED.p90_s, refreshed_at = EXCLUDED.refreshed_at`,
		basis, origin, dest, level, ms, n, p10, p50, p90, now)
	return err
}

// deliveriesSQL reads every delivered shipment as the model learns from it, oldest
// delivery first: the backtest's input.
const deliveriesSQL = `
SELECT s.service_level, s.origin_city, coalesce(cp.province, ''), s.dest_city, s.dest_province,
    s.created_at, s.picked_up_at, s.arrived_at_station_at, s.out_for_delivery_at, s.delivered_at, s.promised_at
FROM shipments s LEFT JOIN city_provinces cp ON cp.city = s.origin_city
WHERE s.delivered_at IS NOT NULL
ORDER BY s.delivered_at, s.id`

// Deliveries returns every delivered shipment, oldest delivery first, for the backtest
// (a full scan: a command, never a request).
func (st *Store) Deliveries(ctx context.Context) ([]Delivery, error) {
	rows, err := st.pool.Query(ctx, deliveriesSQL)
	if err != nil {
		return nil, fmt.Errorf("shipments: deliveries: %w", err)
	}
	ds, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("shipments: deliveries: %w", err)
	}
	return ds, nil
}
