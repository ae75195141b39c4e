package shipments_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/demo"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// trackFields is what a tracking view may read of d: the fields Track documents, the
// address only for the verified view.
func trackFields(d *shipments.Detail, view shipments.TrackView) *shipments.Detail {
	s := d.Shipment
	out := &shipments.Detail{Shipment: shipments.Shipment{ID: s.ID, TrackingNo: s.TrackingNo, ServiceLevel: s.ServiceLevel,
		OriginCity: s.OriginCity, Dest: customers.Address{Province: s.Dest.Province, City: s.Dest.City},
		PromisedAt: s.PromisedAt, CreatedAt: s.CreatedAt, Derived: s.Derived, Model: s.Model},
		Addressee:        shipments.Addressee{Name: d.Addressee.Name, Phone: d.Addressee.Phone},
		Shipper:          customers.Shipper{Name: d.Shipper.Name, ContactName: d.Shipper.ContactName, Phone: d.Shipper.Phone},
		Consignee:        customers.Consignee{Name: d.Consignee.Name, Phone: d.Consignee.Phone},
		EventsArchivedAt: d.EventsArchivedAt}
	out.LastEventAt = nil // what the ingest reads, no view
	for _, e := range d.Events {
		e.PODURL = ""
		out.Events = append(out.Events, e)
	}
	if view == shipments.VerifiedView {
		out.ConsigneeID, out.Consignee.ID = s.ConsigneeID, s.ConsigneeID
		out.Dest.District, out.Dest.Street = s.Dest.District, s.Dest.Street
	}
	return out
}

// Each tracking view reads, field for field, what the full read (Get) has of it, and
// nothing else: on demo parcels (estimates learned, signer notes), a parcel with only its
// created event, one whose events share an instant (the timeline's order then rests on code rank and key)
// and a returned one; and both views mask to the same public view as the full read.
func TestTrackViewsMatchFullRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := shipments.NewStore(pool)
	now := time.Now()
	if _, err := demo.Load(ctx, pool, demo.Options{Shipments: 120, Seed: 5, Now: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RefreshEstimates(ctx, now); err != nil {
		t.Fatal(err)
	}
	createAt(t, st, now.Add(-30*time.Hour).Truncate(time.Second),
		newShipment("SD700000000001", "13800138001"), newShipment("SD700000000002", "13800138002"), newShipment("SD700000000003", "13800138003"))
	same := now.Add(-20 * time.Hour).Truncate(time.Second)
	var evs []shipments.NewEvent
	for _, e := range []shipments.Event{
		{Key: "z", Code: shipments.InTransit, OccurredAt: same, Location: "上海转运中心", Note: "张小明 13800138002"},
		{Key: "b", Code: shipments.PickedUp, OccurredAt: same, Location: "杭州"},
		{Key: "a", Code: shipments.InTransit, OccurredAt: same, Location: "南京"},
		{Key: "c", Code: shipments.OutForDelivery, OccurredAt: same.Add(time.Hour), Note: "派送中"},
	} {
		evs = append(evs, shipments.NewEvent{TrackingNo: "SD700000000002", Event: e})
	}
	evs = append(evs, events("SD700000000003", shipments.PickedUp, shipments.InTransit, shipments.Returned)...)
	if _, err := st.RecordEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	var numbers []string
	rows, err := pool.Query(ctx, `SELECT tracking_no FROM shipments ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, n)
	}
	if rows.Err() != nil || len(numbers) < 100 {
		t.Fatalf("%d numbers, %v", len(numbers), rows.Err())
	}
	var estimates int
	for _, view := range []shipments.TrackView{shipments.PublicView, shipments.VerifiedView} {
		many, err := st.TrackMany(ctx, append([]string{"SD000000000404", "not a number"}, numbers...), view)
		if err != nil {
			t.Fatal(err)
		}
		if len(many) != len(numbers) {
			t.Errorf("view %d: TrackMany found %d of %d", view, len(many), len(numbers))
		}
		for _, tn := range numbers {
			full, err := st.Get(ctx, tn)
			if err != nil {
				t.Fatal(err)
			}
			want := trackFields(full, view)
			got, err := st.Track(ctx, " "+tn+" ", view)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("view %d %s:\n got %+v\nwant %+v", view, tn, got, want)
			}
			if !reflect.DeepEqual(many[tn], want) {
				t.Errorf("view %d %s: TrackMany differs from Track", view, tn)
			}
			if g, w := got.Public(now), full.Public(now); !reflect.DeepEqual(g, w) {
				t.Errorf("view %d %s: public view\n got %+v\nwant %+v", view, tn, g, w)
			}
			if full.Estimate(now) != nil {
				estimates++
			}
		}
	}
	if estimates == 0 {
		t.Error("no parcel has an estimate: the estimate columns are not tested")
	}
	d, err := st.Track(ctx, "SD700000000002", shipments.PublicView)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range d.Events {
		keys = append(keys, e.Key)
	}
	if want := []string{"lcrm:created", "b", "a", "z", "c"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("same-instant order = %v, want %v", keys, want)
	}
	for _, tn := range []string{"SD000000000404", "nonsense", ""} {
		if _, err := st.Track(ctx, tn, shipments.PublicView); err != shipments.ErrNotFound {
			t.Errorf("Track(%q) = %v, want ErrNotFound", tn, err)
		}
	}
}

// BenchmarkTrackRead compares the full read with each view's, on demo parcels: allocations
// per read (-benchmem) do not depend on what else the machine runs, unlike the time.
func BenchmarkTrackRead(b *testing.B) {
	ctx := context.Background()
	pool := testdb.New(b)
	st := shipments.NewStore(pool)
	if _, err := demo.Load(ctx, pool, demo.Options{Shipments: 200, Seed: 5, Now: time.Now()}); err != nil {
		b.Fatal(err)
	}
	var numbers []string
	rows, err := pool.Query(ctx, `SELECT tracking_no FROM shipments ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			b.Fatal(err)
		}
		numbers = append(numbers, n)
	}
	for _, bb := range []struct {
		name string
		read func(tn string) (*shipments.Detail, error)
	}{
		{"full", func(tn string) (*shipments.Detail, error) { return st.Get(ctx, tn) }},
		{"public", func(tn string) (*shipments.Detail, error) { return st.Track(ctx, tn, shipments.PublicView) }},
		{"verified", func(tn string) (*shipments.Detail, error) { return st.Track(ctx, tn, shipments.VerifiedView) }},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := bb.read(numbers[i%len(numbers)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
