package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/ratelimit"
	"lcrm/internal/testdb"
	"lcrm/portal"
	"lcrm/shipments"
)

// selfEnv is a portal with a known secret, a PostgreSQL rate limiter (more Deps through
// options) and one shipment (SD300000000001, consignee phone ending 8000), driven like one
// browser: it keeps the cookies the server sets and holds testCSRF.
type selfEnv struct {
	t       *testing.T
	srv     *portal.Server
	pool    *pgxpool.Pool
	cus     *customers.Store
	shp     *shipments.Store
	secret  []byte
	shipID  int64
	cookies map[string]string
	acc     *accounts.Store // when an option set Deps.Accounts
}

func newSelfEnv(t *testing.T, opts ...func(*portal.Deps)) *selfEnv {
	t.Helper()
	pool := testdb.New(t)
	e := &selfEnv{t: t, pool: pool, cus: customers.NewStore(pool), shp: shipments.NewStore(pool),
		secret: []byte("page-test-secret"), cookies: map[string]string{}}
	deps := portal.Deps{Shipments: e.shp, Customers: e.cus, Limiter: ratelimit.New(pool)}
	for _, o := range opts {
		o(&deps)
	}
	e.acc = deps.Accounts
	e.srv = portal.New(deps, portal.Config{PublicURL: "http://lcrm.test", Secret: e.secret})
	ctx := context.Background()
	if _, err := e.shp.CreateShipments(ctx, []shipments.NewShipment{{TrackingNo: "SD300000000001",
		Shipper:    customers.Shipper{Code: "ACME", Name: "Acme"},
		Consignee:  customers.Consignee{Name: "张小明", Phone: "13800138000", Address: customers.Address{City: "北京"}},
		OriginCity: "杭州", WeightG: 100}}); err != nil {
		t.Fatal(err)
	}
	d, err := e.shp.Get(ctx, "SD300000000001")
	if err != nil {
		t.Fatal(err)
	}
	e.shipID = d.ID
	return e
}

// testCSRF is the CSRF token the test browser holds in its cookie and puts in forms.
const testCSRF = "test-csrf-token-0123456789abcdefghijklmnopq"

// send makes one request and returns status, Location and body. A form gets the _csrf
// field unless it already has one.
func (e *selfEnv) send(method, path string, form url.Values, lang string) (int, string, string) {
	e.t.Helper()
	if form == nil {
		return e.sendRaw(method, path, "", nil, lang)
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", testCSRF)
	}
	return e.sendRaw(method, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), lang)
}

// sendRaw sends a body of any type with the browser's cookies and keeps the cookies set.
func (e *selfEnv) sendRaw(method, path, contentType string, body io.Reader, lang string) (int, string, string) {
	e.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	req.AddCookie(&http.Cookie{Name: "lcrm_csrf", Value: testCSRF})
	for k, v := range e.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := e.srv.App.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "lcrm_csrf" {
			continue
		}
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(e.cookies, ck.Name)
		} else {
			e.cookies[ck.Name] = ck.Value
		}
	}
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

// verify passes the last-4 check for SD300000000001 in this browser.
func (e *selfEnv) verify() {
	e.t.Helper()
	status, loc, _ := e.send("POST", "/track/SD300000000001/verify", url.Values{"last4": {"8000"}}, "")
	if status != http.StatusSeeOther || loc != "/track/SD300000000001" {
		e.t.Fatalf("verify = %d %q", status, loc)
	}
}

func TestSurveyPages(t *testing.T) {
	t.Parallel()
	e := newSelfEnv(t)
	now := time.Now()
	good := "/survey/" + customers.SurveyToken(e.secret, e.shipID, now.Add(72*time.Hour))
	expired := "/survey/" + customers.SurveyToken(e.secret, e.shipID, now.Add(-time.Minute))
	forged := "/survey/" + customers.SurveyToken([]byte("other"), e.shipID, now.Add(time.Hour))
	unknown := "/survey/" + customers.SurveyToken(e.secret, e.shipID+1000, now.Add(time.Hour))
	answer := func(csat, nps, comment string) url.Values {
		return url.Values{"csat": {csat}, "nps": {nps}, "comment": {comment}}
	}
	tests := []struct {
		name     string
		method   string
		path     string
		form     url.Values
		lang     string
		status   int
		location string
		contains []string
		absent   []string
	}{
		{name: "empty form in Chinese", method: "GET", path: good, status: 200, contains: []string{"满意度调查", `name="csat" value="5"`}, absent: []string{"checked"}},
		{name: "empty form in English", method: "GET", path: good, lang: "en-US,en;q=0.9", status: 200, contains: []string{"Satisfaction survey", `lang="en"`}},
		{name: "expired link", method: "GET", path: expired, status: 410, contains: []string{"调查链接已过期"}},
		{name: "tampered link", method: "GET", path: forged, status: 404, contains: []string{"找不到这个调查"}},
		{name: "garbage link", method: "GET", path: "/survey/abc", status: 404},
		{name: "post to expired link", method: "POST", path: expired, form: answer("5", "10", ""), status: 410},
		{name: "unknown shipment", method: "POST", path: unknown, form: answer("5", "10", ""), status: 404},
		{name: "out of range keeps typed comment", method: "POST", path: good, form: answer("9", "", "<script>x</script>"), status: 422,
			contains: []string{"请选择 1 到 5 星", "请选择 0 到 10", "&lt;script&gt;x&lt;/script&gt;"}, absent: []string{"<script>x"}},
		{name: "no CSRF token", method: "POST", path: good, form: url.Values{"csat": {"5"}, "nps": {"10"}, "_csrf": {""}}, status: 403},
		{name: "answer", method: "POST", path: good, form: answer("4", "9", "快"), status: 303, location: good + "/thanks"},
		{name: "thanks", method: "GET", path: good + "/thanks", status: 200, contains: []string{"谢谢您的反馈"}},
		{name: "edit shows answer", method: "GET", path: good, status: 200, contains: []string{`value="4" checked`, `value="9" checked`, "快", "survey-editing"}},
		{name: "edit within 24 h", method: "POST", path: good, form: answer("2", "3", "慢"), status: 303, location: good + "/thanks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, loc, body := e.send(tt.method, tt.path, tt.form, tt.lang)
			if status != tt.status || loc != tt.location {
				t.Fatalf("%s %s = %d %q, want %d %q\n%s", tt.method, tt.path, status, loc, tt.status, tt.location, body)
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q:\n%s", s, body)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(body, s) {
					t.Errorf("body has %q", s)
				}
			}
		})
	}
	got, err := e.cus.SurveyFor(context.Background(), e.shipID)
	if err != nil || got.CSAT != 2 || got.NPS != 3 || got.Comment != "慢" {
		t.Fatalf("stored %+v, %v; want the edited answer", got, err)
	}

	// After the edit window the answer is final: the page says so and a post is refused.
	if _, err := e.pool.Exec(context.Background(), `UPDATE surveys SET created_at = now() - interval '25 hours'`); err != nil {
		t.Fatal(err)
	}
	if status, _, body := e.send("GET", good, nil, ""); status != 200 || !strings.Contains(body, "不能再修改") || strings.Contains(body, "<form") {
		t.Errorf("closed survey page = %d\n%s", status, body)
	}
	if status, _, _ := e.send("POST", good, answer("5", "10", ""), ""); status != http.StatusConflict {
		t.Errorf("edit after 24 h = %d, want 409", status)
	}
	if got, _ := e.cus.SurveyFor(context.Background(), e.shipID); got.CSAT != 2 {
		t.Errorf("a late edit changed the answer to %+v", got)
	}
}
