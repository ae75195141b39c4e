package reports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/customers"
	"lcrm/internal/testdb"
	"lcrm/reports"
	"lcrm/shipments"
)

// parcel is a hand-made shipment: created at created, out for delivery at out and
// delivered at delivered (zero: not yet).
type parcel struct {
	no, shipper    string
	tier           customers.Tier
	created, out   time.Time
	delivered      time.Time
	consigneePhone string
}

// seed stores the parcels through the shipments domain (events derive the times).
func seed(t *testing.T, pool *pgxpool.Pool, parcels []parcel) {
	t.Helper()
	ctx := context.Background()
	st := shipments.NewStore(pool)
	var items []shipments.NewShipment
	var events []shipments.NewEvent
	for _, p := range parcels {
		created := p.created
		phone := p.consigneePhone
		if phone == "" {
			phone = "13800138000"
		}
		items = append(items, shipments.NewShipment{
			TrackingNo: p.no, CreatedAt: &created, ServiceLevel: shipments.Standard,
			Shipper: customers.Shipper{Code: p.shipper, Name: "商家 " + p.shipper, Tier: p.tier},
			Consignee: customers.Consignee{Name: "王芳", Phone: phone,
				Address: customers.Address{Province: "上海市", City: "上海", District: "浦东新区", Street: "世纪大道1号"}},
			OriginCity: "杭州", WeightG: 500,
		})
		add := func(code shipments.Code, at time.Time) {
			if at.IsZero() {
				return
			}
			e := shipments.NewEvent{TrackingNo: p.no, Event: shipments.Event{Key: string(code), Code: code, OccurredAt: at, Location: "上海"}}
			if code == shipments.Delivered {
				e.SignedBy = "本人"
			}
			events = append(events, e)
		}
		add(shipments.OutForDelivery, p.out)
		add(shipments.Delivered, p.delivered)
	}
	res, err := st.CreateShipments(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != shipments.ResultCreated {
			t.Fatalf("create %s: %s %v", r.TrackingNo, r.Status, r.Fields)
		}
	}
	if len(events) > 0 {
		if _, err := st.RecordEvents(ctx, events); err != nil {
			t.Fatal(err)
		}
	}
}

// local is a wall-clock time in Asia/Shanghai.
func local(m time.Month, d, h, min int) time.Time {
	return time.Date(2026, m, d, h, min, 0, 0, shipments.DefaultZone)
}

func TestMidnightInShanghai(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	// 23:59 and 00:01 local are 15:59 and 16:01 UTC of the same UTC day: bucketing in UTC
	// would put both parcels on October 10.
	seed(t, pool, []parcel{
		{no: "TZ00000001", shipper: "TZ", tier: customers.TierRegular, created: local(10, 10, 23, 59),
			out: local(10, 11, 22, 0), delivered: local(10, 11, 23, 59)},
		{no: "TZ00000002", shipper: "TZ", tier: customers.TierRegular, created: local(10, 11, 0, 1),
			out: local(10, 11, 23, 0), delivered: local(10, 12, 0, 1)},
	})
	st := reports.NewStore(pool)
	// Once live, once from the rollup (which must cut days at local midnight too).
	for _, mode := range []string{"live", "rollup"} {
		if mode == "rollup" {
			if res := refresh(t, st); res.Days == 0 {
				t.Fatalf("Refresh = %+v", res)
			}
		}
		days, err := st.Daily(ctx, reports.Period{From: day(2026, 10, 10), To: day(2026, 10, 13)}, reports.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			date               string
			created, delivered int64
			lag                time.Duration
		}{
			{"2026-10-10", 1, 0, 0},
			{"2026-10-11", 1, 1, 119 * time.Minute},
			{"2026-10-12", 0, 1, 61 * time.Minute},
		}
		if len(days) != len(want) {
			t.Fatalf("days = %d, want %d", len(days), len(want))
		}
		for i, w := range want {
			d := days[i]
			if got := d.Date.Format(time.DateOnly); got != w.date || d.Created != w.created || d.Delivered != w.delivered {
				t.Errorf("day %d = %s created %d delivered %d, want %s %d %d", i, got, d.Created, d.Delivered, w.date, w.created, w.delivered)
			}
			if w.delivered > 0 && (d.LagMedian == nil || *d.LagMedian != w.lag) {
				t.Errorf("%s lag = %v, want %v", w.date, fmtPtr(d.LagMedian), w.lag)
			}
		}
		// A one-day period (local midnight to midnight) holds only the 00:01 delivery.
		sum, err := st.Summary(ctx, reports.Period{From: day(2026, 10, 12), To: day(2026, 10, 13)}, reports.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Current.Delivered != 1 || sum.Previous.Delivered != 1 || sum.Current.Created != 0 || sum.Previous.Created != 1 {
			t.Errorf("one-day summary = %+v / previous %+v", sum.Current.Counts, sum.Previous.Counts)
		}
	}
}

func TestNoSurveys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 600, false)
	st := reports.NewStore(pool)
	p := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	sum, err := st.Summary(ctx, p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	c := sum.Current
	if c.Delivered == 0 {
		t.Fatal("demo data delivered nothing in the period")
	}
	if c.Surveys != 0 || c.CSATShare() != nil || c.CSATMean != nil || c.NPS() != nil || c.CSATOnTime() != nil {
		t.Errorf("no surveys, yet CSAT %v mean %v NPS %v", fmtPtr(c.CSATShare()), fmtPtr(c.CSATMean), fmtPtr(c.NPS()))
	}
	if r := c.ResponseRate(); r == nil || *r != 0 {
		t.Errorf("response rate = %v, want 0", fmtPtr(r))
	}
	checkTiles(t, "no surveys", c, readRaw(t, pool).tiles(p, reports.Filter{}))
}

func TestChurnRisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	end := day(2026, 11, 1)
	var parcels []parcel
	n := 0
	// volume adds k parcels for shipper code, spread over the days [from, from+span).
	volume := func(code string, tier customers.Tier, from time.Time, span, k int) {
		for i := 0; i < k; i++ {
			n++
			at := from.Add(time.Duration(i*span*24/k) * time.Hour)
			parcels = append(parcels, parcel{no: fmt.Sprintf("CH%08d", n), shipper: code, tier: tier, created: at})
		}
	}
	prev90 := end.AddDate(0, 0, -120)
	last30 := end.AddDate(0, 0, -30)
	volume("DROP", customers.TierKey, prev90, 90, 30) // expects 10 in 30 days, has 3: at risk
	volume("DROP", customers.TierKey, last30, 30, 3)
	volume("EDGE", customers.TierSmall, prev90, 90, 30) // 5 is exactly half: not at risk
	volume("EDGE", customers.TierSmall, last30, 30, 5)
	volume("GONE", customers.TierRegular, prev90, 90, 9) // nothing lately: at risk
	volume("NEW", customers.TierRegular, last30, 30, 4)  // no history: not listed
	volume("OLD", customers.TierRegular, end.AddDate(0, 0, -200), 30, 10)
	seed(t, pool, parcels)
	st := reports.NewStore(pool)
	cases := []struct {
		name string
		f    reports.Filter
		want []string
	}{
		{"all", reports.Filter{}, []string{"GONE", "DROP"}},
		{"key tier", reports.Filter{Tier: "key"}, []string{"DROP"}},
		{"small tier", reports.Filter{Tier: "small"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := st.ChurnRisk(ctx, reports.Period{From: end.AddDate(0, 0, -7), To: end}, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, g := range got {
				codes = append(codes, g.Code)
			}
			if fmt.Sprint(codes) != fmt.Sprint(c.want) {
				t.Errorf("churn risk = %v, want %v", codes, c.want)
			}
			if len(got) > 0 && got[len(got)-1].Code == "DROP" && (got[len(got)-1].Last30 != 3 || got[len(got)-1].Prev90 != 30) {
				t.Errorf("DROP = %+v", got[len(got)-1])
			}
		})
	}
}

func TestBadPeriod(t *testing.T) {
	t.Parallel()
	st := reports.NewStore(testdb.New(t))
	p := reports.Period{From: day(2026, 11, 2), To: day(2026, 11, 1)}
	if _, err := st.Summary(context.Background(), p, reports.Filter{}); err == nil {
		t.Error("reversed period accepted")
	}
}

func TestReopenedComplaint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	seed(t, pool, []parcel{{no: "RO00000001", shipper: "RO", tier: customers.TierKey,
		created: local(10, 1, 9, 0), out: local(10, 2, 9, 0), delivered: local(10, 2, 10, 0)}})
	var agent int64
	err := pool.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, role) VALUES ('a@example.com', '周敏', 'x', 'agent') RETURNING id`).Scan(&agent)
	if err != nil {
		t.Fatal(err)
	}
	filed := local(10, 3, 9, 0)
	h := func(n int) time.Time { return filed.Add(time.Duration(n) * time.Hour) }
	// A: resolved in 10 h. B: resolved at 20 h, reopened at 30 h (new deadline 54 h), resolved
	// again at 50 h. C: reopened at 70 h and open since, its new deadline after the period.
	for _, c := range []struct {
		ref                string
		reopens            int
		resolved, resDue   any
		filedAt, responded time.Time
	}{
		{"A", 0, h(10), h(24), filed, h(1)},
		{"B", 1, h(50), h(54), filed, h(1)},
		{"C", 1, nil, local(10, 20, 9, 0), filed, h(3)},
	} {
		_, err := pool.Exec(ctx, `INSERT INTO complaints (ref, shipment_id, shipper_id, consignee_id, category,
			description, contact_phone, status, priority, assignee_id, first_response_due, resolution_due,
			clock_start, reopen_count, first_responded_at, resolved_at, created_at, updated_at)
			SELECT $1, s.id, s.shipper_id, s.consignee_id, 'delayed', '没收到', '+8613800138000',
			       CASE WHEN $4::timestamptz IS NULL THEN 'reopened' ELSE 'resolved' END, 'P2', $2, $5::timestamptz + interval '2 hours',
			       $6, $5, $3, $7, $4, $5, $5
			FROM shipments s`, c.ref, agent, c.reopens, c.resolved, c.filedAt, c.resDue, c.responded)
		if err != nil {
			t.Fatal(err)
		}
	}
	st := reports.NewStore(pool)
	p := reports.Period{From: day(2026, 10, 1), To: day(2026, 10, 8)}
	agents, err := st.Agents(ctx, p, reports.Filter{})
	if err != nil || len(agents) != 1 {
		t.Fatalf("agents = %v, %v", agents, err)
	}
	a := agents[0]
	want := reports.ComplaintFigures{Filed: 3, Repeats: 2, FRTDue: 3, FRTMet: 2, ResDue: 2, ResMet: 2, Reopened: 2}
	// Resolution: A's 10 h and B's 50 h to the final resolution; C is open. First
	// response: 1 h, 1 h and 3 h. Continuous percentiles interpolate between them.
	med, p90 := 30*time.Hour, 46*time.Hour
	frt, frt90 := time.Hour, time.Hour+2*time.Hour*8/10
	want.ResMedian, want.ResP90, want.FRTMedian, want.FRTP90 = &med, &p90, &frt, &frt90
	checkFigures(t, "agent", a.ComplaintFigures, want)
	if r := a.ReopenRate(); r == nil || *r != 2.0/3 {
		t.Errorf("reopen rate = %v, want 2/3", fmtPtr(r))
	}
}
