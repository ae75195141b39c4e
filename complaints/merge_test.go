package complaints_test

import (
	"context"
	"testing"

	"lcrm/complaints"
	"lcrm/customers"
)

// Merging two consignee records moves their complaints to the survivor.
func TestMergeMovesComplaints(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	keep, err := f.store.File(ctx, complaints.Filing{ShipmentID: f.shipment(customers.TierRegular, "13900001111"),
		Category: complaints.Delayed, Description: "慢", ContactPhone: "13900001111"})
	if err != nil {
		t.Fatal(err)
	}
	dup, err := f.store.File(ctx, complaints.Filing{ShipmentID: f.shipment(customers.TierRegular, "13700002222"),
		Category: complaints.Lost, Description: "丢了", ContactPhone: "13700002222"})
	if err != nil {
		t.Fatal(err)
	}
	if keep.ConsigneeID == dup.ConsigneeID {
		t.Fatal("two phones should be two consignees")
	}
	res, err := customers.NewStore(f.pool).Merge(ctx, keep.ConsigneeID, dup.ConsigneeID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved["complaints"] != 1 {
		t.Errorf("moved = %v, want one complaint", res.Moved)
	}
	got, err := f.store.ListByConsignee(ctx, keep.ConsigneeID)
	if err != nil || len(got) != 2 {
		t.Errorf("survivor has %d complaints, %v; want 2", len(got), err)
	}
	if left, _ := f.store.ListByConsignee(ctx, dup.ConsigneeID); len(left) != 0 {
		t.Errorf("merged record still has %d complaints", len(left))
	}
}
