package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"lcrm/accounts"
	"lcrm/hooks"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
)

// hooksEnv is a portal with the webhook store (loopback endpoints allowed unless
// private is false), the shipper ACME with a login and a key, and the shipper OTHER
// with its key.
type hooksEnv struct {
	*siteEnv
	hk                *hooks.Store
	acmeKey, otherKey string
	otherID           int64
}

func newHooksEnv(t *testing.T, allowPrivate bool) *hooksEnv {
	t.Helper()
	se := newSiteEnv(t)
	pool := se.shp.Pool()
	hk := hooks.NewStore(pool)
	hk.AllowPrivate = allowPrivate
	se.srv = portal.New(portal.Deps{Shipments: se.shp, Customers: se.cus, Accounts: se.acc, Limiter: ratelimit.New(pool), Webhooks: hk},
		portal.Config{PublicURL: "http://lcrm.test"})
	ctx := context.Background()
	other, err := se.cus.CreateShipper(ctx, testShipper("OTHER"))
	if err != nil {
		t.Fatal(err)
	}
	ak, _, _ := se.acc.CreateAPIKey(ctx, "acme", se.shipperID)
	ok, _, _ := se.acc.CreateAPIKey(ctx, "other", other.ID)
	return &hooksEnv{siteEnv: se, hk: hk, acmeKey: ak, otherKey: ok, otherID: other.ID}
}

type hookCreated struct {
	ID     int64  `json:"id"`
	Secret string `json:"secret"`
}

type hookList struct {
	Webhooks []struct {
		ID     int64    `json:"id"`
		URL    string   `json:"url"`
		Events []string `json:"events"`
	} `json:"webhooks"`
}

// The API registers, lists, rotates and deletes endpoints; a shipper key acts only for
// its own shipper and cannot see, rotate or delete another's (attacker test); a staff key
// must name the shipper.
func TestAPIWebhooks(t *testing.T) {
	t.Parallel()
	e := newHooksEnv(t, true)
	var got hookCreated
	if code := e.do("POST", "/api/v1/webhooks", e.acmeKey, map[string]any{"url": "http://127.0.0.1:9/acme",
		"events": []string{"shipment.status_changed", "complaint.created"}}, &got); code != 201 || got.ID == 0 || !strings.HasPrefix(got.Secret, "whsec_") {
		t.Fatalf("create: %d %+v", code, got)
	}
	var list hookList
	if code := e.do("GET", "/api/v1/webhooks", e.acmeKey, nil, &list); code != 200 || len(list.Webhooks) != 1 || list.Webhooks[0].ID != got.ID {
		t.Fatalf("list: %d %+v", code, list)
	}
	// The secret is never listed again.
	req := httptest.NewRequest("GET", "/api/v1/webhooks", nil)
	req.Header.Set("Authorization", "Bearer "+e.acmeKey)
	resp, _ := e.srv.App.Test(req, -1)
	raw, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(raw), got.Secret) || strings.Contains(string(raw), "whsec_") {
		t.Errorf("list shows the secret: %s", raw)
	}
	id := itoa(got.ID)
	// The attacker: OTHER's key.
	list = hookList{}
	if code := e.do("GET", "/api/v1/webhooks", e.otherKey, nil, &list); code != 200 || len(list.Webhooks) != 0 {
		t.Errorf("other shipper lists %d endpoints (%d)", len(list.Webhooks), code)
	}
	if code := e.do("GET", "/api/v1/webhooks?shipper_code=ACME", e.otherKey, nil, nil); code != 403 {
		t.Errorf("other shipper naming ACME: %d, want 403", code)
	}
	if code := e.do("POST", "/api/v1/webhooks/"+id+"/rotate", e.otherKey, nil, nil); code != 404 {
		t.Errorf("other shipper rotates: %d, want 404", code)
	}
	if code := e.do("DELETE", "/api/v1/webhooks/"+id, e.otherKey, nil, nil); code != 404 {
		t.Errorf("other shipper deletes: %d, want 404", code)
	}
	if code := e.do("POST", "/api/v1/webhooks", e.otherKey, map[string]any{"url": "http://127.0.0.1:9/x", "events": []string{"survey.answered"}, "shipper_code": "ACME"}, nil); code != 403 {
		t.Errorf("other shipper registering for ACME: %d, want 403", code)
	}
	// A staff key must name the shipper.
	var ae apiErr
	if code := e.do("GET", "/api/v1/webhooks", e.key, nil, &ae); code != 422 || len(ae.Error.Fields) != 1 || ae.Error.Fields[0].Field != "shipper_code" {
		t.Errorf("staff key without shipper_code: %d %+v", code, ae)
	}
	list = hookList{}
	if code := e.do("GET", "/api/v1/webhooks?shipper_code=acme", e.key, nil, &list); code != 200 || len(list.Webhooks) != 1 {
		t.Errorf("staff key for ACME: %d %+v", code, list)
	}
	// Rotation answers a new secret; both sign for 24 h.
	var rot hookCreated
	if code := e.do("POST", "/api/v1/webhooks/"+id+"/rotate", e.acmeKey, nil, &rot); code != 200 || rot.Secret == "" || rot.Secret == got.Secret {
		t.Errorf("rotate: %d %+v", code, rot)
	}
	// Invalid URL and event types: 422 naming the fields.
	ae = apiErr{}
	if code := e.do("POST", "/api/v1/webhooks", e.acmeKey, map[string]any{"url": "ftp://x", "events": []string{"shipment.exploded"}}, &ae); code != 422 || len(ae.Error.Fields) != 2 ||
		ae.Error.Fields[0].Field != "url" || ae.Error.Fields[1].Field != "events" {
		t.Errorf("invalid: %d %+v", code, ae)
	}
	if code := e.do("DELETE", "/api/v1/webhooks/"+id, e.acmeKey, nil, nil); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code := e.do("DELETE", "/api/v1/webhooks/"+id, e.acmeKey, nil, nil); code != 404 {
		t.Errorf("delete again: %d", code)
	}
	if code := e.do("GET", "/api/v1/webhooks", "", nil, nil); code != 401 {
		t.Errorf("no key: %d", code)
	}
}

// With private addresses not allowed the API refuses loopback, private and link-local
// endpoints with 422 on "url".
func TestAPIWebhooksSSRF(t *testing.T) {
	t.Parallel()
	e := newHooksEnv(t, false)
	for _, u := range []string{"http://127.0.0.1/", "http://10.0.0.5/", "http://169.254.169.254/", "http://[::1]/", "http://localhost/"} {
		var ae apiErr
		if code := e.do("POST", "/api/v1/webhooks", e.acmeKey, map[string]any{"url": u, "events": []string{"complaint.created"}}, &ae); code != 422 ||
			len(ae.Error.Fields) != 1 || ae.Error.Fields[0].Field != "url" || !strings.Contains(ae.Error.Fields[0].Message, "private") {
			t.Errorf("%s: %d %+v", u, code, ae)
		}
	}
}

// The shipper page: register (secret shown once), the delivery log with a receiver's
// answer shown as escaped text, send again, rotate, the disabled notice, delete; every
// form needs the CSRF token; another shipper's endpoint is not found.
func TestShipperWebhooksPage(t *testing.T) {
	t.Parallel()
	e := newHooksEnv(t, true)
	var mu sync.Mutex
	hits := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.WriteHeader(500)
		_, _ = w.Write([]byte(`<script>alert(1)</script>`))
	}))
	defer rcv.Close()
	b := newBrowser(t, e.srv)
	loginAs(t, b, "ops@acme.test", "correct horse battery")
	for _, lang := range []string{"zh", "en"} {
		if code, body, _ := b.do("GET", "/shipper/webhooks?lang="+lang, nil); code != 200 || !strings.Contains(body, `name="events"`) {
			t.Fatalf("page %s: %d", lang, code)
		}
	}
	if code, _, _ := b.do("POST", "/shipper/webhooks", url.Values{"_csrf": {"forged"}, "url": {rcv.URL}, "events": {"complaint.created"}}); code != 403 {
		t.Errorf("without CSRF: %d, want 403", code)
	}
	code, body, _ := b.do("POST", "/shipper/webhooks", url.Values{"url": {"not a url"}, "events": {"complaint.created"}})
	if code != 422 || !strings.Contains(body, `value="not a url"`) {
		t.Errorf("bad url: %d", code)
	}
	code, body, _ = b.do("POST", "/shipper/webhooks", url.Values{"url": {rcv.URL}, "events": {"complaint.created", "survey.answered"}})
	secret := regexp.MustCompile(`whsec_[0-9a-f]{48}`).FindString(body)
	if code != 200 || secret == "" {
		t.Fatalf("register: %d, secret %q", code, secret)
	}
	es, _ := e.hk.List(context.Background(), e.shipperID)
	if len(es) != 1 {
		t.Fatalf("endpoints %+v", es)
	}
	id := itoa(es[0].ID)
	if _, err := e.hk.Emit(context.Background(), e.shp.Pool(), hooks.Event{ShipperID: e.shipperID, Type: hooks.ComplaintCreated, Key: "c1", Data: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.hk.Sender(hooks.SenderConfig{}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, body, _ = b.do("GET", "/shipper/webhooks?log="+id, nil)
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "500") {
		t.Errorf("log does not show the answer escaped")
	}
	// Send again is for finished deliveries only; fail this one, then resend.
	ds, _ := e.hk.Deliveries(context.Background(), e.shipperID, es[0].ID, 1)
	if code, _, _ := b.do("POST", "/shipper/webhooks/"+id+"/deliveries/"+itoa(ds[0].ID)+"/resend", url.Values{}); code != 409 {
		t.Errorf("resend while pending: %d, want 409", code)
	}
	e.shp.Pool().Exec(context.Background(), `UPDATE webhook_deliveries SET status = 'failed'`)
	if code, _, _ := b.do("POST", "/shipper/webhooks/"+id+"/deliveries/"+itoa(ds[0].ID)+"/resend", url.Values{}); code != 303 {
		t.Errorf("resend: %d", code)
	}
	if _, err := e.hk.Sender(hooks.SenderConfig{}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if hits != 2 {
		t.Errorf("receiver hit %d times, want 2", hits)
	}
	mu.Unlock()
	// Rotate shows a new secret once.
	_, body, _ = b.do("POST", "/shipper/webhooks/"+id+"/rotate", url.Values{})
	if s := regexp.MustCompile(`whsec_[0-9a-f]{48}`).FindString(body); s == "" || s == secret {
		t.Errorf("rotate shows %q", s)
	}
	// Disabled by failures: the page says so.
	e.shp.Pool().Exec(context.Background(), `UPDATE webhook_endpoints SET enabled = false, disabled_at = $1, disabled_reason = 'failing'`, time.Now())
	_, body, _ = b.do("GET", "/shipper/webhooks?lang=en", nil)
	if !strings.Contains(body, `id="disabled-`+id+`"`) || !strings.Contains(body, "failed for 3 days") {
		t.Errorf("no disabled notice")
	}
	// Another shipper's login cannot touch it.
	e.acc.CreateUser(context.Background(), accounts.NewUser{Email: "o@other.test", Password: "another long pass", Role: accounts.RoleShipper, ShipperID: e.otherID})
	o := newBrowser(t, e.srv)
	loginAs(t, o, "o@other.test", "another long pass")
	for _, p := range []string{"/rotate", "/delete", "/enable", "/deliveries/" + itoa(ds[0].ID) + "/resend"} {
		if code, _, _ := o.do("POST", "/shipper/webhooks/"+id+p, url.Values{}); code != 404 {
			t.Errorf("other shipper %s: %d, want 404", p, code)
		}
	}
	if _, body, _ := o.do("GET", "/shipper/webhooks?log="+id, nil); strings.Contains(body, rcv.URL) {
		t.Errorf("other shipper sees the endpoint")
	}
	if code, _, _ := b.do("POST", "/shipper/webhooks/"+id+"/delete", url.Values{}); code != 303 {
		t.Errorf("delete: %d", code)
	}
	if es, _ := e.hk.List(context.Background(), e.shipperID); len(es) != 0 {
		t.Errorf("still %d endpoints", len(es))
	}
}
