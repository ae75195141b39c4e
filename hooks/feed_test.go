package hooks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/hooks"
	"lcrm/internal/clock"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// The status-change feed: each change becomes shipment.status_changed (and delivered a
// shipment.delivered too) for the parcel's shipper only, once, in order.
func TestStatusChangeFeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	clk := clock.NewManual(time.Now().Add(-20 * time.Hour))
	ship := shipments.NewStore(pool)
	ship.Now = clk.Now
	st := store(pool, clk)
	rcv := newReceiver(t, clk.Now)
	const tn = "SD300000000001"
	ns := shipments.NewShipment{TrackingNo: tn,
		Shipper: customers.Shipper{Code: "ACME", Name: "杭州云裳服饰有限公司", Tier: customers.TierKey},
		Consignee: customers.Consignee{Name: "张小明", Phone: "13800138000",
			Address: customers.Address{Province: "北京市", City: "北京", District: "朝阳区", Street: "望京街10号"}},
		ServiceLevel: shipments.Express, OriginCity: "杭州", WeightG: 1200, DeclaredValueFen: 19900}
	if _, err := ship.CreateShipments(ctx, []shipments.NewShipment{ns}); err != nil {
		t.Fatal(err)
	}
	var acme int64
	if err := pool.QueryRow(ctx, `SELECT id FROM shippers WHERE code = 'ACME'`).Scan(&acme); err != nil {
		t.Fatal(err)
	}
	other := shipper(t, pool, "OTHER")
	_, secret, err := st.Register(ctx, acme, rcv.URL, []string{hooks.ShipmentStatusChanged, hooks.ShipmentDelivered})
	if err != nil {
		t.Fatal(err)
	}
	var otherHits atomic.Int64
	spy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { otherHits.Add(1) }))
	defer spy.Close()
	if _, _, err := st.Register(ctx, other, spy.URL, hooks.EventTypes); err != nil {
		t.Fatal(err)
	}
	rcv.setSecrets(secret)
	clk.Set(time.Now())
	base := time.Now().Add(-10 * time.Hour).Truncate(time.Second)
	for i, code := range []shipments.Code{shipments.PickedUp, shipments.InTransit, shipments.Delivered} {
		if _, err := ship.RecordEvents(ctx, []shipments.NewEvent{{TrackingNo: tn, Event: shipments.Event{Key: "e" + itoa(i),
			Code: code, OccurredAt: base.Add(time.Duration(i) * time.Hour), SignedBy: "本人"}}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ { // the second call finds nothing new
		if _, err := st.Feed(ctx, ship, 100); err != nil {
			t.Fatal(err)
		}
	}
	drain(t, st.Sender(hooks.SenderConfig{}))
	var got []string
	for _, r := range rcv.received() {
		got = append(got, r.Type+":"+string(r.Data)[len(`{"tracking_no":"SD300000000001","from":"`):][:4])
	}
	want := []string{"shipment.status_changed:crea", "shipment.status_changed:pick", "shipment.status_changed:in_t", "shipment.delivered:in_t"}
	if len(got) != len(want) {
		t.Fatalf("received %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("received %v, want %v", got, want)
		}
	}
	if otherHits.Load() != 0 {
		t.Errorf("another shipper's endpoint received %d of ACME's events", otherHits.Load())
	}
}
