package reports_test

import (
	"context"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/reports"
)

type rawComplaint struct {
	id, shipment, consignee int64
	assignee                *int64
	category, cause, dept   string
	created, frDue, resDue  time.Time
	responded, resolved     *time.Time
	reopens, rating         int
}

func readComplaints(t *testing.T, pool *pgxpool.Pool) ([]rawComplaint, []struct {
	complaint int64
	at        time.Time
}) {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT id, shipment_id, consignee_id, assignee_id, category, root_cause,
	       department, created_at, first_response_due, resolution_due, first_responded_at, resolved_at,
	       reopen_count, rating FROM complaints`)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rawComplaint, error) {
		var c rawComplaint
		return c, r.Scan(&c.id, &c.shipment, &c.consignee, &c.assignee, &c.category, &c.cause, &c.dept,
			&c.created, &c.frDue, &c.resDue, &c.responded, &c.resolved, &c.reopens, &c.rating)
	})
	if err != nil {
		t.Fatal(err)
	}
	type esc = struct {
		complaint int64
		at        time.Time
	}
	rows, err = pool.Query(ctx, `SELECT complaint_id, at FROM complaint_escalations`)
	if err != nil {
		t.Fatal(err)
	}
	escs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (esc, error) {
		var e esc
		return e, r.Scan(&e.complaint, &e.at)
	})
	if err != nil {
		t.Fatal(err)
	}
	return list, escs
}

// expectFigures recomputes ComplaintFigures of the complaints in set (all is every
// complaint, for the repeat test; to is the period's end).
func expectFigures(set, all []rawComplaint, to time.Time) reports.ComplaintFigures {
	var f reports.ComplaintFigures
	var frt, res []float64
	for _, c := range set {
		f.Filed++
		for _, o := range all {
			earlier := o.created.Before(c.created) || o.created.Equal(c.created) && o.id < c.id
			if o.consignee == c.consignee && earlier && !o.created.Before(c.created.Add(-30*24*time.Hour)) {
				f.Repeats++
				break
			}
		}
		if c.responded != nil {
			frt = append(frt, c.responded.Sub(c.created).Seconds())
			if !c.responded.After(c.frDue) {
				f.FRTMet++
			}
		}
		if c.responded != nil || c.frDue.Before(to) {
			f.FRTDue++
		}
		if c.resolved != nil {
			res = append(res, c.resolved.Sub(c.created).Seconds())
			if !c.resolved.After(c.resDue) {
				f.ResMet++
			}
		}
		if c.resolved != nil || c.resDue.Before(to) {
			f.ResDue++
		}
		if c.reopens > 0 {
			f.Reopened++
		}
		if c.rating > 0 {
			f.Rated++
			if c.rating >= 4 {
				f.RatedHappy++
			}
		}
	}
	f.FRTMedian, f.FRTP90 = percentile(frt, 0.5), percentile(frt, 0.9)
	f.ResMedian, f.ResP90 = percentile(res, 0.5), percentile(res, 0.9)
	return f
}

func checkFigures(t *testing.T, what string, got, want reports.ComplaintFigures) {
	t.Helper()
	for _, x := range []struct {
		name      string
		got, want int64
	}{{"filed", got.Filed, want.Filed}, {"repeats", got.Repeats, want.Repeats}, {"FRT due", got.FRTDue, want.FRTDue},
		{"FRT met", got.FRTMet, want.FRTMet}, {"res due", got.ResDue, want.ResDue}, {"res met", got.ResMet, want.ResMet},
		{"reopened", got.Reopened, want.Reopened}, {"rated", got.Rated, want.Rated}, {"rated 4-5", got.RatedHappy, want.RatedHappy}} {
		sameInt(t, what+" "+x.name, x.got, x.want)
	}
	sameDuration(t, what+" FRT median", got.FRTMedian, want.FRTMedian)
	sameDuration(t, what+" FRT p90", got.FRTP90, want.FRTP90)
	sameDuration(t, what+" resolution median", got.ResMedian, want.ResMedian)
	sameDuration(t, what+" resolution p90", got.ResP90, want.ResP90)
}

func TestComplaintKPIsAgainstRawRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 1500, true)
	agents := addComplaints(t, pool, 400)
	st := reports.NewStore(pool)
	r := readRaw(t, pool)
	byID := r.byID()
	all, escs := readComplaints(t, pool)
	month := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	cases := []struct {
		name string
		p    reports.Period
		f    reports.Filter
	}{
		{"30 days", month, reports.Filter{}},
		{"key tier", month, reports.Filter{Tier: "key"}},
		{"express to one province", month, reports.Filter{ServiceLevel: "express", DestProvince: "广东省"}},
		{"empty period", reports.Period{From: day(2027, 3, 1), To: day(2027, 3, 8)}, reports.Filter{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var set []rawComplaint
			for _, x := range all {
				if byID[x.shipment].matches(c.f) && in(x.created, c.p.From, c.p.To) {
					set = append(set, x)
				}
			}
			stats, err := st.Complaints(ctx, c.p, c.f)
			if err != nil {
				t.Fatal(err)
			}
			checkFigures(t, "total", stats.Total, expectFigures(set, all, c.p.To))
			cats := map[string][]rawComplaint{}
			for _, x := range set {
				cats[x.category] = append(cats[x.category], x)
			}
			if len(stats.ByCategory) != len(cats) {
				t.Errorf("categories = %d, want %d", len(stats.ByCategory), len(cats))
			}
			for _, g := range stats.ByCategory {
				checkFigures(t, g.Category, g, expectFigures(cats[g.Category], all, c.p.To))
			}
			var wantEsc int64
			for _, e := range escs {
				for _, x := range all {
					if x.id == e.complaint && byID[x.shipment].matches(c.f) && in(e.at, c.p.From, c.p.To) {
						wantEsc++
					}
				}
			}
			sameInt(t, "escalations", stats.Escalations, wantEsc)
			checkAgents(t, st, c.p, c.f, set, all, agents)
			checkShipperComplaints(t, st, c.p, c.f, all, byID)
			checkRootCauses(t, st, c.p, c.f, set)
		})
	}
}

func checkAgents(t *testing.T, st *reports.Store, p reports.Period, f reports.Filter, set, all []rawComplaint, agents []int64) {
	t.Helper()
	got, err := st.Agents(context.Background(), p, f)
	if err != nil {
		t.Fatal(err)
	}
	per := map[int64][]rawComplaint{}
	for _, x := range set {
		if x.assignee != nil {
			per[*x.assignee] = append(per[*x.assignee], x)
		}
	}
	if len(got) != len(per) {
		t.Errorf("agents = %d, want %d", len(got), len(per))
	}
	for _, a := range got {
		if a.Name == "" {
			t.Errorf("agent %d has no name", a.UserID)
		}
		checkFigures(t, "agent "+a.Name, a.ComplaintFigures, expectFigures(per[a.UserID], all, p.To))
	}
}

func checkRootCauses(t *testing.T, st *reports.Store, p reports.Period, f reports.Filter, set []rawComplaint) {
	t.Helper()
	got, err := st.RootCauses(context.Background(), p, f)
	if err != nil {
		t.Fatal(err)
	}
	count := map[[2]string]int64{}
	var total int64
	for _, x := range set {
		if x.cause != "" {
			count[[2]string{x.cause, x.dept}]++
			total++
		}
	}
	type bar struct {
		k [2]string
		n int64
	}
	var want []bar
	for k, n := range count {
		want = append(want, bar{k, n})
	}
	sort.Slice(want, func(i, j int) bool {
		if want[i].n != want[j].n {
			return want[i].n > want[j].n
		}
		if want[i].k[0] != want[j].k[0] {
			return want[i].k[0] < want[j].k[0]
		}
		return want[i].k[1] < want[j].k[1]
	})
	if len(got) != len(want) {
		t.Fatalf("root cause bars = %d, want %d", len(got), len(want))
	}
	var cum int64
	for i, w := range want {
		cum += w.n
		g := got[i]
		if g.RootCause != w.k[0] || g.Department != w.k[1] || g.Complaints != w.n {
			t.Errorf("bar %d = %s/%s %d, want %s/%s %d", i, g.RootCause, g.Department, g.Complaints, w.k[0], w.k[1], w.n)
		}
		sameFloat(t, "share", &g.Share, rate(w.n, total))
		sameFloat(t, "cumulative", &g.Cumulative, rate(cum, total))
	}
}

func checkShipperComplaints(t *testing.T, st *reports.Store, p reports.Period, f reports.Filter, all []rawComplaint, byID map[int64]*rawShipment) {
	t.Helper()
	groups, err := st.ByShipper(context.Background(), p, f)
	if err != nil {
		t.Fatal(err)
	}
	cur, prev := map[string]int64{}, map[string]int64{}
	pp := p.Previous()
	for _, x := range all {
		s := byID[x.shipment]
		if !s.matches(f) {
			continue
		}
		k := strconv.FormatInt(s.shipperID, 10)
		if in(x.created, p.From, p.To) {
			cur[k]++
		}
		if in(x.created, pp.From, pp.To) {
			prev[k]++
		}
	}
	seen := 0
	for _, g := range groups {
		sameInt(t, "shipper "+g.Key+" complaints", g.Complaints, cur[g.Key])
		sameInt(t, "shipper "+g.Key+" previous complaints", g.PreviousComplaints, prev[g.Key])
		sameFloat(t, "shipper "+g.Key+" per 1000", g.ComplaintsPer1000(), rate(cur[g.Key]*1000, g.Current.Delivered))
		if g.Complaints > 0 || g.PreviousComplaints > 0 {
			seen++
		}
	}
	want := 0
	for k := range cur {
		if cur[k] > 0 || prev[k] > 0 {
			want++
		}
	}
	for k := range prev {
		if cur[k] == 0 && prev[k] > 0 {
			want++
		}
	}
	if seen != want {
		t.Errorf("shippers with complaints = %d, want %d", seen, want)
	}
}
