package care_test

import (
	"testing"
	"time"

	"lcrm/care"
	"lcrm/hooks"
)

// A new slow sign-off flag emits shipment.delayed into the webhook outbox with the flag's
// transaction, once: a second run flags nothing and emits nothing.
func TestDelayedEvent(t *testing.T) {
	f := newFixture(t)
	hk := hooks.NewStore(f.pool)
	hk.AllowPrivate = true
	f.deps.Events = hk.Sink()
	reg := f.shipper("REG", "regular", "+8613900000002")
	h := time.Hour
	f.shipment(parcel{no: "SD0000000001", level: "standard", status: "out_for_delivery", shipper: reg, promised: 5 * h, station: 20 * h, ofd: 5 * h})
	f.shipment(parcel{no: "SD0000000002", level: "standard", status: "out_for_delivery", shipper: reg, promised: 5 * h, station: 20 * h, ofd: 3 * h})
	if _, _, err := hk.Register(f.ctx, reg, "http://127.0.0.1:9/", []string{hooks.ShipmentDelayed}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := care.FlagSlowSignoffs(f.ctx, f.deps, now); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(`SELECT count(*) FROM webhook_deliveries WHERE event_type = 'shipment.delayed' AND body LIKE '%"tracking_no":"SD0000000001","reason":"out_for_delivery"%'`); n != 1 {
		t.Errorf("%d shipment.delayed deliveries for the slow parcel, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM webhook_deliveries`); n != 1 {
		t.Errorf("%d deliveries in all, want 1", n)
	}
	if care.EventDelayed != hooks.ShipmentDelayed {
		t.Error("care and hooks disagree on the event type name")
	}
}
