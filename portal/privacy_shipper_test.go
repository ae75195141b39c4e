package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
	"lcrm/shipments"
)

// A shipper sees the consignee exactly as it sent it, never the shared one-phone record
// another shipper wrote. The attacker is shipper B: for phones shipper A already used, B
// creates a shipment to the same phone with a name and email of its own, then reads it back
// through its API key, its pages, its export and the tracking page (verified with its own
// phone). Nothing may show A's name or email; staff still see the one shared record.
func TestShipperSeesOnlyWhatItSent(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t) // shipper A is ACME, with user ops@acme.test
	ctx := context.Background()
	cs := complaints.NewStore(e.shp.Pool())
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Complaints: cs, Limiter: ratelimit.New(e.shp.Pool())}, portal.Config{PublicURL: "http://lcrm.test"})
	b, err := e.cus.CreateShipper(ctx, &customers.Shipper{Code: "BRAVO", Name: "Bravo Trading", Phone: "13700001111"})
	if err != nil {
		t.Fatal(err)
	}
	bKey, _, err := e.acc.CreateAPIKey(ctx, "bravo erp", b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.acc.CreateUser(ctx, accounts.NewUser{Email: "ops@bravo.test", Name: "Bravo Ops", Password: "bravo long password", Role: accounts.RoleShipper, ShipperID: b.ID}); err != nil {
		t.Fatal(err)
	}
	const phones = 25
	type victim struct{ phone, aName, aEmail, bName, bEmail, bNo string }
	var vs []victim
	for i := 0; i < phones; i++ {
		v := victim{phone: fmt.Sprintf("1390000%04d", 1000+i), aName: fmt.Sprintf("甲客户%02d号", i), aEmail: fmt.Sprintf("a%02d@alpha-private.test", i),
			bName: fmt.Sprintf("乙收件%02d号", i), bEmail: fmt.Sprintf("b%02d@bravo.test", i), bNo: fmt.Sprintf("SD2000000%05d", i)}
		aj := shipmentJSON(fmt.Sprintf("SD1000000%05d", 100+i))
		aj["consignee"] = map[string]any{"name": v.aName, "phone": v.phone, "email": v.aEmail, "city": "北京", "street": "甲方路1号"}
		if got := e.do("POST", "/api/v1/shipments", e.key, aj, nil); got != 201 {
			t.Fatalf("A creates: %d", got)
		}
		bj := shipmentJSON(v.bNo)
		bj["consignee"] = map[string]any{"name": v.bName, "phone": v.phone, "email": v.bEmail, "city": "上海", "street": "乙方路2号"}
		if got := e.do("POST", "/api/v1/shipments", bKey, bj, nil); got != 201 {
			t.Fatalf("B creates: %d", got)
		}
		vs = append(vs, v)
	}
	leaked := 0
	check := func(where, body string, v victim, wantB bool) {
		t.Helper()
		if strings.Contains(body, v.aName) || strings.Contains(body, v.aEmail) {
			leaked++
			t.Errorf("%s shows shipper A's consignee (%s, %s) to shipper B", where, v.aName, v.aEmail)
		}
		if wantB && !strings.Contains(body, v.bName) {
			t.Errorf("%s does not show B's own name %s", where, v.bName)
		}
	}
	web := newBrowser(t, e.srv)
	web.do("GET", "/login", nil)
	if code, _, _ := web.do("POST", "/login", url.Values{"email": {"ops@bravo.test"}, "password": {"bravo long password"}}); code != 303 {
		t.Fatalf("B login: %d", code)
	}
	for i, v := range vs {
		var out struct {
			Consignee struct{ Name, Phone, Email string } `json:"consignee"`
		}
		var raw json.RawMessage
		e.do("GET", "/api/v1/shipments/"+v.bNo, bKey, nil, &raw)
		check("API GET with B's key", string(raw), v, true)
		if err := json.Unmarshal(raw, &out); err != nil || out.Consignee.Name != v.bName || out.Consignee.Email != v.bEmail || out.Consignee.Phone != "+86"+v.phone {
			t.Errorf("API consignee = %+v, want B's own %s %s", out.Consignee, v.bName, v.bEmail)
		}
		_, body, _ := web.do("GET", "/shipper/shipments/"+v.bNo, nil)
		check("/shipper/shipments", body, v, true)
		_, body, _ = web.do("GET", "/shipper?q="+url.QueryEscape(v.phone), nil)
		check("/shipper?q=phone", body, v, true)
		// The tracking page, verified with B's own shipper phone.
		tb := newBrowser(t, e.srv)
		tb.ip = fmt.Sprintf("203.0.113.%d", i+1) // one visitor each: lookup limits are not under test
		tb.do("GET", "/track/"+v.bNo, nil)
		tb.do("POST", "/track/"+v.bNo+"/verify", url.Values{"last4": {"1111"}})
		_, body, _ = tb.do("GET", "/track/"+v.bNo, nil)
		check("/track verified by B", body, v, true)
	}
	for _, v := range vs[:3] {
		d, err := e.shp.Get(ctx, v.bNo)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.File(ctx, complaints.Filing{ShipmentID: d.ID, Category: complaints.Delayed, Description: "还没到", ContactPhone: v.phone}); err != nil {
			t.Fatal(err)
		}
	}
	_, body, _ := web.do("GET", "/shipper", nil)
	code, complaintsPage, _ := web.do("GET", "/shipper/complaints", nil)
	if code != 200 || !strings.Contains(complaintsPage, vs[0].bNo) {
		t.Fatalf("/shipper/complaints: %d", code)
	}
	for _, v := range vs { // 25 rows: all on the first page
		check("/shipper", body, v, true)
		check("/shipper/complaints", complaintsPage, v, false)
	}
	// The export, read back through excelize.
	code, xlsx, _ := web.do("GET", "/shipper/export.xlsx", nil)
	if code != 200 {
		t.Fatalf("export: %d", code)
	}
	f, err := excelize.OpenReader(strings.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(shipments.ExportSheet("zh"))
	if err != nil {
		t.Fatal(err)
	}
	var cells strings.Builder
	for _, r := range rows {
		cells.WriteString(strings.Join(r, "\t") + "\n")
	}
	for _, v := range vs {
		check("export.xlsx", cells.String(), v, true)
	}
	if len(rows) != phones+1 {
		t.Errorf("export has %d rows, want %d", len(rows), phones+1)
	}
	// Staff keep one customer, one record: the person as first known.
	var staff struct {
		Consignee struct{ Name, Email string } `json:"consignee"`
	}
	e.do("GET", "/api/v1/shipments/"+vs[0].bNo, e.key, nil, &staff)
	if staff.Consignee.Name != vs[0].aName || staff.Consignee.Email != vs[0].aEmail {
		t.Errorf("staff key sees %+v, want the shared record %s %s", staff.Consignee, vs[0].aName, vs[0].aEmail)
	}
	t.Logf("%d phones tried, %d views leaked shipper A's consignee", phones, leaked)
}
