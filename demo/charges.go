package demo

import (
	"math/rand/v2"
	"time"

	"lcrm/customers"
	"lcrm/shipments"
)

// Demo charges follow how express carriers price a parcel: a first kilogram and each
// further (started) kilogram, both by distance zone and service level; key shippers pay
// contract rates (a discount of their own, a few a price-war rate below cost), regular
// ones a small discount. The cost is
// line haul plus last mile by weight and zone, dearer into the west, so most parcels make
// money but deep contract discounts on far lanes do not. One shipper (the last of
// shipperList) has no charges at all (billed outside lcrm), and parcels of the last three
// days are not costed yet, so the value page shows what "not known" looks like.

// regions groups the demo provinces (by provinceList name) for the distance zone.
var regions = map[string]int{
	"上海市": 0, "浙江省": 0, "江苏省": 0, "安徽省": 0, "山东省": 0, "福建省": 0,
	"广东省": 1,
	"北京市": 2, "辽宁省": 2,
	"河南省": 3, "湖北省": 3, "湖南省": 3,
	"四川省": 4, "重庆市": 4, "陕西省": 4,
}

// westRegion is the region whose lanes cost more to carry than the tariff assumes.
const westRegion = 4

// zone is the distance zone of a lane: 0 within a province, 1 within a region, 2 across.
func zone(from, to place) int {
	switch {
	case from.p == to.p:
		return 0
	case regions[from.province().name] == regions[to.province().name]:
		return 1
	default:
		return 2
	}
}

// Tariff in fen by zone: the first kilogram and each further kilogram (standard service).
var (
	firstKgFen = [3]int64{800, 1000, 1300}
	extraKgFen = [3]int64{200, 400, 700}
)

// discountPct is a shipper's contract discount in percent.
func discountPct(s *shipper) int64 {
	switch s.tier {
	case customers.TierKey:
		if s.id%4 == 0 {
			return 45 // won in a price war: below cost on most lanes
		}
		return 15 + (s.id*7)%16 // 15–30 %
	case customers.TierRegular:
		return (s.id * 3) % 6 // 0–5 %
	}
	return 0
}

// charges sets the parcel's freight, surcharge and cost from r (drawn after everything
// else, so the rest of the parcel is what it was before charges existed).
func (g *generator) charges(r *rand.Rand, p *parcel) {
	if p.shipper.id == g.base.shippers+int64(len(shipperList)) {
		return // the shipper billed outside lcrm
	}
	kg := int64((p.weightG + 999) / 1000)
	z := zone(p.origin, p.dest)
	var freight int64
	switch p.level {
	case shipments.SameDay:
		freight = 2500 + 500*(kg-1)
	case shipments.Express:
		freight = (firstKgFen[z] + extraKgFen[z]*(kg-1)) * 16 / 10
	default:
		freight = firstKgFen[z] + extraKgFen[z]*(kg-1)
	}
	freight = freight * (100 - discountPct(p.shipper)) / 100 / 10 * 10 // whole jiao
	p.freightFen = &freight
	// Insurance on a third of the parcels with a declared value: 0.5 %, at least 1 yuan.
	if p.valueFen > 0 && r.IntN(3) == 0 {
		s := max(100, p.valueFen/200)
		p.surchargeFen = &s
	}
	if p.created.After(g.now.Add(-3 * 24 * time.Hour)) {
		return // not costed yet
	}
	cost := 300 + 150*int64(z) + (80+120*int64(z))*kg
	switch p.level {
	case shipments.SameDay:
		cost = 1500 + 300*kg
	case shipments.Express:
		cost = cost * 13 / 10
	}
	if regions[p.dest.province().name] == westRegion && z > 0 {
		cost = cost * 17 / 10
	}
	cost = cost * int64(90+r.IntN(21)) / 100 // ±10 % from the day's loads
	p.costFen = &cost
}
