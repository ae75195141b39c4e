package portal_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"lcrm/customers"
	"lcrm/reports"
	"lcrm/shipments"
)

// TestE2EKPIDashboard is a manager's look at the KPI dashboard in a real browser: log in,
// pick a custom period with the form, read the tiles and the two SVG charts, narrow to one
// service level, follow the workbook link's parameters, switch to English; an agent who
// opens the same address is refused. The figures are compared with reports' own.
func TestE2EKPIDashboard(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newKPIEnv(t)
	ctx := context.Background()
	// One more parcel delivered in the period, express and from a small shipper, so that
	// narrowing to the standard service level must lower the delivered count.
	created := e.p.From.AddDate(0, 0, 6).Add(10 * time.Hour)
	promised := created.Add(48 * time.Hour)
	if _, err := e.shp.CreateShipments(ctx, []shipments.NewShipment{{TrackingNo: "SD400000000005", CreatedAt: &created,
		PromisedAt: &promised, ServiceLevel: shipments.Express,
		Shipper: customers.Shipper{Code: "KPIS", Name: "小商家", Tier: customers.TierSmall},
		Consignee: customers.Consignee{Name: "李雷", Phone: "13700137000",
			Address: customers.Address{Province: "江苏省", City: "南京市", District: "某区", Street: "某路2号"}},
		OriginCity: "杭州", WeightG: 300}}); err != nil {
		t.Fatal(err)
	}
	ev := shipments.NewEvent{TrackingNo: "SD400000000005", Event: shipments.Event{Key: "d", Code: shipments.Delivered,
		OccurredAt: created.Add(24 * time.Hour), Location: "南京市"}}
	ev.SignedBy = "本人"
	if _, err := e.shp.RecordEvents(ctx, []shipments.NewEvent{ev}); err != nil {
		t.Fatal(err)
	}
	st := reports.NewStore(e.pool)
	standard := reports.Filter{ServiceLevel: string(shipments.Standard)}
	all, err := st.Summary(ctx, e.p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	narrowed, err := st.Summary(ctx, e.p, standard)
	if err != nil {
		t.Fatal(err)
	}
	causes, err := st.RootCauses(ctx, e.p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// The env is known: 3 standard parcels delivered in the period plus the express one.
	if all.Current.Delivered != 4 || narrowed.Current.Delivered != 3 || len(causes) != 1 {
		t.Fatalf("env: delivered %d, standard %d, root causes %d; want 4, 3, 1",
			all.Current.Delivered, narrowed.Current.Delivered, len(causes))
	}
	z := shipments.DefaultZone
	from, to := e.p.From.In(z).Format(time.DateOnly), e.p.To.Add(-time.Nanosecond).In(z).Format(time.DateOnly)
	base := serveSelf(t, e.selfEnv)

	// 1. Log in as the manager and land on the dashboard.
	step(t, tab, "open the login form for /console/kpi",
		chromedp.Navigate(base+"/login?next=/console/kpi&lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), e.users["manager"].Email),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"))
	if code := kpiLoad(t, tab, "log in as the manager", chromedp.Submit(chromedp.CSS("#password"))); code != 200 {
		t.Fatalf("after logging in: status %d", code)
	}
	step(t, tab, "the dashboard is shown", chromedp.WaitVisible(chromedp.CSS("#kpi-form")))
	if got := kpiEval[string](t, tab, `location.pathname`); got != "/console/kpi" {
		t.Fatalf("landed on %s", got)
	}
	if h1 := text(t, tab, "h1"); h1 != "经营指标" {
		t.Errorf("h1 = %q", h1)
	}

	// 2. Pick the custom period with the form.
	if code := kpiLoad(t, tab, "pick a custom period",
		chromedp.SetValue(chromedp.CSS(`#kpi-form select[name="period"]`), "custom"),
		chromedp.SetValue(chromedp.CSS(`#kpi-form input[name="from"]`), from),
		chromedp.SetValue(chromedp.CSS(`#kpi-form input[name="to"]`), to),
		chromedp.Click(chromedp.CSS(`#kpi-form button[type="submit"]`))); code != 200 {
		t.Fatalf("custom period: status %d", code)
	}
	page := kpiPageQuery(t, tab)
	if page.Get("period") != "custom" || page.Get("from") != from || page.Get("to") != to {
		t.Errorf("URL after picking the period: %s", page.Encode())
	}
	if got := text(t, tab, "#kpi-period"); !strings.Contains(got, from) || !strings.Contains(got, to) {
		t.Errorf("period line %q does not name %s to %s", got, from, to)
	}
	kpiCheckTiles(t, tab, all.Current.Delivered)
	trend, pareto := kpiCharts(t, tab)
	wantDays := int(e.p.To.Sub(e.p.From).Hours()/24 + 0.5)
	if len(trend.Bars) != wantDays || trend.Polylines == 0 || trend.Shapes <= len(trend.Bars) || trend.Width <= 0 || trend.Height <= 0 {
		t.Errorf("trend chart: %d day bars (want %d), %d polylines, %d shapes, %.0f×%.0f px",
			len(trend.Bars), wantDays, trend.Polylines, trend.Shapes, trend.Width, trend.Height)
	}
	if sum := barSum(t, trend.Bars); sum != all.Current.Delivered {
		t.Errorf("trend bars add up to %d delivered, reports say %d", sum, all.Current.Delivered)
	}
	if len(pareto.Bars) != len(causes) || pareto.Polylines == 0 || pareto.Width <= 0 || pareto.Height <= 0 {
		t.Errorf("Pareto chart: %d bars (want %d), %d polylines, %.0f×%.0f px",
			len(pareto.Bars), len(causes), pareto.Polylines, pareto.Width, pareto.Height)
	} else if pareto.Bars[0] != "快递员 · 派送部: 1" {
		t.Errorf("Pareto bar %q", pareto.Bars[0])
	}
	kpiSameOrigin(t, tab)

	// 3. Narrow to the standard service level.
	if code := kpiLoad(t, tab, "filter by service level",
		chromedp.SetValue(chromedp.CSS(`#kpi-form select[name="service"]`), string(shipments.Standard)),
		chromedp.Click(chromedp.CSS(`#kpi-form button[type="submit"]`))); code != 200 {
		t.Fatalf("filtered: status %d", code)
	}
	page = kpiPageQuery(t, tab)
	if page.Get("service") != "standard" || page.Get("period") != "custom" || page.Get("from") != from || page.Get("to") != to {
		t.Errorf("URL after filtering: %s", page.Encode())
	}
	got := kpiCheckTiles(t, tab, narrowed.Current.Delivered)
	if got >= all.Current.Delivered {
		t.Errorf("delivered with the filter %d, without %d: not lower", got, all.Current.Delivered)
	}
	form := kpiEval[map[string]string](t, tab, `Object.fromEntries(["period", "from", "to", "service", "tier", "shipper"].map(
		n => [n, document.querySelector('#kpi-form [name="' + n + '"]').value]))`)
	if form["service"] != "standard" || form["period"] != "custom" || form["from"] != from || form["to"] != to ||
		form["tier"] != "" || form["shipper"] != "" {
		t.Errorf("form after reloading: %v", form)
	}
	trend, _ = kpiCharts(t, tab)
	if sum := barSum(t, trend.Bars); sum != narrowed.Current.Delivered {
		t.Errorf("filtered trend bars add up to %d, reports say %d", sum, narrowed.Current.Delivered)
	}

	// 4. The workbook link carries the page's period and filter.
	href := kpiEval[string](t, tab, `document.querySelector('#kpi-workbook').getAttribute('href')`)
	link, err := url.Parse(href)
	if err != nil || link.Path != "/console/kpi/workbook.xlsx" || link.Host != "" {
		t.Fatalf("workbook link %q (%v)", href, err)
	}
	want := url.Values{}
	for k, v := range page {
		if k != "lang" && len(v) > 0 && v[0] != "" {
			want.Set(k, v[0])
		}
	}
	if link.Query().Encode() != want.Encode() {
		t.Errorf("workbook link has %s, the page %s", link.Query().Encode(), want.Encode())
	}
	// What the link serves, fetched from the page with its session, has the page's figure.
	b64 := kpiEval[string](t, tab, `fetch(document.querySelector("#kpi-workbook").href)
		.then(r => r.ok ? r.arrayBuffer() : Promise.reject("status " + r.status))
		.then(b => { let s = ""; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s) })`, chromedp.EvalAwaitPromise)
	raw, _ := base64.StdEncoding.DecodeString(b64)
	if wb, err := excelize.OpenReader(strings.NewReader(string(raw))); err != nil {
		t.Errorf("open the linked workbook: %v", err)
	} else {
		rows, _ := wb.GetRows(reports.SheetName("zh", reports.SheetSummary)) // the page is Chinese, so is its workbook
		wb.Close()
		delivered := ""
		for _, r := range rows {
			if len(r) > 1 && r[0] == "签收量" {
				delivered = r[1]
			}
		}
		if delivered != fmt.Sprint(narrowed.Current.Delivered) {
			t.Errorf("linked workbook: Delivered %q, want %d", delivered, narrowed.Current.Delivered)
		}
	}

	// 5. Switch to English with the header's link: the same dashboard, period and filters
	// kept, in English.
	if code := kpiLoad(t, tab, "switch to English", chromedp.Click(chromedp.CSS(`a[hreflang="en"]`))); code != 200 {
		t.Fatalf("English: status %d", code)
	}
	if h1 := text(t, tab, "h1"); h1 != "KPI dashboard" {
		t.Errorf("h1 in English = %q", h1)
	}
	loc, err := chromedp.Run(tab, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	switched, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	for k := range want {
		if got := switched.Query().Get(k); got != want.Get(k) {
			t.Errorf("after switching language %s = %q, want %q (%s)", k, got, want.Get(k), loc)
		}
	}
	if h2 := text(t, tab, "#kpi-trend-section h2"); h2 != "Daily trend: delivered and on-time rate" {
		t.Errorf("trend heading in English = %q", h2)
	}
	if h3 := text(t, tab, "#tile-delivered h3"); h3 != "Delivered" {
		t.Errorf("delivered tile in English = %q", h3)
	}
	kpiCheckTiles(t, tab, narrowed.Current.Delivered)

	// 6. An agent who opens the dashboard is refused, and is not offered it either.
	agent := newTab(t)
	step(t, agent, "open the login form for /console/kpi",
		chromedp.Navigate(base+"/login?next=/console/kpi&lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), e.users["agent"].Email),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"))
	if code := kpiLoad(t, agent, "log in as an agent", chromedp.Submit(chromedp.CSS("#password"))); code != 403 {
		t.Errorf("agent on /console/kpi: status %d, want 403", code)
	}
	if got := kpiEval[string](t, agent, `location.pathname`); got != "/console/kpi" {
		t.Errorf("agent landed on %s", got)
	}
	if got := text(t, agent, "main"); !strings.Contains(got, "您没有权限访问此页面。") {
		t.Errorf("agent sees %q", got)
	}
	if found := kpiEval[[]string](t, agent, `[...document.querySelectorAll('#kpi-form, #kpi-tiles, #kpi-workbook, svg, nav.consolenav a[href^="/console/kpi"]')].map(e => e.outerHTML.slice(0, 80))`); len(found) != 0 {
		t.Errorf("agent's page has dashboard elements or links to it: %q", found)
	}
	if code := kpiLoad(t, agent, "agent opens the workbook link",
		chromedp.Navigate(base+href)); code != 403 {
		t.Errorf("agent on the workbook link: status %d, want 403", code)
	}
}

// kpiLoad runs actions that load a page in tab and returns the page's HTTP status.
func kpiLoad(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 15*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return resp.Status
}

// kpiEval evaluates a script in tab and decodes its result.
func kpiEval[T any](t *testing.T, tab context.Context, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		t.Fatalf("evaluate %.60s: %v", js, err)
	}
	return v
}

// kpiPageQuery is the query string of the page in tab.
func kpiPageQuery(t *testing.T, tab context.Context) url.Values {
	t.Helper()
	return mustQuery(t, strings.TrimPrefix(kpiEval[string](t, tab, `location.search`), "?"))
}

// kpiCheckTiles checks that the dashboard shows its 22 tiles, each with a value, and that
// the delivered tile shows want; it returns the delivered tile's number.
func kpiCheckTiles(t *testing.T, tab context.Context, want int64) int64 {
	t.Helper()
	values := kpiEval[map[string]string](t, tab, `Object.fromEntries([...document.querySelectorAll('#kpi-tiles .kpi-tile')].map(
		d => [d.id, d.querySelector('.kpi-value').innerText.trim()]))`)
	if len(values) != 22 {
		t.Errorf("%d tiles shown, want 22", len(values))
	}
	for id, v := range values {
		if v == "" {
			t.Errorf("tile %s has no value", id)
		}
	}
	shown := values["tile-delivered"]
	n, err := strconv.ParseInt(strings.ReplaceAll(shown, ",", ""), 10, 64)
	if err != nil || n <= 0 || n != want {
		t.Errorf("delivered tile shows %q, reports.Summary %d", shown, want)
	}
	return n
}

// kpiChart is what the browser drew of one SVG chart.
type kpiChart struct {
	Bars          []string // the data bars' titles ("2026-11-18: 3", "快递员 · 派送部: 1")
	Shapes        int      // rect, path, polyline, line and circle elements
	Polylines     int
	Width, Height float64 // as laid out
}

// kpiCharts reads the trend and the Pareto chart, failing when either is missing.
func kpiCharts(t *testing.T, tab context.Context) (trend, pareto kpiChart) {
	t.Helper()
	charts := kpiEval[map[string]*kpiChart](t, tab, `Object.fromEntries(["kpi-trend", "kpi-pareto"].map(id => {
		const svg = document.querySelector("svg#" + id);
		if (!svg) return [id, null];
		const box = svg.getBoundingClientRect();
		return [id, {Bars: [...svg.querySelectorAll("rect > title")].map(e => e.textContent),
			Shapes: svg.querySelectorAll("rect, path, polyline, line, circle").length,
			Polylines: svg.querySelectorAll("polyline").length, Width: box.width, Height: box.height}];
	}))`)
	if charts["kpi-trend"] == nil || charts["kpi-pareto"] == nil {
		t.Fatalf("charts in the page: trend %v, Pareto %v", charts["kpi-trend"] != nil, charts["kpi-pareto"] != nil)
	}
	return *charts["kpi-trend"], *charts["kpi-pareto"]
}

// barSum adds up the counts in bar titles "label: n".
func barSum(t *testing.T, bars []string) int64 {
	t.Helper()
	var sum int64
	for _, b := range bars {
		i := strings.LastIndex(b, ": ")
		n, err := strconv.ParseInt(b[i+2:], 10, 64)
		if i < 0 || err != nil {
			t.Errorf("bar title %q", b)
			continue
		}
		sum += n
	}
	return sum
}

// kpiSameOrigin checks that the page loads nothing from another host: no script,
// stylesheet, image or frame points elsewhere, and the browser fetched nothing elsewhere.
func kpiSameOrigin(t *testing.T, tab context.Context) {
	t.Helper()
	r := kpiEval[struct {
		Foreign          []string
		Scripts, Sheets  int
		ResourcesFetched int
	}](t, tab, `(() => {
		const foreign = [];
		const check = u => { try { if (new URL(u, location.href).origin !== location.origin) foreign.push(u) } catch (e) { foreign.push(u) } };
		document.querySelectorAll("script[src]").forEach(e => check(e.getAttribute("src")));
		document.querySelectorAll("link[href]").forEach(e => check(e.getAttribute("href")));
		document.querySelectorAll("img[src], iframe[src], source[src], video[src], audio[src], embed[src]").forEach(e => check(e.getAttribute("src")));
		document.querySelectorAll("object[data]").forEach(e => check(e.getAttribute("data")));
		document.querySelectorAll("svg image, svg use").forEach(e => {
			const h = e.getAttribute("href") || e.getAttribute("xlink:href");
			if (h && !h.startsWith("#")) check(h);
		});
		const fetched = performance.getEntriesByType("resource");
		fetched.forEach(r => check(r.name));
		return {Foreign: foreign, Scripts: document.querySelectorAll("script[src]").length,
			Sheets: document.querySelectorAll('link[rel="stylesheet"]').length, ResourcesFetched: fetched.length};
	})()`)
	if len(r.Foreign) > 0 {
		t.Errorf("the page loads from other hosts: %v", r.Foreign)
	}
	if r.Scripts == 0 || r.Sheets == 0 || r.ResourcesFetched == 0 {
		t.Errorf("the same-origin check saw %d scripts, %d stylesheets, %d fetched resources: nothing to check",
			r.Scripts, r.Sheets, r.ResourcesFetched)
	}
}
