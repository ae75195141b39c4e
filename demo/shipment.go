package demo

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"lcrm/shipments"
)

// parcel is one generated shipment with its planned events, already cut at Now.
type parcel struct {
	id         int64
	trackingNo string
	shipper    *shipper
	consignee  consignee
	level      shipments.ServiceLevel
	origin     place
	dest       place
	weightG    int
	valueFen   int64
	created    time.Time
	promised   time.Time
	steps      []shipments.Event
	// Charges in fen (see charges.go); nil is not known.
	freightFen, surchargeFen, costFen *int64
}

// parcel generates shipment number k (0-based) and its events. The same k always gives
// the same parcel; ids, tracking numbers and phones also depend on the id bases.
func (g *generator) parcel(k int) parcel {
	r := g.rng(streamShipment, uint64(k))
	cons := g.consignee(g.pickConsignee(r))
	p := parcel{id: g.base.shipments + int64(k) + 1, consignee: cons, dest: cons.home}
	switch x := r.IntN(100); {
	case x < 65:
		p.level = shipments.Standard
	case x < 95:
		p.level = shipments.Express
	default:
		p.level = shipments.SameDay
	}
	p.shipper = g.pickShipper(r)
	p.origin = p.shipper.home
	if p.level == shipments.SameDay {
		// Same-day parcels leave from the shipper's front warehouse in the receiver's city.
		p.origin = place{p.dest.p, p.dest.c, r.IntN(len(p.dest.city().districts))}
	} else {
		p.origin.d = r.IntN(len(p.origin.city().districts))
	}
	p.trackingNo = trackingNo(p.id, g.seed, r.IntN(100) < 12)
	p.created = g.timeline.at(k, g.shipments, r.Float64())
	p.promised = p.level.PromisedAt(p.created, shipments.DefaultZone)
	// Weights: log-normal around 0.9 kg, 50 g to 30 kg, in 10 g steps.
	w := math.Exp(math.Log(900) + 0.9*r.NormFloat64())
	p.weightG = int(min(30000, max(50, w))/10) * 10
	if r.IntN(100) >= 15 {
		v := math.Exp(math.Log(120) + 1.1*r.NormFloat64())
		p.valueFen = int64(min(50000, max(1, v))) * 100
	}
	p.steps = g.journey(r, &p)
	g.charges(r, &p)
	return p
}

// derived is what shipments.Derive computes from the parcel's events: the shipment's
// status and key times come from the domain's own rule, never from a copy of it.
func (p *parcel) derived() shipments.Derived { return shipments.Derive(p.steps) }

// row is the shipments row of the parcel, in shipmentColumns order.
func (p *parcel) row(buf []any) []any {
	d := p.derived()
	updated := p.created
	if d.LastEventAt != nil {
		updated = *d.LastEventAt
	}
	return append(buf[:0], p.id, p.trackingNo, p.shipper.id, p.consignee.id, string(p.level),
		p.origin.city().name, p.dest.province().name, p.dest.city().name, p.dest.district().name,
		p.consignee.street, p.dest.district().postal, p.weightG, p.valueFen, p.promised,
		string(d.Status), p.created, d.PickedUpAt, d.ArrivedAtStationAt, d.OutForDeliveryAt,
		d.DeliveredAt, d.SignedBy, d.DeliveredAt, d.PODURL, d.LastEventAt, updated,
		p.consignee.person.name, p.consignee.phone, p.consignee.email,
		p.freightFen, p.surchargeFen, p.costFen)
}

// shipmentColumns are the shipments columns the loader fills.
var shipmentColumns = []string{"id", "tracking_no", "shipper_id", "consignee_id", "service_level",
	"origin_city", "dest_province", "dest_city", "dest_district", "dest_street", "dest_postal_code",
	"weight_g", "declared_value_fen", "promised_at", "status", "created_at", "picked_up_at",
	"arrived_at_station_at", "out_for_delivery_at", "delivered_at", "signed_by", "signed_at",
	"pod_url", "last_event_at", "updated_at",
	// The consignee as the shipper sent it (shipments.Addressee).
	"consignee_name", "consignee_phone", "consignee_email",
	"freight_fen", "surcharge_fen", "cost_fen"}

// eventColumns are the tracking_events columns the loader fills.
var eventColumns = []string{"shipment_id", "event_key", "code", "occurred_at", "location", "note",
	"signed_by", "pod_url", "received_at"}

// eventRow is the tracking_events row of event i of the parcel. Events reach the system a
// few seconds to minutes after they happen, never after Now.
func (g *generator) eventRow(buf []any, p *parcel, i int) []any {
	e := &p.steps[i]
	lag := time.Duration(5+(p.id*7+int64(i)*131)%600) * time.Second
	received := e.OccurredAt.Add(lag)
	if received.After(g.now) {
		received = g.now
	}
	return append(buf[:0], p.id, e.Key, string(e.Code), e.OccurredAt, e.Location, e.Note,
		e.SignedBy, e.PODURL, received)
}

// eventKey is the source id of the parcel's n-th event (1-based).
func eventKey(n int) string { return "demo-" + strconv.Itoa(n) }

// between returns a random duration in [lo, hi).
func between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}
