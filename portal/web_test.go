package portal_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
	"lcrm/shipments"
)

// browser is a cookie-keeping client for page tests through app.Test.
type browser struct {
	t       *testing.T
	srv     *portal.Server
	cookies map[string]string
	ip      string
}

func newBrowser(t *testing.T, srv *portal.Server) *browser {
	return &browser{t: t, srv: srv, cookies: map[string]string{}, ip: "198.51.100.7"}
}

func (b *browser) do(method, path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		if _, ok := form["_csrf"]; !ok {
			form.Set("_csrf", b.cookies["lcrm_csrf"])
		}
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.send(req)
}

// send sends req from b's address with b's cookies and keeps the cookies it sets.
func (b *browser) send(req *http.Request) (int, string, http.Header) {
	b.t.Helper()
	req.Header.Set("X-Forwarded-For", b.ip)
	req.RemoteAddr = b.ip + ":1234"
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.srv.App.Test(req, -1)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), resp.Header
}

// siteEnv is a portal with a limiter, one shipper user and two shipments.
type siteEnv struct {
	*env
	shipperID int64
}

func newSiteEnv(t *testing.T) *siteEnv {
	t.Helper()
	e := newEnv(t)
	pool := e.shp.Pool()
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Limiter: ratelimit.New(pool)}, portal.Config{PublicURL: "http://lcrm.test"})
	e.do("POST", "/api/v1/shipments", e.key, map[string]any{"shipments": []any{shipmentJSON("SD100000000001"), shipmentJSON("SD100000000002")}}, nil)
	sh, err := e.cus.ShipperByCode(context.Background(), "ACME")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.acc.CreateUser(context.Background(), accounts.NewUser{Email: "ops@acme.test", Name: "Acme Ops", Password: "correct horse battery", Role: accounts.RoleShipper, ShipperID: sh.ID}); err != nil {
		t.Fatal(err)
	}
	return &siteEnv{env: e, shipperID: sh.ID}
}

// Every {{t "key"}} in the templates must exist in both catalogues, and both catalogues
// must have the same keys.
func TestCatalogues(t *testing.T) {
	t.Parallel()
	load := func(lang string) map[string]string {
		m := map[string]string{}
		files, _ := filepath.Glob("web/i18n/*." + lang + ".json")
		for _, f := range files {
			var part map[string]string
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &part); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					t.Errorf("%s: key %q is already in another %s catalogue", f, k, lang)
				}
				m[k] = v
			}
		}
		return m
	}
	zh, en := load("zh"), load("en")
	for k := range zh {
		if en[k] == "" {
			t.Errorf("key %q missing in English", k)
		}
	}
	for k := range en {
		if zh[k] == "" {
			t.Errorf("key %q missing in Chinese", k)
		}
	}
	files, _ := filepath.Glob("web/templates/*.html")
	re := regexp.MustCompile(`\{\{\s*tf?\s+"([a-z0-9_.]+)"`)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if zh[m[1]] == "" {
				t.Errorf("%s uses %q, which is not in the catalogues", f, m[1])
			}
		}
	}
	for _, c := range shipments.Codes {
		if zh["status."+string(c)] == "" {
			t.Errorf("status %s has no translation", c)
		}
	}
}

func TestTrackPages(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	b := newBrowser(t, e.srv)
	code, body, hdr := b.do("GET", "/", nil)
	if code != 200 || !strings.Contains(body, "查询快递") || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("home: %d csp=%q", code, hdr.Get("Content-Security-Policy"))
	}
	code, body, _ = b.do("GET", "/track?q="+url.QueryEscape("sd100000000001，SD100000000002\nSD999999999999 bad<x>"), nil)
	if code != 200 || strings.Count(body, `class="parcel"`) != 4 || strings.Count(body, "未找到该运单") != 2 {
		t.Fatalf("multi lookup: %d, %d parcels", code, strings.Count(body, `class="parcel"`))
	}
	if !strings.Contains(body, "张*明") || !strings.Contains(body, "138********") || strings.Contains(body, "8000") || strings.Contains(body, "望京街") || strings.Contains(body, "13800138000") {
		t.Error("unverified page shows personal data")
	}
	if strings.Contains(body, "<x>") {
		t.Error("typed input rendered as HTML")
	}
	// Wrong answer: same page, no detail, no hint which part was wrong.
	code, _, hdr = b.do("POST", "/track/SD100000000001/verify", url.Values{"last4": {"1234"}})
	if code != 303 || !strings.Contains(hdr.Get("Location"), "vf=1") {
		t.Fatalf("wrong answer: %d %s", code, hdr.Get("Location"))
	}
	// Right answer (consignee's last 4) unlocks full detail for this browser only.
	b.do("POST", "/track/SD100000000001/verify", url.Values{"last4": {"8000"}})
	_, body, _ = b.do("GET", "/track/SD100000000001", nil)
	if !strings.Contains(body, "张小明") || !strings.Contains(body, "望京街10号") {
		t.Error("verified browser does not see full detail")
	}
	other := newBrowser(t, e.srv)
	if _, body, _ := other.do("GET", "/track/SD100000000001", nil); strings.Contains(body, "张小明") {
		t.Error("another browser sees the verified detail")
	}
	// A forged grant cookie is ignored.
	other.cookies["lcrm_verified"] = b.cookies["lcrm_verified"][:10] + "x." + "forged"
	if _, body, _ := other.do("GET", "/track/SD100000000001", nil); strings.Contains(body, "张小明") {
		t.Error("forged cookie accepted")
	}
	if code, _, _ := b.do("GET", "/track/SD000000000404", nil); code != 404 {
		t.Errorf("unknown number page = %d", code)
	}
	// English.
	if _, body, _ := b.do("GET", "/track/SD100000000001?lang=en", nil); !strings.Contains(body, "Timeline") {
		t.Error("?lang=en did not switch")
	}
	if _, body, _ := b.do("GET", "/", nil); !strings.Contains(body, "Track a parcel") {
		t.Error("language choice not remembered")
	}
	fresh := newBrowser(t, e.srv)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	resp, _ := e.srv.App.Test(req, -1)
	raw, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(raw), "Track a parcel") {
		t.Error("Accept-Language: en ignored")
	}
	_ = fresh
}

func TestVerifyAndLookupLimits(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	b := newBrowser(t, e.srv)
	b.do("GET", "/", nil)
	for i := 0; i < 5; i++ {
		if code, _, _ := b.do("POST", "/track/SD100000000001/verify", url.Values{"last4": {"0000"}}); code != 303 {
			t.Fatalf("wrong answer %d: %d", i, code)
		}
	}
	// The 6th try is refused even with the right answer, and from another address too.
	if code, body, _ := b.do("POST", "/track/SD100000000001/verify", url.Values{"last4": {"8000"}}); code != 429 || !strings.Contains(body, "频繁") {
		t.Errorf("after 5 wrong answers: %d", code)
	}
	// Lookups per address.
	c := newBrowser(t, e.srv)
	c.ip = "203.0.113.9"
	var code int
	for i := 0; i < 61; i++ {
		code, _, _ = c.do("GET", "/track/SD100000000002", nil)
	}
	if code != 429 {
		t.Errorf("61st lookup in a minute = %d, want 429", code)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	b := newBrowser(t, e.srv)
	b.do("GET", "/login", nil)
	if code, _, _ := b.do("POST", "/login", url.Values{"_csrf": {"wrong"}, "email": {"ops@acme.test"}, "password": {"correct horse battery"}}); code != 403 {
		t.Errorf("bad token: %d", code)
	}
	delete(b.cookies, "lcrm_csrf")
	if code, _, _ := b.do("POST", "/login", url.Values{"_csrf": {""}, "email": {"x"}}); code != 403 {
		t.Errorf("no token: %d", code)
	}
}

func TestLoginAndShipperPages(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	b := newBrowser(t, e.srv)
	if code, _, hdr := b.do("GET", "/shipper", nil); code != 303 || !strings.HasPrefix(hdr.Get("Location"), "/login") {
		t.Fatalf("anonymous /shipper: %d %s", code, hdr.Get("Location"))
	}
	b.do("GET", "/login", nil)
	if code, body, _ := b.do("POST", "/login", url.Values{"email": {"ops@acme.test"}, "password": {"wrong password!"}}); code != 401 || !strings.Contains(body, "邮箱或密码不正确") {
		t.Fatalf("wrong password: %d", code)
	}
	code, _, hdr := b.do("POST", "/login", url.Values{"email": {"OPS@acme.test"}, "password": {"correct horse battery"}, "next": {"//evil.example"}})
	if code != 303 || hdr.Get("Location") != "/shipper" {
		t.Fatalf("login: %d %s", code, hdr.Get("Location"))
	}
	code, body, _ := b.do("GET", "/shipper", nil)
	if code != 200 || !strings.Contains(body, "SD100000000001") || !strings.Contains(body, "张小明") {
		t.Fatalf("list: %d", code)
	}
	tests := []struct {
		query string
		want  []string
		not   []string
	}{
		{"q=SD100000000002", []string{"SD100000000002"}, []string{"SD100000000001"}},
		{"q=" + url.QueryEscape("138 0013 8000"), []string{"SD100000000001", "SD100000000002"}, nil},
		{"status=delivered", []string{"没有符合条件的运单"}, []string{"SD100000000001"}},
		{"late=1", []string{"没有符合条件的运单"}, nil},
		{"from=2000-01-01&to=2100-01-01", []string{"SD100000000001"}, nil},
		{"from=yesterday", []string{"日期格式不正确"}, nil},
		{"q=nonsense!", []string{"没有符合条件的运单"}, nil},
	}
	for _, tt := range tests {
		_, body, _ := b.do("GET", "/shipper?"+tt.query, nil)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: missing %q", tt.query, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, `/shipper/shipments/`+w) {
				t.Errorf("%s: unexpected %q", tt.query, w)
			}
		}
	}
	if code, body, _ := b.do("GET", "/shipper/shipments/SD100000000001", nil); code != 200 || !strings.Contains(body, "8613800138000") {
		t.Errorf("own detail: %d", code)
	}
	code, body, hdr = b.do("GET", "/shipper/export.xlsx?q=SD100000000001", nil)
	if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), ".xlsx") || !strings.HasPrefix(body, "PK") {
		t.Errorf("export: %d %s", code, hdr.Get("Content-Disposition"))
	}
	// API keys: create (shown once), list, revoke.
	_, body, _ = b.do("POST", "/shipper/keys", url.Values{"name": {"ERP"}})
	key := regexp.MustCompile(`lcrm_[A-Za-z0-9_-]{43}`).FindString(body)
	if key == "" {
		t.Fatal("new key not shown")
	}
	if got := e.do("GET", "/api/v1/shipments/SD100000000001", key, nil, nil); got != 200 {
		t.Errorf("new shipper key: %d", got)
	}
	keys, _ := e.acc.ListAPIKeys(context.Background(), e.shipperID)
	b.do("POST", "/shipper/keys/"+itoa(keys[0].ID)+"/revoke", url.Values{})
	if got := e.do("GET", "/api/v1/shipments/SD100000000001", key, nil, nil); got != 401 {
		t.Errorf("revoked key: %d", got)
	}
	// Another shipper's parcel is a 404; logout ends the session.
	other, _ := e.cus.CreateShipper(context.Background(), &customers.Shipper{Code: "OTHER", Name: "Other"})
	e.acc.CreateUser(context.Background(), accounts.NewUser{Email: "o@other.test", Password: "another long pass", Role: accounts.RoleShipper, ShipperID: other.ID})
	c := newBrowser(t, e.srv)
	c.do("GET", "/login", nil)
	c.do("POST", "/login", url.Values{"email": {"o@other.test"}, "password": {"another long pass"}})
	if code, _, _ := c.do("GET", "/shipper/shipments/SD100000000001", nil); code != 404 {
		t.Errorf("foreign shipment: %d", code)
	}
	b.do("POST", "/logout", url.Values{})
	if code, _, _ := b.do("GET", "/shipper", nil); code != 303 {
		t.Errorf("after logout: %d", code)
	}
}

func TestLockout(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	ctx := context.Background()
	for i := 0; i < accounts.MaxFailures; i++ {
		e.acc.Login(ctx, "ops@acme.test", "nope nope nope")
	}
	if _, err := e.acc.Login(ctx, "ops@acme.test", "correct horse battery"); !errors.Is(err, accounts.ErrLocked) {
		t.Errorf("after %d failures: %v, want ErrLocked", accounts.MaxFailures, err)
	}
	if _, err := e.acc.Login(ctx, "nobody@acme.test", "whatever"); err != accounts.ErrBadLogin {
		t.Errorf("unknown email: %v", err)
	}
}

func TestEscaping(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	s := shipmentJSON("SD100000000003")
	s["consignee"].(map[string]any)["name"] = `<script>alert(1)</script>`
	s["consignee"].(map[string]any)["phone"] = "13900001234"
	e.do("POST", "/api/v1/shipments", e.key, s, nil)
	b := newBrowser(t, e.srv)
	b.do("GET", "/", nil)
	b.do("POST", "/track/SD100000000003/verify", url.Values{"last4": {"1234"}})
	_, body, _ := b.do("GET", "/track/SD100000000003", nil)
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Error("a name with HTML was not shown as text")
	}
}

func itoa(n int64) string { return strings.TrimSpace(strings.ReplaceAll(jsonNum(n), "\n", "")) }

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

// The tracking page with everything it loads must stay under 100 KB and use no other host.
func TestTrackPageWeight(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	b := newBrowser(t, e.srv)
	_, page, _ := b.do("GET", "/track?q=SD100000000001+SD100000000002", nil)
	total := len(page)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(page, -1) {
		code, body, _ := b.do("GET", m[1], nil)
		if code != 200 {
			t.Errorf("%s: %d", m[1], code)
		}
		total += len(body)
	}
	if total > 100*1024 {
		t.Errorf("tracking page with assets = %d bytes, want under 100 KB", total)
	}
	if regexp.MustCompile(`(?:href|src)="(?:https?:)?//`).MatchString(page) {
		t.Error("the page loads something from another host")
	}
	t.Logf("tracking page with assets: %d bytes", total)
}

func TestLanguageSwitchKeepsQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name, path, want string
	}{
		{"no query", "/track/SD1", `href="/track/SD1?lang=en"`},
		{"report filters kept", "/login?next=%2Fconsole%2Fkpi%3Fperiod%3Dmonth", `href="/login?lang=en&amp;next=%2Fconsole%2Fkpi%3Fperiod%3Dmonth"`},
		{"lang replaced, not repeated", "/?lang=zh&q=SD1", `href="/?lang=en&amp;q=SD1"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := e.srv.App.Test(httptest.NewRequest("GET", c.path, nil), -1)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(b), c.want) {
				m := regexp.MustCompile(`<a href="[^"]*" hreflang="en">`).FindString(string(b))
				t.Errorf("switch link %s, want %s", m, c.want)
			}
		})
	}
}
