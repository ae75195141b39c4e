package shipments_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/clock"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// Every status change is recorded with the write that made it, once: a re-sent event, a
// late scan that cannot undo delivery and an event that changes nothing record nothing.
func TestStatusChangesRecorded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const tn = "SD300000000001"
	st := createdBefore(t, 20*time.Hour, tn)
	base := time.Now().Add(-10 * time.Hour).Truncate(time.Second)
	ev := func(key string, code shipments.Code, h int) shipments.NewEvent {
		return shipments.NewEvent{TrackingNo: tn, Event: shipments.Event{Key: key, Code: code, OccurredAt: base.Add(time.Duration(h) * time.Hour), SignedBy: "本人"}}
	}
	steps := []struct {
		name string
		ev   shipments.NewEvent
		want []string // from>to recorded so far
	}{
		{"picked up", ev("e1", shipments.PickedUp, 0), []string{"created>picked_up"}},
		{"in transit", ev("e2", shipments.InTransit, 1), []string{"created>picked_up", "picked_up>in_transit"}},
		{"same event again", ev("e2", shipments.InTransit, 1), []string{"created>picked_up", "picked_up>in_transit"}},
		{"second scan, same status", ev("e3", shipments.InTransit, 2), []string{"created>picked_up", "picked_up>in_transit"}},
		{"delivered", ev("e4", shipments.Delivered, 4), []string{"created>picked_up", "picked_up>in_transit", "in_transit>delivered"}},
		{"late in_transit", ev("e5", shipments.InTransit, 3), []string{"created>picked_up", "picked_up>in_transit", "in_transit>delivered"}},
		{"later scan after delivery", ev("e6", shipments.InTransit, 5), []string{"created>picked_up", "picked_up>in_transit", "in_transit>delivered"}},
	}
	for _, s := range steps {
		if res, err := st.RecordEvents(ctx, []shipments.NewEvent{s.ev}); err != nil || res[0].Status == shipments.ResultInvalid {
			t.Fatalf("%s: %+v, %v", s.name, res, err)
		}
		got := changes(t, st, tn)
		if len(got) != len(s.want) {
			t.Fatalf("%s: changes %v, want %v", s.name, got, s.want)
		}
		for i := range got {
			if got[i] != s.want[i] {
				t.Fatalf("%s: changes %v, want %v", s.name, got, s.want)
			}
		}
	}
	var key string
	var at time.Time
	if err := st.Pool().QueryRow(ctx, `SELECT event_key, occurred_at FROM shipment_status_changes WHERE to_status = 'delivered'`).Scan(&key, &at); err != nil {
		t.Fatal(err)
	}
	if key != "e4" || !at.Equal(base.Add(4*time.Hour)) {
		t.Errorf("delivered change names event %q at %v, want e4 at %v", key, at, base.Add(4*time.Hour))
	}
}

// createdBefore is a store holding shipments tns created ago before now, its clock back at
// the wall clock so that scans come after creation.
func createdBefore(t *testing.T, ago time.Duration, tns ...string) *shipments.Store {
	t.Helper()
	st := shipments.NewStore(testdb.New(t))
	clk := clock.NewManual(time.Now().Add(-ago))
	st.Now = clk.Now
	for _, tn := range tns {
		if _, err := st.CreateShipments(context.Background(), []shipments.NewShipment{newShipment(tn, "13800138000")}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(time.Now())
	return st
}

func changes(t *testing.T, st *shipments.Store, tn string) []string {
	t.Helper()
	rows, err := st.Pool().Query(context.Background(), `
SELECT c.from_status || '>' || c.to_status FROM shipment_status_changes c JOIN shipments s ON s.id = c.shipment_id
WHERE s.tracking_no = $1 ORDER BY c.id`, tn)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Each consumer hands every change on exactly once: a failed hand-on is taken again,
// consumers do not see each other's marks, and concurrent callers take disjoint changes.
func TestHandOnStatusChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := shipments.NewStore(testdb.New(t))
	clk := clock.NewManual(time.Now().Add(-72 * time.Hour))
	st.Now = clk.Now
	var all []shipments.NewEvent
	for _, tn := range []string{"SD300000000011", "SD300000000012", "SD300000000013"} {
		if _, err := st.CreateShipments(ctx, []shipments.NewShipment{newShipment(tn, "13800138000")}); err != nil {
			t.Fatal(err)
		}
		all = append(all, events(tn, shipments.PickedUp)...)
	}
	clk.Set(time.Now())     // the scans come after creation
	for _, e := range all { // one batch per event: one change each
		if _, err := st.RecordEvents(ctx, []shipments.NewEvent{e}); err != nil {
			t.Fatal(err)
		}
	}
	boom := errors.New("outbox down")
	n, err := st.HandOnStatusChanges(ctx, shipments.ConsumerSMS, 10, func(context.Context, pgx.Tx, []shipments.StatusChange) error { return boom })
	if n != 0 || !errors.Is(err, boom) {
		t.Fatalf("failed hand-on: %d, %v; want 0 and the error", n, err)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := st.HandOnStatusChanges(ctx, shipments.ConsumerSMS, 1, func(_ context.Context, _ pgx.Tx, cs []shipments.StatusChange) error {
					mu.Lock()
					defer mu.Unlock()
					for _, c := range cs {
						if c.TrackingNo == "" || c.ShipperID == 0 || c.To != shipments.PickedUp || c.From != shipments.Created {
							t.Errorf("change %+v lacks its shipment or statuses", c)
						}
						seen[c.ID]++
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != 3 {
		t.Fatalf("sms consumer saw %d changes, want 3", len(seen))
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("change %d handed on %d times, want once", id, k)
		}
	}
	if n, err := st.HandOnStatusChanges(ctx, shipments.ConsumerSMS, 10, func(context.Context, pgx.Tx, []shipments.StatusChange) error { return nil }); n != 0 || err != nil {
		t.Errorf("sms again: %d, %v; want nothing left", n, err)
	}
	if n, err := st.HandOnStatusChanges(ctx, shipments.ConsumerWebhooks, 10, func(context.Context, pgx.Tx, []shipments.StatusChange) error { return nil }); n != 3 || err != nil {
		t.Errorf("webhooks consumer: %d, %v; want its own 3", n, err)
	}
	if _, err := st.HandOnStatusChanges(ctx, "fax", 10, nil); err == nil {
		t.Error("an unknown consumer is refused")
	}
}
