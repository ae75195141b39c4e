package reports

import (
	"context"
	"time"
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
	// SlowSignoffs are the delivered shipments the slow sign-off detector had flagged.
	SlowSignoffs int64
}

// SlowSignoffRate is SlowSignoffs / Delivered, nil when nothing was delivered.
func (t Tiles) SlowSignoffRate() *float64 { return ratio(t.SlowSignoffs, t.Delivered) }

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

// Summary returns the tiles of p and of p.Previous() under f.
func (st *Store) Summary(ctx context.Context, p Period, f Filter) (*Summary, error) {
	d, err := st.dashboard(ctx, p, f, true, byTotal)
	if err != nil {
		return nil, err
	}
	return d.Summary, nil
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
		tile("Slow sign-offs", "count", num(c.SlowSignoffs), num(p.SlowSignoffs)),
		tile("Slow sign-off rate", "%", c.SlowSignoffRate(), p.SlowSignoffRate()),
		tile("Surveys", "count", num(c.Surveys), num(p.Surveys)),
		tile("Survey response rate", "%", c.ResponseRate(), p.ResponseRate()),
		tile("CSAT (4–5 share)", "%", c.CSATShare(), p.CSATShare()),
		tile("CSAT mean", "score", c.CSATMean, p.CSATMean),
		tile("NPS", "score", c.NPS(), p.NPS()),
		tile("CSAT on time", "%", c.CSATOnTime(), p.CSATOnTime()),
		tile("CSAT late", "%", c.CSATLate(), p.CSATLate()),
	}
}
