package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/faketwilio"
	"lcrm/internal/ratelimit"
	"lcrm/internal/testdb"
	"lcrm/notify"
	"lcrm/portal"
	"lcrm/shipments"
	"lcrm/statussms"
)

// smsEnv is the real HTTP app with the status SMS rule, the real outbox and dispatcher,
// and a fake Twilio: what lcrm serve runs, minus the loops (run calls them once).
type smsEnv struct {
	pool  *pgxpool.Pool
	srv   *portal.Server
	clk   *clock.Manual
	shp   *shipments.Store
	acc   *accounts.Store
	fake  *faketwilio.Server
	disp  *notify.Dispatcher
	rule  statussms.Deps
	key   string
	users map[accounts.Role]*accounts.User
}

func newSMSEnv(t *testing.T) *smsEnv {
	t.Helper()
	ctx := context.Background()
	pool := testdb.New(t)
	e := &smsEnv{pool: pool, clk: clock.NewManual(time.Date(2026, 12, 1, 10, 0, 0, 0, shipments.DefaultZone)),
		shp: shipments.NewStore(pool), acc: accounts.NewStore(pool), users: map[accounts.Role]*accounts.User{}}
	e.shp.Now = e.clk.Now
	cus := customers.NewStore(pool)
	out := notify.New(pool, notify.Config{Signature: "【顺达物流】", DailyCap: -1, Zone: shipments.DefaultZone})
	out.Now = e.clk.Now
	e.fake = faketwilio.New(t, "AC00000000000000000000000000000001", "0123456789abcdef0123456789abcdef")
	e.disp = out.Dispatcher(notify.NewTwilio(notify.TwilioConfig{AccountSID: e.fake.AccountSID, AuthToken: e.fake.AuthToken,
		From: "+15005550006", APIBase: e.fake.URL, Timeout: 5 * time.Second}), notify.DispatchConfig{Workers: 1, Batch: 50})
	settings := statussms.NewStore(pool)
	settings.Now = e.clk.Now
	e.rule = statussms.Deps{Pool: pool, Outbox: out, Shipments: e.shp, PublicURL: "http://lcrm.test", Now: e.clk.Now}
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: cus, Accounts: e.acc, Notify: out, Limiter: ratelimit.New(pool),
		StatusSMS: settings}, portal.Config{PublicURL: "http://lcrm.test", TwilioAuthToken: hookToken})
	if _, err := e.shp.CreateShipments(ctx, []shipments.NewShipment{
		{TrackingNo: "SD700000000001", Shipper: customers.Shipper{Code: "ACME", Name: "Acme"},
			Consignee:  customers.Consignee{Name: "张小明", Phone: "13800138000", Address: customers.Address{City: "北京"}},
			OriginCity: "杭州", WeightG: 100},
		{TrackingNo: "SD700000000002", Shipper: customers.Shipper{Code: "BETA", Name: "Beta"},
			Consignee:  customers.Consignee{Name: "王芳", Phone: "13700137000", Address: customers.Address{City: "上海"}},
			OriginCity: "杭州", WeightG: 100},
	}); err != nil {
		t.Fatal(err)
	}
	key, _, err := e.acc.CreateAPIKey(ctx, "carrier", 0)
	if err != nil {
		t.Fatal(err)
	}
	e.key = key
	acme, err := cus.ShipperByCode(ctx, "ACME")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []accounts.NewUser{
		{Email: "admin@staff.test", Name: "管理员", Password: c360Password, Role: accounts.RoleAdmin},
		{Email: "agent@staff.test", Name: "客服", Password: c360Password, Role: accounts.RoleAgent},
		{Email: "ops@acme.test", Name: "Acme Ops", Password: c360Password, Role: accounts.RoleShipper, ShipperID: acme.ID},
	} {
		made, err := e.acc.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.Role] = made
	}
	return e
}

func (e *smsEnv) login(t *testing.T, role accounts.Role) *browser {
	t.Helper()
	b := newBrowser(t, e.srv)
	b.do("GET", "/login", nil)
	if code, _, _ := b.do("POST", "/login", url.Values{"email": {e.users[role].Email}, "password": {c360Password}}); code != 303 {
		t.Fatalf("login as %s: %d", role, code)
	}
	return b
}

// event posts one tracking event through POST /api/v1/events, as a carrier does.
func (e *smsEnv) event(t *testing.T, no, id string, code shipments.Code) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"events": []map[string]string{{"tracking_no": no, "event_id": id,
		"code": string(code), "occurred_at": e.clk.Now().Format(time.RFC3339), "location": "北京", "signed_by": "本人"}}})
	req := httptest.NewRequest("POST", "/api/v1/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.key)
	resp, err := e.srv.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST /api/v1/events: %d", resp.StatusCode)
	}
}

// run does what the service's loops do: hand status changes to the outbox, send what is due.
func (e *smsEnv) run(t *testing.T) {
	t.Helper()
	if _, err := statussms.Send(context.Background(), e.rule); err != nil {
		t.Fatal(err)
	}
	if _, err := e.disp.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// sent is what reached the fake Twilio, per phone.
func (e *smsEnv) sent() map[string][]string {
	out := map[string][]string{}
	for _, m := range e.fake.Messages() {
		out[m.To] = append(out[m.To], m.Body)
	}
	return out
}

// TestStatusSMSEndToEnd keeps the tracking page's promise "已订阅": a visitor subscribes
// on the page, a carrier posts an event, and exactly one SMS reaches Twilio, even though
// the carrier sends the event twice.
func TestStatusSMSEndToEnd(t *testing.T) {
	t.Parallel()
	e := newSMSEnv(t)
	b := newBrowser(t, e.srv)
	b.do("GET", "/track/SD700000000001", nil)
	if code, _, hdr := b.do("POST", "/track/SD700000000001/verify", url.Values{"last4": {"8000"}}); code != 303 || hdr.Get("Location") != "/track/SD700000000001" {
		t.Fatalf("verify: %d %s", code, hdr.Get("Location"))
	}
	if code, _, hdr := b.do("POST", "/track/SD700000000001/subscribe", url.Values{"phone": {"139 0013 9000"}}); code != 303 || hdr.Get("Location") != "/track/SD700000000001?sub=ok" {
		t.Fatalf("subscribe: %d %s", code, hdr.Get("Location"))
	}
	if _, body, _ := b.do("GET", "/track/SD700000000001?sub=ok", nil); !strings.Contains(body, "已订阅") {
		t.Fatal("the page does not say 已订阅")
	}
	e.clk.Add(time.Minute)
	e.event(t, "SD700000000001", "ev-1", shipments.OutForDelivery)
	e.event(t, "SD700000000001", "ev-1", shipments.OutForDelivery) // sent again
	e.run(t)
	e.run(t)
	want := "【顺达物流】包裹SD700000000001正在派送，查看http://lcrm.test/track/SD700000000001"
	if got := e.sent(); len(got) != 1 || len(got["+8613900139000"]) != 1 || got["+8613900139000"][0] != want {
		t.Fatalf("sent %v, want one %q to +8613900139000", got, want)
	}
}

// TestUnsubscribeForm: anyone who types the phone stops its SMS; the answer is the same
// whether that phone was subscribed or not; the form is limited like subscribing.
func TestUnsubscribeForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSMSEnv(t)
	d, err := e.shp.Get(ctx, "SD700000000001")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"13900139000", "13600136000"} {
		if err := e.shp.Subscribe(ctx, d.ID, p, "zh-CN"); err != nil {
			t.Fatal(err)
		}
	}
	stranger := newBrowser(t, e.srv)
	if _, body, _ := stranger.do("GET", "/track/SD700000000001", nil); !strings.Contains(body, `action="/track/SD700000000001/unsubscribe"`) {
		t.Fatal("no unsubscribe form on the tracking page")
	}
	cases := []struct {
		name, no, phone, location string
	}{
		{"subscribed phone", "SD700000000001", "+86 139 0013 9000", "/track/SD700000000001?unsub=done"},
		{"phone never subscribed", "SD700000000001", "13500135000", "/track/SD700000000001?unsub=done"},
		{"same phone again", "SD700000000001", "13900139000", "/track/SD700000000001?unsub=done"},
		{"unknown parcel", "SD799999999999", "13900139000", "/track/SD799999999999?unsub=done"},
		{"not a phone", "SD700000000001", "12345", "/track/SD700000000001?unsub=bad"},
	}
	var pages []string
	for _, c := range cases {
		code, _, hdr := stranger.do("POST", "/track/"+c.no+"/unsubscribe", url.Values{"phone": {c.phone}})
		if code != 303 || hdr.Get("Location") != c.location {
			t.Errorf("%s: %d %q, want 303 %q", c.name, code, hdr.Get("Location"), c.location)
		}
		if c.no == "SD700000000001" && strings.HasSuffix(c.location, "done") {
			_, body, _ := stranger.do("GET", hdr.Get("Location"), nil)
			pages = append(pages, body)
		}
	}
	for i := range pages {
		if pages[i] != pages[0] {
			t.Errorf("the page after unsubscribing differs between a subscribed and an unsubscribed phone")
		}
	}
	if !strings.Contains(pages[0], "如该号码订阅了此运单") {
		t.Errorf("the done page lacks its message")
	}
	if code, _, _ := stranger.do("POST", "/track/SD700000000001/unsubscribe", url.Values{"phone": {"13600136000"}, "_csrf": {"forged"}}); code != 403 {
		t.Errorf("unsubscribe without the CSRF token: %d, want 403", code)
	}
	subs, err := e.shp.Subscribers(ctx, d.ID)
	if err != nil || len(subs) != 1 || subs[0].Phone != "+8613600136000" {
		t.Fatalf("subscribers after: %+v %v", subs, err)
	}
	e.clk.Add(time.Minute)
	e.event(t, "SD700000000001", "ev-1", shipments.Delivered)
	e.run(t)
	if got := e.sent(); len(got) != 1 || len(got["+8613600136000"]) != 1 {
		t.Errorf("sent %v, want only the still-subscribed phone", got)
	}

	// 40 posts at once from a client that has not posted yet (a fresh app: app.Test
	// gives every request the same address): exactly 30 pass (unsubscribesPerHour).
	e = newSMSEnv(t)
	var wg sync.WaitGroup
	codes := make(chan int, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"phone": {"135001350" + string(rune('0'+i%10)) + string(rune('0'+i/10))}, "_csrf": {"burst-token-0123456789abcdefghijklmnopqrs"}}
			req := httptest.NewRequest("POST", "/track/SD700000000001/unsubscribe", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = "203.0.113.9:1234"
			req.AddCookie(&http.Cookie{Name: "lcrm_csrf", Value: "burst-token-0123456789abcdefghijklmnopqrs"})
			resp, err := e.srv.App.Test(req, -1)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[303] != 30 || count[429] != 10 {
		t.Errorf("burst of 40: %v, want 30 × 303 and 10 × 429", count)
	}
}

// TestAdminStatusSMSSetting: an admin picks the statuses that text; the next event obeys.
func TestAdminStatusSMSSetting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSMSEnv(t)
	d, _ := e.shp.Get(ctx, "SD700000000001")
	if err := e.shp.Subscribe(ctx, d.ID, "13900139000", "en"); err != nil {
		t.Fatal(err)
	}
	agent := e.login(t, accounts.RoleAgent)
	if code, _, _ := agent.do("POST", "/console/admin/sms", url.Values{"status": {"in_transit"}}); code != 403 {
		t.Errorf("agent changes the setting: %d, want 403", code)
	}
	admin := e.login(t, accounts.RoleAdmin)
	code, body, _ := admin.do("GET", "/console/admin/sms", nil)
	if code != 200 || !strings.Contains(body, `value="delivered" checked`) || strings.Contains(body, `value="in_transit" checked`) {
		t.Fatalf("admin page: %d, defaults not shown", code)
	}
	if code, _, _ := admin.do("POST", "/console/admin/sms", url.Values{"status": {"in_transit"}, "_csrf": {"forged"}}); code != 403 {
		t.Errorf("without CSRF: %d, want 403", code)
	}
	if code, _, _ := admin.do("POST", "/console/admin/sms", url.Values{"status": {"bogus"}}); code != 422 {
		t.Errorf("unknown status: %d, want 422", code)
	}
	if code, _, hdr := admin.do("POST", "/console/admin/sms", url.Values{"status": {"in_transit", "picked_up"}}); code != 303 || hdr.Get("Location") != "/console/admin/sms?done=1" {
		t.Fatalf("save: %d %s", code, hdr.Get("Location"))
	}
	var audited int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'status_sms.statuses' AND actor_id = $1
		AND after::text = '["picked_up", "in_transit"]'`, e.users[accounts.RoleAdmin].ID).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("audit entries %d, %v", audited, err)
	}
	e.clk.Add(time.Minute)
	e.event(t, "SD700000000001", "ev-1", shipments.InTransit)
	e.run(t)
	e.clk.Add(time.Minute)
	e.event(t, "SD700000000001", "ev-2", shipments.Delivered) // no longer texts
	e.run(t)
	want := "Your parcel SD700000000001 is in transit. Track: http://lcrm.test/track/SD700000000001 【顺达物流】"
	if got := e.sent()["+8613900139000"]; len(got) != 1 || got[0] != want {
		t.Errorf("sent %q, want only %q", got, want)
	}
}

// TestShipperConsigneeSMS: off by default; a shipper turns it on for its own parcels only.
func TestShipperConsigneeSMS(t *testing.T) {
	t.Parallel()
	e := newSMSEnv(t)
	e.clk.Add(time.Minute)
	e.event(t, "SD700000000001", "ev-1", shipments.PickedUp)
	e.run(t)
	if got := e.sent(); len(got) != 0 {
		t.Fatalf("off by default, yet sent %v", got)
	}
	b := e.login(t, accounts.RoleShipper)
	code, body, _ := b.do("GET", "/shipper/sms", nil)
	if code != 200 || strings.Contains(body, `name="consignee_sms" value="1" checked`) {
		t.Fatalf("shipper page: %d, or shown on", code)
	}
	if code, _, _ := b.do("POST", "/shipper/sms", url.Values{"consignee_sms": {"1"}, "_csrf": {"forged"}}); code != 403 {
		t.Errorf("without CSRF: %d", code)
	}
	if code, _, hdr := b.do("POST", "/shipper/sms", url.Values{"consignee_sms": {"1"}}); code != 303 || hdr.Get("Location") != "/shipper/sms?done=1" {
		t.Fatalf("turn on: %d %s", code, hdr.Get("Location"))
	}
	if _, body, _ := b.do("GET", "/shipper/sms", nil); !strings.Contains(body, `value="1" checked`) {
		t.Errorf("the page does not show it on")
	}
	e.clk.Add(time.Minute)
	e.event(t, "SD700000000001", "ev-2", shipments.OutForDelivery)
	e.event(t, "SD700000000002", "ev-3", shipments.OutForDelivery) // another shipper's parcel
	e.run(t)
	got := e.sent()
	if len(got) != 1 || len(got["+8613800138000"]) != 1 || !strings.Contains(got["+8613800138000"][0], "正在派送") {
		t.Errorf("sent %v, want one out-for-delivery SMS to ACME's consignee", got)
	}
	if code, _, _ := e.login(t, accounts.RoleAgent).do("GET", "/shipper/sms", nil); code != 403 {
		t.Errorf("staff on /shipper/sms: %d, want 403", code)
	}
}

// TestReplyStopsStatusSMS: a subscriber who replies 退订 to our number gets no more status
// SMS (the care messages' opt-out); START lets them through again.
func TestReplyStopsStatusSMS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSMSEnv(t)
	d, _ := e.shp.Get(ctx, "SD700000000001")
	if err := e.shp.Subscribe(ctx, d.ID, "13900139000", "zh-CN"); err != nil {
		t.Fatal(err)
	}
	reply := func(sid, body string) {
		form := url.Values{"MessageSid": {sid}, "From": {"+8613900139000"}, "To": {"+15005550006"}, "Body": {body}}
		req := httptest.NewRequest("POST", "/webhooks/twilio/inbound", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", twilioSign(hookToken, "http://lcrm.test/webhooks/twilio/inbound", form))
		resp, err := e.srv.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("inbound %q: %d", body, resp.StatusCode)
		}
	}
	reply("SMin1", "退订")
	e.clk.Add(time.Minute)
	e.event(t, "SD700000000001", "ev-1", shipments.PickedUp)
	e.run(t)
	if got := e.sent(); len(got) != 0 {
		t.Fatalf("after 退订: sent %v", got)
	}
	var reason string
	if err := e.pool.QueryRow(ctx, `SELECT suppressed_reason FROM sms_outbox WHERE to_phone = '+8613900139000'`).Scan(&reason); err != nil || reason != notify.ReasonOptedOut {
		t.Errorf("the status SMS is not stored as suppressed (opted out): %q %v", reason, err)
	}
	reply("SMin2", "START")
	e.clk.Add(time.Minute)
	e.event(t, "SD700000000001", "ev-2", shipments.OutForDelivery)
	e.run(t)
	if got := e.sent()["+8613900139000"]; len(got) != 1 || !strings.Contains(got[0], "正在派送") {
		t.Errorf("after START: sent %q, want the out-for-delivery SMS", got)
	}
}
