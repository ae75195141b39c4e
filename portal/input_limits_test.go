package portal_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
	"lcrm/shipments"
)

// listen serves srv on a free local port until the test ends and returns its address.
func listen(t *testing.T, srv *portal.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App.Listener(ln)
	t.Cleanup(func() { srv.App.ShutdownWithTimeout(time.Second) })
	return ln.Addr().String()
}

// rawPost sends a POST head announcing length bytes (or chunked when length < 0), then up
// to send bytes of body, and returns the status the server answers (0 when none).
func rawPost(t *testing.T, addr, path, contentType string, length, send int) int {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: lcrm.test\r\nContent-Type: %s\r\n", path, contentType)
	if length >= 0 {
		head += fmt.Sprintf("Content-Length: %d\r\n", length)
	} else {
		head += "Transfer-Encoding: chunked\r\n"
	}
	if _, err := conn.Write([]byte(head + "\r\n")); err != nil {
		t.Error(err)
		return 0
	}
	answer := make(chan int, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answer <- 0
			return
		}
		resp.Body.Close()
		answer <- resp.StatusCode
	}()
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for sent := 0; sent < send; sent += len(chunk) {
		var err error
		if length >= 0 {
			_, err = conn.Write(chunk)
		} else {
			_, err = fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk)
		}
		if err != nil {
			break // the server has answered and closed
		}
	}
	select {
	case code := <-answer:
		return code
	case <-time.After(15 * time.Second):
		return 0
	}
}

// Bodies past a route's limit are refused with 413 before they are read: announced ones
// at once, chunked ones as soon as they pass the limit. Attackers fire at once, at a real
// listening server, on every kind of route; none gets past its limit.
func TestBodyLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	addr := listen(t, e.srv) // default limits: forms 1 MiB, API 4 MiB, imports 64 MiB
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name, path, ct string
		length, send   int
	}{
		{"login 400 MB announced", "/login", form, 400 << 20, 1 << 20},
		{"login 10 MB announced", "/login", form, 10 << 20, 1 << 20},
		{"login chunked past 1 MiB", "/login", form, -1, 3 << 20},
		{"complaint lookup 400 MB", "/complaint/lookup", form, 400 << 20, 1 << 20},
		{"api 400 MB", "/api/v1/shipments", "application/json", 400 << 20, 1 << 20},
		{"api chunked past 4 MiB", "/api/v1/events", "application/json", -1, 6 << 20},
		{"import past 64 MiB", "/api/v1/import/shipments", "text/csv", 65 << 20, 1 << 20},
		{"complaint photos 400 MB", "/track/SD100000000001/complaint", "multipart/form-data; boundary=x", 400 << 20, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wg sync.WaitGroup
			codes := make([]int, 3)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = rawPost(t, addr, tt.path, tt.ct, tt.length, tt.send)
				}()
			}
			wg.Wait()
			for i, c := range codes {
				if c != http.StatusRequestEntityTooLarge {
					t.Errorf("attempt %d: %d, want 413", i, c)
				}
			}
		})
	}
	// Within the limits, the same routes work.
	if code := e.do("POST", "/api/v1/shipments", e.key, shipmentJSON("SD700000000001"), nil); code != 201 {
		t.Fatalf("small API post: %d", code)
	}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"email": {"x@y.z"}, "password": {"p"}}.Encode()))
	req.Header.Set("Content-Type", form)
	if resp, _ := e.srv.App.Test(req, -1); resp.StatusCode == 413 || resp.StatusCode >= 500 {
		t.Fatalf("small form post: %d", resp.StatusCode)
	}
}

// A request whose query, form, path or cookie is not UTF-8 or holds NUL is a 400 naming
// the field, as a page or as JSON; it never reaches SQL (where it was a 500).
func TestBadBytesAre400(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	b := newBrowser(t, e.srv)
	b.cookies["lcrm_csrf"] = testCSRF
	tests := []struct {
		name, method, path string
		form               url.Values
		field              string
	}{
		{"query NUL", "GET", "/track?q=SD1%00", nil, "q"},
		{"query latin-1", "GET", "/complaint?ref=%E9t%E9", nil, "ref"},
		{"path NUL", "GET", "/track/SD%00X", nil, "path"},
		{"path bad UTF-8", "GET", "/complaint/%FF%FE", nil, "path"},
		{"login email NUL", "POST", "/login", url.Values{"email": {"a\x00@b.c"}, "password": {"x"}}, "email"},
		{"login email bad UTF-8", "POST", "/login", url.Values{"email": {"\xff@b.c"}, "password": {"x"}}, "email"},
		{"lookup", "POST", "/complaint/lookup", url.Values{"ref": {"C\x00"}, "phone": {"1"}}, "ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := b.do(tt.method, tt.path, tt.form)
			if code != 400 || !strings.Contains(body, "有问题的字段:"+tt.field) {
				t.Fatalf("%d, want 400 naming %s: %.300s", code, tt.field, body)
			}
		})
	}
	var out apiErr
	if code := e.do("GET", "/api/v1/track/SD%FF", "", nil, &out); code != 400 || out.Error.Code != "bad_input" || len(out.Error.Fields) != 1 {
		t.Fatalf("API: %d %+v", code, out)
	}
	// A session cookie in latin-1 is refused too (it was looked up in SQL); fasthttp
	// itself refuses a NUL byte in a header.
	for _, v := range []string{"\xe9t\xe9", "ok\xff"} {
		req := httptest.NewRequest("GET", "/shipper/", nil)
		req.Header.Set("Cookie", "lcrm_session="+v)
		resp, err := e.srv.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 400 {
			t.Fatalf("cookie %q: %d", v, resp.StatusCode)
		}
	}
}

// In a batch only the bad item is invalid, with the field named; decode errors speak of
// fields and kinds of value, not Go types.
func TestAPIItemErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bad := []map[string]any{shipmentJSON("SD710000000001"), shipmentJSON("SD710000000002"), shipmentJSON("SD710000000003"),
		shipmentJSON("SD710000000004"), shipmentJSON("SD710000000005"), shipmentJSON("SD710000000006"), shipmentJSON("SD710000000007")}
	bad[0]["weight_g"] = "heavy"
	bad[1]["consignee"].(map[string]any)["name"] = "张\x00三"
	bad[2]["consignee"].(map[string]any)["street"] = "\u202e路京望"
	bad[3]["origin_city"] = strings.Repeat("杭", 201)
	bad[4]["created_at"] = "0001-01-01T00:00:00Z"
	bad[5]["promised_at"] = "9999-12-31T00:00:00Z"
	var out struct {
		Results []struct {
			Status string
			Errors []struct{ Field, Message string }
		}
		Created, Invalid int
	}
	if code := e.do("POST", "/api/v1/shipments", e.key, map[string]any{"shipments": bad}, &out); code != 200 {
		t.Fatalf("batch: %d", code)
	}
	want := []struct{ field, msg string }{{"weight_g", "must be a whole number, got text"}, {"consignee.name", "NUL"},
		{"consignee.street", "text-direction"}, {"origin_city", "at most 200"}, {"created_at", "outside the accepted range"},
		{"promised_at", "outside the accepted range"}}
	if out.Created != 1 || out.Invalid != 6 || out.Results[6].Status != "created" {
		t.Fatalf("created %d invalid %d: %+v", out.Created, out.Invalid, out.Results)
	}
	for i, w := range want {
		r := out.Results[i]
		if r.Status != "invalid" || len(r.Errors) != 1 || r.Errors[0].Field != w.field || !strings.Contains(r.Errors[0].Message, w.msg) {
			t.Errorf("item %d: %+v, want %s %q", i, r, w.field, w.msg)
		}
	}
	one := shipmentJSON("SD710000000009")
	one["weight_g"] = []int{1}
	var ae apiErr
	if code := e.do("POST", "/api/v1/shipments", e.key, one, &ae); code != 400 || len(ae.Error.Fields) != 1 ||
		ae.Error.Fields[0].Field != "weight_g" || strings.Contains(ae.Error.Message+ae.Error.Fields[0].Message, "Go ") ||
		strings.Contains(ae.Error.Message+ae.Error.Fields[0].Message, "unmarshal") {
		t.Fatalf("single: %d %+v", code, ae)
	}
	var ev struct {
		Results []struct {
			Status string
			Errors []struct{ Field, Message string }
		}
	}
	events := []map[string]any{
		{"tracking_no": "SD710000000007", "code": "in_transit", "occurred_at": "1970-01-01T00:00:00Z", "location": "杭州"},
		{"tracking_no": "SD710000000007", "code": "in_transit", "occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "note": "a\x01b"},
		{"tracking_no": 7, "code": "in_transit"},
	}
	e.do("POST", "/api/v1/events", e.key, map[string]any{"events": events}, &ev)
	for i, f := range []string{"occurred_at", "note", "tracking_no"} {
		if ev.Results[i].Status != "invalid" || len(ev.Results[i].Errors) != 1 || ev.Results[i].Errors[0].Field != f {
			t.Errorf("event %d: %+v, want %s invalid", i, ev.Results[i], f)
		}
	}
}

// The importer reports the row and the reason for bad bytes and implausible times, with
// and without skip_invalid.
func TestImportBadRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	csv := "tracking_no,shipper_code,shipper_name,origin_city,consignee_name,consignee_phone,city,weight_g,created_at\n" +
		"SD720000000001,ACME,Acme,杭州,张三,13800138000,北京,100,\n" +
		"SD720000000002,ACME,Acme,杭州,\"李\u202e四\",13800138000,北京,100,\n" +
		"SD720000000003,ACME,Acme,杭州,王五,13800138000,北京,100,0001-01-01\n" +
		"SD720000000004,ACME,Acme,\"杭\x00州\",赵六,13800138000,北京,100,\n"
	for _, skip := range []bool{false, true} {
		req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/import/shipments?skip_invalid=%v", skip), strings.NewReader(csv))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+e.key)
		resp, err := e.srv.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Imported int
			Errors   []struct {
				Row            int
				Column, Reason string
			}
		}
		json.NewDecoder(resp.Body).Decode(&rep)
		if resp.StatusCode >= 500 || len(rep.Errors) != 3 || rep.Errors[0].Row != 3 || rep.Errors[0].Column != "consignee_name" ||
			rep.Errors[1].Row != 4 || rep.Errors[1].Column != "created_at" || !strings.Contains(rep.Errors[1].Reason, "outside the accepted range") ||
			rep.Errors[2].Row != 5 || rep.Errors[2].Column != "origin_city" || !strings.Contains(rep.Errors[2].Reason, "NUL") {
			t.Fatalf("skip %v: %d %+v", skip, resp.StatusCode, rep)
		}
		if skip && rep.Imported != 1 {
			t.Fatalf("skip_invalid imported %d, want 1", rep.Imported)
		}
	}
}

// A database outage answers 503 with Retry-After (a page or JSON), and is logged once per
// interval however many requests fail, not once per request.
func TestDatabaseOutage(t *testing.T) {
	// A pool whose server is gone: nothing listens on the port any more.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	pool, err := pgxpool.New(context.Background(), "postgres://lcrm@"+dead+"/lcrm?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	srv := portal.New(portal.Deps{Shipments: shipments.NewStore(pool), Customers: customers.NewStore(pool),
		Accounts: accounts.NewStore(pool), Limiter: ratelimit.New(pool), Log: log}, portal.Config{PublicURL: "http://lcrm.test"})
	paths := []string{"/track/SD100000000001", "/api/v1/track/SD100000000001", "/track?q=SD100000000002"}
	var wg sync.WaitGroup
	codes := make(chan string, 60)
	for i := 0; i < 60; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := paths[i%len(paths)]
			resp, err := srv.App.Test(httptest.NewRequest("GET", p, nil), -1)
			if err != nil {
				codes <- p + ": " + err.Error()
				return
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "5" ||
				!(strings.Contains(string(body), "服务暂时不可用") || strings.Contains(string(body), `"unavailable"`)) {
				codes <- fmt.Sprintf("%s: %d retry %q %.200s", p, resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		t.Error(c)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logs.String(), "database unavailable"); n != 1 {
		t.Errorf("%d outage lines for 60 failed requests, want 1:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "request failed") {
		t.Errorf("an outage was logged as a request failure:\n%s", logs.String())
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// /metrics is not served on the public listener without the configured bearer token.
func TestMetricsToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Metrics come from net/http's promhttp (through an adaptor), so ask a real listener.
	// Only the first server of a test binary registers the collectors, so the body may be
	// empty here: the content type tells the metrics handler answered.
	get := func(srv *portal.Server, auth string) (int, string) {
		addr := listen(t, srv)
		req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type")
	}
	open := portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc}, portal.Config{})
	if code, ct := get(open, ""); code != 404 || strings.Contains(ct, "version=") {
		t.Fatalf("no token configured: %d", code)
	}
	guarded := portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc}, portal.Config{MetricsToken: "s3cret"})
	for _, auth := range []string{"", "Bearer wrong", "s3cret", "Bearer s3cret2"} {
		if code, _ := get(guarded, auth); code != 404 {
			t.Errorf("auth %q: %d, want 404", auth, code)
		}
	}
	if code, ct := get(guarded, "Bearer s3cret"); code != 200 || !strings.Contains(ct, "version=") {
		t.Fatalf("with the token: %d %s", code, ct)
	}
}

// Text stored before input was checked shows without bidi controls; a consignee named
// like a formula comes out of the shipper export as text, never as a formula.
func TestStoredTextShownSafely(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	ctx := context.Background()
	const formula = `=HYPERLINK("http://evil","x")`
	// Staff see the shared record, shippers the name as they sent it: both hold the formula.
	if _, err := e.shp.Pool().Exec(ctx, `UPDATE consignees SET name = $1`, formula); err != nil {
		t.Fatal(err)
	}
	if _, err := e.shp.Pool().Exec(ctx, `UPDATE shipments SET consignee_name = $1`, formula); err != nil {
		t.Fatal(err)
	}
	if _, err := e.shp.Pool().Exec(ctx, `UPDATE shipments SET origin_city = $1`, "杭\u202e州\u2066"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.srv)
	b.cookies["lcrm_csrf"] = testCSRF
	if code, _, _ := b.do("POST", "/login", url.Values{"email": {"ops@acme.test"}, "password": {"correct horse battery"}}); code != 303 {
		t.Fatalf("login: %d", code)
	}
	for _, p := range []string{"/track/SD100000000001", "/shipper/", "/shipper/shipments/SD100000000001"} {
		code, body, _ := b.do("GET", p, nil)
		if code != 200 || strings.ContainsAny(body, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
			t.Errorf("%s: %d, bidi controls shown", p, code)
		}
	}
	code, body, _ := b.do("GET", "/shipper/export.xlsx", nil)
	if code != 200 {
		t.Fatalf("export: %d", code)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(shipments.ExportSheet("zh"))
	found := 0
	for r := range rows {
		for c := range rows[r] {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if fm, _ := f.GetCellFormula(shipments.ExportSheet("zh"), cell); fm != "" {
				t.Errorf("%s holds formula %q", cell, fm)
			}
			v := rows[r][c]
			if strings.Contains(v, "HYPERLINK") {
				found++
				if v != "'"+formula {
					t.Errorf("%s = %q, want it neutralised", cell, v)
				}
			}
			if strings.ContainsRune(v, '\u202e') {
				t.Errorf("%s = %q holds a bidi control", cell, v)
			}
		}
	}
	if found == 0 {
		t.Fatal("the consignee name is not in the export")
	}
}
