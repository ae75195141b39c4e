package shipments

import (
	"math"
	"time"
)

// Milestone is a step of a journey from which the time left to delivery is learned.
type Milestone string

// The milestones, earliest first.
const (
	MilestoneCreated        Milestone = "created"
	MilestonePickedUp       Milestone = "picked_up"
	MilestoneStation        Milestone = "arrived_at_station"
	MilestoneOutForDelivery Milestone = "out_for_delivery"
)

// Milestones lists every milestone, earliest first.
var Milestones = []Milestone{MilestoneCreated, MilestonePickedUp, MilestoneStation, MilestoneOutForDelivery}

// Basis says which key an estimate was learned on: the lane (origin city → destination
// city), the provinces, or the service level alone.
type Basis string

// The bases, most specific first.
const (
	BasisLane     Basis = "lane"
	BasisProvince Basis = "province"
	BasisService  Basis = "service"
)

// Bases lists the bases in the order the estimate tries them.
var Bases = []Basis{BasisLane, BasisProvince, BasisService}

const (
	// EstimateBucket is the width of one histogram bucket of the time to delivery.
	EstimateBucket = 15 * time.Minute
	// EstimateMaxBucket is the last bucket: longer times (over 30 days) are counted in it.
	EstimateMaxBucket = 30 * 24 * 4
	// MinEstimateParcels is how many delivered parcels a key needs, from a milestone, before
	// its quantiles are used. With 30 the p10 and p90 rest on at least 3 parcels each side
	// and the sampling error of a 10 % quantile is about ±5.5 points; fewer falls back to the
	// next, broader key.
	MinEstimateParcels = 30
)

// LaneKey is what the model learns on: a basis with its origin and destination (cities,
// provinces, or both empty) and a service level.
type LaneKey struct {
	Basis        Basis
	Origin, Dest string
	ServiceLevel ServiceLevel
}

// Delivery is one delivered parcel as the model learns from it (and as the backtest reads
// it): its lane, the times of its milestones and its delivery, and its fixed promise.
type Delivery struct {
	ServiceLevel                 ServiceLevel
	OriginCity, OriginProvince   string // OriginProvince "" when the city is not in city_provinces
	DestCity, DestProvince       string
	CreatedAt                    time.Time
	PickedUpAt, ArrivedAtStation *time.Time
	OutForDeliveryAt             *time.Time
	DeliveredAt, PromisedAt      time.Time
}

// Keys returns the keys a parcel is learned under and looked up by, most specific first:
// the lane when both cities are known, the provinces when both are known, and always the
// service level.
func Keys(level ServiceLevel, originCity, originProvince, destCity, destProvince string) []LaneKey {
	keys := make([]LaneKey, 0, 3)
	if originCity != "" && destCity != "" {
		keys = append(keys, LaneKey{BasisLane, originCity, destCity, level})
	}
	if originProvince != "" && destProvince != "" {
		keys = append(keys, LaneKey{BasisProvince, originProvince, destProvince, level})
	}
	return append(keys, LaneKey{BasisService, "", "", level})
}

// Keys returns the keys d is learned under.
func (d Delivery) Keys() []LaneKey {
	return Keys(d.ServiceLevel, d.OriginCity, d.OriginProvince, d.DestCity, d.DestProvince)
}

// MilestoneAt returns the time of milestone m of d, or nil when the parcel never reached it.
func (d Delivery) MilestoneAt(m Milestone) *time.Time {
	switch m {
	case MilestoneCreated:
		return &d.CreatedAt
	case MilestonePickedUp:
		return d.PickedUpAt
	case MilestoneStation:
		return d.ArrivedAtStation
	default:
		return d.OutForDeliveryAt
	}
}

// BucketOf is the histogram bucket of a time to delivery (negative times have none).
func BucketOf(d time.Duration) (int, bool) {
	if d < 0 {
		return 0, false
	}
	return min(int(d/EstimateBucket), EstimateMaxBucket), true
}

// Histogram counts times to delivery per bucket (BucketOf).
type Histogram map[int]int64

// Add counts one time to delivery.
func (h Histogram) Add(d time.Duration) {
	if b, ok := BucketOf(d); ok {
		h[b]++
	}
}

// N is how many times h counts.
func (h Histogram) N() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Quantiles are the 10th, 50th and 90th percentiles of a key's time to delivery, and how
// many parcels they rest on.
type Quantiles struct {
	N             int64
	P10, P50, P90 time.Duration
}

// Quantiles computes q from the histogram, interpolating linearly inside a bucket (the
// times in a bucket are taken as spread evenly across it).
func (h Histogram) Quantiles() Quantiles {
	n := h.N()
	q := Quantiles{N: n}
	if n == 0 {
		return q
	}
	last := 0
	for b := range h {
		last = max(last, b)
	}
	at := func(p float64) time.Duration {
		target := p * float64(n)
		var cum float64
		for b := 0; b <= last; b++ {
			c := float64(h[b])
			if c > 0 && cum+c >= target {
				frac := (target - cum) / c
				return time.Duration(math.Round((float64(b) + frac) * float64(EstimateBucket)))
			}
			cum += c
		}
		return time.Duration(last+1) * EstimateBucket
	}
	q.P10, q.P50, q.P90 = at(0.1), at(0.5), at(0.9)
	return q
}

// Fold adds d to the histograms of every key it is learned under, from every milestone it
// reached no later than its delivery. It is the one learning rule: the refresh job and the
// backtest both call it.
func Fold(hs map[LaneKey]map[Milestone]Histogram, d Delivery) {
	for _, k := range d.Keys() {
		for _, m := range Milestones {
			t := d.MilestoneAt(m)
			if t == nil || d.DeliveredAt.Before(*t) {
				continue
			}
			if hs[k] == nil {
				hs[k] = map[Milestone]Histogram{}
			}
			if hs[k][m] == nil {
				hs[k][m] = Histogram{}
			}
			hs[k][m].Add(d.DeliveredAt.Sub(*t))
		}
	}
}

// Model is the learned quantiles per key and milestone.
type Model map[LaneKey]map[Milestone]Quantiles

// Train learns a model from deliveries (the backtest's training set).
func Train(ds []Delivery) Model {
	hs := map[LaneKey]map[Milestone]Histogram{}
	for _, d := range ds {
		Fold(hs, d)
	}
	m := Model{}
	for k, byM := range hs {
		m[k] = map[Milestone]Quantiles{}
		for ms, h := range byM {
			m[k][ms] = h.Quantiles()
		}
	}
	return m
}

// Lookup returns the quantiles for the first of keys (most specific first) that has at
// least MinEstimateParcels parcels from milestone ms, and the basis it came from. The
// tracking read does the same in SQL (estimateJoin).
func (m Model) Lookup(keys []LaneKey, ms Milestone) (Quantiles, Basis, bool) {
	for _, k := range keys {
		if q, ok := m[k][ms]; ok && q.N >= MinEstimateParcels {
			return q, k.Basis, true
		}
	}
	return Quantiles{}, "", false
}

// Estimate is an expected delivery window and the key it was learned on.
type Estimate struct {
	From, To time.Time
	Basis    Basis
}

// Window is the estimate [at+p10, at+p90] from a milestone reached at at.
func (q Quantiles) Window(at time.Time, b Basis) Estimate {
	return Estimate{From: at.Add(q.P10), To: at.Add(q.P90), Basis: b}
}

// Middle is the middle of the window.
func (e Estimate) Middle() time.Time { return e.From.Add(e.To.Sub(e.From) / 2) }

// Latest returns the latest milestone a parcel on the road has reached and its time.
func (d *Derived) latest(created time.Time) (Milestone, time.Time) {
	switch {
	case d.OutForDeliveryAt != nil:
		return MilestoneOutForDelivery, *d.OutForDeliveryAt
	case d.ArrivedAtStationAt != nil:
		return MilestoneStation, *d.ArrivedAtStationAt
	case d.PickedUpAt != nil:
		return MilestonePickedUp, *d.PickedUpAt
	}
	return MilestoneCreated, created
}

// EstimateModel is the model row the tracking read joined for a parcel on the road: the
// quantiles from its latest milestone on the most specific key with enough history.
type EstimateModel struct {
	Basis     Basis
	Milestone Milestone
	Quantiles
}

// Estimate returns the parcel's expected delivery window as of now: its latest milestone
// plus the learned p10 and p90. It is nil when the parcel is delivered or returned, when no
// key has enough history, when the model row is for another milestone than the parcel's
// latest (a scan arrived after the read), or when the window has already closed at now
// (the model has nothing to say past its p90; the page then shows only the promise).
func (s *Shipment) Estimate(now time.Time) *Estimate {
	if s.Model == nil || s.DeliveredAt != nil || s.Status == Delivered || s.Status == Returned {
		return nil
	}
	ms, at := s.latest(s.CreatedAt)
	if ms != s.Model.Milestone {
		return nil
	}
	e := s.Model.Window(at, s.Model.Basis)
	if e.To.Before(now) {
		return nil
	}
	return &e
}
