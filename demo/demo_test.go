package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/demo"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

func TestMain(m *testing.M) {
	accounts.UseTestHashCost() // tests check rules, not the cost of a guess
	testdb.Main(m)
}

// now is the demo's fixed present: a Saturday afternoon in Shanghai.
var now = time.Date(2026, 11, 21, 15, 4, 5, 0, shipments.DefaultZone)

func load(t *testing.T, pool *pgxpool.Pool, seed int64, n int) *demo.Summary {
	t.Helper()
	sum, err := demo.Load(context.Background(), pool, demo.Options{Shipments: n, Seed: seed, Now: now})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return sum
}

// digest is an md5 of every row of the four tables, in id order.
func digest(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var d string
	err := pool.QueryRow(context.Background(), `
SELECT md5(concat_ws('/',
    (SELECT string_agg(t::text, '|' ORDER BY id) FROM shippers t),
    (SELECT string_agg(t::text, '|' ORDER BY id) FROM consignees t),
    (SELECT string_agg(t::text, '|' ORDER BY id) FROM shipments t),
    (SELECT string_agg(t::text, '|' ORDER BY shipment_id, event_key) FROM tracking_events t)))`).Scan(&d)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSameSeedSameRows(t *testing.T) {
	t.Parallel()
	a, b, c := testdb.New(t), testdb.New(t), testdb.New(t)
	load(t, a, 7, 300)
	load(t, b, 7, 300)
	load(t, c, 8, 300)
	if da, db := digest(t, a), digest(t, b); da != db {
		t.Errorf("same seed, different rows: %s != %s", da, db)
	}
	if da, dc := digest(t, a), digest(t, c); da == dc {
		t.Errorf("different seeds gave the same rows")
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	if empty, err := demo.Empty(ctx, pool); err != nil || !empty {
		t.Fatalf("Empty before load = %v, %v", empty, err)
	}
	var progress []int
	sum, err := demo.Load(ctx, pool, demo.Options{Shipments: 300, Seed: 1, Now: now, Progress: func(n int) { progress = append(progress, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Shippers != 40 || sum.Consignees != 100 || sum.Shipments != 300 || sum.Events < 300*5 {
		t.Errorf("summary = %+v", sum)
	}
	if len(progress) != 1 || progress[0] != 300 {
		t.Errorf("progress = %v", progress)
	}
	if empty, err := demo.Empty(ctx, pool); err != nil || empty {
		t.Errorf("Empty after load = %v, %v", empty, err)
	}
	var rows int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM tracking_events").Scan(&rows); err != nil || rows != sum.Events {
		t.Errorf("events in table = %d (%v), summary says %d", rows, err, sum.Events)
	}

	checkPhones(t, pool)
	list := readShipments(t, pool)
	statuses := map[shipments.Code]int{}
	s10, late, deliveredEvents, delivered := 0, 0, 0, 0
	for _, s := range list {
		statuses[s.Status]++
		if tn, err := shipments.NormalizeTrackingNo(s.TrackingNo); err != nil || tn != s.TrackingNo {
			t.Errorf("tracking number %q: %v", s.TrackingNo, err)
		}
		if shipments.IsS10Shape(s.TrackingNo) {
			s10++
		}
		if want := s.ServiceLevel.PromisedAt(s.CreatedAt, shipments.DefaultZone); !s.PromisedAt.Equal(want) {
			t.Errorf("%s: promised %v, want %v", s.TrackingNo, s.PromisedAt, want)
		}
		if s.CreatedAt.After(now) || s.CreatedAt.Before(now.AddDate(0, 0, -90)) {
			t.Errorf("%s: created %v outside the 90 days before now", s.TrackingNo, s.CreatedAt)
		}
		if s.Late(now) {
			late++
		}
		if s.Status == shipments.Delivered {
			delivered++
			deliveredEvents += len(s.events)
		}
		checkDerived(t, s)
	}
	t.Logf("statuses %v, s10 %d, late %d, events per delivered %.1f", statuses, s10, late, float64(deliveredEvents)/float64(delivered))
	if statuses[shipments.Delivered] < 200 || statuses[shipments.InTransit]+statuses[shipments.PickedUp] == 0 ||
		statuses[shipments.Exception]+statuses[shipments.Returned] == 0 {
		t.Errorf("status mix = %v", statuses)
	}
	if s10 == 0 || s10 > 100 {
		t.Errorf("%d S10 tracking numbers of 300", s10)
	}
	if late < 10 || late > 90 {
		t.Errorf("%d late shipments of 300", late)
	}
	if avg := float64(deliveredEvents) / float64(delivered); avg < 7 || avg > 10 {
		t.Errorf("%.1f events per delivered shipment", avg)
	}
	var after int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM tracking_events WHERE occurred_at > $1 OR received_at > $1", now).Scan(&after); err != nil || after != 0 {
		t.Errorf("%d events after now (%v)", after, err)
	}
}

type loaded struct {
	shipments.Shipment
	events []shipments.Event
}

func readShipments(t *testing.T, pool *pgxpool.Pool) []*loaded {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `
SELECT id, tracking_no, service_level, created_at, promised_at, status, picked_up_at, arrived_at_station_at,
       out_for_delivery_at, delivered_at, signed_by, signed_at, pod_url, last_event_at
FROM shipments ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*loaded{}
	var list []*loaded
	for rows.Next() {
		s := &loaded{}
		if err := rows.Scan(&s.ID, &s.TrackingNo, &s.ServiceLevel, &s.CreatedAt, &s.PromisedAt, &s.Status,
			&s.PickedUpAt, &s.ArrivedAtStationAt, &s.OutForDeliveryAt, &s.DeliveredAt, &s.SignedBy,
			&s.SignedAt, &s.PODURL, &s.LastEventAt); err != nil {
			t.Fatal(err)
		}
		byID[s.ID] = s
		list = append(list, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows, _ = pool.Query(ctx, `SELECT shipment_id, event_key, code, occurred_at, signed_by, pod_url FROM tracking_events`)
	var id int64
	var e shipments.Event
	_, err = pgx.ForEachRow(rows, []any{&id, &e.Key, &e.Code, &e.OccurredAt, &e.SignedBy, &e.PODURL}, func() error {
		byID[id].events = append(byID[id].events, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// checkDerived re-derives a shipment from its stored events.
func checkDerived(t *testing.T, s *loaded) {
	t.Helper()
	if len(s.events) == 0 {
		t.Errorf("%s: no events", s.TrackingNo)
		return
	}
	d := shipments.Derive(s.events)
	same := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
	if d.Status != s.Status || d.SignedBy != s.SignedBy || d.PODURL != s.PODURL ||
		!same(d.PickedUpAt, s.PickedUpAt) || !same(d.ArrivedAtStationAt, s.ArrivedAtStationAt) ||
		!same(d.OutForDeliveryAt, s.OutForDeliveryAt) || !same(d.DeliveredAt, s.DeliveredAt) ||
		!same(d.DeliveredAt, s.SignedAt) || !same(d.LastEventAt, s.LastEventAt) {
		t.Errorf("%s: stored %+v, derived %+v", s.TrackingNo, s.Derived, d)
	}
	keys := map[string]bool{}
	for _, e := range s.events {
		if keys[e.Key] {
			t.Errorf("%s: event key %s twice", s.TrackingNo, e.Key)
		}
		keys[e.Key] = true
	}
}

func checkPhones(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	rows, err := pool.Query(context.Background(), "SELECT phone FROM consignees UNION ALL SELECT phone FROM shippers")
	if err != nil {
		t.Fatal(err)
	}
	phones, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(phones) != 140 {
		t.Fatalf("%d phones, %v", len(phones), err)
	}
	for _, p := range phones {
		if got, err := customers.NormalizePhone(p, "CN"); err != nil || got != p {
			t.Errorf("phone %q: normalized %q, %v", p, got, err)
		}
	}
}

// TestLoadTwice loads onto a database that already has data: ids follow the existing
// ones, nothing collides, and the sequences continue after the demo rows.
func TestLoadTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	load(t, pool, 3, 100)
	load(t, pool, 3, 100)
	var n, shippers int
	if err := pool.QueryRow(ctx, "SELECT count(*), (SELECT count(*) FROM shippers) FROM shipments").Scan(&n, &shippers); err != nil || n != 200 || shippers != 80 {
		t.Fatalf("shipments %d, shippers %d, %v", n, shippers, err)
	}
	var id int64
	if err := pool.QueryRow(ctx, "INSERT INTO shippers (code, name) VALUES ('X1', 'x') RETURNING id").Scan(&id); err != nil || id != 81 {
		t.Errorf("next shipper id = %d, %v", id, err)
	}
}
