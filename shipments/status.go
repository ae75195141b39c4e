package shipments

import (
	"sort"
	"time"
)

// Code is what a tracking event says happened; a shipment's Status is the Code it is in.
type Code string

// The tracking event codes, which are also the shipment statuses.
const (
	Created          Code = "created"
	PickedUp         Code = "picked_up"
	InTransit        Code = "in_transit"
	ArrivedAtStation Code = "arrived_at_station"
	OutForDelivery   Code = "out_for_delivery"
	DeliveryFailed   Code = "delivery_failed"
	Delivered        Code = "delivered"
	Exception        Code = "exception"
	Returned         Code = "returned"
)

// Codes lists every event code in the order a parcel normally meets them.
var Codes = []Code{Created, PickedUp, InTransit, ArrivedAtStation, OutForDelivery, DeliveryFailed, Delivered, Exception, Returned}

// rank orders codes of events that happen at the same instant: the later step wins.
var rank = map[Code]int{
	Created: 0, PickedUp: 1, InTransit: 2, ArrivedAtStation: 3, Exception: 4,
	OutForDelivery: 5, DeliveryFailed: 6, Delivered: 8, Returned: 7,
}

// Valid reports whether c is a known event code.
func (c Code) Valid() bool { _, ok := rank[c]; return ok }

// Final reports whether c ends the journey: no later ordinary event undoes it.
func (c Code) Final() bool { return c == Delivered || c == Returned }

// Event is one tracking event of a shipment.
type Event struct {
	Key        string // the source's own event id; (shipment, key) is unique
	Code       Code
	OccurredAt time.Time
	Location   string
	Note       string
	SignedBy   string
	PODURL     string
}

// Derived is the state of a shipment computed from its events.
type Derived struct {
	Status             Code
	PickedUpAt         *time.Time
	ArrivedAtStationAt *time.Time
	OutForDeliveryAt   *time.Time
	DeliveredAt        *time.Time
	SignedBy           string
	PODURL             string
	LastEventAt        *time.Time
	// StatusEvent is the key of the event that set Status and StatusAt its time (empty
	// and nil while the shipment has no event): a status change is named by it, so the
	// same event sent again announces nothing new.
	StatusEvent string
	StatusAt    *time.Time
}

// setBy records e as the event that set the status.
func (d *Derived) setBy(e Event) {
	t := e.OccurredAt
	d.StatusEvent, d.StatusAt = e.Key, &t
}

// Less orders events in time, breaking ties by the step they mark and then by key, so
// the same events give the same order whatever order they arrived in.
func Less(a, b Event) bool {
	if !a.OccurredAt.Equal(b.OccurredAt) {
		return a.OccurredAt.Before(b.OccurredAt)
	}
	if rank[a.Code] != rank[b.Code] {
		return rank[a.Code] < rank[b.Code]
	}
	return a.Key < b.Key
}

// Derive computes a shipment's status and key times from its events, whatever order they
// arrived in. The status is that of the latest event by occurred-at time, except that once
// the parcel is delivered or returned only a later final event changes it: a late
// "in_transit" scan never undoes "delivered". Key times are the first time each step was
// reached; delivery time and signer come from the final delivered event.
func Derive(events []Event) Derived {
	d := Derived{Status: Created}
	if len(events) == 0 {
		return d
	}
	sorted := append([]Event(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return Less(sorted[i], sorted[j]) })
	first := func(p **time.Time, t time.Time) {
		if *p == nil {
			t := t
			*p = &t
		}
	}
	final := false
	for _, e := range sorted {
		switch e.Code {
		case PickedUp:
			first(&d.PickedUpAt, e.OccurredAt)
		case ArrivedAtStation:
			first(&d.ArrivedAtStationAt, e.OccurredAt)
		case OutForDelivery:
			first(&d.OutForDeliveryAt, e.OccurredAt)
		}
		if e.Code.Final() {
			final = true
			d.Status = e.Code
			d.setBy(e)
			if e.Code == Delivered {
				t := e.OccurredAt
				d.DeliveredAt, d.SignedBy, d.PODURL = &t, e.SignedBy, e.PODURL
			} else {
				d.DeliveredAt, d.SignedBy, d.PODURL = nil, "", ""
			}
		} else if !final {
			d.Status = e.Code
			d.setBy(e)
		}
	}
	last := sorted[len(sorted)-1].OccurredAt
	d.LastEventAt = &last
	return d
}
