package demo

import (
	"math/rand/v2"
	"sort"
	"time"

	"lcrm/shipments"
)

// Random streams: each kind of record draws from its own PCG stream, and each record
// number from its own seed within it, so record k is the same however the rows are
// batched and the two COPY passes over shipments agree.
const (
	streamShipper   = 0x5348495050455221
	streamConsignee = 0x434f4e5349474e45
	streamShipment  = 0x5348495054524b21
)

// bases are the largest ids in use before loading; generated ids follow them.
type bases struct{ shippers, consignees, shipments int64 }

// generator makes every demo record from the options alone.
type generator struct {
	seed       int64
	now, start time.Time
	shipments  int
	consignees int
	base       bases
	shippers   []shipper
	shipperCum []int
	timeline   timeline
	pcg, cpcg  *rand.PCG // sources of rng and of consignee look-ups
	rand, crnd *rand.Rand
}

func newGenerator(opt Options, b bases) *generator {
	g := &generator{
		seed: opt.Seed, now: opt.Now, start: opt.Now.Add(-time.Duration(opt.Days) * 24 * time.Hour),
		shipments: opt.Shipments, consignees: consigneeCount(opt.Shipments), base: b,
	}
	g.pcg, g.cpcg = rand.NewPCG(0, 0), rand.NewPCG(0, 0)
	g.rand, g.crnd = rand.New(g.pcg), rand.New(g.cpcg)
	g.shippers = g.makeShippers()
	total := 0
	for _, s := range g.shippers {
		total += s.weight
		g.shipperCum = append(g.shipperCum, total)
	}
	g.timeline = newTimeline(g.start, g.now)
	return g
}

// consigneeCount is the number of consignees for n shipments: a third, at least 50.
func consigneeCount(n int) int { return max(50, n/3) }

// rng returns the generator's random source reseeded for record k of stream. It is
// shared: draw everything for one record before asking for the next. Consignees have a
// source of their own, so a shipment can look its consignee up halfway through its draws.
func (g *generator) rng(stream, k uint64) *rand.Rand {
	src, r := g.pcg, g.rand
	if stream == streamConsignee {
		src, r = g.cpcg, g.crnd
	}
	src.Seed(uint64(g.seed)^stream, splitmix(k^uint64(g.seed)<<1))
	return r
}

// splitmix scrambles a counter into a well-spread 64-bit seed.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// pickShipper chooses a shipper in proportion to its volume.
func (g *generator) pickShipper(r *rand.Rand) *shipper {
	x := r.IntN(g.shipperCum[len(g.shipperCum)-1])
	i := sort.SearchInts(g.shipperCum, x+1)
	return &g.shippers[i]
}

// pickConsignee chooses a receiver: half uniformly, half favouring low numbers, so some
// people receive many parcels and some none in the period.
func (g *generator) pickConsignee(r *rand.Rand) int {
	f := r.Float64()
	if r.IntN(2) == 0 {
		f *= f
	}
	return int(f * float64(g.consignees))
}

// timeline places shipment k of n in time: hourly buckets from start to now weighted by
// the hour of day (Asia/Shanghai), quieter weekends and slow growth, filled in order so
// ids rise with creation time.
type timeline struct {
	start time.Time
	now   time.Time
	cum   []float64 // cumulative weight at the end of each bucket
}

func newTimeline(start, now time.Time) timeline {
	tl := timeline{start: start, now: now}
	n := int(now.Sub(start) / time.Hour)
	if start.Add(time.Duration(n)*time.Hour).Before(now) || n == 0 {
		n++
	}
	total := 0.0
	for i := 0; i < n; i++ {
		t := start.Add(time.Duration(i) * time.Hour)
		local := t.In(shipments.DefaultZone)
		w := hourWeights[local.Hour()] * (0.85 + 0.3*float64(i)/float64(n))
		switch local.Weekday() {
		case time.Saturday:
			w *= 0.85
		case time.Sunday:
			w *= 0.75
		}
		if end := t.Add(time.Hour); end.After(now) {
			w *= float64(now.Sub(t)) / float64(time.Hour)
		}
		total += w
		tl.cum = append(tl.cum, total)
	}
	return tl
}

// at is the creation time of shipment k of n, with u in [0,1) spreading it inside its slot.
func (tl timeline) at(k, n int, u float64) time.Time {
	total := tl.cum[len(tl.cum)-1]
	target := (float64(k) + u) / float64(n) * total
	i := sort.SearchFloat64s(tl.cum, target)
	if i >= len(tl.cum) {
		i = len(tl.cum) - 1
	}
	prev := 0.0
	if i > 0 {
		prev = tl.cum[i-1]
	}
	frac := 0.0
	if w := tl.cum[i] - prev; w > 0 {
		frac = min(1, (target-prev)/w)
	}
	bucket := tl.start.Add(time.Duration(i) * time.Hour)
	length := min(time.Hour, tl.now.Sub(bucket))
	t := bucket.Add(time.Duration(frac * float64(length))).Truncate(time.Second)
	if t.After(tl.now) {
		t = tl.now.Truncate(time.Second)
	}
	return t
}
