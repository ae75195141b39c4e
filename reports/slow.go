package reports

import (
	"context"
	"fmt"
	"time"
)

// slowCountSQL counts the shipments delivered in [$1, $2) that were flagged as slow.
const slowCountSQL = `
SELECT count(*) FROM shipments s
WHERE s.delivered_at >= $1 AND s.delivered_at < $2
  AND EXISTS (SELECT 1 FROM slow_signoffs w WHERE w.shipment_id = s.id) %s`

// slowSignoffCount is the Slow sign-offs KPI of p under f.
func (st *Store) slowSignoffCount(ctx context.Context, p Period, f Filter) (int64, error) {
	cond, args := filterSQL(f, []any{p.From, p.To})
	var n int64
	if err := st.pool.QueryRow(ctx, fmt.Sprintf(slowCountSQL, cond), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("reports: slow sign-offs: %w", err)
	}
	return n, nil
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
