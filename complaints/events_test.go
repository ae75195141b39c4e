package complaints_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/hooks"
)

// Filing, moving and resolving a complaint emit complaint.created, complaint.updated and
// complaint.resolved into the webhook outbox, in the same transaction: a refused change
// emits nothing, and the shipper's endpoint gets them in order.
func TestComplaintEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	hk := hooks.NewStore(f.pool)
	hk.AllowPrivate = true
	f.store.Events = hk.Sink()
	agent := f.user("李雷", "supervisor", 0)
	sid := f.shipment(customers.TierRegular, "13800138000")
	var shipperID int64
	if err := f.pool.QueryRow(ctx, `SELECT shipper_id FROM shipments WHERE id = $1`, sid).Scan(&shipperID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := hk.Register(ctx, shipperID, "http://127.0.0.1:9/hook", hooks.EventTypes); err != nil {
		t.Fatal(err)
	}
	c, err := f.store.File(ctx, complaints.Filing{ShipmentID: sid, Category: complaints.Damaged, Description: "外箱破损", ContactPhone: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Transition(ctx, c.ID, complaints.StatusInProgress, agent); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Resolve(ctx, c.ID, agent, complaints.Resolution{RootCause: "gremlins"}); err == nil {
		t.Fatal("a bad resolution was accepted")
	}
	if err := f.store.Resolve(ctx, c.ID, agent, complaints.Resolution{RootCause: "sorting_hub", Department: "上海转运中心", Code: "explained"}); err != nil {
		t.Fatal(err)
	}
	rows, err := f.pool.Query(ctx, `SELECT event_type FROM webhook_deliveries ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{complaints.EventCreated, complaints.EventUpdated, complaints.EventResolved}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
	if complaints.EventCreated != hooks.ComplaintCreated || complaints.EventUpdated != hooks.ComplaintUpdated || complaints.EventResolved != hooks.ComplaintResolved {
		t.Error("complaints and hooks disagree on the event type names")
	}
}
