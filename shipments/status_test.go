package shipments_test

import (
	"errors"
	"testing"
	"time"

	"lcrm/shipments"
)

func at(h int) time.Time { return time.Date(2026, 11, 20, h, 0, 0, 0, time.UTC) }

func ev(key string, code shipments.Code, h int) shipments.Event {
	return shipments.Event{Key: key, Code: code, OccurredAt: at(h)}
}

func TestDerive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		events      []shipments.Event
		want        shipments.Code
		delivered   bool
		outForDeliv int // hour of first out_for_delivery, 0 = none
	}{
		{name: "no events", want: shipments.Created},
		{name: "in order", events: []shipments.Event{ev("1", shipments.Created, 1), ev("2", shipments.PickedUp, 2), ev("3", shipments.InTransit, 3)}, want: shipments.InTransit},
		{name: "out of order arrival", events: []shipments.Event{ev("3", shipments.InTransit, 3), ev("1", shipments.Created, 1), ev("2", shipments.PickedUp, 2)}, want: shipments.InTransit},
		{name: "late in_transit never undoes delivered", events: []shipments.Event{ev("1", shipments.OutForDelivery, 5), ev("2", shipments.Delivered, 6), ev("3", shipments.InTransit, 9)}, want: shipments.Delivered, delivered: true, outForDeliv: 5},
		{name: "delivered arriving before earlier scans", events: []shipments.Event{ev("2", shipments.Delivered, 6), ev("1", shipments.OutForDelivery, 5)}, want: shipments.Delivered, delivered: true, outForDeliv: 5},
		{name: "duplicate events", events: []shipments.Event{ev("1", shipments.PickedUp, 2), ev("1", shipments.PickedUp, 2), ev("2", shipments.ArrivedAtStation, 4)}, want: shipments.ArrivedAtStation},
		{name: "failed then reattempt", events: []shipments.Event{ev("1", shipments.OutForDelivery, 5), ev("2", shipments.DeliveryFailed, 6), ev("3", shipments.OutForDelivery, 20)}, want: shipments.OutForDelivery, outForDeliv: 5},
		{name: "same instant: later step wins", events: []shipments.Event{ev("b", shipments.Delivered, 6), ev("a", shipments.OutForDelivery, 6)}, want: shipments.Delivered, delivered: true, outForDeliv: 6},
		{name: "exception then recovery", events: []shipments.Event{ev("1", shipments.Exception, 3), ev("2", shipments.InTransit, 4)}, want: shipments.InTransit},
		{name: "returned after delivered", events: []shipments.Event{ev("1", shipments.Delivered, 6), ev("2", shipments.Returned, 30)}, want: shipments.Returned},
		{name: "exception after delivered ignored", events: []shipments.Event{ev("1", shipments.Delivered, 6), ev("2", shipments.Exception, 7)}, want: shipments.Delivered, delivered: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := shipments.Derive(tt.events)
			if d.Status != tt.want {
				t.Errorf("status = %s, want %s", d.Status, tt.want)
			}
			if (d.DeliveredAt != nil) != tt.delivered {
				t.Errorf("delivered_at = %v, want set=%v", d.DeliveredAt, tt.delivered)
			}
			if tt.outForDeliv != 0 && (d.OutForDeliveryAt == nil || !d.OutForDeliveryAt.Equal(at(tt.outForDeliv))) {
				t.Errorf("out_for_delivery_at = %v, want first one at %v", d.OutForDeliveryAt, at(tt.outForDeliv))
			}
			// Every permutation of arrival must give the same answer.
			if len(tt.events) == 3 {
				e := tt.events
				for _, p := range [][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
					if got := shipments.Derive([]shipments.Event{e[p[0]], e[p[1]], e[p[2]]}).Status; got != tt.want {
						t.Errorf("order %v: status %s, want %s", p, got, tt.want)
					}
				}
			}
		})
	}
}

func TestTrackingNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		err      error
	}{
		{in: "  sd1234567890  ", want: "SD1234567890"},
		{in: "RR123456785CN", want: "RR123456785CN"}, // S10, check digit 5
		{in: "EE000000000CN", err: shipments.ErrBadCheckDigit},
		{in: "RA473124829GB", want: "RA473124829GB"}, // the UPU S10 reference example
		{in: "EE000000005CN", want: "EE000000005CN"}, // sum 0 -> 11 -> 5
		{in: "RR123456784CN", err: shipments.ErrBadCheckDigit},
		{in: "AB12345678", want: "AB12345678"},
		{in: "SHORT1", err: shipments.ErrBadTrackingNo},
		{in: "SD-12345678", err: shipments.ErrBadTrackingNo},
		{in: "运单12345678", err: shipments.ErrBadTrackingNo},
		{in: "A1234567890123456789012345678901", err: shipments.ErrBadTrackingNo},
	}
	for _, tt := range tests {
		got, err := shipments.NormalizeTrackingNo(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("NormalizeTrackingNo(%q) err = %v, want %v", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeTrackingNo(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for serial, want := range map[string]int{"47312482": 9, "12345678": 5, "00000000": 5} {
		if got := shipments.S10CheckDigit(serial); got != want {
			t.Errorf("S10CheckDigit(%s) = %d, want %d", serial, got, want)
		}
	}
}

func TestPromisedAt(t *testing.T) {
	t.Parallel()
	sh := shipments.DefaultZone
	created := time.Date(2026, 11, 20, 9, 0, 0, 0, sh)
	tests := []struct {
		level   shipments.ServiceLevel
		created time.Time
		want    time.Time
	}{
		{shipments.Standard, created, created.Add(72 * time.Hour)},
		{shipments.Express, created, created.Add(24 * time.Hour)},
		{shipments.SameDay, created, time.Date(2026, 11, 20, 22, 0, 0, 0, sh)},
		{shipments.SameDay, time.Date(2026, 11, 20, 15, 0, 0, 0, sh), time.Date(2026, 11, 21, 22, 0, 0, 0, sh)},
	}
	for _, tt := range tests {
		if got := tt.level.PromisedAt(tt.created, sh); !got.Equal(tt.want) {
			t.Errorf("%s from %v = %v, want %v", tt.level, tt.created, got, tt.want)
		}
	}
}
