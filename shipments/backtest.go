package shipments

import (
	"slices"
	"sort"
	"time"
)

// BacktestRow is the accuracy of the estimate on held-out deliveries of one service level
// from one milestone, next to the fixed promise.
type BacktestRow struct {
	ServiceLevel ServiceLevel
	Milestone    Milestone
	Tested       int           // held-out deliveries that reached the milestone
	Estimated    int           // of those, how many got an estimate (a key with enough history)
	Inside       float64       // share of the estimated delivered inside [from, to]
	MAE          time.Duration // mean |middle of the window - delivery|
	MedianWidth  time.Duration // median to - from
	// The fixed promise over the same estimated deliveries: share delivered by it, and
	// the mean |promise - delivery|.
	PromiseKept float64
	PromiseMAE  time.Duration
}

// Backtest trains on the oldest deliveries and tests on the newest testShare of them (by
// delivery time), from every milestone each test parcel reached. Rows come by service
// level, then milestone.
func Backtest(ds []Delivery, testShare float64) []BacktestRow {
	sorted := slices.Clone(ds)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].DeliveredAt.Before(sorted[j].DeliveredAt) })
	cut := len(sorted) - int(float64(len(sorted))*testShare)
	model := Train(sorted[:cut])
	type acc struct {
		row          BacktestRow
		inside, kept int
		err, promErr time.Duration
		widths       []time.Duration
	}
	accs := map[[2]string]*acc{}
	var order [][2]string
	for _, d := range sorted[cut:] {
		for _, m := range Milestones {
			at := d.MilestoneAt(m)
			if at == nil || d.DeliveredAt.Before(*at) {
				continue
			}
			key := [2]string{string(d.ServiceLevel), string(m)}
			a := accs[key]
			if a == nil {
				a = &acc{row: BacktestRow{ServiceLevel: d.ServiceLevel, Milestone: m}}
				accs[key] = a
				order = append(order, key)
			}
			a.row.Tested++
			q, b, ok := model.Lookup(d.Keys(), m)
			if !ok {
				continue
			}
			e := q.Window(*at, b)
			a.row.Estimated++
			if !d.DeliveredAt.Before(e.From) && !d.DeliveredAt.After(e.To) {
				a.inside++
			}
			a.err += absDur(e.Middle().Sub(d.DeliveredAt))
			a.widths = append(a.widths, e.To.Sub(e.From))
			if !d.DeliveredAt.After(d.PromisedAt) {
				a.kept++
			}
			a.promErr += absDur(d.PromisedAt.Sub(d.DeliveredAt))
		}
	}
	rank := map[string]int{}
	for i, m := range Milestones {
		rank[string(m)] = i
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i][0] != order[j][0] {
			return order[i][0] < order[j][0]
		}
		return rank[order[i][1]] < rank[order[j][1]]
	})
	out := make([]BacktestRow, 0, len(order))
	for _, k := range order {
		a := accs[k]
		if n := a.row.Estimated; n > 0 {
			a.row.Inside = float64(a.inside) / float64(n)
			a.row.MAE = a.err / time.Duration(n)
			a.row.PromiseKept = float64(a.kept) / float64(n)
			a.row.PromiseMAE = a.promErr / time.Duration(n)
			slices.Sort(a.widths)
			a.row.MedianWidth = a.widths[n/2]
		}
		out = append(out, a.row)
	}
	return out
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
