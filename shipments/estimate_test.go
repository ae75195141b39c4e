package shipments_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"lcrm/shipments"
)

func TestHistogramQuantiles(t *testing.T) {
	b := shipments.EstimateBucket
	cases := []struct {
		name          string
		times         []time.Duration
		p10, p50, p90 time.Duration
	}{
		{"empty", nil, 0, 0, 0},
		// ten parcels, one per bucket 0..9: the q-quantile is q*10 buckets in.
		{"one per bucket", func() []time.Duration {
			var out []time.Duration
			for i := range 10 {
				out = append(out, time.Duration(i)*b+b/2)
			}
			return out
		}(), 1 * b, 5 * b, 9 * b},
		// all in one bucket: spread evenly across it.
		{"one bucket", []time.Duration{4*b + 1, 4*b + 2, 4*b + 3, 4*b + 4, 4*b + 5, 4*b + 6, 4*b + 7, 4*b + 8, 4*b + 9, 4*b + 10}, 4*b + b/10, 4*b + b/2, 4*b + 9*b/10},
		// negative times (delivered before the milestone) are not counted.
		{"negative ignored", []time.Duration{-time.Hour, b / 2, b / 2}, b / 10, b / 2, 9 * b / 10},
		// past 30 days lands in the last bucket.
		{"capped", []time.Duration{90 * 24 * time.Hour}, time.Duration(shipments.EstimateMaxBucket)*b + b/10, time.Duration(shipments.EstimateMaxBucket)*b + b/2, time.Duration(shipments.EstimateMaxBucket)*b + 9*b/10},
	}
	for _, c := range cases {
		h := shipments.Histogram{}
		for _, d := range c.times {
			h.Add(d)
		}
		q := h.Quantiles()
		if q.P10 != c.p10 || q.P50 != c.p50 || q.P90 != c.p90 {
			t.Errorf("%s: p10/p50/p90 = %v/%v/%v, want %v/%v/%v", c.name, q.P10, q.P50, q.P90, c.p10, c.p50, c.p90)
		}
	}
}

func TestKeysAndLookupFallback(t *testing.T) {
	lane := shipments.LaneKey{Basis: shipments.BasisLane, Origin: "杭州市", Dest: "北京市", ServiceLevel: shipments.Express}
	prov := shipments.LaneKey{Basis: shipments.BasisProvince, Origin: "浙江省", Dest: "北京市", ServiceLevel: shipments.Express}
	svc := shipments.LaneKey{Basis: shipments.BasisService, ServiceLevel: shipments.Express}
	if got := shipments.Keys(shipments.Express, "杭州市", "", "北京市", "北京市"); len(got) != 2 || got[0] != lane || got[1] != svc {
		t.Errorf("origin province unknown: keys %v, want lane then service", got)
	}
	keys := shipments.Keys(shipments.Express, "杭州市", "浙江省", "北京市", "北京市")
	if len(keys) != 3 || keys[0] != lane || keys[1] != prov || keys[2] != svc {
		t.Fatalf("keys %v", keys)
	}
	enough, few := shipments.Quantiles{N: shipments.MinEstimateParcels, P50: time.Hour}, shipments.Quantiles{N: shipments.MinEstimateParcels - 1, P50: 2 * time.Hour}
	cases := []struct {
		name      string
		model     shipments.Model
		want      shipments.Basis
		wantFound bool
	}{
		{"lane has enough", shipments.Model{lane: {shipments.MilestoneCreated: enough}, svc: {shipments.MilestoneCreated: enough}}, shipments.BasisLane, true},
		{"lane too few: province", shipments.Model{lane: {shipments.MilestoneCreated: few}, prov: {shipments.MilestoneCreated: enough}}, shipments.BasisProvince, true},
		{"lane and province too few: service", shipments.Model{lane: {shipments.MilestoneCreated: few}, prov: {shipments.MilestoneCreated: few}, svc: {shipments.MilestoneCreated: enough}}, shipments.BasisService, true},
		{"lane has another milestone only", shipments.Model{lane: {shipments.MilestonePickedUp: enough}, svc: {shipments.MilestoneCreated: enough}}, shipments.BasisService, true},
		{"nothing has enough", shipments.Model{svc: {shipments.MilestoneCreated: few}}, "", false},
	}
	for _, c := range cases {
		_, b, ok := c.model.Lookup(keys, shipments.MilestoneCreated)
		if b != c.want || ok != c.wantFound {
			t.Errorf("%s: basis %q found %v, want %q %v", c.name, b, ok, c.want, c.wantFound)
		}
	}
}

func TestShipmentEstimate(t *testing.T) {
	created := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	picked := created.Add(2 * time.Hour)
	out := created.Add(20 * time.Hour)
	model := func(m shipments.Milestone) *shipments.EstimateModel {
		return &shipments.EstimateModel{Basis: shipments.BasisLane, Milestone: m, Quantiles: shipments.Quantiles{N: 50, P10: time.Hour, P50: 2 * time.Hour, P90: 4 * time.Hour}}
	}
	cases := []struct {
		name    string
		s       shipments.Shipment
		now     time.Time
		wantNil bool
		from    time.Time
	}{
		{"created", shipments.Shipment{CreatedAt: created, Model: model(shipments.MilestoneCreated)}, created, false, created.Add(time.Hour)},
		{"picked up", shipments.Shipment{CreatedAt: created, Derived: shipments.Derived{Status: shipments.PickedUp, PickedUpAt: &picked}, Model: model(shipments.MilestonePickedUp)}, picked, false, picked.Add(time.Hour)},
		{"out for delivery", shipments.Shipment{CreatedAt: created, Derived: shipments.Derived{Status: shipments.OutForDelivery, PickedUpAt: &picked, OutForDeliveryAt: &out}, Model: model(shipments.MilestoneOutForDelivery)}, out, false, out.Add(time.Hour)},
		{"row for an older milestone", shipments.Shipment{CreatedAt: created, Derived: shipments.Derived{Status: shipments.PickedUp, PickedUpAt: &picked}, Model: model(shipments.MilestoneCreated)}, picked, true, time.Time{}},
		{"no model", shipments.Shipment{CreatedAt: created}, created, true, time.Time{}},
		{"delivered", shipments.Shipment{CreatedAt: created, Derived: shipments.Derived{Status: shipments.Delivered, DeliveredAt: &out}, Model: model(shipments.MilestoneCreated)}, created, true, time.Time{}},
		{"window closed", shipments.Shipment{CreatedAt: created, Model: model(shipments.MilestoneCreated)}, created.Add(5 * time.Hour), true, time.Time{}},
	}
	for _, c := range cases {
		e := c.s.Estimate(c.now)
		if (e == nil) != c.wantNil {
			t.Errorf("%s: estimate %+v, want nil %v", c.name, e, c.wantNil)
			continue
		}
		if e != nil && (!e.From.Equal(c.from) || !e.To.Equal(c.from.Add(3*time.Hour)) || e.Basis != shipments.BasisLane) {
			t.Errorf("%s: estimate %+v, want from %v to +3h on lane", c.name, e, c.from)
		}
	}
}

// history generates n express deliveries on two lanes with a known distribution: from
// creation to delivery log-normal with median 20 h (sigma 0.25), and from out for delivery
// to delivery uniform on [1 h, 5 h]. One day's parcels are created every 0.2 h on average.
// A third lane has only 10 parcels, so it must fall back.
func history(n int, seed uint64) []shipments.Delivery {
	r := rand.New(rand.NewPCG(seed, 1))
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var out []shipments.Delivery
	for i := range n {
		created := start.Add(time.Duration(i) * 12 * time.Minute)
		total := time.Duration(math.Exp(math.Log(20)+0.25*r.NormFloat64()) * float64(time.Hour))
		last := time.Hour + time.Duration(r.Float64()*float64(4*time.Hour))
		last = min(last, total)
		delivered := created.Add(total)
		ofd := delivered.Add(-last)
		dest := []string{"北京市", "上海市"}[i%2]
		if i%(n/10) == 0 {
			dest = "广州市" // the sparse lane: 10 parcels
		}
		out = append(out, shipments.Delivery{ServiceLevel: shipments.Express, OriginCity: "杭州市", OriginProvince: "浙江省",
			DestCity: dest, DestProvince: dest, CreatedAt: created, OutForDeliveryAt: &ofd, DeliveredAt: delivered,
			PromisedAt: shipments.Express.PromisedAt(created, nil)})
	}
	return out
}

// The backtest on history with a known distribution: the learned quantiles match the true
// ones, about 80 % of held-out deliveries fall inside [p10, p90] (± 3.5 points: with about
// 2,000 tested, the binomial standard error is 0.9 points), the sparse lane falls back, and
// the window from out for delivery is about 3.2 h wide (true p90 - p10 of U[1,5] h).
func TestBacktestKnownDistribution(t *testing.T) {
	ds := history(10000, 7)
	z := 1.2815515655 // the 90th percentile of the standard normal
	truth := map[string]time.Duration{
		"p10": time.Duration(math.Exp(math.Log(20)-0.25*z) * float64(time.Hour)),
		"p50": 20 * time.Hour,
		"p90": time.Duration(math.Exp(math.Log(20)+0.25*z) * float64(time.Hour)),
	}
	m := shipments.Train(ds[:8000])
	q, basis, ok := m.Lookup(shipments.Keys(shipments.Express, "杭州市", "浙江省", "北京市", "北京市"), shipments.MilestoneCreated)
	if !ok || basis != shipments.BasisLane {
		t.Fatalf("lane lookup: %v %v", basis, ok)
	}
	for name, got := range map[string]time.Duration{"p10": q.P10, "p50": q.P50, "p90": q.P90} {
		if d := got - truth[name]; d < -20*time.Minute || d > 20*time.Minute {
			t.Errorf("learned %s %v, true %v", name, got, truth[name])
		}
	}
	if _, basis, _ := m.Lookup(shipments.Keys(shipments.Express, "杭州市", "浙江省", "广州市", "广州市"), shipments.MilestoneCreated); basis == shipments.BasisLane {
		t.Errorf("sparse lane (10 parcels) answered on its own lane")
	}
	rows := shipments.Backtest(ds, 0.2)
	if len(rows) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		t.Logf("%s from %s: tested %d, inside %.1f %%, MAE %.2f h, median width %.2f h; promise kept %.1f %%, MAE %.2f h",
			r.ServiceLevel, r.Milestone, r.Estimated, 100*r.Inside, r.MAE.Hours(), r.MedianWidth.Hours(), 100*r.PromiseKept, r.PromiseMAE.Hours())
		if r.Tested != 2000 || r.Estimated != 2000 {
			t.Errorf("%s: tested %d estimated %d, want 2000", r.Milestone, r.Tested, r.Estimated)
		}
		if r.Inside < 0.765 || r.Inside > 0.835 {
			t.Errorf("%s: %.1f %% inside [p10, p90], want 80 ± 3.5", r.Milestone, 100*r.Inside)
		}
		if r.MAE >= r.PromiseMAE {
			t.Errorf("%s: window middle MAE %v not better than the promise's %v", r.Milestone, r.MAE, r.PromiseMAE)
		}
	}
	if w := rows[1].MedianWidth; rows[1].Milestone != shipments.MilestoneOutForDelivery || w < 3*time.Hour || w > 3*time.Hour+25*time.Minute {
		t.Errorf("%s: median width %v, want about 3.2 h", rows[1].Milestone, w)
	}
}
