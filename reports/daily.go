package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Day is one local day of the trend: shipments created that day, and the delivery
// figures of shipments delivered that day.
type Day struct {
	Date time.Time // local midnight in the period's zone
	Counts
	LagP90 *time.Duration
}

// dailySQL buckets [$1, $2) into local days of zone $3; %s is the filter. Days without
// any shipment still get a row, so a chart's axis has no gaps.
const dailySQL = `
WITH days AS (
    SELECT generate_series(($1::timestamptz AT TIME ZONE $3)::date,
                           (($2::timestamptz - interval '1 microsecond') AT TIME ZONE $3)::date,
                           interval '1 day')::date AS day
), c AS (
    SELECT (s.created_at AT TIME ZONE $3)::date AS day, count(*) AS created
    FROM shipments s
    WHERE s.created_at >= $1 AND s.created_at < $2 %[1]s
    GROUP BY 1
), d AS (
    SELECT (s.delivered_at AT TIME ZONE $3)::date AS day, count(*) AS delivered,
           count(*) FILTER (WHERE s.delivered_at <= s.promised_at) AS on_time,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.delivered_at - s.out_for_delivery_at)::float8) AS lag50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.delivered_at - s.out_for_delivery_at)::float8) AS lag90,
           count(v.csat) AS surveys, count(*) FILTER (WHERE v.csat >= 4) AS satisfied
    FROM shipments s LEFT JOIN surveys v ON v.shipment_id = s.id
    WHERE s.delivered_at >= $1 AND s.delivered_at < $2 %[1]s
    GROUP BY 1
)
SELECT days.day::text, COALESCE(c.created, 0), COALESCE(d.delivered, 0), COALESCE(d.on_time, 0),
       d.lag50, d.lag90, COALESCE(d.surveys, 0), COALESCE(d.satisfied, 0)
FROM days LEFT JOIN c USING (day) LEFT JOIN d USING (day)
ORDER BY days.day`

// Daily returns one row per local day of p (in p's zone) under f.
func (st *Store) Daily(ctx context.Context, p Period, f Filter) ([]Day, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	cond, args := filterSQL(f, []any{p.From, p.To, p.zoneName()})
	zone := p.zone()
	return collect(ctx, st.pool, "daily", fmt.Sprintf(dailySQL, cond), args, func(rows pgx.Rows) (Day, error) {
		var d Day
		var day string
		var med, p90 *float64
		err := rows.Scan(&day, &d.Created, &d.Delivered, &d.OnTime, &med, &p90, &d.Surveys, &d.Satisfied)
		if err != nil {
			return d, err
		}
		d.Date, err = time.ParseInLocation(time.DateOnly, day, zone)
		d.LagMedian, d.LagP90 = seconds(med), seconds(p90)
		return d, err
	})
}
