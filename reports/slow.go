package reports

import (
	"context"
	"fmt"
	"time"
)

// slowCountSQL counts the shipments delivered in the period [$2, $3) and the previous
// period [$1, $4) that were flagged as slow. It starts from the flags (a small
// share of shipments) rather than from a period's deliveries.
const slowCountSQL = `
SELECT count(*) FILTER (WHERE s.delivered_at >= $2), count(*) FILTER (WHERE s.delivered_at < $2)
FROM shipments s
WHERE s.id IN (SELECT shipment_id FROM slow_signoffs)
  AND s.delivered_at >= $1 AND s.delivered_at < $3
  AND (s.delivered_at >= $2 OR s.delivered_at < $4) %s`

// slowSignoffCounts is the Slow sign-offs KPI of p and of its previous period under f.
func (st *Store) slowSignoffCounts(ctx context.Context, p Period, f Filter) (cur, prev int64, err error) {
	pp := p.Previous()
	cond, args := filterSQL(f, []any{pp.From, p.From, p.To, pp.To})
	if err := st.pool.QueryRow(ctx, fmt.Sprintf(slowCountSQL, cond), args...).Scan(&cur, &prev); err != nil {
		return 0, 0, fmt.Errorf("reports: slow sign-offs: %w", err)
	}
	return cur, prev, nil
}

// SlowSignoff is one delivered shipment the slow sign-off detector had flagged, with its
// first flag.
type SlowSignoff struct {
	TrackingNo   string
	ShipperName  string
	ServiceLevel string
	DestProvince string
	Reason       string // out_for_delivery, at_station, past_promise (of the first flag)
	FlaggedAt    time.Time
	Lag          time.Duration // flagged_at − since of the first flag
	Flags        int64         // rows in slow_signoffs
	DeliveredAt  time.Time
	OnTime       bool
}

// slowListSQL lists the flagged shipments delivered in [$1, $2), in delivery order.
const slowListSQL = `
SELECT s.tracking_no, sh.name, s.service_level, s.dest_province, w.reason, w.flagged_at,
       EXTRACT(EPOCH FROM w.lag)::float8, w.flags, s.delivered_at, s.delivered_at <= s.promised_at
FROM shipments s
JOIN shippers sh ON sh.id = s.shipper_id
JOIN LATERAL (SELECT x.reason, x.flagged_at, x.lag, count(*) OVER () AS flags FROM slow_signoffs x
              WHERE x.shipment_id = s.id ORDER BY x.flagged_at, x.id LIMIT 1) w ON true
WHERE s.delivered_at >= $1 AND s.delivered_at < $2 %s
ORDER BY s.delivered_at, s.id`

// SlowSignoffs calls fn for every delivered shipment of p under f that was flagged as a
// slow sign-off, in delivery order, streaming from the database. An error from fn stops
// the stream and is returned.
func (st *Store) SlowSignoffs(ctx context.Context, p Period, f Filter, fn func(SlowSignoff) error) error {
	if err := p.check(); err != nil {
		return err
	}
	cond, args := filterSQL(f, []any{p.From, p.To})
	rows, err := st.pool.Query(ctx, fmt.Sprintf(slowListSQL, cond), args...)
	if err != nil {
		return fmt.Errorf("reports: slow sign-off list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r SlowSignoff
		var lag float64
		if err := rows.Scan(&r.TrackingNo, &r.ShipperName, &r.ServiceLevel, &r.DestProvince, &r.Reason,
			&r.FlaggedAt, &lag, &r.Flags, &r.DeliveredAt, &r.OnTime); err != nil {
			return fmt.Errorf("reports: slow sign-off list: scan: %w", err)
		}
		r.Lag = time.Duration(lag * float64(time.Second)).Round(time.Second)
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reports: slow sign-off list: %w", err)
	}
	return nil
}
