package shipments_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/customers"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// laneShipment is an express parcel from 杭州市 to dest, created at created.
func laneShipment(tn, dest string, created time.Time) shipments.NewShipment {
	return shipments.NewShipment{
		TrackingNo: tn,
		Shipper:    customers.Shipper{Code: "ACME", Name: "杭州云裳服饰有限公司", Tier: customers.TierKey},
		Consignee: customers.Consignee{Name: "张小明", Phone: "1380013" + tn[len(tn)-4:],
			Address: customers.Address{Province: dest, City: dest, District: "朝阳区", Street: "望京街10号"}},
		ServiceLevel: shipments.Express, OriginCity: "杭州市", WeightG: 1200, CreatedAt: &created,
	}
}

// estimateFixture creates parcels picked up 1 h after creation and delivered (when asked)
// 10 + i%8 hours after creation, where i counts parcels. They are created an hour apart
// from ten days before now, or at at when it is set.
type estimateFixture struct {
	t    *testing.T
	st   *shipments.Store
	now  time.Time
	at   time.Time
	next int
}

func (f *estimateFixture) parcels(dest string, n int, deliver bool) []string {
	f.t.Helper()
	ctx := context.Background()
	var tns []string
	for range n {
		f.next++
		tn := fmt.Sprintf("SD31%010d", f.next)
		created := f.now.Add(-10*24*time.Hour + time.Duration(f.next)*time.Hour)
		if !f.at.IsZero() {
			created = f.at
		}
		if _, err := f.st.CreateShipments(ctx, []shipments.NewShipment{laneShipment(tn, dest, created)}); err != nil {
			f.t.Fatal(err)
		}
		evs := []shipments.NewEvent{{TrackingNo: tn, Event: shipments.Event{Key: "p", Code: shipments.PickedUp, OccurredAt: created.Add(time.Hour)}}}
		if deliver {
			evs = append(evs, shipments.NewEvent{TrackingNo: tn, Event: shipments.Event{Key: "d", Code: shipments.Delivered, OccurredAt: created.Add(time.Duration(10+f.next%8) * time.Hour), SignedBy: "本人"}})
		}
		if res, err := f.st.RecordEvents(ctx, evs); err != nil || res[0].Status == shipments.ResultInvalid {
			f.t.Fatalf("%+v %v", res, err)
		}
		tns = append(tns, tn)
	}
	return tns
}

// estimateTables is every bucket and quantile row, as text, for comparing two builds.
func estimateTables(t *testing.T, pool *pgxpool.Pool) (buckets, quantiles []string) {
	t.Helper()
	read := func(q string) []string {
		rows, err := pool.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	return read(`SELECT concat_ws('|', basis, origin, dest, service_level, milestone, bucket, n) r FROM estimate_buckets ORDER BY r`),
		read(`SELECT concat_ws('|', basis, origin, dest, service_level, milestone, n, p10_s, p50_s, p90_s) r FROM estimate_quantiles ORDER BY r`)
}

// Refreshes fold in only what is new, and the result equals a rebuild from scratch.
func TestRefreshEstimatesIncrementalEqualsRebuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := shipments.NewStore(pool)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	st.Now = func() time.Time { return now }
	f := &estimateFixture{t: t, st: st, now: now}

	f.parcels("北京市", 50, true)
	steps := []struct {
		name   string
		before func()
		want   int
	}{
		{"first refresh reads the history", nil, 50},
		{"nothing new", nil, 0},
		{"new deliveries only", func() {
			f.parcels("北京市", 30, true)
			f.parcels("上海市", 5, true)
			f.parcels("北京市", 3, false)
		}, 35},
		{"nothing new again", nil, 0},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		n, err := st.RefreshEstimates(ctx, now)
		if err != nil || n != s.want {
			t.Fatalf("%s: folded %d, %v; want %d", s.name, n, err, s.want)
		}
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM shipment_status_changes WHERE estimate_done_at IS NULL`).Scan(&left); err != nil || left != 0 {
		t.Errorf("status changes not handed on to the estimate: %d, %v", left, err)
	}
	var refreshed time.Time
	if err := pool.QueryRow(ctx, `SELECT max(refreshed_at) FROM estimate_quantiles`).Scan(&refreshed); err != nil || !refreshed.Equal(now) {
		t.Errorf("quantiles refreshed at %v (%v), want the injected %v", refreshed, err, now)
	}
	incBuckets, incQuantiles := estimateTables(t, pool)
	if len(incQuantiles) == 0 {
		t.Fatal("no quantiles")
	}

	if _, err := pool.Exec(ctx, `TRUNCATE estimate_buckets, estimate_quantiles, estimate_folded, estimate_state`); err != nil {
		t.Fatal(err)
	}
	if n, err := st.RefreshEstimates(ctx, now); err != nil || n != 85 {
		t.Fatalf("rebuild folded %d, %v; want 85", n, err)
	}
	fullBuckets, fullQuantiles := estimateTables(t, pool)
	if fmt.Sprint(incBuckets) != fmt.Sprint(fullBuckets) || fmt.Sprint(incQuantiles) != fmt.Sprint(fullQuantiles) {
		t.Errorf("incremental != rebuild:\nbuckets %v\nvs      %v\nquantiles %v\nvs        %v", incBuckets, fullBuckets, incQuantiles, fullQuantiles)
	}

	// The database's quantiles are the Go model's (one learning rule).
	ds, err := st.Deliveries(ctx)
	if err != nil || len(ds) != 85 {
		t.Fatalf("deliveries %d, %v", len(ds), err)
	}
	m := shipments.Train(ds)
	var p10, p50, p90 int
	if err := pool.QueryRow(ctx, `SELECT p10_s, p50_s, p90_s FROM estimate_quantiles WHERE basis = 'lane' AND dest = '北京市' AND milestone = 'picked_up'`).Scan(&p10, &p50, &p90); err != nil {
		t.Fatal(err)
	}
	q := m[shipments.LaneKey{Basis: shipments.BasisLane, Origin: "杭州市", Dest: "北京市", ServiceLevel: shipments.Express}][shipments.MilestonePickedUp]
	if int(q.P10/time.Second) != p10 || int(q.P50/time.Second) != p50 || int(q.P90/time.Second) != p90 {
		t.Errorf("database quantiles %d/%d/%d s, Go model %v/%v/%v", p10, p50, p90, q.P10, q.P50, q.P90)
	}
}

// queryCounter counts the queries a pool sends.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// The tracking read carries the estimate in its one round trip, with the fallback: a lane
// with 80 deliveries answers on the lane, one with 5 on the service level (its provinces
// have 5 too), a delivered parcel gets none.
func TestEstimateInTheTrackingRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, url := testdb.NewWithURL(t)
	now := time.Now().Truncate(time.Second)
	st := shipments.NewStore(pool)
	st.Now = func() time.Time { return now }
	// history ten days back; the open parcels were picked up an hour before now.
	f := &estimateFixture{t: t, st: st, now: now}
	delivered := f.parcels("北京市", 80, true)
	f.parcels("上海市", 5, true)
	if _, err := st.RefreshEstimates(ctx, now); err != nil {
		t.Fatal(err)
	}
	f.at = now.Add(-2 * time.Hour) // the open parcels: picked up an hour ago
	openBJ := f.parcels("北京市", 1, false)[0]
	openSH := f.parcels("上海市", 1, false)[0]

	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	counter := &queryCounter{}
	cfg.ConnConfig.Tracer = counter
	traced, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer traced.Close()
	tst := shipments.NewStore(traced)
	if _, err := tst.Get(ctx, openBJ); err != nil { // warm the connection
		t.Fatal(err)
	}
	cases := []struct {
		tn        string
		wantBasis shipments.Basis // "" for no estimate
	}{
		{openBJ, shipments.BasisLane},
		{openSH, shipments.BasisService},
		{delivered[0], ""},
	}
	for _, c := range cases {
		before := counter.n.Load()
		d, err := tst.Get(ctx, c.tn)
		if err != nil {
			t.Fatal(err)
		}
		if q := counter.n.Load() - before; q != 1 {
			t.Errorf("%s: Get sent %d queries, want 1", c.tn, q)
		}
		e := d.Estimate(now)
		if c.wantBasis == "" {
			if e != nil || d.Public(now).Estimate != nil {
				t.Errorf("%s: delivered parcel has estimate %+v", c.tn, e)
			}
			continue
		}
		if e == nil || e.Basis != c.wantBasis {
			t.Fatalf("%s: estimate %+v, want basis %s", c.tn, e, c.wantBasis)
		}
		if p := d.Public(now).Estimate; p == nil || *p != *e {
			t.Errorf("%s: public estimate %+v, want %+v", c.tn, p, e)
		}
		// from pickup: the fixture delivers 9..16 h after pickup.
		if from, to := e.From.Sub(*d.PickedUpAt), e.To.Sub(*d.PickedUpAt); from < 9*time.Hour || to > 17*time.Hour || to <= from {
			t.Errorf("%s: window pickup+%v .. pickup+%v, want inside 9..17 h", c.tn, from, to)
		}
	}
	before := counter.n.Load()
	many, err := tst.GetMany(ctx, []string{openBJ, openSH})
	if err != nil || len(many) != 2 || many[openBJ].Estimate(now) == nil {
		t.Fatalf("GetMany: %v %v", many, err)
	}
	if q := counter.n.Load() - before; q != 1 {
		t.Errorf("GetMany sent %d queries, want 1", q)
	}
}

// Refreshes racing each other (the scheduler on two instances, or a manual run during a
// scheduled one) fold every delivery exactly once: the totals add up and the tables equal
// a rebuild.
func TestRefreshEstimatesConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := shipments.NewStore(pool)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	st.Now = func() time.Time { return now }
	f := &estimateFixture{t: t, st: st, now: now}
	f.parcels("北京市", 40, true)
	total := 0
	for round := range 2 { // the first races the rebuild, the second the incremental path
		if round == 1 {
			f.parcels("北京市", 40, true)
		}
		var wg sync.WaitGroup
		var sum atomic.Int64
		errs := make(chan error, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := st.RefreshEstimates(ctx, now)
				sum.Add(int64(n))
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if sum.Load() != 40 {
			t.Errorf("round %d: refreshes folded %d deliveries in all, want 40", round, sum.Load())
		}
		total += int(sum.Load())
	}
	incBuckets, incQuantiles := estimateTables(t, pool)
	if _, err := pool.Exec(ctx, `TRUNCATE estimate_buckets, estimate_quantiles, estimate_folded, estimate_state`); err != nil {
		t.Fatal(err)
	}
	if n, err := st.RefreshEstimates(ctx, now); err != nil || n != total {
		t.Fatalf("rebuild folded %d, %v; want %d", n, err, total)
	}
	fullBuckets, fullQuantiles := estimateTables(t, pool)
	if fmt.Sprint(incBuckets) != fmt.Sprint(fullBuckets) || fmt.Sprint(incQuantiles) != fmt.Sprint(fullQuantiles) {
		t.Errorf("concurrent refreshes != rebuild")
	}
}
