package shipments_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

func newShipment(tn, phone string) shipments.NewShipment {
	return shipments.NewShipment{
		TrackingNo: tn,
		Shipper:    customers.Shipper{Code: "ACME", Name: "杭州云裳服饰有限公司", Tier: customers.TierKey},
		Consignee: customers.Consignee{Name: "张小明", Phone: phone,
			Address: customers.Address{Province: "北京市", City: "北京", District: "朝阳区", Street: "望京街10号"}},
		ServiceLevel: shipments.Express, OriginCity: "杭州", WeightG: 1200, DeclaredValueFen: 19900,
	}
}

func TestCreateShipments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := shipments.NewStore(testdb.New(t))
	batch := []shipments.NewShipment{
		newShipment("sd100000000001", "138 0013 8000"),
		newShipment("SD100000000002", "+86-138-0013-8000"),
		newShipment("bad!", "12345"),
		newShipment("SD100000000001", "13800138000"), // repeat inside the batch
	}
	res, err := st.CreateShipments(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{shipments.ResultCreated, shipments.ResultCreated, shipments.ResultInvalid, shipments.ResultExists}
	for i, r := range res {
		if r.Status != want[i] {
			t.Errorf("item %d: %s, want %s (%v)", i, r.Status, want[i], r.Fields)
		}
	}
	if len(res[2].Fields) < 2 {
		t.Errorf("invalid item fields = %v, want tracking_no and consignee.phone", res[2].Fields)
	}
	// Retrying the batch creates nothing new.
	again, err := st.CreateShipments(ctx, batch[:2])
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range again {
		if r.Status != shipments.ResultExists {
			t.Errorf("retry: %s, want exists", r.Status)
		}
	}
	a, _ := st.Get(ctx, "SD100000000001")
	b, _ := st.Get(ctx, "sd100000000002")
	if a == nil || b == nil || a.ConsigneeID != b.ConsigneeID {
		t.Fatalf("two spellings of one phone should be one consignee")
	}
	if !a.PromisedAt.Equal(a.CreatedAt.Add(24 * time.Hour)) {
		t.Errorf("express promise = %v, want created+24h", a.PromisedAt)
	}
	// An unknown shipper code without a name is refused with the reason.
	unknown := newShipment("SD100000000009", "13900001111")
	unknown.Shipper = customers.Shipper{Code: "NEWCO"}
	r, err := st.CreateShipments(ctx, []shipments.NewShipment{unknown})
	if err != nil || r[0].Status != shipments.ResultInvalid || r[0].Fields[0].Field != "shipper.name" {
		t.Fatalf("unknown shipper = %+v, %v", r, err)
	}
}

func events(tn string, codes ...shipments.Code) []shipments.NewEvent {
	base := time.Now().Add(-48 * time.Hour)
	var out []shipments.NewEvent
	for i, c := range codes {
		e := shipments.NewEvent{TrackingNo: tn, Event: shipments.Event{Key: fmt.Sprintf("e%d", i), Code: c, OccurredAt: base.Add(time.Duration(i) * time.Hour), Location: "上海转运中心"}}
		if c == shipments.Delivered {
			e.SignedBy = "本人"
		}
		out = append(out, e)
	}
	return out
}

func TestRecordEventsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := shipments.NewStore(pool)
	if _, err := st.CreateShipments(ctx, []shipments.NewShipment{newShipment("SD200000000001", "13800138000")}); err != nil {
		t.Fatal(err)
	}
	batch := events("SD200000000001", shipments.PickedUp, shipments.InTransit, shipments.ArrivedAtStation, shipments.OutForDelivery, shipments.Delivered)
	batch = append(batch, shipments.NewEvent{TrackingNo: "SD299999999999", Event: shipments.Event{Key: "x", Code: shipments.InTransit, OccurredAt: time.Now()}})
	batch = append(batch, shipments.NewEvent{TrackingNo: "SD200000000001", Event: shipments.Event{Key: "y", Code: "teleported", OccurredAt: time.Now()}})
	// Deliver the batch in reverse order: out of order must not matter.
	for i, j := 0, len(batch)-1; i < j; i, j = i+1, j-1 {
		batch[i], batch[j] = batch[j], batch[i]
	}
	first, err := st.RecordEvents(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	count := func(res []shipments.ItemResult) map[string]int {
		m := map[string]int{}
		for _, r := range res {
			m[r.Status]++
		}
		return m
	}
	if c := count(first); c[shipments.ResultStored] != 5 || c[shipments.ResultUnknown] != 1 || c[shipments.ResultInvalid] != 1 {
		t.Fatalf("first run = %v", c)
	}
	d1, err := st.Get(ctx, "SD200000000001")
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.RecordEvents(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if c := count(second); c[shipments.ResultDuplicate] != 5 || c[shipments.ResultStored] != 0 {
		t.Fatalf("replay = %v, want 5 duplicates", c)
	}
	d2, _ := st.Get(ctx, "SD200000000001")
	if d1.Status != shipments.Delivered || d2.Status != shipments.Delivered || len(d2.Events) != 6 {
		t.Fatalf("after replay: status %s, %d events; want delivered, 6 (with created)", d2.Status, len(d2.Events))
	}
	if d2.SignedBy != "本人" || d2.DeliveredAt == nil || d2.OutForDeliveryAt == nil || d2.SignedAt == nil {
		t.Errorf("sign-off not recorded: %+v", d2.Derived)
	}
	// A late in_transit scan arrives after delivery: stored, status stays delivered.
	late := events("SD200000000001", shipments.InTransit)
	late[0].Key, late[0].OccurredAt = "late", time.Now().Add(-time.Minute)
	if _, err := st.RecordEvents(ctx, late); err != nil {
		t.Fatal(err)
	}
	if d3, _ := st.Get(ctx, "SD200000000001"); d3.Status != shipments.Delivered {
		t.Errorf("late scan changed status to %s", d3.Status)
	}
}

// Two batches for one shipment at once: the lock order makes them serialise, so the final
// status reflects every event, whichever commits last.
func TestRecordEventsConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := shipments.NewStore(testdb.New(t))
	var items []shipments.NewShipment
	for i := 0; i < 20; i++ {
		items = append(items, newShipment(fmt.Sprintf("SD3000000000%02d", i), "13800138000"))
	}
	if _, err := st.CreateShipments(ctx, items); err != nil {
		t.Fatal(err)
	}
	all := map[int][]shipments.NewEvent{}
	for i := range items {
		e := events(items[i].TrackingNo, shipments.PickedUp, shipments.InTransit, shipments.OutForDelivery, shipments.Delivered)
		all[0] = append(all[0], e[0], e[3]) // batch A: picked up + delivered
		all[1] = append(all[1], e[2], e[1]) // batch B: the middle, in reverse
	}
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for b := 0; b < 2; b++ {
			wg.Add(1)
			go func(b int) {
				defer wg.Done()
				_, errs[b] = st.RecordEvents(ctx, all[b])
			}(b)
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v / %v", round, errs[0], errs[1])
		}
	}
	for _, it := range items {
		d, err := st.Get(ctx, it.TrackingNo)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != shipments.Delivered || len(d.Events) != 5 || d.OutForDeliveryAt == nil || d.PickedUpAt == nil {
			t.Fatalf("%s: status %s with %d events, out=%v", it.TrackingNo, d.Status, len(d.Events), d.OutForDeliveryAt)
		}
	}
}

func TestGetNotFound(t *testing.T) {
	t.Parallel()
	st := shipments.NewStore(testdb.New(t))
	for _, tn := range []string{"SD999999999999", "bad", ""} {
		if _, err := st.Get(context.Background(), tn); err != shipments.ErrNotFound {
			t.Errorf("Get(%q) err = %v, want ErrNotFound", tn, err)
		}
	}
}
