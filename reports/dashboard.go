package reports

import (
	"context"
	"sort"
	"strconv"
	"time"
)

// Dashboard is every shipment and survey figure of the KPI page: the tiles with the
// previous period, the daily trend, and the per-shipper and per-province tables.
type Dashboard struct {
	Summary   *Summary
	Days      []Day
	Shippers  []Group
	Provinces []Group
}

// Dashboard returns the tiles, days, shippers and provinces of p under f (see cube.go),
// plus the slow sign-off counts and the shippers' complaint counts.
func (st *Store) Dashboard(ctx context.Context, p Period, f Filter) (*Dashboard, error) {
	return st.dashboard(ctx, p, f, true, byTotal, byDay, byShipper, byProvince)
}

// grouping is one part of the dashboard that the cells are added up into.
type grouping int

const (
	byTotal grouping = iota
	byDay
	byShipper
	byProvince
)

// dashboard reads the cells of p (and its previous period when withPrevious) and adds
// them up into the parts levels asks for.
func (st *Store) dashboard(ctx context.Context, p Period, f Filter, withPrevious bool, levels ...grouping) (*Dashboard, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	want := map[grouping]bool{}
	for _, l := range levels {
		want[l] = true
	}
	cells, err := st.cells(ctx, p, f, withPrevious)
	if err != nil {
		return nil, err
	}
	var total [2]acc // previous, current
	days := map[time.Time]*acc{}
	type pair struct {
		g   Group
		acc [2]acc
	}
	shippers, provinces := map[int64]*pair{}, map[string]*pair{}
	// Two passes over the cells: one to size every group's lags, one to add up.
	visit := func(fn func(*acc, *cell)) {
		for i := range cells {
			c := &cells[i]
			cur := 0
			if c.cur {
				cur = 1
			}
			if want[byTotal] {
				fn(&total[cur], c)
			}
			if want[byDay] && c.cur {
				if days[c.day] == nil {
					days[c.day] = &acc{}
				}
				fn(days[c.day], c)
			}
			if want[byShipper] {
				s := shippers[c.shipperID]
				if s == nil {
					s = &pair{g: Group{Key: strconv.FormatInt(c.shipperID, 10), Code: c.code, Name: c.name, Tier: c.tier}}
					shippers[c.shipperID] = s
				}
				fn(&s.acc[cur], c)
			}
			if want[byProvince] {
				s := provinces[c.prov]
				if s == nil {
					s = &pair{g: Group{Key: c.prov, Name: c.prov}}
					provinces[c.prov] = s
				}
				fn(&s.acc[cur], c)
			}
		}
	}
	visit((*acc).reserve)
	visit((*acc).add)
	d := &Dashboard{Summary: &Summary{Period: p, PreviousPeriod: p.Previous()}}
	d.Summary.Previous, d.Summary.Current = total[0].tiles(true), total[1].tiles(true)
	groups := func(m map[string]*pair) map[string]*Group {
		out := make(map[string]*Group, len(m))
		for k, s := range m {
			g := s.g
			g.Previous, g.Current = s.acc[0].tiles(false).Counts, s.acc[1].tiles(false).Counts
			out[k] = &g
		}
		return out
	}
	shipperGroups := map[string]*pair{}
	for _, s := range shippers {
		shipperGroups[s.g.Key] = s
	}
	sg, pg := groups(shipperGroups), groups(provinces)
	if want[byTotal] {
		cur, prev, err := st.slowSignoffCounts(ctx, p, f)
		if err != nil {
			return nil, err
		}
		d.Summary.Current.SlowSignoffs = cur
		if withPrevious {
			d.Summary.Previous.SlowSignoffs = prev
		}
	}
	if want[byShipper] {
		if err := st.addShipperComplaints(ctx, p, f, sg); err != nil {
			return nil, err
		}
	}
	if want[byDay] {
		for _, day := range localDays(p) {
			var t Tiles
			if a := days[dateOf(day, p.zone())]; a != nil {
				t = a.tiles(true)
			}
			d.Days = append(d.Days, Day{Date: day, Counts: t.Counts, LagP90: t.LagP90})
		}
	}
	d.Shippers, d.Provinces = sorted(sg), sorted(pg)
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

// localDays lists the local midnights of every day p touches, in p's zone.
func localDays(p Period) []time.Time {
	z := p.zone()
	f := p.From.In(z)
	last := p.To.Add(-time.Nanosecond).In(z)
	var out []time.Time
	for d := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, z); !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}
