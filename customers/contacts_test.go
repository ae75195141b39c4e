package customers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// searchFixture makes two shipments (one consignee reached by two phone spellings, two
// shippers) and a complaint; it returns the stores, the consignee id and the complaint.
func searchFixture(t *testing.T) (*customers.Store, int64, *complaints.Complaint) {
	t.Helper()
	ctx := context.Background()
	pool := testdb.New(t)
	shp := shipments.NewStore(pool)
	_, err := shp.CreateShipments(ctx, []shipments.NewShipment{
		{TrackingNo: "SD100000000001", Shipper: customers.Shipper{Code: "ACME", Name: "Acme 物流", ContactName: "李雷", Phone: "+86 10 6552 9988"},
			Consignee:  customers.Consignee{Name: "张小明", Phone: "13800138000", Address: customers.Address{City: "北京"}},
			OriginCity: "杭州", WeightG: 100},
		{TrackingNo: "SD100000000002", Shipper: customers.Shipper{Code: "BETA", Name: "Beta Trading"},
			Consignee:  customers.Consignee{Name: "王芳", Phone: "13900139000", Address: customers.Address{City: "上海"}},
			OriginCity: "杭州", WeightG: 100},
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := shp.Get(ctx, "SD100000000001")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := complaints.NewStore(pool).File(ctx, complaints.Filing{ShipmentID: d.ID, Category: "delayed",
		Description: "三天没有动静", ContactPhone: "13800138000", IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	return customers.NewStore(pool), d.ConsigneeID, cp
}

func TestSearch(t *testing.T) {
	t.Parallel()
	st, zhangID, cp := searchFixture(t)
	tests := []struct {
		q    string
		want []string // "kind:name:via" of every match, in order
	}{
		{"138 0013 8000", []string{"consignee:张小明:phone"}},
		{"+86-138-0013-8000", []string{"consignee:张小明:phone"}},
		{"8613800138000", []string{"consignee:张小明:phone"}},
		{"010 6552 9988", []string{"shipper:Acme 物流:phone"}},
		{"sd100000000002", []string{"consignee:王芳:tracking_no", "shipper:Beta Trading:tracking_no"}},
		{cp.Ref, []string{"consignee:张小明:complaint"}},
		{"张", []string{"consignee:张小明:name"}},
		{"小明", []string{"consignee:张小明:name"}}, // no name starts so: contains
		{"张小", []string{"consignee:张小明:name"}}, // prefix
		{"trad", []string{"shipper:Beta Trading:name"}},
		{"李雷", []string{"shipper:Acme 物流:name"}},
		{"acme", []string{"shipper:Acme 物流:name"}},
		{"50%_off", nil},
		{"  ", nil},
	}
	for _, tt := range tests {
		got, err := st.Search(context.Background(), tt.q, 0)
		if err != nil {
			t.Fatalf("%q: %v", tt.q, err)
		}
		var names []string
		for _, m := range got {
			names = append(names, string(m.Kind)+":"+m.Name+":"+m.Via)
			if m.Kind == customers.KindConsignee && m.Name == "张小明" && m.ID != zhangID {
				t.Errorf("%q: 张小明 has id %d, want %d", tt.q, m.ID, zhangID)
			}
		}
		if len(names) != len(tt.want) {
			t.Errorf("Search(%q) = %v, want %v", tt.q, names, tt.want)
			continue
		}
		for i := range names {
			if names[i] != tt.want[i] {
				t.Errorf("Search(%q) = %v, want %v", tt.q, names, tt.want)
				break
			}
		}
	}
}

func TestContactLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, zhangID, cp := searchFixture(t)
	if _, err := st.LastContact(ctx, customers.KindConsignee, zhangID, time.Time{}); !errors.Is(err, customers.ErrNotFound) {
		t.Fatalf("last contact before any: %v", err)
	}
	base := customers.Contact{Kind: customers.KindConsignee, CustomerID: zhangID, Channel: "phone", Direction: "outbound",
		Summary: "  已告知预计明天送达  ", Outcome: "resolved", IdempotencyKey: "nonce-1", ComplaintID: cp.ID}
	first, err := st.LogContact(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	again, err := st.LogContact(ctx, base) // the double submit
	if err != nil || again.ID != first.ID {
		t.Fatalf("repeat: %v, id %d want %d", err, again.ID, first.ID)
	}
	if first.Summary != "已告知预计明天送达" || first.Kind != customers.KindConsignee || first.ComplaintID != cp.ID {
		t.Errorf("stored %+v", first)
	}
	second := base
	second.IdempotencyKey, second.Outcome, second.ComplaintID = "nonce-2", "no_answer", 0
	if _, err := st.LogContact(ctx, second); err != nil {
		t.Fatal(err)
	}
	list, err := st.Contacts(ctx, customers.ContactFilter{Kind: customers.KindConsignee, CustomerID: zhangID}, 0)
	if err != nil || len(list) != 2 || list[0].Outcome != "no_answer" {
		t.Fatalf("contacts: %v %+v", err, list)
	}
	byComplaint, err := st.Contacts(ctx, customers.ContactFilter{ComplaintID: cp.ID}, 10)
	if err != nil || len(byComplaint) != 1 || byComplaint[0].ID != first.ID {
		t.Fatalf("by complaint: %v %+v", err, byComplaint)
	}
	last, err := st.LastContact(ctx, customers.KindConsignee, zhangID, time.Now().Add(-24*time.Hour))
	if err != nil || last.Outcome != "no_answer" {
		t.Fatalf("last: %v %+v", err, last)
	}
	if _, err := st.LastContact(ctx, customers.KindConsignee, zhangID, time.Now().Add(time.Hour)); !errors.Is(err, customers.ErrNotFound) {
		t.Errorf("last contact in the future: %v", err)
	}
	bad := []customers.Contact{
		{Kind: "person", CustomerID: zhangID, Channel: "phone", Direction: "outbound", Outcome: "resolved"},
		{Kind: customers.KindConsignee, CustomerID: zhangID, Channel: "fax", Direction: "outbound", Outcome: "resolved"},
		{Kind: customers.KindConsignee, CustomerID: zhangID, Channel: "phone", Direction: "sideways", Outcome: "resolved"},
		{Kind: customers.KindConsignee, CustomerID: zhangID, Channel: "phone", Direction: "outbound", Outcome: "maybe"},
	}
	for i, c := range bad {
		var ve *errs.ValidationError
		if _, err := st.LogContact(ctx, c); !errors.As(err, &ve) {
			t.Errorf("bad %d: %v, want a validation error", i, err)
		}
	}
	ghost := base
	ghost.CustomerID, ghost.IdempotencyKey = 999999, "nonce-ghost"
	if _, err := st.LogContact(ctx, ghost); !errors.Is(err, customers.ErrNotFound) {
		t.Errorf("contact with an unknown consignee: %v", err)
	}
	p, err := st.Profile(ctx, customers.KindConsignee, zhangID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Consignee.Name != "张小明" || len(p.Shipments) != 1 || len(p.Complaints) != 1 || p.Complaints[0].Ref != cp.Ref ||
		len(p.Contacts) != 2 || p.LastContact(time.Now().Add(-time.Hour)) == nil || p.Shipments[0].Party != "Acme 物流" {
		t.Errorf("profile %+v", p)
	}
	if _, err := st.Profile(ctx, customers.KindShipper, 999999); !errors.Is(err, customers.ErrNotFound) {
		t.Errorf("missing shipper profile: %v", err)
	}
}

// Ids past 2^31 are bigint like the columns: the filter finds nothing instead of failing.
func TestContactsBigIDs(t *testing.T) {
	st, _, _ := searchFixture(t)
	for _, f := range []customers.ContactFilter{
		{Kind: customers.KindConsignee, CustomerID: 3_000_000_000},
		{Kind: customers.KindShipper, CustomerID: 3_000_000_000},
		{ComplaintID: 1 << 40},
	} {
		if got, err := st.Contacts(context.Background(), f, 10); err != nil || len(got) != 0 {
			t.Errorf("%+v: %d contacts, %v", f, len(got), err)
		}
	}
}
