package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"lcrm/billing"
	"lcrm/care"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/jobs"
	"lcrm/notify"
	"lcrm/portal"
	"lcrm/reports"
)

// nasty are the values the fuzz test puts in every field: what PostgreSQL refuses (NUL,
// invalid UTF-8), what disguises text (bidi overrides), what Excel runs (formulas),
// control characters, overlong text, and numbers and times out of any range.
var nasty = []string{
	"\x00", "a\x00b", "\xff\xfe", "\xc3\x28", "\xed\xa0\x80", "abc\xe2\x80",
	"\u202egpj.exe", "\u2066x\u2069", "=HYPERLINK(\"http://evil\",\"x\")", "@SUM(1+1)", "+1+cmd|' /C calc'!A0",
	"\x01\x07\x1b[31m", "line\nbreak", "\t\r", strings.Repeat("x", 5000), strings.Repeat("测", 3000),
	"'; DROP TABLE shipments; --", "%", "_", "-1", "0", "99999999999999999999999", "1e400", "NaN",
	"0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-13-45", "", " ",
}

// fieldNames are the query and form fields any route might read.
var fieldNames = []string{"q", "ref", "next", "lang", "status", "priority", "assignee", "category", "sla",
	"from", "to", "period", "page", "done", "err", "job", "entity", "actor", "id", "before", "before_id",
	"canned", "locale", "skip_invalid", "vf", "sub", "late", "email", "password", "phone", "last4",
	"description", "idem", "text", "public", "sms", "csat", "nps", "comment", "summary", "channel",
	"direction", "outcome", "nonce", "complaint_id", "name", "role", "title", "body", "root_cause",
	"department", "code", "note", "compensation", "reason", "manager_id", "active", "hours", "group"}

// fuzzEnv is a portal with every dependency a real server has, staff and shipper logins,
// a shipment, a complaint and a survey link.
type fuzzEnv struct {
	*deskEnv
	valid map[string]string // path parameter -> a value that exists
}

func newFuzzEnv(t *testing.T) *fuzzEnv {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := newDeskEnv(t, func(d *portal.Deps) {
		pool := d.Shipments.Pool()
		d.Reports = reports.NewStore(pool)
		d.Notify = notify.New(pool, notify.Config{NoQuiet: true})
		d.Watch = care.NewStore(pool)
		d.Billing = billing.NewStore(pool, nil)
		sched, err := jobs.NewScheduler(pool, time.UTC, jobs.Standard(care.Deps{Pool: pool, Outbox: d.Notify,
			Complaints: complaints.NewStore(pool), PublicURL: "http://lcrm.test", Secret: []byte("test secret 0123456789abcdef0123"),
			Zone: time.UTC, Log: log}), log)
		if err != nil {
			t.Fatal(err)
		}
		d.Jobs = sched
		d.Log = log
	})
	c := e.file(complaints.Delayed, "三天没到")
	return &fuzzEnv{deskEnv: e, valid: map[string]string{
		"no": "SD300000000001", "ref": c.Ref, "id": strconv.FormatInt(c.ID, 10),
		"token": customers.SurveyToken(e.secret, e.shipID, time.Now().Add(72*time.Hour)),
		"kind":  "consignee", "job": "slow-signoff",
	}}
}

// fuzzer sends requests and counts the answers.
type fuzzer struct {
	t        *testing.T
	srv      *portal.Server
	rnd      *rand.Rand
	requests int
	fivexx   int
	failures []string
}

func (f *fuzzer) nasty() string { return nasty[f.rnd.Intn(len(nasty))] }

// short is a nasty value that fits a request line: fasthttp refuses request heads over
// 4 KiB (431) before the application sees them.
func (f *fuzzer) short() string {
	v := f.nasty()
	if len(v) > 300 {
		v = v[:300]
	}
	return v
}

// send sends one request with the browser's cookies and counts a 5xx as a failure.
func (f *fuzzer) send(b *browser, method, target, contentType string, body []byte, hdr map[string]string) {
	f.t.Helper()
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	req.URL = &url.URL{Opaque: target} // keeps raw bytes in the path and query as sent
	req.RequestURI = target
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	req.RemoteAddr = fmt.Sprintf("203.0.113.%d:1234", f.rnd.Intn(250)+1)
	if b != nil {
		for k, v := range b.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
	}
	resp, err := f.srv.App.Test(req, -1)
	f.requests++
	if err != nil {
		f.fivexx++
		f.failures = append(f.failures, fmt.Sprintf("%s %.200q: %.200v", method, target, err))
		return
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		f.fivexx++
		if len(f.failures) < 20 {
			f.failures = append(f.failures, fmt.Sprintf("%s %.200q (%s): %d %.200s", method, target, contentType, resp.StatusCode, raw))
		}
	}
}

// query is a query string of a few fields, one or more of them nasty.
func (f *fuzzer) query() string {
	q := make([]string, 0, 3)
	for i := f.rnd.Intn(3) + 1; i > 0; i-- {
		q = append(q, url.QueryEscape(fieldNames[f.rnd.Intn(len(fieldNames))])+"="+url.QueryEscape(f.short()))
	}
	return strings.Join(q, "&")
}

// form is a url-encoded form of a few nasty fields plus the CSRF token.
func (f *fuzzer) form() []byte {
	v := url.Values{"_csrf": {testCSRF}}
	for i := f.rnd.Intn(5) + 1; i > 0; i-- {
		v.Set(fieldNames[f.rnd.Intn(len(fieldNames))], f.nasty())
	}
	return []byte(v.Encode())
}

// TestFuzzBadInput sends NUL bytes, invalid UTF-8, overlong text, bidi overrides, formulas
// and out-of-range numbers and times into the path, query, form and JSON fields of every
// route (API with a staff key, import uploads, login, complaint lookup and filing, survey,
// console pages logged in as staff, shipper pages) and requires that none is answered
// with a 5xx: bad input is the client's fault (400/404/422), never a server error.
func TestFuzzBadInput(t *testing.T) {
	t.Parallel()
	e := newFuzzEnv(t)
	f := &fuzzer{t: t, srv: e.srv, rnd: rand.New(rand.NewSource(11))}
	anon := e.as("")
	anon.do("POST", "/track/SD300000000001/verify", url.Values{"last4": {"8000"}})
	browsers := []*browser{anon, e.as("agent"), e.as("admin"), e.as("manager"), e.as("shipper")}
	api := map[string]string{"Authorization": "Bearer " + e.apiKey(t)}

	routes := e.srv.App.GetRoutes(true)
	start := time.Now()
	for round := 0; round < 8; round++ {
		for _, r := range routes {
			if (r.Method != "GET" && r.Method != "POST") || strings.Contains(r.Path, "*") {
				continue
			}
			b := browsers[f.rnd.Intn(len(browsers))]
			var hdr map[string]string
			if strings.HasPrefix(r.Path, "/api/") {
				hdr = api
			}
			// 1. each path parameter nasty in turn (the others valid), 2. valid path with a
			// nasty query, 3. for POST, a nasty form; 4. a nasty JSON body on the API.
			for _, nastyParam := range append(r.Params, "") {
				target := fillPath(r.Path, r.Params, nastyParam, e.valid, f.short())
				if nastyParam != "" {
					f.send(b, r.Method, target+"?"+f.query(), "", nil, hdr)
				}
			}
			target := fillPath(r.Path, r.Params, "", e.valid, "")
			f.send(b, r.Method, target+"?"+f.query(), "", nil, hdr)
			if r.Method == "POST" {
				f.send(b, "POST", target, "application/x-www-form-urlencoded", f.form(), hdr)
				ct, body := multipartForm(t, map[string]string{fieldNames[f.rnd.Intn(len(fieldNames))]: f.nasty(),
					"description": f.nasty(), "category": "delayed", "phone": "13800138000"}, []upload{{f.nasty() + ".png", []byte(f.nasty())}})
				f.send(b, "POST", target, ct, body.Bytes(), hdr)
				f.send(b, "POST", target, "application/json", []byte(f.jsonBody()), hdr)
			}
		}
	}
	// The API and the importer at length: batches with nasty fields, CSV files with nasty cells.
	for i := 0; i < 400; i++ {
		f.send(nil, "POST", "/api/v1/shipments", "application/json", []byte(f.jsonBody()), api)
		f.send(nil, "POST", "/api/v1/events", "application/json", []byte(f.eventsBody()), api)
		skip := []string{"", "?skip_invalid=true"}[f.rnd.Intn(2)]
		kind := []string{"shipments", "events"}[f.rnd.Intn(2)]
		f.send(nil, "POST", "/api/v1/import/"+kind+skip, "text/csv", f.csv(kind), api)
	}
	took := time.Since(start)
	t.Logf("fuzz: %d requests over %d routes in %s, %d answered 5xx", f.requests, len(routes), took.Round(time.Millisecond), f.fivexx)
	if f.fivexx > 0 {
		t.Fatalf("%d of %d requests answered 5xx, e.g.:\n%s", f.fivexx, f.requests, strings.Join(f.failures, "\n"))
	}
}

// fillPath replaces the route's parameters with valid values, nastyParam with value.
func fillPath(p string, params []string, nastyParam string, valid map[string]string, value string) string {
	for _, name := range params {
		v, ok := valid[name]
		if !ok {
			v = "1"
		}
		if name == nastyParam {
			v = value
		}
		p = strings.Replace(p, ":"+name, url.PathEscape(v), 1)
	}
	return p
}

// jsonBody is a shipment batch where some items carry one nasty field (as a string, or as
// a wrongly typed value).
func (f *fuzzer) jsonBody() string {
	items := make([]map[string]any, f.rnd.Intn(3)+1)
	fields := []string{"tracking_no", "shipper_code", "service_level", "origin_city", "dest_city", "created_at", "promised_at", "weight_g"}
	for i := range items {
		items[i] = map[string]any{"tracking_no": fmt.Sprintf("SD9%011d", f.rnd.Intn(1e9)), "shipper_code": "ACME",
			"origin_city": "杭州", "weight_g": 100, "consignee": map[string]any{"name": "李四", "phone": "13900139000", "city": "上海",
				"street": f.nasty(), "email": f.nasty()}}
		if f.rnd.Intn(4) == 0 {
			items[i]["weight_g"] = f.nasty() // a string where a number belongs
		} else {
			items[i][fields[f.rnd.Intn(len(fields))]] = f.nasty()
		}
	}
	b, _ := json.Marshal(map[string]any{"shipments": items})
	if f.rnd.Intn(5) == 0 {
		return string(bytes.ReplaceAll(b, []byte(`\ufffd`), []byte("\xff"))) // raw invalid bytes in the JSON text
	}
	return string(b)
}

func (f *fuzzer) eventsBody() string {
	ev := map[string]any{"tracking_no": "SD300000000001", "code": "in_transit", "occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339),
		"location": "杭州", "note": "ok", "event_id": fmt.Sprint(f.rnd.Int())}
	fields := []string{"tracking_no", "code", "occurred_at", "location", "note", "event_id", "signed_by", "pod_url"}
	ev[fields[f.rnd.Intn(len(fields))]] = f.nasty()
	b, _ := json.Marshal(map[string]any{"events": []any{ev, map[string]any{"tracking_no": 5, "occurred_at": []int{1}}}})
	return string(b)
}

// csv is an import file whose rows carry nasty cells.
func (f *fuzzer) csv(kind string) []byte {
	var b bytes.Buffer
	cell := func() string { return `"` + strings.ReplaceAll(f.nasty(), `"`, `""`) + `"` }
	if kind == "shipments" {
		b.WriteString("tracking_no,shipper_code,shipper_name,origin_city,consignee_name,consignee_phone,city,street,weight_g,created_at\n")
		for i := 0; i < 3; i++ {
			fmt.Fprintf(&b, "SD8%011d,ACME,Acme,%s,%s,13800138000,北京,%s,100,%s\n", f.rnd.Intn(1e9), cell(), cell(), cell(), cell())
		}
	} else {
		b.WriteString("tracking_no,code,occurred_at,location,note\n")
		for i := 0; i < 3; i++ {
			fmt.Fprintf(&b, "SD300000000001,in_transit,%s,%s,%s\n", cell(), cell(), cell())
		}
	}
	return b.Bytes()
}

// apiKey makes a staff API key.
func (e *fuzzEnv) apiKey(t *testing.T) string {
	key, _, err := e.acc.CreateAPIKey(context.Background(), "fuzz", 0)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
