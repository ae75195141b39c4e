package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/portal"
	"lcrm/reports"
	"lcrm/shipments"
)

// kpiEnv is a desk env with crafted shipments around a 21-day custom period ending today
// (three delivered in it, two on time; one delivered in the previous period) and three
// complaints filed now: one held by "agent" (who reports to "supervisor"), one by
// "agent2" (who reports to nobody), one unassigned.
type kpiEnv struct {
	*deskEnv
	p     reports.Period
	query string // the period as GET parameters
}

func newKPIEnv(t *testing.T, opts ...func(*portal.Deps)) *kpiEnv {
	t.Helper()
	e := newDeskEnv(t, append([]func(*portal.Deps){withReports}, opts...)...)
	ctx := context.Background()
	z := shipments.DefaultZone
	now := time.Now().In(z)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, z)
	from := today.AddDate(0, 0, -20)
	k := &kpiEnv{deskEnv: e, p: reports.Period{From: from, To: today.AddDate(0, 0, 1), Zone: z},
		query: "period=custom&from=" + from.Format(time.DateOnly) + "&to=" + today.Format(time.DateOnly)}
	type parcel struct {
		no                string
		created           time.Time
		deliveredAfter    time.Duration
		province, shipper string
	}
	at := func(d time.Time) time.Time { return d.Add(10 * time.Hour) }
	parcels := []parcel{
		{"SD400000000001", at(from.AddDate(0, 0, 5)), 24 * time.Hour, "广东省", "KPIK"},
		{"SD400000000002", at(from.AddDate(0, 0, 5)), 48 * time.Hour, "广东省", "KPIK"},
		{"SD400000000003", at(from.AddDate(0, 0, 5)), 5 * 24 * time.Hour, "浙江省", "KPIK"},
		{"SD400000000004", at(from.AddDate(0, 0, -10)), 24 * time.Hour, "浙江省", "KPIK"}, // previous period
	}
	var items []shipments.NewShipment
	var events []shipments.NewEvent
	for _, p := range parcels {
		created, promised := p.created, p.created.Add(72*time.Hour)
		items = append(items, shipments.NewShipment{TrackingNo: p.no, CreatedAt: &created, PromisedAt: &promised,
			ServiceLevel: shipments.Standard,
			Shipper:      customers.Shipper{Code: p.shipper, Name: "重点商家", Tier: customers.TierKey},
			Consignee: customers.Consignee{Name: "王芳", Phone: "13900139000",
				Address: customers.Address{Province: p.province, City: "某市", District: "某区", Street: "某路1号"}},
			OriginCity: "杭州", WeightG: 500})
		ev := shipments.NewEvent{TrackingNo: p.no, Event: shipments.Event{Key: "d", Code: shipments.Delivered,
			OccurredAt: created.Add(p.deliveredAfter), Location: "某市"}}
		ev.SignedBy = "本人"
		out := ev
		out.Key, out.Code, out.OccurredAt, out.SignedBy = "o", shipments.OutForDelivery, ev.OccurredAt.Add(-2*time.Hour), ""
		events = append(events, out, ev)
	}
	if _, err := e.shp.CreateShipments(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := e.shp.RecordEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, e.users["supervisor"].ID, e.users["agent"].ID); err != nil {
		t.Fatal(err)
	}
	for i, holder := range []string{"agent", "agent2", ""} {
		d, err := e.shp.Get(ctx, parcels[i].no)
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.cs.File(ctx, complaints.Filing{ShipmentID: d.ID, Category: complaints.Damaged, Description: "破损",
			ContactPhone: "13900139000"})
		if err != nil {
			t.Fatal(err)
		}
		if holder != "" {
			if err := e.cs.Assign(ctx, []int64{c.ID}, e.users[holder].ID, complaints.Actor{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The late parcel was flagged as a slow sign-off; the first complaint has a root cause.
	if _, err := e.pool.Exec(ctx, `INSERT INTO slow_signoffs (shipment_id, reason, since, lag, window_allowed, service_level, shipper_tier)
		SELECT id, 'past_promise', promised_at, interval '1 hour', interval '1 hour', 'standard', 'key' FROM shipments WHERE tracking_no = 'SD400000000003'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE complaints SET root_cause = 'courier', department = '派送部'
		WHERE shipment_id = (SELECT id FROM shipments WHERE tracking_no = 'SD400000000001')`); err != nil {
		t.Fatal(err)
	}
	return k
}

// withReports gives a test portal the KPI store.
func withReports(d *portal.Deps) { d.Reports = reports.NewStore(d.Shipments.Pool()) }

var tileRe = regexp.MustCompile(`<div class="kpi-tile" id="tile-([a-z0-9_]+)"><h3>[^<]*</h3><p class="kpi-value">(?:<a class="kpi-drill" href="[^"]*">)?([^<]*)(?:</a>)?</p><p class="kpi-change[^"]*">[^<]*<span class="kpi-diff">([^<]*)</span>`)

var workbookLink = regexp.MustCompile(`id="kpi-workbook" href="/console/kpi/workbook\.xlsx\?([^"]*)"`)

func mustQuery(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// tiles reads the tiles of a dashboard page: key → value, and key → change.
func tiles(body string) (map[string]string, map[string]string) {
	val, diff := map[string]string{}, map[string]string{}
	for _, m := range tileRe.FindAllStringSubmatch(body, -1) {
		val[m[1]], diff[m[1]] = html.UnescapeString(m[2]), html.UnescapeString(m[3])
	}
	return val, diff
}

func TestKPIDashboard(t *testing.T) {
	t.Parallel()
	e := newKPIEnv(t)
	ctx := context.Background()
	st := reports.NewStore(e.pool)
	sum, err := st.Summary(ctx, e.p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		role              string
		want              map[string]string // tile values
		diff              map[string]string
		agents, notAgents []string
		teamNote          bool
	}{
		{"manager", map[string]string{"created": "4", "delivered": "3", "on_time_rate": "66.7 %", "complaints": "3",
			"complaints_per_1_000_delivered": "1000.0", "sign_off_lag_median": "2 小时",
			"slow_sign_offs": "1", "slow_sign_off_rate": "33.3 %"},
			map[string]string{"delivered": "+2", "on_time_rate": "-33.3 百分点", "created": "+3"},
			[]string{"Agent Wang", "Agent Li"}, nil, false},
		{"admin", map[string]string{"delivered": "3", "complaints": "3"}, nil, []string{"Agent Wang", "Agent Li"}, nil, false},
		{"supervisor", map[string]string{"delivered": "3", "on_time_rate": "66.7 %", "complaints": "1",
			"complaints_per_1_000_delivered": "333.3"}, nil, []string{"Agent Wang"}, []string{"Agent Li"}, true},
	}
	for _, c := range cases {
		t.Run(c.role, func(t *testing.T) {
			code, body, _ := e.as(c.role).do("GET", "/console/kpi?"+e.query, nil)
			if code != 200 {
				t.Fatalf("status %d: %.300s", code, body)
			}
			val, diff := tiles(body)
			if len(val) != 22 {
				t.Errorf("tiles = %d, want 22", len(val))
			}
			for k, w := range c.want {
				if val[k] != w {
					t.Errorf("tile %s = %q, want %q", k, val[k], w)
				}
			}
			for k, w := range c.diff {
				if diff[k] != w {
					t.Errorf("tile %s change = %q, want %q", k, diff[k], w)
				}
			}
			// The tiles are reports' own figures.
			if w := fmt.Sprint(sum.Current.Delivered); val["delivered"] != w {
				t.Errorf("delivered tile %q, reports.Summary %s", val["delivered"], w)
			}
			if w := fmt.Sprintf("%.1f %%", *sum.Current.OnTimeRate()*100); val["on_time_rate"] != w {
				t.Errorf("on-time tile %q, reports.Summary %s", val["on_time_rate"], w)
			}
			agents := body[strings.Index(body, `id="kpi-agents"`):]
			for _, a := range c.agents {
				if !strings.Contains(agents, a) {
					t.Errorf("agent %s missing", a)
				}
			}
			for _, a := range c.notAgents {
				if strings.Contains(agents, a) {
					t.Errorf("agent %s shown to a %s", a, c.role)
				}
			}
			if strings.Contains(body, `id="kpi-team"`) != c.teamNote {
				t.Errorf("team note shown = %v, want %v", !c.teamNote, c.teamNote)
			}
			link := workbookLink.FindStringSubmatch(body)
			if link == nil {
				t.Error("no workbook link")
			} else if got, want := mustQuery(t, html.UnescapeString(link[1])), mustQuery(t, e.query); got.Encode() != want.Encode() {
				t.Errorf("workbook link has %s, want %s", got.Encode(), want.Encode())
			}
			for _, must := range []string{`<svg id="kpi-trend"`, `<svg id="kpi-pareto"`, "<title>快递员 · 派送部: 1</title>", "广东省", "KPIK"} {
				if !strings.Contains(body, must) {
					t.Errorf("page lacks %s", must)
				}
			}
			for _, bad := range []string{"kpi.tile.", "kpi.tier.", ` style=`, "<script>"} {
				if strings.Contains(body, bad) {
					t.Errorf("page contains %q", bad)
				}
			}
		})
	}
}

func TestKPIAccessAndBadParameters(t *testing.T) {
	t.Parallel()
	e := newKPIEnv(t)
	cases := []struct {
		name, role, query string
		code              int
		text              string // in the answer's body (or Location for redirects)
	}{
		{"anonymous to login", "", e.query, 303, "/login?next="},
		{"agent refused", "agent", e.query, 403, ""},
		{"shipper refused", "shipper", e.query, 403, ""},
		{"default month", "manager", "", 200, `id="tile-delivered"`},
		{"week", "manager", "period=week&date=2026-11-18", 200, "2026-11-16"},
		{"day", "supervisor", "period=day&date=2026-11-18", 200, "2026-11-18"},
		{"from after to", "manager", "period=custom&from=2026-11-10&to=2026-11-01", 400, "起始日晚于截止日"},
		{"custom without to", "manager", "period=custom&from=2026-11-10", 400, "起始日和截止日"},
		{"bad date", "manager", "period=day&date=2026-13-01", 400, "2026-11-01"},
		{"unknown period", "manager", "period=year", 400, "周期只能是"},
		{"unknown tier", "manager", "tier=gold", 400, "等级只能是"},
		{"unknown tier in English", "manager", "tier=gold&lang=en", 400, "The tier must be key, regular or small."},
		{"unknown service", "manager", "service=drone", 400, "服务类型只能是"},
		{"bad shipper", "manager", "shipper=abc", 400, "寄件商家参数无效"},
		{"too long", "manager", "period=custom&from=2024-01-01&to=2026-01-01", 400, "366"},
		{"workbook with bad period", "manager", "period=custom&from=2026-11-10&to=2026-11-01&xlsx", 400, "起始日晚于截止日"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := "/console/kpi?" + c.query
			if strings.HasSuffix(c.query, "&xlsx") {
				path = "/console/kpi/workbook.xlsx?" + strings.TrimSuffix(c.query, "&xlsx")
			}
			code, body, hdr := e.as(c.role).do("GET", path, nil)
			if code != c.code {
				t.Fatalf("status %d, want %d: %.300s", code, c.code, body)
			}
			if c.code == 303 {
				body = hdr.Get("Location")
			}
			if !strings.Contains(body, c.text) {
				t.Errorf("answer lacks %q: %.400s", c.text, body)
			}
		})
	}
}

// TestKPIWorkbookDownload: the workbook is in the viewer's language (Chinese by default,
// English on ?lang=en) and has the dashboard's figures.
func TestKPIWorkbookDownload(t *testing.T) {
	t.Parallel()
	e := newKPIEnv(t)
	for _, c := range []struct {
		role, lang                       string
		kpi, delivered, complaints, tile string
	}{
		{"manager", "", "指标", "签收量", "投诉数", "下单量"},
		{"supervisor", "", "指标", "签收量", "投诉数", "下单量"},
		{"manager", "en", "KPI", "Delivered", "Complaints", "Created"},
	} {
		t.Run(c.role+" "+c.lang, func(t *testing.T) {
			q := e.query
			if c.lang != "" {
				q += "&lang=" + c.lang
			}
			code, body, hdr := e.as(c.role).do("GET", "/console/kpi/workbook.xlsx?"+q, nil)
			if code != 200 {
				t.Fatalf("status %d: %.300s", code, body)
			}
			name := reports.FileName(e.p)
			if cd := hdr.Get("Content-Disposition"); cd != `attachment; filename="`+name+`"` {
				t.Errorf("Content-Disposition %q, want %s", cd, name)
			}
			if !strings.HasPrefix(name, "lcrm-kpi-"+e.p.From.Format(time.DateOnly)+"_") {
				t.Errorf("file name %s does not name the period", name)
			}
			f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheets := strings.Join(f.GetSheetList(), "|")
			for _, s := range []string{reports.SheetSummary, reports.SheetDaily, reports.SheetByShipper, reports.SheetByProvince,
				reports.SheetComplaints, reports.SheetRootCauses, reports.SheetAgents, reports.SheetDefinitions} {
				if s = reports.SheetName(c.lang, s); !strings.Contains(sheets, s) {
					t.Errorf("sheet %s missing from %s", s, sheets)
				}
			}
			summary := reports.SheetName(c.lang, reports.SheetSummary)
			if h, _ := f.GetCellValue(summary, "A5"); h != c.kpi {
				t.Errorf("%s!A5 = %q, want %s", summary, h, c.kpi)
			}
			if h, _ := f.GetCellValue(summary, "A6"); h != c.tile {
				t.Errorf("%s!A6 = %q, want %s", summary, h, c.tile)
			}
			rows, err := f.GetRows(summary)
			if err != nil {
				t.Fatal(err)
			}
			// The workbook's figures are the dashboard's: 3 delivered; complaints 3 for the
			// manager, 1 (the team's) for the supervisor.
			_, dash, _ := e.as(c.role).do("GET", "/console/kpi?"+e.query, nil)
			val, _ := tiles(dash)
			found := 0
			for _, r := range rows {
				if len(r) < 2 {
					continue
				}
				switch r[0] {
				case c.delivered:
					found++
					if r[1] != val["delivered"] {
						t.Errorf("workbook delivered %q, dashboard %q", r[1], val["delivered"])
					}
				case c.complaints:
					found++
					if r[1] != val["complaints"] {
						t.Errorf("workbook complaints %q, dashboard %q", r[1], val["complaints"])
					}
				}
			}
			if found != 2 {
				t.Errorf("found %d of the 2 rows in the Summary sheet", found)
			}
		})
	}
}

func TestKPIFiles(t *testing.T) {
	t.Parallel()
	e := newKPIEnv(t)
	ctx := context.Background()
	st := reports.NewStore(e.pool)
	if code, body, _ := e.as("manager").do("GET", "/console/kpi/files", nil); code != 200 || !strings.Contains(body, `id="kpi-no-files"`) {
		t.Fatalf("empty list: %d", code)
	}
	w, err := st.SaveWorkbook(ctx, reports.KindWeekly, reports.Week(time.Now(), nil))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		role, path string
		code       int
		text       string
	}{
		{"manager", "/console/kpi/files", 200, `href="/console/kpi/files/` + fmt.Sprint(w.ID) + `">` + w.FileName},
		{"admin", "/console/kpi/files", 200, w.FileName},
		{"supervisor", "/console/kpi/files", 403, ""},
		{"agent", "/console/kpi/files", 403, ""},
		{"", "/console/kpi/files", 303, ""},
		{"supervisor", "/console/kpi/files/" + fmt.Sprint(w.ID), 403, ""},
		{"manager", "/console/kpi/files/999999", 404, ""},
		{"manager", "/console/kpi/files/abc", 404, ""},
		{"manager", "/console/kpi/files/" + fmt.Sprint(w.ID), 200, ""},
	}
	for _, c := range cases {
		t.Run(c.role+" "+c.path, func(t *testing.T) {
			code, body, hdr := e.as(c.role).do("GET", c.path, nil)
			if code != c.code {
				t.Fatalf("status %d, want %d", code, c.code)
			}
			if !strings.Contains(body, c.text) {
				t.Errorf("body lacks %q", c.text)
			}
			download := code == 200 && strings.HasPrefix(c.path, "/console/kpi/files/")
			if download != strings.HasPrefix(hdr.Get("Content-Type"), "application/vnd.openxml") {
				t.Errorf("Content-Type %q", hdr.Get("Content-Type"))
			}
			if download {
				if cd := hdr.Get("Content-Disposition"); !strings.Contains(cd, w.FileName) {
					t.Errorf("Content-Disposition %q", cd)
				}
				f, err := excelize.OpenReader(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if v, _ := f.GetCellValue(reports.SheetName("zh", reports.SheetSummary), "A5"); v != "指标" { // stored: Chinese
					t.Errorf("汇总!A5 = %q", v)
				}
			}
		})
	}
}
