package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/audit"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/ratelimit"
	"lcrm/internal/xlsxstamp"
	"lcrm/reports"
	"lcrm/shipments"
)

// revealEnv is a desk env whose consignee has a street address, with one complaint.
type revealEnv struct {
	*deskEnv
	cp          *complaints.Complaint
	consigneeID int64
}

const (
	fullPhone  = "8613800138000" // as it appears in HTML (the + is escaped)
	fullStreet = "幸福路88号"
)

func newRevealEnv(t *testing.T) *revealEnv {
	t.Helper()
	e := &revealEnv{deskEnv: newDeskEnv(t)}
	ctx := context.Background()
	if err := e.pool.QueryRow(ctx, `UPDATE consignees SET province = '北京市', district = '朝阳区', street = $1
		WHERE phone = '+8613800138000' RETURNING id`, fullStreet).Scan(&e.consigneeID); err != nil {
		t.Fatal(err)
	}
	e.cp = e.file(complaints.Delayed, "三天没有动静")
	return e
}

// reveals returns the reveal entries in the audit log.
func (e *revealEnv) reveals(t *testing.T) []audit.Entry {
	t.Helper()
	list, err := audit.List(context.Background(), e.pool, audit.Filter{Action: customers.ActionReveal, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func (e *revealEnv) customerPage() string {
	return "/console/customers/consignee/" + itoa(e.consigneeID)
}

// An agent sees no full phone or street on the customer page, the search results or the
// complaint page until revealing it; a reveal shows one field, to that agent only.
func TestRevealMaskedByDefault(t *testing.T) {
	t.Parallel()
	e := newRevealEnv(t)
	agent := e.as("agent")
	pages := []string{e.customerPage(), "/console/customers?q=SD300000000001", path(e.cp.ID, ""), "/console/queue", "/console/desk", "/console/wallboard"}
	for _, p := range pages {
		code, body, _ := agent.do("GET", p, nil)
		if code != 200 {
			t.Fatalf("%s = %d", p, code)
		}
		if strings.Contains(body, fullPhone) || strings.Contains(body, fullStreet) || strings.Contains(body, "tel:") {
			t.Errorf("%s shows the full phone or street before a reveal", p)
		}
	}
	for _, p := range []string{e.customerPage(), path(e.cp.ID, "")} {
		_, body, _ := agent.do("GET", p, nil)
		if !strings.Contains(body, "138****8000") || !strings.Contains(body, "北京市") || !strings.Contains(body, `name="reason"`) {
			t.Errorf("%s: no masked phone, district or reveal form", p)
		}
	}

	// The phone, revealed on the complaint page, shows there and on the customer page.
	if code, _, _ := agent.do("POST", path(e.cp.ID, "reveal"), url.Values{"field": {"phone"}, "reason": {"callback"}}); code != 303 {
		t.Fatalf("reveal = %d", code)
	}
	for _, p := range []string{e.customerPage(), path(e.cp.ID, "")} {
		_, body, _ := agent.do("GET", p, nil)
		if !strings.Contains(body, `href="tel:&#43;`+fullPhone+`"`) {
			t.Errorf("%s: revealed phone not shown as a tel: link", p)
		}
		if strings.Contains(body, fullStreet) {
			t.Errorf("%s: the street shows though only the phone was revealed", p)
		}
	}
	// Another agent still sees it masked.
	_, body, _ := e.as("agent2").do("GET", e.customerPage(), nil)
	if strings.Contains(body, fullPhone) {
		t.Errorf("a reveal by one agent shows the phone to another")
	}
	// The address, revealed on the customer page.
	if code, _, _ := agent.do("POST", e.customerPage()+"/reveal", url.Values{"field": {"address"}, "reason": {"delivery"}}); code != 303 {
		t.Fatalf("reveal address = %d", code)
	}
	if _, body, _ := agent.do("GET", e.customerPage(), nil); !strings.Contains(body, fullStreet) {
		t.Errorf("revealed street not shown")
	}
}

// A reveal needs a reason from the list (and a note for "other"); refused ones leave no
// entry and do not count; people outside the console cannot reveal at all.
func TestRevealRefused(t *testing.T) {
	t.Parallel()
	e := newRevealEnv(t)
	page := e.customerPage() + "/reveal"
	cases := []struct {
		name, as, path string
		form           url.Values
		code           int
		text           string
	}{
		{"no reason", "agent", page, url.Values{"field": {"phone"}}, 400, "请选择查看原因"},
		{"blank reason", "agent", page, url.Values{"field": {"phone"}, "reason": {"  "}, "note": {"x"}}, 400, "请选择查看原因"},
		{"unknown reason", "agent", page, url.Values{"field": {"phone"}, "reason": {"curious"}}, 400, "请选择查看原因"},
		{"other without a note", "agent", page, url.Values{"field": {"phone"}, "reason": {"other"}}, 400, "请选择查看原因"},
		{"long note", "agent", page, url.Values{"field": {"phone"}, "reason": {"callback"}, "note": {strings.Repeat("长", 201)}}, 400, ""},
		{"unknown field", "agent", page, url.Values{"field": {"email"}, "reason": {"callback"}}, 400, ""},
		{"shipper has no address", "agent", "/console/customers/shipper/1/reveal", url.Values{"field": {"address"}, "reason": {"callback"}}, 400, ""},
		{"contact phone off a complaint", "agent", page, url.Values{"field": {"contact_phone"}, "reason": {"callback"}}, 400, ""},
		{"missing customer", "agent", "/console/customers/consignee/999999/reveal", url.Values{"field": {"phone"}, "reason": {"callback"}}, 404, ""},
		{"missing complaint", "agent", path(999999, "reveal"), url.Values{"field": {"phone"}, "reason": {"callback"}}, 404, ""},
		{"shipper user", "shipper", page, url.Values{"field": {"phone"}, "reason": {"callback"}}, 403, ""},
		{"visitor", "", page, url.Values{"field": {"phone"}, "reason": {"callback"}}, 303, ""},
		{"no CSRF token", "agent", page, url.Values{"field": {"phone"}, "reason": {"callback"}, "_csrf": {"forged"}}, 403, ""},
		{"GET", "agent", page + "?field=phone&reason=callback", nil, 405, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := "POST"
			if c.form == nil {
				method = "GET"
			}
			code, body, _ := e.as(c.as).do(method, c.path, c.form)
			if code != c.code && !(c.code == 405 && code == 404) {
				t.Fatalf("status %d, want %d", code, c.code)
			}
			if !strings.Contains(body, c.text) || strings.Contains(body, fullPhone) {
				t.Errorf("body lacks %q or shows the phone", c.text)
			}
		})
	}
	if got := e.reveals(t); len(got) != 0 {
		t.Errorf("refused reveals left %d entries", len(got))
	}
	// Only the well-formed reveal of a missing customer counts (probing costs like reading).
	if n, _ := ratelimit.New(e.pool).Count(context.Background(), "reveal:user:"+itoa(e.users["agent"].ID), time.Hour); n != 1 {
		t.Errorf("refused reveals counted: %d, want 1", n)
	}
}

// A reveal writes one audit entry (who, whose, which field, when, why) that a supervisor
// sees in the access log and an admin in the audit log, filterable by action.
func TestRevealAudited(t *testing.T) {
	t.Parallel()
	e := newRevealEnv(t)
	// The complaint gives another number to call back on.
	if _, err := e.pool.Exec(context.Background(), `UPDATE complaints SET contact_phone = '+8613900139000' WHERE id = $1`, e.cp.ID); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := e.as("agent").do("GET", path(e.cp.ID, ""), nil); !strings.Contains(body, "139****9000") || strings.Contains(body, "8613900139000") {
		t.Errorf("contact phone not masked")
	}
	before := time.Now()
	code, _, _ := e.as("agent").do("POST", path(e.cp.ID, "reveal"), url.Values{"field": {"contact_phone"},
		"reason": {"other"}, "note": {"客户要求改约"}})
	if code != 303 {
		t.Fatalf("reveal = %d", code)
	}
	got := e.reveals(t)
	if len(got) != 1 {
		t.Fatalf("%d entries, want 1", len(got))
	}
	en := got[0]
	var after struct {
		Field, Reason, Note string
		ComplaintID         int64 `json:"complaint_id"`
	}
	json.Unmarshal(en.After.(json.RawMessage), &after)
	if en.ActorID != e.users["agent"].ID || en.Object != "consignee" || en.ObjectID != e.consigneeID || en.At.Before(before.Add(-time.Second)) ||
		after.Field != "contact_phone" || after.Reason != "other" || after.Note != "客户要求改约" || after.ComplaintID != e.cp.ID {
		t.Errorf("entry %+v %+v", en, after)
	}
	if _, body, _ := e.as("agent").do("GET", path(e.cp.ID, ""), nil); !strings.Contains(body, "8613900139000") || strings.Contains(body, fullPhone) {
		t.Errorf("revealed contact phone not shown, or the consignee's phone shown with it")
	}

	sup := e.as("supervisor")
	code, body, _ := sup.do("GET", "/console/access", nil)
	if code != 200 || !strings.Contains(body, "客户要求改约") || !strings.Contains(body, "查看客户信息") || !strings.Contains(body, e.users["agent"].Name) {
		t.Errorf("access log (supervisor): %d", code)
	}
	if _, body, _ := sup.do("GET", "/console/access?action=export.download", nil); strings.Contains(body, "客户要求改约") {
		t.Errorf("action filter shows a reveal among exports")
	}
	if code, _, _ := sup.do("GET", "/console/access?action=user.create", nil); code != 400 {
		t.Errorf("access log for other actions = %d, want 400", code)
	}
	if code, _, _ := e.as("agent").do("GET", "/console/access", nil); code != 403 {
		t.Errorf("access log for an agent = %d", code)
	}
	if _, body, _ := e.as("admin").do("GET", "/console/admin/audit?action=customer.reveal", nil); !strings.Contains(body, "客户要求改约") {
		t.Errorf("admin audit log lacks the reveal")
	}
	if _, body, _ := e.as("admin").do("GET", "/console/admin/audit?action=user.create", nil); strings.Contains(body, "客户要求改约") {
		t.Errorf("admin audit action filter ignored")
	}
}

// A burst of reveals by one agent, all at once, lets exactly RevealsPerHour through and
// refuses the rest with 429; another agent is not affected.
func TestRevealLimitBurst(t *testing.T) {
	t.Parallel()
	e := newRevealEnv(t)
	agent := e.as("agent")
	const n = customers.RevealsPerHour + 30
	form := url.Values{"field": {"phone"}, "reason": {"callback"}, "_csrf": {testCSRF}}.Encode()
	cookies := agent.cookies
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest("POST", e.customerPage()+"/reveal", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range cookies {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			<-start
			resp, err := e.srv.App.Test(req, -1)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	t.Logf("burst of %d: %v", n, count)
	if count[303] != customers.RevealsPerHour || count[429] != n-customers.RevealsPerHour {
		t.Errorf("burst: %v, want %d × 303 and %d × 429", count, customers.RevealsPerHour, n-customers.RevealsPerHour)
	}
	if got := len(e.reveals(t)); got != customers.RevealsPerHour {
		t.Errorf("%d entries, want %d", got, customers.RevealsPerHour)
	}
	if code, _, _ := e.as("agent2").do("POST", e.customerPage()+"/reveal", url.Values{"field": {"phone"}, "reason": {"callback"}}); code != 303 {
		t.Errorf("another agent's reveal = %d", code)
	}
}

// exports returns the export entries in the audit log.
func exports(t *testing.T, e *deskEnv) []audit.Entry {
	t.Helper()
	list, err := audit.List(context.Background(), e.pool, audit.Filter{Action: customers.ActionExport, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// checkStamp opens a downloaded workbook and checks it names who downloaded it.
func checkStamp(t *testing.T, body, email string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	p, err := f.GetDocProps()
	if err != nil || p.Creator != email || !strings.Contains(p.Description, "Exported by: "+email) || !strings.Contains(p.Keywords, "by="+email) {
		t.Errorf("doc props %+v, %v", p, err)
	}
	who, _ := f.GetCellValue(xlsxstamp.Sheet, "B1")
	when, _ := f.GetCellValue(xlsxstamp.Sheet, "B2")
	if !strings.Contains(who, email) || !strings.HasPrefix(when, time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")) {
		t.Errorf("info sheet: %q %q", who, when)
	}
	return f
}

// Every workbook download (shipper export, KPI workbook, stored KPI file) carries who and
// when, and writes an audit entry with the export, its filters and rows.
func TestExportsStamped(t *testing.T) {
	t.Parallel()
	e := newKPIEnv(t)
	ctx := context.Background()
	w, err := reports.NewStore(e.pool).SaveWorkbook(ctx, reports.KindWeekly, reports.Week(time.Now(), nil))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		as, path, export, object string
		rows                     int
		sheet, cell, want        string
	}{
		{"shipper", "/shipper/export.xlsx?q=SD300000000001", "shipper_shipments", "export", 1, shipments.ExportSheet("zh"), "A2", "SD300000000001"},
		{"manager", "/console/kpi/workbook.xlsx?" + e.query, "kpi_workbook", "export", 0, reports.SheetName("zh", reports.SheetSummary), "A5", "指标"},
		{"manager", "/console/kpi/files/" + fmt.Sprint(w.ID), "kpi_file", "report_file", 0, reports.SheetName("zh", reports.SheetSummary), "A5", "指标"},
	}
	for i, c := range cases {
		t.Run(c.export, func(t *testing.T) {
			code, body, _ := e.as(c.as).do("GET", c.path, nil)
			if code != 200 {
				t.Fatalf("download = %d", code)
			}
			f := checkStamp(t, body, e.users[c.as].Email)
			if v, _ := f.GetCellValue(c.sheet, c.cell); v != c.want {
				t.Errorf("%s!%s = %q: the data is not intact", c.sheet, c.cell, v)
			}
			got := exports(t, e.deskEnv)
			if len(got) != i+1 {
				t.Fatalf("%d export entries, want %d", len(got), i+1)
			}
			en := got[0]
			var after struct {
				Export, File, Filters string
				Rows                  int
			}
			json.Unmarshal(en.After.(json.RawMessage), &after)
			if en.ActorID != e.users[c.as].ID || en.Object != c.object || after.Export != c.export || after.Rows != c.rows ||
				after.File == "" || (c.object == "export" && after.Filters == "") {
				t.Errorf("entry %+v %+v", en, after)
			}
		})
	}
	if _, body, _ := e.as("supervisor").do("GET", "/console/access?action=export.download", nil); !strings.Contains(body, "shipper_shipments") ||
		!strings.Contains(body, "kpi_file") {
		t.Errorf("access log lacks the exports")
	}
}
