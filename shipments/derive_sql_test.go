package shipments_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// The status and key times RecordEvents derives in SQL (deriveSQL) are what Derive gives
// for the same events, on sequences chosen for their edge cases: out of order, ties broken
// by code rank and by event id in byte order (which a database collation would not give),
// late scans after a final event, duplicates, returns. Each sequence is sent three times, to
// three parcels: once as one shuffled batch (the recorded status change must then be named by
// Derive's status event), once an event per batch in reverse order, and once as the first
// event and then the rest in one batch.
func TestDeriveSQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := shipments.NewStore(pool)
	type ev struct {
		key    string
		code   shipments.Code
		min    int // minutes after the parcel's creation
		signed string
	}
	const (
		P, T, A, O  = shipments.PickedUp, shipments.InTransit, shipments.ArrivedAtStation, shipments.OutForDelivery
		F, D, X, R_ = shipments.DeliveryFailed, shipments.Delivered, shipments.Exception, shipments.Returned
	)
	cases := []struct {
		name string
		evs  []ev
	}{
		{"journey", []ev{{"p", P, 10, ""}, {"t1", T, 20, ""}, {"t2", T, 30, ""}, {"a", A, 40, ""}, {"o", O, 50, ""}, {"d", D, 60, "本人"}}},
		{"late in_transit after delivered", []ev{{"p", P, 10, ""}, {"d", D, 60, "前台"}, {"late", T, 90, ""}}},
		{"delivered then returned", []ev{{"o", O, 10, ""}, {"d", D, 20, "本人"}, {"r", R_, 30, ""}, {"t", T, 40, ""}}},
		{"returned then delivered", []ev{{"o", O, 10, ""}, {"r", R_, 20, ""}, {"d", D, 30, "门卫"}}},
		{"two deliveries", []ev{{"d1", D, 20, "张三"}, {"d2", D, 30, "李四"}, {"t", T, 25, ""}}},
		{"same instant: rank decides", []ev{{"z", P, 10, ""}, {"a", T, 10, ""}}},
		{"same instant: exception before out_for_delivery", []ev{{"o", O, 10, ""}, {"x", X, 10, ""}}},
		{"same instant: delivered beats returned", []ev{{"r", R_, 10, ""}, {"d", D, 10, "本人"}}},
		{"same instant and code: byte order of ids", []ev{{"a", D, 10, "a"}, {"Z", D, 10, "Z"}, {"B", D, 10, "B"}}},
		{"same instant and code: non-ASCII id last", []ev{{"é", T, 10, ""}, {"f", T, 10, ""}, {"E", T, 10, ""}}},
		{"no final: last event", []ev{{"p", P, 10, ""}, {"x", X, 40, ""}, {"f", F, 30, ""}, {"a1", A, 20, ""}, {"a2", A, 35, ""}}},
		{"first time of each step", []ev{{"a2", A, 50, ""}, {"a1", A, 20, ""}, {"o2", O, 70, ""}, {"o1", O, 60, ""}, {"p2", P, 15, ""}, {"p1", P, 5, ""}}},
		{"failed attempts then delivered", []ev{{"o1", O, 10, ""}, {"f1", F, 20, ""}, {"o2", O, 30, ""}, {"f2", F, 40, ""}, {"o3", O, 50, ""}, {"d", D, 60, "本人"}}},
		{"delivery between a return and a later scan", []ev{{"d", D, 35, "本人"}, {"t", T, 40, ""}, {"r", R_, 30, ""}}},
		{"return after exception", []ev{{"t", T, 10, ""}, {"x", X, 20, ""}, {"r", R_, 30, ""}, {"late", O, 40, ""}}},
	}
	r := rand.New(rand.NewPCG(3, 17))
	created := time.Now().Add(-72 * time.Hour).Truncate(time.Second)
	for n, c := range cases {
		var sent [3][]shipments.NewEvent
		for m := range sent {
			tn := fmt.Sprintf("SD6000000%03d%02d", n, m)
			createAt(t, st, created, newShipment(tn, "13800138000"))
			for _, e := range c.evs {
				sent[m] = append(sent[m], shipments.NewEvent{TrackingNo: tn, Event: shipments.Event{
					Key: e.key, Code: e.code, OccurredAt: created.Add(time.Duration(e.min) * time.Minute), SignedBy: e.signed}})
			}
		}
		// Parcel 0: one shuffled batch, with its first event repeated (a duplicate).
		batch := append([]shipments.NewEvent(nil), sent[0]...)
		r.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		batch = append(batch, batch[0])
		res, err := st.RecordEvents(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range res {
			if want := map[bool]string{true: shipments.ResultDuplicate, false: shipments.ResultStored}[i == len(res)-1]; x.Status != want {
				t.Errorf("%s: item %d is %s, want %s", c.name, i, x.Status, want)
			}
		}
		// Parcel 1: an event per batch, last first.
		for i := len(sent[1]) - 1; i >= 0; i-- {
			if _, err := st.RecordEvents(ctx, sent[1][i:i+1]); err != nil {
				t.Fatal(err)
			}
		}
		// Parcel 2: the first event alone (a fresh parcel's row has no last event, so it is
		// derived from all events), then the rest shuffled in one batch (folded onto the row).
		rest := append([]shipments.NewEvent(nil), sent[2][1:]...)
		r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		for _, b := range [][]shipments.NewEvent{sent[2][:1], rest} {
			if _, err := st.RecordEvents(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		for m := range sent {
			s, err := st.Get(ctx, sent[m][0].TrackingNo)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Events) != len(c.evs)+1 {
				t.Fatalf("%s/%d: %d events, want %d", c.name, m, len(s.Events), len(c.evs)+1)
			}
			want := shipments.Derive(s.Events)
			got := s.Derived
			got.StatusEvent, got.StatusAt = want.StatusEvent, want.StatusAt // not stored on the row
			if !reflect.DeepEqual(normal(got), normal(want)) {
				t.Errorf("%s/%d: stored %+v, want Derive = %+v", c.name, m, normal(got), normal(want))
			}
			checkChain(t, pool, s.ID, got.Status)
			if m != 0 {
				continue
			}
			var to, key string
			var at time.Time
			if err := pool.QueryRow(ctx, `SELECT to_status, event_key, occurred_at FROM shipment_status_changes
				WHERE shipment_id = $1 ORDER BY id DESC LIMIT 1`, s.ID).Scan(&to, &key, &at); err != nil {
				t.Fatal(err)
			}
			if to != string(want.Status) || key != want.StatusEvent || !at.Equal(*want.StatusAt) {
				t.Errorf("%s: change to %s by %q at %v, want %s by %q at %v", c.name, to, key, at, want.Status, want.StatusEvent, want.StatusAt)
			}
		}
	}
}
