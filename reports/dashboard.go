package reports

import (
	"context"
	"sort"
	"strconv"
)

// Dashboard is every shipment and survey figure of the KPI page, computed in one
// statement (see scan.go): the tiles with the previous period, the daily trend, and the
// per-shipper and per-province tables.
type Dashboard struct {
	Summary   *Summary
	Days      []Day
	Shippers  []Group
	Provinces []Group
}

// Dashboard returns the tiles, days, shippers and provinces of p under f in one query
// (and a second, small one for the shippers' complaint counts).
func (st *Store) Dashboard(ctx context.Context, p Period, f Filter) (*Dashboard, error) {
	return st.dashboard(ctx, p, f, true, byTotal, byDay, byShipper, byProvince)
}

// dashboard scans at the given levels and assembles the parts they fill.
func (st *Store) dashboard(ctx context.Context, p Period, f Filter, withPrevious bool, levels ...grouping) (*Dashboard, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	rows, err := st.scan(ctx, p, f, withPrevious, levels...)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{Summary: &Summary{Period: p, PreviousPeriod: p.Previous()}}
	days := map[string]*Tiles{}
	shippers := map[string]*Group{}
	provinces := map[string]*Group{}
	group := func(m map[string]*Group, key string) *Group {
		if m[key] == nil {
			m[key] = &Group{Key: key}
		}
		return m[key]
	}
	for i := range rows {
		r := &rows[i]
		switch r.level {
		case byTotal:
			t := &d.Summary.Previous
			if r.cur {
				t = &d.Summary.Current
			}
			t.merge(r)
		case byDay:
			if r.cur {
				if days[r.day] == nil {
					days[r.day] = &Tiles{}
				}
				days[r.day].merge(r)
			}
		case byShipper, byProvince:
			var g *Group
			if r.level == byShipper {
				g = group(shippers, strconv.FormatInt(r.shipperID, 10))
				g.Code, g.Name, g.Tier = r.code, r.name, r.tier
			} else {
				g = group(provinces, r.prov)
				g.Name = r.prov
			}
			var t Tiles
			t.Counts = g.Previous
			if r.cur {
				t.Counts = g.Current
			}
			t.merge(r)
			if r.cur {
				g.Current = t.Counts
			} else {
				g.Previous = t.Counts
			}
		}
	}
	for _, l := range levels {
		if l == byTotal {
			cur, err := st.slowSignoffCount(ctx, p, f)
			if err != nil {
				return nil, err
			}
			d.Summary.Current.SlowSignoffs = cur
			if withPrevious {
				prev, err := st.slowSignoffCount(ctx, p.Previous(), f)
				if err != nil {
					return nil, err
				}
				d.Summary.Previous.SlowSignoffs = prev
			}
		}
		if l == byShipper {
			if err := st.addShipperComplaints(ctx, p, f, shippers); err != nil {
				return nil, err
			}
		}
		if l == byDay {
			for _, day := range localDays(p) {
				t := days[day.Format("2006-01-02")]
				if t == nil {
					t = &Tiles{}
				}
				d.Days = append(d.Days, Day{Date: day, Counts: t.Counts, LagP90: t.LagP90})
			}
		}
	}
	d.Shippers, d.Provinces = sorted(shippers), sorted(provinces)
	return d, nil
}

// sorted lists groups by deliveries in the period, most first, then by key.
func sorted(m map[string]*Group) []Group {
	out := make([]Group, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Current.Delivered != out[j].Current.Delivered {
			return out[i].Current.Delivered > out[j].Current.Delivered
		}
		return out[i].Key < out[j].Key
	})
	return out
}
