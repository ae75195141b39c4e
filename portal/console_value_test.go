package portal_test

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lcrm/audit"
	"lcrm/customers"
	"lcrm/shipments"
)

// newValueEnv is a desk env with charged shipments over the last months: BIG (small
// tier, most revenue: class A, advised key), MID (regular), KEYC (key, a little revenue:
// class C, advised regular) and the env's ACME shipments (no charges).
func newValueEnv(t *testing.T) *deskEnv {
	t.Helper()
	e := newDeskEnv(t, withReports)
	ctx := context.Background()
	now := time.Now()
	var items []shipments.NewShipment
	n := 0
	add := func(code string, tier customers.Tier, k int, freight, cost int64) {
		for i := 0; i < k; i++ {
			n++
			created := now.Add(-time.Duration(2+i*7) * 24 * time.Hour)
			f, c := freight, cost
			items = append(items, shipments.NewShipment{TrackingNo: fmt.Sprintf("SD5%011d", n), CreatedAt: &created,
				ServiceLevel: shipments.Standard, Shipper: customers.Shipper{Code: code, Name: "商家" + code, Tier: tier},
				Consignee: customers.Consignee{Name: "王芳", Phone: "13900139000",
					Address: customers.Address{Province: "浙江省", City: "杭州市", District: "西湖区", Street: "某路1号"}},
				OriginCity: "上海", WeightG: 800, Charges: shipments.Charges{FreightFen: &f, CostFen: &c}})
		}
	}
	add("BIG", customers.TierSmall, 12, 90000, 60000)
	add("MID", customers.TierRegular, 6, 20000, 25000) // loses money
	add("KEYC", customers.TierKey, 2, 3000, 1000)
	if _, err := e.shp.CreateShipments(ctx, items); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestConsoleValueRoles: managers see the tier buttons and apply a change (audited);
// supervisors see the page and the advice but no button, and the server refuses their
// POST; agents do not see the page.
func TestConsoleValueRoles(t *testing.T) {
	t.Parallel()
	e := newValueEnv(t)
	ctx := context.Background()
	big, err := e.cus.ShipperByCode(ctx, "BIG")
	if err != nil {
		t.Fatal(err)
	}
	apply := url.Values{"shipper": {strconv.FormatInt(big.ID, 10)}, "from": {"small"}, "to": {"key"}, "back": {"/console/value?period=12m"}}
	code, body, _ := e.as("supervisor").do("GET", "/console/value?lang=en", nil)
	if code != 200 || !strings.Contains(body, `data-code="BIG"`) || strings.Contains(body, "apply-tier") || !strings.Contains(body, `id="value-readonly"`) {
		t.Fatalf("supervisor page: %d, BIG listed %v, buttons %v", code, strings.Contains(body, `data-code="BIG"`), strings.Contains(body, "apply-tier"))
	}
	// The customer view: class, segment, 12-month revenue and margin for supervisors and up.
	page := "/console/customers/shipper/" + strconv.FormatInt(big.ID, 10)
	if _, body, _ := e.as("supervisor").do("GET", page, nil); !strings.Contains(body, `<dd id="c360-value-class">A</dd>`) ||
		!strings.Contains(body, `<dd id="c360-value-revenue">¥10,800.00</dd>`) || !strings.Contains(body, `¥3,600.00 (33.3 %)`) {
		t.Errorf("supervisor's customer view lacks BIG's value block")
	}
	if code, body, _ := e.as("agent").do("GET", page, nil); code != 200 || strings.Contains(body, "c360-value") {
		t.Errorf("agent's customer view: %d, value block shown %v", code, strings.Contains(body, "c360-value"))
	}
	if code, _, _ := e.as("supervisor").do("POST", "/console/value/tier", apply); code != 403 {
		t.Errorf("supervisor POST: %d, want 403", code)
	}
	if code, _, _ := e.as("agent").do("GET", "/console/value", nil); code != 403 {
		t.Errorf("agent GET: %d, want 403", code)
	}
	if code, _, _ := e.as("manager").do("GET", "/console/value?period=custom&from=2026-05-01&to=2025-01-01", nil); code != 400 {
		t.Errorf("reversed period: %d, want 400", code)
	}
	mgr := e.as("manager")
	code, body, _ = mgr.do("GET", "/console/value", nil)
	if code != 200 || strings.Count(body, "apply-tier") != 2 {
		t.Fatalf("manager page: %d, %d buttons, want 2 (BIG, KEYC)", code, strings.Count(body, "apply-tier"))
	}
	if code, _, _ := mgr.do("POST", "/console/value/tier", url.Values{"shipper": apply["shipper"], "from": {"small"}, "to": {"key"}, "_csrf": {"forged"}}); code != 403 {
		t.Errorf("POST without the CSRF token: %d, want 403", code)
	}
	for i := 0; i < 2; i++ { // a double submit changes it once
		if code, _, h := mgr.do("POST", "/console/value/tier", apply); code != 303 || !strings.HasPrefix(h.Get("Location"), "/console/value?period=12m&applied=") {
			t.Fatalf("manager POST: %d %s", code, h.Get("Location"))
		}
	}
	if got, _ := e.cus.ShipperByID(ctx, big.ID); got.Tier != customers.TierKey {
		t.Errorf("tier = %s, want key", got.Tier)
	}
	entries, err := audit.List(ctx, e.pool, audit.Filter{Action: customers.ActionTier, ObjectID: big.ID})
	if err != nil || len(entries) != 1 || entries[0].ActorID != e.users["manager"].ID {
		t.Errorf("audit = %+v, %v; want one entry by the manager", entries, err)
	}
	if code, _, _ := mgr.do("POST", "/console/value/tier", url.Values{"shipper": apply["shipper"], "from": {"regular"}, "to": {"small"}}); code != 409 {
		t.Errorf("stale change: %d, want 409", code)
	}
}

// TestE2EConsoleValue: a manager opens /console/value in Chromium; the Pareto's bars and
// cumulative points match the table (same shippers, same order, heights in proportion to
// revenue, the line ending at 100 %); one click applies the advised tier.
func TestE2EConsoleValue(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newValueEnv(t)
	base := serveSelf(t, e.selfEnv)
	step(t, tab, "log in as the manager",
		chromedp.Navigate(base+"/login?next=/console/value&lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), e.users["manager"].Email),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#value-pareto")))
	type bar struct {
		Code  string
		Fen   int64
		H     float64
		Cum   float64
		Class string
	}
	bars := kpiEval[[]bar](t, tab, `Array.from(document.querySelectorAll('#value-pareto rect.bar')).map(r => ({
		Code: r.dataset.code, Fen: Number(r.dataset.fen), H: r.height.baseVal.value, Class: r.dataset.class,
		Cum: Number(document.querySelector('#value-pareto circle.cum[data-code="' + r.dataset.code + '"]').dataset.cum)}))`)
	rows := kpiEval[[]bar](t, tab, `Array.from(document.querySelectorAll('#value-table tr.value-row')).
		filter(r => Number(r.dataset.fen) > 0).map(r => ({Code: r.dataset.code, Fen: Number(r.dataset.fen), Class: r.dataset.class}))`)
	if len(bars) != 3 || len(rows) != len(bars) {
		t.Fatalf("bars %+v, table rows with revenue %+v; want BIG, MID, KEYC in both", bars, rows)
	}
	var total, cum int64
	for _, b := range bars {
		total += b.Fen
	}
	for i, b := range bars {
		cum += b.Fen
		if b.Code != rows[i].Code || b.Fen != rows[i].Fen || b.Class != rows[i].Class {
			t.Errorf("bar %d = %+v, table row %+v", i, b, rows[i])
		}
		if r := b.H / bars[0].H; math.Abs(r-float64(b.Fen)/float64(bars[0].Fen)) > 0.01 {
			t.Errorf("bar %s height ratio %.3f, revenue ratio %.3f", b.Code, r, float64(b.Fen)/float64(bars[0].Fen))
		}
		if math.Abs(b.Cum-float64(cum)/float64(total)) > 1e-5 {
			t.Errorf("bar %s cumulative %.5f, want %.5f", b.Code, b.Cum, float64(cum)/float64(total))
		}
	}
	if bars[0].Code != "BIG" || bars[0].Class != "A" || bars[2].Class != "C" {
		t.Errorf("classes: %+v", bars)
	}
	step(t, tab, "apply the advised tier to BIG in one click",
		chromedp.Click(chromedp.CSS(`#value-advice-list tr[data-code="BIG"] button.apply-tier`)),
		chromedp.WaitVisible(chromedp.CSS("#value-applied")))
	if n := kpiEval[int](t, tab, `document.querySelectorAll('#value-advice-list tr[data-code="BIG"]').length`); n != 0 {
		t.Errorf("BIG still advised after the change")
	}
	got, err := e.cus.ShipperByCode(context.Background(), "BIG")
	if err != nil || got.Tier != customers.TierKey {
		t.Errorf("BIG tier = %v, %v; want key", got, err)
	}
}
