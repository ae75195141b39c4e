package reports_test

import (
	"context"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/reports"
)

// The oracle recomputes every KPI in Go from the raw rows, read back with plain SELECTs,
// so the tests never check the package's SQL against itself.

type rawSurvey struct {
	csat, nps int
	comment   string
}

type rawShipment struct {
	id, shipperID      int64
	tier, level, prov  string
	created, promised  time.Time
	outAt, deliveredAt *time.Time
	survey             *rawSurvey
}

type rawShipper struct {
	code, name, tier string
}

type raw struct {
	shipments []rawShipment
	shippers  map[int64]rawShipper
}

// byID indexes the shipments by id.
func (r *raw) byID() map[int64]*rawShipment {
	m := make(map[int64]*rawShipment, len(r.shipments))
	for i := range r.shipments {
		m[r.shipments[i].id] = &r.shipments[i]
	}
	return m
}

func readRaw(t *testing.T, pool *pgxpool.Pool) *raw {
	t.Helper()
	ctx := context.Background()
	r := &raw{shippers: map[int64]rawShipper{}}
	rows, err := pool.Query(ctx, `SELECT id, code, name, tier FROM shippers`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var s rawShipper
		if err := rows.Scan(&id, &s.code, &s.name, &s.tier); err != nil {
			t.Fatal(err)
		}
		r.shippers[id] = s
	}
	surveys := map[int64]*rawSurvey{}
	rows, err = pool.Query(ctx, `SELECT shipment_id, csat, nps, comment FROM surveys`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var s rawSurvey
		if err := rows.Scan(&id, &s.csat, &s.nps, &s.comment); err != nil {
			t.Fatal(err)
		}
		surveys[id] = &s
	}
	rows, err = pool.Query(ctx, `SELECT id, shipper_id, service_level, dest_province, created_at,
	       promised_at, out_for_delivery_at, delivered_at FROM shipments`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s rawShipment
		if err := rows.Scan(&s.id, &s.shipperID, &s.level, &s.prov, &s.created, &s.promised,
			&s.outAt, &s.deliveredAt); err != nil {
			t.Fatal(err)
		}
		s.tier = r.shippers[s.shipperID].tier
		s.survey = surveys[s.id]
		r.shipments = append(r.shipments, s)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return r
}

func (s *rawShipment) matches(f reports.Filter) bool {
	return (f.ShipperID == 0 || s.shipperID == f.ShipperID) && (f.Tier == "" || s.tier == f.Tier) &&
		(f.ServiceLevel == "" || s.level == f.ServiceLevel) && (f.DestProvince == "" || s.prov == f.DestProvince)
}

func in(t time.Time, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

// expected are the oracle's figures of one set of shipments.
type expected struct {
	created, delivered, onTime, surveys, satisfied int64
	csatSum, promoters, detractors                 int64
	svOnTime, satOnTime, svLate, satLate           int64
	lags                                           []float64
}

func (e *expected) addCreated() { e.created++ }

func (e *expected) addDelivered(s *rawShipment) {
	e.delivered++
	onTime := !s.deliveredAt.After(s.promised)
	if onTime {
		e.onTime++
	}
	if s.outAt != nil {
		e.lags = append(e.lags, s.deliveredAt.Sub(*s.outAt).Seconds())
	}
	if v := s.survey; v != nil {
		e.surveys++
		e.csatSum += int64(v.csat)
		sat := v.csat >= 4
		if sat {
			e.satisfied++
		}
		if v.nps >= 9 {
			e.promoters++
		} else if v.nps <= 6 {
			e.detractors++
		}
		if onTime {
			e.svOnTime++
			if sat {
				e.satOnTime++
			}
		} else {
			e.svLate++
			if sat {
				e.satLate++
			}
		}
	}
}

// percentile is the continuous percentile (linear interpolation between closest ranks),
// nil for no values.
func percentile(vals []float64, q float64) *time.Duration {
	if len(vals) == 0 {
		return nil
	}
	v := append([]float64(nil), vals...)
	sort.Float64s(v)
	pos := q * float64(len(v)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(v)-1)
	x := v[lo] + (v[hi]-v[lo])*(pos-float64(lo))
	d := time.Duration(x * float64(time.Second)).Round(time.Second)
	return &d
}

// tiles computes the expected tiles of p under f.
func (r *raw) tiles(p reports.Period, f reports.Filter) *expected {
	e := &expected{}
	for i := range r.shipments {
		s := &r.shipments[i]
		if !s.matches(f) {
			continue
		}
		if in(s.created, p.From, p.To) {
			e.addCreated()
		}
		if s.deliveredAt != nil && in(*s.deliveredAt, p.From, p.To) {
			e.addDelivered(s)
		}
	}
	return e
}

// groups computes expected figures per key for p (cur) and its previous period (prev).
func (r *raw) groups(p reports.Period, f reports.Filter, key func(*rawShipment) string) (cur, prev map[string]*expected) {
	cur, prev = map[string]*expected{}, map[string]*expected{}
	get := func(m map[string]*expected, k string) *expected {
		if m[k] == nil {
			m[k] = &expected{}
		}
		return m[k]
	}
	pp := p.Previous()
	for i := range r.shipments {
		s := &r.shipments[i]
		if !s.matches(f) {
			continue
		}
		k := key(s)
		for _, x := range []struct {
			p reports.Period
			m map[string]*expected
		}{{p, cur}, {pp, prev}} {
			if in(s.created, x.p.From, x.p.To) {
				get(x.m, k).addCreated()
			}
			if s.deliveredAt != nil && in(*s.deliveredAt, x.p.From, x.p.To) {
				get(x.m, k).addDelivered(s)
			}
		}
	}
	return cur, prev
}

// daily computes expected figures per local date (YYYY-MM-DD in zone).
func (r *raw) daily(p reports.Period, f reports.Filter, zone *time.Location) map[string]*expected {
	out := map[string]*expected{}
	get := func(t time.Time) *expected {
		k := t.In(zone).Format(time.DateOnly)
		if out[k] == nil {
			out[k] = &expected{}
		}
		return out[k]
	}
	for i := range r.shipments {
		s := &r.shipments[i]
		if !s.matches(f) {
			continue
		}
		if in(s.created, p.From, p.To) {
			get(s.created).addCreated()
		}
		if s.deliveredAt != nil && in(*s.deliveredAt, p.From, p.To) {
			get(*s.deliveredAt).addDelivered(s)
		}
	}
	return out
}
