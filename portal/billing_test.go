package portal_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/accounts"
	"lcrm/billing"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
	"lcrm/shipments"
)

// billingEnv is a site with two shippers whose last month is closed: ACME (3 shipments,
// 60.00 yuan) and OTHER (1 shipment), each with a shipper login.
type billingEnv struct {
	*siteEnv
	bill  *billing.Store
	clock *clock.Manual
	month time.Time // start of the closed month
}

func newBillingEnv(t *testing.T) *billingEnv {
	t.Helper()
	e := newSiteEnv(t)
	ctx := context.Background()
	pool := e.shp.Pool()
	zone, _ := time.LoadLocation("Asia/Shanghai")
	clk := clock.NewManual(time.Now())
	bill := billing.NewStore(pool, zone)
	bill.Now = clk.Now
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Limiter: ratelimit.New(pool),
		Complaints: complaints.NewStore(pool), Billing: bill, Now: clk.Now}, portal.Config{PublicURL: "http://lcrm.test"})
	l := clk.Now().In(zone)
	month := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, zone).AddDate(0, -1, 0)
	var batch []shipments.NewShipment
	for i, code := range []string{"ACME", "ACME", "ACME", "OTHER"} {
		created := month.Add(time.Duration(24*(i+1)) * time.Hour)
		freight := int64(1000 * (i + 1))
		batch = append(batch, shipments.NewShipment{TrackingNo: fmt.Sprintf("SD9000000000%02d", i),
			Shipper:    customers.Shipper{Code: code, Name: code + " 公司"},
			Consignee:  customers.Consignee{Name: "李雷", Phone: "13900139000", Address: customers.Address{City: "上海"}},
			OriginCity: "杭州", WeightG: 500, CreatedAt: &created, Charges: shipments.Charges{FreightFen: &freight}})
	}
	if res, err := e.shp.CreateShipments(ctx, batch); err != nil || res[0].Status != shipments.ResultCreated {
		t.Fatalf("create: %+v %v", res, err)
	}
	other, err := e.cus.ShipperByCode(ctx, "OTHER")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.acc.CreateUser(ctx, accounts.NewUser{Email: "ops@other.test", Name: "Other Ops", Password: "correct horse battery",
		Role: accounts.RoleShipper, ShipperID: other.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := bill.CloseMonths(ctx); err != nil {
		t.Fatal(err)
	}
	return &billingEnv{siteEnv: e, bill: bill, clock: clk, month: month}
}

func (e *billingEnv) number(code string) string { return code + "-" + e.month.Format("200601") }

func (e *billingEnv) statementID(code string) int64 {
	e.t.Helper()
	sh, err := e.cus.ShipperByCode(context.Background(), code)
	if err != nil {
		e.t.Fatal(err)
	}
	list, err := e.bill.Statements(context.Background(), sh.ID)
	if err != nil || len(list) != 1 {
		e.t.Fatalf("%s statements: %+v %v", code, list, err)
	}
	return list[0].ID
}

func TestAPIPayments(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t)
	paid := e.clock.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	body := map[string]any{"shipper_code": "ACME", "statement": e.number("ACME"), "amount_fen": 2500, "paid_at": paid, "reference": "BANK-77"}
	var out struct {
		ID          int64                `json:"id"`
		Status      string               `json:"status"`
		Allocations []billing.Allocation `json:"allocations"`
	}
	if code := e.do("POST", "/api/v1/payments", e.key, body, &out); code != 201 || out.Status != "created" ||
		len(out.Allocations) != 1 || out.Allocations[0].AmountFen != 2500 {
		t.Fatalf("first: %d %+v", code, out)
	}
	first := out.ID
	// Sent twice: one payment.
	if code := e.do("POST", "/api/v1/payments", e.key, body, &out); code != 200 || out.Status != "exists" || out.ID != first {
		t.Errorf("again: %d %+v, want 200 exists %d", code, out, first)
	}
	var n int
	if err := e.shp.Pool().QueryRow(context.Background(), `SELECT count(*) FROM payments`).Scan(&n); err != nil || n != 1 {
		t.Errorf("payments stored: %d, %v", n, err)
	}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range body {
			m[kk] = vv
		}
		m["reference"] = "REF-" + k
		m[k] = v
		return m
	}
	reused := with("amount_fen", 2600)
	reused["reference"] = "BANK-77"
	sk, _, err := e.acc.CreateAPIKey(context.Background(), "acme", e.shipperID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		key   string
		body  map[string]any
		code  int
		field string
	}{
		{"reference reused with another amount", e.key, reused, 409, ""},
		{"unknown shipper", e.key, with("shipper_code", "NOPE"), 422, "shipper_code"},
		{"unknown statement", e.key, with("statement", "ACME-199901"), 422, "statement"},
		{"another shipper's statement", e.key, with("statement", e.number("OTHER")), 422, "statement"},
		{"zero amount", e.key, with("amount_fen", 0), 422, "amount_fen"},
		{"more than outstanding", e.key, with("amount_fen", 6000), 422, "amount_fen"},
		{"bad time", e.key, with("paid_at", "yesterday"), 422, "paid_at"},
		{"shipper key", sk, with("amount_fen", 1), 403, ""},
		{"no key", "", with("amount_fen", 1), 401, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ae apiErr
			code := e.do("POST", "/api/v1/payments", tt.key, tt.body, &ae)
			if code != tt.code {
				t.Fatalf("%d %+v, want %d", code, ae, tt.code)
			}
			if tt.field != "" && (len(ae.Error.Fields) != 1 || ae.Error.Fields[0].Field != tt.field || ae.Error.Fields[0].Message == "") {
				t.Errorf("fields %+v, want one on %s", ae.Error.Fields, tt.field)
			}
			if ae.Error.Message == "" || strings.Contains(ae.Error.Message, "billing.") {
				t.Errorf("message %q is not a sentence", ae.Error.Message)
			}
		})
	}
}

// The shipper lists its statements, downloads its own and reads it back (Chinese headers
// by default, English on request); another shipper's statement is a 404.
func TestShipperStatementDownload(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t)
	b := newBrowser(t, e.srv)
	loginAs(t, b, "ops@acme.test", "correct horse battery")
	code, body, _ := b.do("GET", "/shipper/statements", nil)
	if code != 200 || !strings.Contains(body, e.number("ACME")) || strings.Contains(body, e.number("OTHER")) ||
		!strings.Contains(body, "60.00") || !strings.Contains(body, "未付") {
		t.Fatalf("list: %d, own statement shown %v, other's shown %v", code, strings.Contains(body, e.number("ACME")), strings.Contains(body, e.number("OTHER")))
	}
	if _, body, _ := b.do("GET", "/shipper", nil); !strings.Contains(body, `href="/shipper/statements"`) {
		t.Error("/shipper has no link to the statements")
	}
	own := strconv.FormatInt(e.statementID("ACME"), 10)
	for _, tt := range []struct{ query, sheet, header, shipper string }{
		{"", "对账单", "运单号", "寄件商家"},
		{"?lang=en", "Statement", "Tracking no.", "Shipper"},
	} {
		code, raw, hdr := b.do("GET", "/shipper/statements/"+own+"/statement.xlsx"+tt.query, nil)
		if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), e.number("ACME")) {
			t.Fatalf("download%s: %d %q", tt.query, code, hdr.Get("Content-Disposition"))
		}
		x, err := excelize.OpenReader(strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows(tt.sheet)
		if err != nil {
			t.Fatalf("sheet %s: %v", tt.sheet, err)
		}
		header, lines := -1, 0
		for i, r := range rows {
			if len(r) > 0 && r[0] == tt.header {
				header = i
			} else if header >= 0 && len(r) > 0 && strings.HasPrefix(r[0], "SD9") {
				lines++
			}
		}
		if header < 0 || lines != 3 || rows[1][0] != tt.shipper || !strings.HasPrefix(rows[1][1], "ACME") {
			t.Errorf("workbook%s: header at %d, %d lines, rows %v", tt.query, header, lines, rows[:3])
		}
		x.Close()
	}
	other := strconv.FormatInt(e.statementID("OTHER"), 10)
	if code, _, _ := b.do("GET", "/shipper/statements/"+other+"/statement.xlsx", nil); code != 404 {
		t.Errorf("another shipper's statement: %d, want 404", code)
	}
	if code, _, _ := b.do("GET", "/shipper/statements/999999/statement.xlsx", nil); code != 404 {
		t.Errorf("unknown statement: %d, want 404", code)
	}
}

// Receivables: agents may not, supervisors read, managers set terms and the credit limit
// (audited); over the limit, the page, the customer view and the desk warn.
func TestConsoleReceivablesAndCreditLimit(t *testing.T) {
	t.Parallel()
	e := newBillingEnv(t)
	agent := staffLogin(t, e.siteEnv, "agent@x.test", accounts.RoleAgent)
	sup := staffLogin(t, e.siteEnv, "sup@x.test", accounts.RoleSupervisor)
	mgr := staffLogin(t, e.siteEnv, "mgr@x.test", accounts.RoleManager)
	acme := "/console/customers/shipper/" + strconv.FormatInt(e.shipperID, 10)
	terms := url.Values{"payment_terms_days": {"45"}, "credit_limit_yuan": {"50.00"}}
	if code, _, _ := agent.do("GET", "/console/receivables", nil); code != 403 {
		t.Errorf("agent receivables: %d, want 403", code)
	}
	if code, _, _ := agent.do("POST", acme+"/terms", terms); code != 403 {
		t.Errorf("agent sets terms: %d, want 403", code)
	}
	if code, _, _ := sup.do("POST", acme+"/terms", terms); code != 403 {
		t.Errorf("supervisor sets terms: %d, want 403", code)
	}
	code, body, _ := sup.do("GET", "/console/receivables", nil)
	if code != 200 || !strings.Contains(body, `id="recv-ACME"`) || !strings.Contains(body, "60.00") || strings.Contains(body, `id="over-limit"`) {
		t.Fatalf("supervisor receivables: %d", code)
	}
	if _, body, _ := sup.do("GET", acme, nil); !strings.Contains(body, `id="billing-balance">60.00`) || strings.Contains(body, `id="terms-form"`) {
		t.Error("supervisor's customer view: no balance, or a terms form")
	}
	if _, body, _ := agent.do("GET", acme, nil); !strings.Contains(body, `id="billing-balance">60.00`) {
		t.Error("agent's customer view shows no balance")
	}
	// A limit of 60.00 is not exceeded by a balance of 60.00; 50.00 is.
	for _, tt := range []struct {
		limit string
		over  bool
	}{{"60", false}, {"50.00", true}} {
		code, _, hdr := mgr.do("POST", acme+"/terms", url.Values{"payment_terms_days": {"45"}, "credit_limit_yuan": {tt.limit}})
		if code != 303 || !strings.HasPrefix(hdr.Get("Location"), acme) {
			t.Fatalf("manager sets limit %s: %d %q", tt.limit, code, hdr.Get("Location"))
		}
		checks := []struct{ who, path, mark string }{
			{"customer view", acme, `id="credit-warning"`},
			{"receivables", "/console/receivables", `id="over-limit"`},
			{"desk", "/console/desk", `id="desk-credit"`},
		}
		for _, c := range checks {
			_, body, _ := mgr.do("GET", c.path, nil)
			if strings.Contains(body, c.mark) != tt.over {
				t.Errorf("limit %s: %s warns %v, want %v", tt.limit, c.who, !tt.over, tt.over)
			}
		}
	}
	if _, body, _ := mgr.do("GET", acme, nil); !strings.Contains(body, `id="billing-terms">45`) || !strings.Contains(body, `id="terms-form"`) {
		t.Error("manager's customer view: terms not saved or no form")
	}
	var audits int
	if err := e.shp.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'shipper.terms'`).Scan(&audits); err != nil || audits != 2 {
		t.Errorf("audit entries: %d, %v; want 2", audits, err)
	}
	if code, _, _ := mgr.do("POST", acme+"/terms", url.Values{"payment_terms_days": {"400"}}); code != 422 {
		t.Errorf("400 days: %d, want 422", code)
	}
	// Staff download any shipper's statement from the customer view.
	if code, _, _ := agent.do("GET", "/console/statements/"+strconv.FormatInt(e.statementID("OTHER"), 10)+"/statement.xlsx", nil); code != 200 {
		t.Errorf("staff download: %d", code)
	}
}
