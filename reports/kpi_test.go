package reports_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/demo"
	"lcrm/internal/testdb"
	"lcrm/reports"
	"lcrm/shipments"
)

// now is the demo's present: the end of the generated data.
var now = time.Date(2026, 11, 21, 15, 4, 5, 0, shipments.DefaultZone)

// loadDemo fills a fresh database with n demo shipments over 90 days and, when
// withSurveys, answers for about three quarters of the delivered ones (lower scores
// for late parcels, a comment on every third).
func loadDemo(t testing.TB, n int, withSurveys bool) *pgxpool.Pool {
	t.Helper()
	pool := testdb.New(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, pool, demo.Options{Shipments: n, Seed: 11, Now: now}); err != nil {
		t.Fatal(err)
	}
	if withSurveys {
		addSurveys(t, pool)
	}
	return pool
}

// addSurveys answers surveys for delivered shipments, pseudo-randomly by id.
func addSurveys(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `
INSERT INTO surveys (shipment_id, consignee_id, csat, nps, comment, created_at, updated_at)
SELECT id, consignee_id,
       CASE WHEN delivered_at > promised_at THEN 1 + (id * 7919) % 4 ELSE 2 + (id * 7919) % 4 END,
       (id * 104729) % 11,
       CASE WHEN id % 3 = 0 THEN '送货很快,谢谢 #' || id ELSE '' END,
       delivered_at + interval '3 hours', delivered_at + interval '3 hours'
FROM shipments WHERE delivered_at IS NOT NULL AND id % 4 <> 0`)
	if err != nil {
		t.Fatal(err)
	}
}

// day is local midnight of the given date in Asia/Shanghai.
func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, shipments.DefaultZone)
}

func rate(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

func sameFloat(t *testing.T, what string, got, want *float64) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", what, fmtPtr(got), fmtPtr(want))
	case math.Abs(*got-*want) > 1e-9:
		t.Errorf("%s = %v, want %v", what, *got, *want)
	}
}

func fmtPtr[T any](p *T) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func sameDuration(t *testing.T, what string, got, want *time.Duration) {
	t.Helper()
	if (got == nil) != (want == nil) || (got != nil && (*got-*want).Abs() > time.Second) {
		t.Errorf("%s = %v, want %v", what, fmtPtr(got), fmtPtr(want))
	}
}

func sameInt(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}

// checkCounts compares the shared figures with the oracle's.
func checkCounts(t *testing.T, what string, got reports.Counts, want *expected) {
	t.Helper()
	sameInt(t, what+" created", got.Created, want.created)
	sameInt(t, what+" delivered", got.Delivered, want.delivered)
	sameInt(t, what+" on time", got.OnTime, want.onTime)
	sameInt(t, what+" surveys", got.Surveys, want.surveys)
	sameInt(t, what+" satisfied", got.Satisfied, want.satisfied)
	sameFloat(t, what+" on-time rate", got.OnTimeRate(), rate(want.onTime, want.delivered))
	sameFloat(t, what+" CSAT share", got.CSATShare(), rate(want.satisfied, want.surveys))
	sameFloat(t, what+" response rate", got.ResponseRate(), rate(want.surveys, want.delivered))
	sameDuration(t, what+" lag median", got.LagMedian, percentile(want.lags, 0.5))
}

// checkTiles compares all tiles with the oracle's.
func checkTiles(t *testing.T, what string, got reports.Tiles, want *expected) {
	t.Helper()
	checkCounts(t, what, got.Counts, want)
	sameDuration(t, what+" lag p90", got.LagP90, percentile(want.lags, 0.9))
	var mean, nps *float64
	if want.surveys > 0 {
		m := float64(want.csatSum) / float64(want.surveys)
		n := 100 * (float64(want.promoters)/float64(want.surveys) - float64(want.detractors)/float64(want.surveys))
		mean, nps = &m, &n
	}
	sameFloat(t, what+" CSAT mean", got.CSATMean, mean)
	sameFloat(t, what+" NPS", got.NPS(), nps)
	sameFloat(t, what+" CSAT on time", got.CSATOnTime(), rate(want.satOnTime, want.svOnTime))
	sameFloat(t, what+" CSAT late", got.CSATLate(), rate(want.satLate, want.svLate))
}

func TestKPIsAgainstRawRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 4000, true)
	st := reports.NewStore(pool)
	r := readRaw(t, pool)
	var someShipper int64
	for id, s := range r.shippers {
		if s.tier == "key" && (someShipper == 0 || id < someShipper) {
			someShipper = id
		}
	}
	month := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	sixAM := 6 * time.Hour
	cases := []struct {
		name string
		p    reports.Period
		f    reports.Filter
		// partial: the period does not run from local midnight to midnight, so it has no
		// whole daily rows to check.
		partial bool
	}{
		{"30 days", month, reports.Filter{}, false},
		{"key tier", month, reports.Filter{Tier: "key"}, false},
		{"express", month, reports.Filter{ServiceLevel: "express"}, false},
		{"one province", month, reports.Filter{DestProvince: "广东省"}, false},
		{"one shipper, small filter set", month, reports.Filter{ShipperID: someShipper, ServiceLevel: "standard"}, false},
		{"one week in UTC", reports.Period{From: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), Zone: time.UTC}, reports.Filter{}, false},
		{"empty period", reports.Period{From: day(2027, 3, 1), To: day(2027, 3, 8)}, reports.Filter{}, false},
		// Today (Nov 21) is not closed, so the rollup never holds it.
		{"a week through today", reports.Period{From: day(2026, 11, 15), To: day(2026, 11, 22)}, reports.Filter{}, false},
		{"from 06:00 to 06:00", reports.Period{From: month.From.Add(sixAM), To: month.To.Add(sixAM)}, reports.Filter{}, true},
	}
	// Every case is checked twice: first with nothing rolled up (all live), then with the
	// closed days read from the rollup.
	for _, mode := range []string{"live", "rollup"} {
		if mode == "rollup" {
			res, err := st.Refresh(ctx, shipments.DefaultZone, now)
			if err != nil {
				t.Fatal(err)
			}
			if res.Days < 90 || res.Cells == 0 {
				t.Fatalf("Refresh = %+v, want the 90-odd closed days of the demo", res)
			}
		}
		for _, c := range cases {
			t.Run(mode+"/"+c.name, func(t *testing.T) {
				sum, err := st.Summary(ctx, c.p, c.f)
				if err != nil {
					t.Fatal(err)
				}
				checkTiles(t, "current", sum.Current, r.tiles(c.p, c.f))
				checkTiles(t, "previous", sum.Previous, r.tiles(c.p.Previous(), c.f))
				if !c.partial {
					checkDaily(t, st, r, c.p, c.f)
				}
				checkDashboard(t, st, c.p, c.f)
				checkGroups(t, st, r, c.p, c.f)
				checkComments(t, st, r, c.p, c.f)
			})
		}
	}
}

func checkDaily(t *testing.T, st *reports.Store, r *raw, p reports.Period, f reports.Filter) {
	t.Helper()
	days, err := st.Daily(context.Background(), p, f)
	if err != nil {
		t.Fatal(err)
	}
	zone := p.Zone
	if zone == nil {
		zone = shipments.DefaultZone
	}
	want := r.daily(p, f, zone)
	n := 0
	for d := p.From.In(zone); d.Before(p.To); d = d.AddDate(0, 0, 1) {
		n++
	}
	if len(days) != n {
		t.Fatalf("daily rows = %d, want %d", len(days), n)
	}
	for i, d := range days {
		k := d.Date.Format(time.DateOnly)
		if wantDate := p.From.In(zone).AddDate(0, 0, i); !d.Date.Equal(wantDate) {
			t.Errorf("day %d = %v, want %v", i, d.Date, wantDate)
		}
		e := want[k]
		if e == nil {
			e = &expected{}
		}
		checkCounts(t, "day "+k, d.Counts, e)
		sameDuration(t, "day "+k+" lag p90", d.LagP90, percentile(e.lags, 0.9))
	}
}

func checkGroups(t *testing.T, st *reports.Store, r *raw, p reports.Period, f reports.Filter) {
	t.Helper()
	ctx := context.Background()
	byShipper, err := st.ByShipper(ctx, p, f)
	if err != nil {
		t.Fatal(err)
	}
	cur, prev := r.groups(p, f, func(s *rawShipment) string { return strconv.FormatInt(s.shipperID, 10) })
	compareGroups(t, "shipper", byShipper, cur, prev)
	for _, g := range byShipper {
		id, _ := strconv.ParseInt(g.Key, 10, 64)
		if s := r.shippers[id]; g.Name != s.name || g.Tier != s.tier || g.Code != s.code {
			t.Errorf("shipper %s = %s/%s/%s, want %s/%s/%s", g.Key, g.Code, g.Name, g.Tier, s.code, s.name, s.tier)
		}
	}
	byProv, err := st.ByProvince(ctx, p, f)
	if err != nil {
		t.Fatal(err)
	}
	cur, prev = r.groups(p, f, func(s *rawShipment) string { return s.prov })
	compareGroups(t, "province", byProv, cur, prev)
}

func compareGroups(t *testing.T, kind string, got []reports.Group, cur, prev map[string]*expected) {
	t.Helper()
	keys := map[string]bool{}
	for k := range cur {
		keys[k] = true
	}
	for k := range prev {
		keys[k] = true
	}
	if len(got) != len(keys) {
		t.Errorf("%s rows = %d, want %d", kind, len(got), len(keys))
	}
	for i, g := range got {
		if i > 0 && got[i-1].Current.Delivered < g.Current.Delivered {
			t.Errorf("%s rows not ordered by deliveries at %d", kind, i)
		}
		for _, x := range []struct {
			what string
			got  reports.Counts
			want *expected
		}{{"current", g.Current, cur[g.Key]}, {"previous", g.Previous, prev[g.Key]}} {
			if x.want == nil {
				x.want = &expected{}
			}
			checkCounts(t, kind+" "+g.Key+" "+x.what, x.got, x.want)
		}
	}
}

func checkComments(t *testing.T, st *reports.Store, r *raw, p reports.Period, f reports.Filter) {
	t.Helper()
	want := r.tiles(p, f).surveys
	var n int64
	var last time.Time
	err := st.SurveyComments(context.Background(), p, f, func(c reports.SurveyComment) error {
		n++
		if c.DeliveredAt.Before(last) || !in(c.DeliveredAt, p.From, p.To) {
			t.Errorf("comment of %s delivered %v out of order or period", c.TrackingNo, c.DeliveredAt)
		}
		last = c.DeliveredAt
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sameInt(t, "survey comments", n, want)
}

// checkDashboard checks that the one-query dashboard gives exactly what the separate
// calls (each checked against the oracle) give.
func checkDashboard(t *testing.T, st *reports.Store, p reports.Period, f reports.Filter) {
	t.Helper()
	ctx := context.Background()
	d, err := st.Dashboard(ctx, p, f)
	if err != nil {
		t.Fatal(err)
	}
	sum, _ := st.Summary(ctx, p, f)
	days, _ := st.Daily(ctx, p, f)
	shippers, _ := st.ByShipper(ctx, p, f)
	provinces, _ := st.ByProvince(ctx, p, f)
	for _, x := range []struct {
		what      string
		got, want any
	}{{"summary", d.Summary, sum}, {"days", d.Days, days}, {"shippers", d.Shippers, shippers}, {"provinces", d.Provinces, provinces}} {
		if !reflect.DeepEqual(x.got, x.want) {
			t.Errorf("Dashboard %s differs from the separate call", x.what)
		}
	}
}
