package shipments_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// Eight batches at a time over the same parcels, each in random order and each carrying
// every event (so each event arrives eight times, racing its own copies): no batch fails
// (no deadlock), every event is stored once, every parcel's status is Derive of all its
// events, and its status changes form one unbroken chain with no change lost or repeated.
func TestRecordEventsOverlapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := shipments.NewStore(pool)
	const parcels, senders = 30, 8
	var items []shipments.NewShipment
	for i := 0; i < parcels; i++ {
		items = append(items, newShipment(fmt.Sprintf("SD4000000000%02d", i), "13800138000"))
	}
	createAt(t, st, time.Now().Add(-72*time.Hour).Truncate(time.Second), items...)
	// A journey with a late in_transit scan (after delivery) and one sent out of time order.
	var all []shipments.NewEvent
	for _, it := range items {
		all = append(all, events(it.TrackingNo, shipments.PickedUp, shipments.InTransit, shipments.InTransit,
			shipments.ArrivedAtStation, shipments.OutForDelivery, shipments.DeliveryFailed,
			shipments.OutForDelivery, shipments.Delivered, shipments.InTransit)...)
	}
	var wg sync.WaitGroup
	errs := make([]error, senders)
	stored := make([]int, senders)
	for g := 0; g < senders; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 17))
			mine := append([]shipments.NewEvent(nil), all...)
			r.Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
			for len(mine) > 0 {
				n := min(len(mine), 10+r.IntN(50))
				res, err := st.RecordEvents(ctx, mine[:n])
				if err != nil {
					errs[g] = err
					return
				}
				for _, x := range res {
					if x.Status == shipments.ResultStored {
						stored[g]++
					}
				}
				mine = mine[n:]
			}
		}(g)
	}
	wg.Wait()
	total := 0
	for g := range errs {
		if errs[g] != nil {
			t.Fatalf("sender %d: %v", g, errs[g])
		}
		total += stored[g]
	}
	if total != len(all) {
		t.Errorf("stored %d events over all senders, want each of %d once", total, len(all))
	}
	for _, it := range items {
		s, err := st.Get(ctx, it.TrackingNo)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Events) != 10 { // 9 sent and "created"
			t.Fatalf("%s: %d events, want 10", it.TrackingNo, len(s.Events))
		}
		want := shipments.Derive(s.Events)
		got := s.Derived
		got.StatusEvent, got.StatusAt = want.StatusEvent, want.StatusAt // not stored on the row
		if !reflect.DeepEqual(normal(got), normal(want)) || got.Status != shipments.Delivered {
			t.Errorf("%s: stored %+v, want Derive = %+v", it.TrackingNo, got, want)
		}
		checkChain(t, pool, s.ID, got.Status)
	}
}

// normal puts times in UTC so DeepEqual compares instants.
func normal(d shipments.Derived) shipments.Derived {
	for _, p := range []**time.Time{&d.PickedUpAt, &d.ArrivedAtStationAt, &d.OutForDeliveryAt, &d.DeliveredAt, &d.LastEventAt, &d.StatusAt} {
		if *p != nil {
			u := (*p).UTC()
			*p = &u
		}
	}
	return d
}

// checkChain asserts that a shipment's recorded status changes run from created to final,
// each starting where the previous ended, none twice.
func checkChain(t *testing.T, pool *pgxpool.Pool, id int64, final shipments.Code) {
	t.Helper()
	rows, _ := pool.Query(context.Background(),
		`SELECT from_status, to_status, event_key FROM shipment_status_changes WHERE shipment_id = $1 ORDER BY id`, id)
	type change struct{ from, to, key string }
	changes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (change, error) {
		var c change
		return c, r.Scan(&c.from, &c.to, &c.key)
	})
	if err != nil {
		t.Fatal(err)
	}
	at, seen := string(shipments.Created), map[change]bool{}
	for _, c := range changes {
		if c.from != at || seen[c] {
			t.Fatalf("shipment %d: changes %v are not one chain from created", id, changes)
		}
		seen[c], at = true, c.to
	}
	if at != string(final) {
		t.Errorf("shipment %d: changes end at %s, status is %s (%v)", id, at, final, changes)
	}
}

// createAt creates items with the store's clock at t (so their "created" events come before
// the test's events), then gives the store back the system clock.
func createAt(t *testing.T, st *shipments.Store, at time.Time, items ...shipments.NewShipment) {
	t.Helper()
	st.Now = func() time.Time { return at }
	defer func() { st.Now = time.Now }()
	if _, err := st.CreateShipments(context.Background(), items); err != nil {
		t.Fatal(err)
	}
}

// A scan that changes nothing derived (an old in_transit after delivery) writes nothing;
// one that moves only last_event_at is a HOT update (no index covers that column).
func TestRecordEventsWritesOnlyChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := testdb.NewWithURL(t)
	// One connection: the counts read below come from the backend that wrote, flushed on
	// demand (pg_stat_force_next_flush), so they are exact rather than eventually there.
	conf, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	conf.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st := shipments.NewStore(pool)
	const tn = "SD500000000001"
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	createAt(t, st, t0, newShipment(tn, "13800138000"))
	scan := func(key string, code shipments.Code, at time.Time) {
		t.Helper()
		ev := shipments.NewEvent{TrackingNo: tn, Event: shipments.Event{Key: key, Code: code, OccurredAt: at}}
		if code == shipments.Delivered {
			ev.SignedBy = "本人"
		}
		res, err := st.RecordEvents(ctx, []shipments.NewEvent{ev})
		if err != nil || res[0].Status != shipments.ResultStored {
			t.Fatalf("scan %s: %+v, %v", key, res, err)
		}
	}
	type row struct {
		status          string
		last, updatedAt time.Time
	}
	read := func() (r row) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT status, last_event_at, updated_at FROM shipments WHERE tracking_no = $1`, tn).
			Scan(&r.status, &r.last, &r.updatedAt); err != nil {
			t.Fatal(err)
		}
		return r
	}
	counts := func() (upd, hot int64) {
		t.Helper()
		if _, err := pool.Exec(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'shipments'`).Scan(&upd, &hot); err != nil {
			t.Fatal(err)
		}
		return
	}
	scan("p", shipments.PickedUp, t0.Add(10*time.Minute))
	scan("d", shipments.Delivered, t0.Add(30*time.Minute))
	delivered := read()
	upd0, hot0 := counts()
	scan("old", shipments.InTransit, t0.Add(20*time.Minute)) // before delivery: nothing derived moves
	if r := read(); r != delivered {
		t.Errorf("an old scan rewrote the row: %+v, was %+v", r, delivered)
	}
	late := t0.Add(2 * time.Hour)
	scan("late", shipments.InTransit, late) // after delivery: status stays, last_event_at moves
	if r := read(); r.status != string(shipments.Delivered) || !r.last.Equal(late) {
		t.Errorf("late scan: %+v; want delivered, last event %v", r, late)
	}
	upd1, hot1 := counts()
	if upd1-upd0 != 1 || hot1-hot0 != 1 {
		t.Errorf("old and late scans: %d updates, %d HOT; want 1 and 1", upd1-upd0, hot1-hot0)
	}
}
