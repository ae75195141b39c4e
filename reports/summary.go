package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tiles are the headline KPIs of one period (see Definitions for each).
type Tiles struct {
	Counts
	LagP90     *time.Duration // sign-off lag, 90th percentile
	CSATMean   *float64       // mean CSAT (1-5), nil without surveys
	Promoters  int64          // surveys answering NPS 9-10
	Detractors int64          // surveys answering NPS 0-6
	// Surveys and satisfied answers of shipments delivered on time and late.
	SurveysOnTime, SatisfiedOnTime int64
	SurveysLate, SatisfiedLate     int64
}

// NPS is % promoters − % detractors (−100..100), nil without surveys.
func (t Tiles) NPS() *float64 {
	if t.Surveys == 0 {
		return nil
	}
	v := 100 * float64(t.Promoters-t.Detractors) / float64(t.Surveys)
	return &v
}

// CSATOnTime is the CSAT 4-5 share of surveys of on-time deliveries.
func (t Tiles) CSATOnTime() *float64 { return ratio(t.SatisfiedOnTime, t.SurveysOnTime) }

// CSATLate is the CSAT 4-5 share of surveys of late deliveries.
func (t Tiles) CSATLate() *float64 { return ratio(t.SatisfiedLate, t.SurveysLate) }

// Summary is the dashboard's tiles for a period and for the previous period of equal
// length, for the "change" figures.
type Summary struct {
	Period, PreviousPeriod Period
	Current, Previous      Tiles
}

// summarySQL computes the tiles of [$1, $2); %s is the filter.
const summarySQL = `
WITH d AS (
    SELECT s.delivered_at <= s.promised_at AS on_time,
           EXTRACT(EPOCH FROM s.delivered_at - s.out_for_delivery_at)::float8 AS lag,
           v.csat, v.nps
    FROM shipments s LEFT JOIN surveys v ON v.shipment_id = s.id
    WHERE s.delivered_at >= $1 AND s.delivered_at < $2 %[1]s
)
SELECT (SELECT count(*) FROM shipments s WHERE s.created_at >= $1 AND s.created_at < $2 %[1]s),
       count(*), count(*) FILTER (WHERE on_time),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY lag),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY lag),
       count(csat), count(*) FILTER (WHERE csat >= 4), avg(csat)::float8,
       count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6),
       count(csat) FILTER (WHERE on_time), count(*) FILTER (WHERE on_time AND csat >= 4),
       count(csat) FILTER (WHERE NOT on_time), count(*) FILTER (WHERE NOT on_time AND csat >= 4)
FROM d`

// Summary returns the tiles of p and of p.Previous() under f, in one round trip.
func (st *Store) Summary(ctx context.Context, p Period, f Filter) (*Summary, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	sum := &Summary{Period: p, PreviousPeriod: p.Previous()}
	var b pgx.Batch
	for _, q := range []struct {
		p Period
		t *Tiles
	}{{sum.Period, &sum.Current}, {sum.PreviousPeriod, &sum.Previous}} {
		cond, args := filterSQL(f, []any{q.p.From, q.p.To})
		t := q.t
		b.Queue(fmt.Sprintf(summarySQL, cond), args...).QueryRow(func(row pgx.Row) error {
			var med, p90 *float64
			err := row.Scan(&t.Created, &t.Delivered, &t.OnTime, &med, &p90, &t.Surveys,
				&t.Satisfied, &t.CSATMean, &t.Promoters, &t.Detractors,
				&t.SurveysOnTime, &t.SatisfiedOnTime, &t.SurveysLate, &t.SatisfiedLate)
			t.LagMedian, t.LagP90 = seconds(med), seconds(p90)
			return err
		})
	}
	if err := st.pool.SendBatch(ctx, &b).Close(); err != nil {
		return nil, fmt.Errorf("reports: summary: %w", err)
	}
	return sum, nil
}

// Tile is one headline KPI as the dashboard and the workbook show it: the value in the
// period, in the previous period, and the change. Durations are in seconds, rates are
// fractions (0.953 = 95.3 %), so Change of a rate is in fractions (percentage points/100).
type Tile struct {
	Name                    string // as in Definitions
	Unit                    string // count, %, duration, score
	Current, Previous, Diff *float64
}

// Tiles lists the headline KPIs of s in display order.
func (s *Summary) Tiles() []Tile {
	c, p := s.Current, s.Previous
	num := func(v int64) *float64 { f := float64(v); return &f }
	dur := func(d *time.Duration) *float64 {
		if d == nil {
			return nil
		}
		f := d.Seconds()
		return &f
	}
	tile := func(name, unit string, cur, prev *float64) Tile {
		return Tile{Name: name, Unit: unit, Current: cur, Previous: prev, Diff: Change(cur, prev)}
	}
	return []Tile{
		tile("Created", "count", num(c.Created), num(p.Created)),
		tile("Delivered", "count", num(c.Delivered), num(p.Delivered)),
		tile("On-time rate", "%", c.OnTimeRate(), p.OnTimeRate()),
		tile("Sign-off lag median", "duration", dur(c.LagMedian), dur(p.LagMedian)),
		tile("Sign-off lag p90", "duration", dur(c.LagP90), dur(p.LagP90)),
		tile("Surveys", "count", num(c.Surveys), num(p.Surveys)),
		tile("Survey response rate", "%", c.ResponseRate(), p.ResponseRate()),
		tile("CSAT (4–5 share)", "%", c.CSATShare(), p.CSATShare()),
		tile("CSAT mean", "score", c.CSATMean, p.CSATMean),
		tile("NPS", "score", c.NPS(), p.NPS()),
		tile("CSAT on time", "%", c.CSATOnTime(), p.CSATOnTime()),
		tile("CSAT late", "%", c.CSATLate(), p.CSATLate()),
	}
}
