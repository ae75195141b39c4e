package shipments_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// Every way a shipment is created keeps the consignee as its shipper sent it (Addressee),
// apart from the shared one-phone record, which keeps the person as first known.
func TestAddresseeKeptPerShipment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := shipments.NewStore(testdb.New(t))
	if _, err := st.CreateShipments(ctx, []shipments.NewShipment{{TrackingNo: "SD600000000001",
		Shipper:    customers.Shipper{Code: "ALPHA", Name: "Alpha"},
		Consignee:  customers.Consignee{Name: "张小明", Phone: "138 0013 8000", Email: "zhang@alpha.test", Address: customers.Address{City: "北京", Street: "望京街10号"}},
		OriginCity: "杭州", WeightG: 100}}); err != nil {
		t.Fatal(err)
	}
	csv := "tracking_no,shipper_code,shipper_name,origin_city,consignee_name,consignee_phone,consignee_email,city,street,weight_g\n" +
		"SD600000000002,BRAVO,Bravo,上海,张三丰,+86 138-0013-8000,zsf@bravo.test,上海,南京西路1号,500\n"
	if rep := importString(t, st, shipments.ImportShipments, csv, false); !rep.Committed || rep.Imported != 1 {
		t.Fatalf("import: %+v", rep)
	}
	tests := []struct {
		no         string
		want       shipments.Addressee
		shipperSee string
	}{
		{"SD600000000001", shipments.Addressee{Name: "张小明", Phone: "+8613800138000", Email: "zhang@alpha.test"}, "望京街10号"},
		{"SD600000000002", shipments.Addressee{Name: "张三丰", Phone: "+8613800138000", Email: "zsf@bravo.test"}, "南京西路1号"},
	}
	for _, tt := range tests {
		d, err := st.Get(ctx, tt.no)
		if err != nil {
			t.Fatal(err)
		}
		if d.Addressee != tt.want {
			t.Errorf("%s: addressee = %+v, want %+v", tt.no, d.Addressee, tt.want)
		}
		if d.Consignee.Name != "张小明" || d.Consignee.Email != "zhang@alpha.test" {
			t.Errorf("%s: shared record = %+v, want the first shipper's", tt.no, d.Consignee)
		}
		s := d.ForShipper().Consignee
		if s.Name != tt.want.Name || s.Email != tt.want.Email || s.Phone != tt.want.Phone || s.Address.Street != tt.shipperSee || s.ID != 0 {
			t.Errorf("%s: ForShipper consignee = %+v", tt.no, s)
		}
	}
	rows, err := st.ListForShipper(ctx, mustShipper(t, st, "BRAVO"), shipments.ListFilter{Phone: "+8613800138000"})
	if err != nil || len(rows) != 1 || rows[0].ConsigneeName != "张三丰" {
		t.Fatalf("BRAVO's list = %+v, %v", rows, err)
	}
}

func mustShipper(t *testing.T, st *shipments.Store, code string) int64 {
	t.Helper()
	var id int64
	if err := st.Pool().QueryRow(context.Background(), `SELECT id FROM shippers WHERE code = $1`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// The public view is the one place the masking rule is written.
func TestPublicView(t *testing.T) {
	t.Parallel()
	d := &shipments.Detail{
		Shipper:   customers.Shipper{Name: "宁波海风电器", ContactName: "周海波", Phone: "+8613912345678"},
		Consignee: customers.Consignee{Name: "张小明", Phone: "+8613800138000"},
		Addressee: shipments.Addressee{Name: "张小明", Phone: "+8613800138000"},
	}
	d.TrackingNo, d.Status, d.SignedBy = "SD600000000009", shipments.Delivered, "李燕洁"
	d.Dest.City, d.Dest.Street = "北京", "望京街10号"
	d.Events = []shipments.Event{
		{Code: shipments.PickedUp, Location: "宁波 周海波 139 1234 5678", Note: "寄件人周海波"},
		{Code: shipments.Delivered, Note: "已由家人 李燕洁 代签收", SignedBy: "李燕洁", Key: "k", PODURL: "http://pod"},
	}
	p := d.Public(time.Now())
	if p.ConsigneeName != "张*明" || p.ConsigneePhone != "138********" || p.ShipperPhone != "139********" || p.SignedBy != "李*洁" {
		t.Errorf("public = %+v", p)
	}
	all := strings.Join([]string{p.ConsigneeName, p.ConsigneePhone, p.ShipperName, p.ShipperPhone, p.SignedBy, p.DestCity,
		p.Events[0].Location, p.Events[0].Note, p.Events[1].Note, p.Events[1].SignedBy, p.Events[1].Key, p.Events[1].PODURL}, " ")
	for _, secret := range []string{"张小明", "周海波", "李燕洁", "望京街", "8000", "5678", "http://pod"} {
		if strings.Contains(all, secret) {
			t.Errorf("public view shows %q: %s", secret, all)
		}
	}
	if d.Events[1].Note != "已由家人 李燕洁 代签收" {
		t.Error("Public changed the detail it was given")
	}
}

// BenchmarkPublic is the cost of masking one parcel of eight events for a public view.
func BenchmarkPublic(b *testing.B) {
	d := &shipments.Detail{
		Shipper:   customers.Shipper{Name: "宁波海风电器", ContactName: "周海波", Phone: "+8613912345678"},
		Consignee: customers.Consignee{Name: "张小明", Phone: "+8613800138000"},
		Addressee: shipments.Addressee{Name: "张小明", Phone: "+8613800138000"},
	}
	d.SignedBy = "李燕洁"
	for i := 0; i < 7; i++ {
		d.Events = append(d.Events, shipments.Event{Code: shipments.InTransit, Location: "北京朝阳区望京街营业部", Note: "快件已到达【北京转运中心】,准备发往下一站"})
	}
	d.Events = append(d.Events, shipments.Event{Code: shipments.Delivered, Location: "北京朝阳区望京街营业部", Note: "已由家人 李燕洁 代签收", SignedBy: "李燕洁"})
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		_ = d.Public(now)
	}
}

// The verify answer is the last four of the label's phone, the shared record's (after a
// merge they differ) or the shipper's, and nothing else.
func TestAnswers(t *testing.T) {
	t.Parallel()
	d := &shipments.Detail{
		Addressee: shipments.Addressee{Phone: "+8613800138000"},
		Consignee: customers.Consignee{Phone: "+8613900139111"},
		Shipper:   customers.Shipper{Phone: "+8657188881234"},
	}
	for _, c := range []struct {
		guess string
		want  bool
	}{
		{"8000", true}, {"9111", true}, {"1234", true},
		{"0000", false}, {"800", false}, {"38000", false}, {"", false}, {"138*", false},
	} {
		if got := d.Answers(c.guess); got != c.want {
			t.Errorf("Answers(%q) = %v, want %v", c.guess, got, c.want)
		}
	}
	if (&shipments.Detail{}).Answers("") {
		t.Error("a parcel without phones is unlocked by an empty answer")
	}
}
