package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lcrm/complaints"
	"lcrm/internal/faketwilio"
	"lcrm/notify"
	"lcrm/portal"
	"lcrm/requests"
)

// dlvEnv is a desk env with the requests store, an SMS outbox sending to the fake Twilio,
// a staff API key and a shipper API key.
type dlvEnv struct {
	*deskEnv
	rq                *requests.Store
	out               *notify.Outbox
	fake              *faketwilio.Server
	disp              *notify.Dispatcher
	staffKey, acmeKey string
	consigneeID       int64
}

func newDlvEnv(t *testing.T) *dlvEnv {
	t.Helper()
	e := &dlvEnv{}
	e.deskEnv = newDeskEnv(t, func(d *portal.Deps) {
		e.out = notify.New(d.Shipments.Pool(), notify.Config{DailyCap: -1, NoQuiet: true})
		e.rq = requests.NewStore(d.Shipments.Pool())
		e.rq.Outbox, e.rq.PublicURL = e.out, "http://lcrm.test"
		d.Requests, d.Notify = e.rq, e.out
	})
	ctx := context.Background()
	e.fake = faketwilio.New(t, "AC00000000000000000000000000000001", "0123456789abcdef0123456789abcdef")
	e.disp = e.out.Dispatcher(notify.NewTwilio(notify.TwilioConfig{AccountSID: e.fake.AccountSID, AuthToken: e.fake.AuthToken,
		From: "+15005550006", APIBase: e.fake.URL, Timeout: 5 * time.Second}), notify.DispatchConfig{Workers: 1, Batch: 50})
	var err error
	if e.staffKey, _, err = e.acc.CreateAPIKey(ctx, "ops", 0); err != nil {
		t.Fatal(err)
	}
	sh, err := e.cus.ShipperByCode(ctx, "ACME")
	if err != nil {
		t.Fatal(err)
	}
	if e.acmeKey, _, err = e.acc.CreateAPIKey(ctx, "acme", sh.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT consignee_id FROM shipments WHERE id = $1`, e.shipID).Scan(&e.consigneeID); err != nil {
		t.Fatal(err)
	}
	return e
}

// api sends one JSON API call with key and decodes the answer into out (env.do).
func (e *dlvEnv) api(method, path, key string, body any, out any) int {
	e.t.Helper()
	return (&env{t: e.t, srv: e.srv}).do(method, path, key, body, out)
}

func (e *dlvEnv) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// formKey is the request form's token on a tracking page.
var formKey = regexp.MustCompile(`name="key" value="([^"]+)-refuse"`)

// An unverified visitor cannot ask for anything or set consent: every post goes back to
// the verify form and nothing is stored; the panel is not even shown.
func TestRequestsNeedVerification(t *testing.T) {
	t.Parallel()
	e := newDlvEnv(t)
	for _, f := range []struct {
		path string
		form url.Values
	}{
		{"/track/SD300000000001/request", url.Values{"kind": {"refuse"}, "key": {"attacker-1"}}},
		{"/track/SD300000000001/request", url.Values{"kind": {"address"}, "key": {"attacker-2"}, "city": {"北京"}, "street": {"假地址1号"}}},
		{"/track/SD300000000001/consent", url.Values{"preference": {"both_ok"}}},
		{"/track/SD999999999999/request", url.Values{"kind": {"refuse"}, "key": {"attacker-3"}}},
	} {
		status, loc, _ := e.send("POST", f.path, f.form, "")
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/track/SD") || strings.Contains(loc, "rq=") || strings.Contains(loc, "consent=") {
			t.Errorf("POST %s unverified: %d %q, want 303 back to the verify form", f.path, status, loc)
		}
	}
	if n := e.count(`SELECT count(*) FROM delivery_requests`) + e.count(`SELECT count(*) FROM delivery_consents`) +
		e.count(`SELECT count(*) FROM sms_outbox`); n != 0 {
		t.Errorf("an unverified visitor stored %d rows", n)
	}
	if _, _, body := e.send("GET", "/track/SD300000000001", nil, ""); strings.Contains(body, `id="requests-SD300000000001"`) {
		t.Error("the requests panel is shown before verification")
	}
}

// A verified consignee files a request; the double submit is one request and exactly one
// SMS at the fake Twilio; an address change after out for delivery is a 409 saying why;
// the consent is stored and returned by the shipments API.
func TestRequestsFromTheTrackingPage(t *testing.T) {
	t.Parallel()
	e := newDlvEnv(t)
	ctx := context.Background()
	e.verify()
	_, _, page := e.send("GET", "/track/SD300000000001", nil, "")
	m := formKey.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no request form on the verified page:\n%s", page)
	}
	form := url.Values{"kind": {"refuse"}, "key": {m[1] + "-refuse"}}
	for i := range 2 {
		status, loc, _ := e.send("POST", "/track/SD300000000001/request", form, "")
		if status != http.StatusSeeOther || !strings.Contains(loc, "rq=ok") {
			t.Fatalf("submit %d: %d %q", i, status, loc)
		}
	}
	if n := e.count(`SELECT count(*) FROM delivery_requests WHERE shipment_id = $1`, e.shipID); n != 1 {
		t.Fatalf("%d requests for a double submit, want 1", n)
	}
	for range 3 {
		if _, err := e.disp.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	msgs := e.fake.Messages()
	if len(msgs) != 1 || msgs[0].To != "+8613800138000" || !strings.Contains(msgs[0].Body, "拒收退回") {
		t.Fatalf("fake Twilio got %+v, want one confirmation to the consignee", msgs)
	}
	_, _, page = e.send("GET", "/track/SD300000000001?rq=ok", nil, "")
	if !strings.Contains(page, `id="req-timeline-SD300000000001"`) || !strings.Contains(page, "已提交") || strings.Contains(page, `id="rq-refuse-`) {
		t.Errorf("the page does not show the request in its timeline (or still offers another refuse)")
	}
	// A field error and an address change too late, each with a status and a reason.
	status, _, body := e.send("POST", "/track/SD300000000001/request", url.Values{"kind": {"address"}, "key": {"addr-1"}, "city": {"北京"}}, "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "详细地址") {
		t.Errorf("address without street: %d", status)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE shipments SET status = 'out_for_delivery', out_for_delivery_at = $2 WHERE id = $1`, e.shipID, time.Now()); err != nil {
		t.Fatal(err)
	}
	status, _, body = e.send("POST", "/track/SD300000000001/request", url.Values{"kind": {"address"}, "key": {"addr-2"}, "city": {"北京"}, "street": {"酒仙桥路2号"}}, "en")
	if status != http.StatusConflict || !strings.Contains(body, "already out for delivery") {
		t.Errorf("address after out for delivery: %d, want 409 saying why", status)
	}
	if n := e.count(`SELECT count(*) FROM delivery_requests WHERE kind = 'address'`); n != 0 {
		t.Errorf("%d refused address requests stored", n)
	}
	// Consent: set on the page, returned to the delivery system.
	var got struct {
		DeliveryConsent string `json:"delivery_consent"`
	}
	if code := e.api("GET", "/api/v1/shipments/SD300000000001", e.staffKey, nil, &got); code != 200 || got.DeliveryConsent != "ask_first" {
		t.Errorf("consent before: %d %q", code, got.DeliveryConsent)
	}
	if status, loc, _ := e.send("POST", "/track/SD300000000001/consent", url.Values{"preference": {"lockers_ok"}}, ""); status != 303 || !strings.Contains(loc, "consent=ok") {
		t.Fatalf("consent: %d %q", status, loc)
	}
	if status, _, _ := e.send("POST", "/track/SD300000000001/consent", url.Values{"preference": {"anything"}}, ""); status != http.StatusUnprocessableEntity {
		t.Errorf("unknown consent: %d, want 422", status)
	}
	for _, key := range []string{e.staffKey, e.acmeKey} {
		if code := e.api("GET", "/api/v1/shipments/SD300000000001", key, nil, &got); code != 200 || got.DeliveryConsent != "lockers_ok" {
			t.Errorf("consent after: %d %q", code, got.DeliveryConsent)
		}
	}
}

// The operations system's API: list by status, accept, decline (reason required), done;
// a shipper's key lists its own but cannot answer; illegal changes are 409.
func TestRequestsAPI(t *testing.T) {
	t.Parallel()
	e := newDlvEnv(t)
	ctx := context.Background()
	r, err := e.rq.Submit(ctx, requests.NewRequest{Key: "k1", ShipmentID: e.shipID, Kind: requests.Refuse})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(r.Request.ID, 10)
	var list struct {
		Requests []struct {
			ID         int64  `json:"id"`
			TrackingNo string `json:"tracking_no"`
			Kind       string `json:"kind"`
			Status     string `json:"status"`
		} `json:"requests"`
	}
	if code := e.api("GET", "/api/v1/requests?status=requested", e.staffKey, nil, &list); code != 200 || len(list.Requests) != 1 ||
		list.Requests[0].TrackingNo != "SD300000000001" || list.Requests[0].Kind != "refuse" {
		t.Fatalf("list: %d %+v", code, list)
	}
	var one struct {
		Status        string `json:"status"`
		DeclineReason string `json:"decline_reason"`
	}
	var problem apiErr
	steps := []struct {
		method, path, key string
		body              any
		code              int
		status            string
	}{
		{"GET", "/api/v1/requests?status=bogus", e.staffKey, nil, 422, ""},
		{"POST", "/api/v1/requests/" + id + "/accept", e.acmeKey, nil, 403, ""},
		{"POST", "/api/v1/requests/" + id + "/done", e.staffKey, nil, 409, ""},
		{"POST", "/api/v1/requests/" + id + "/accept", e.staffKey, nil, 200, "accepted"},
		{"POST", "/api/v1/requests/" + id + "/accept", e.staffKey, nil, 200, "accepted"},
		{"POST", "/api/v1/requests/" + id + "/done", e.staffKey, nil, 200, "done"},
		{"POST", "/api/v1/requests/999999/accept", e.staffKey, nil, 404, ""},
		{"POST", "/api/v1/requests/" + id + "/accept", "", nil, 401, ""},
	}
	for _, s := range steps {
		var out any = &one
		if s.code >= 400 {
			out = &problem
		}
		one.Status = ""
		if code := e.api(s.method, s.path, s.key, s.body, out); code != s.code || (s.status != "" && one.Status != s.status) {
			t.Errorf("%s %s: %d %q, want %d %q", s.method, s.path, code, one.Status, s.code, s.status)
		}
	}
	// Decline needs a reason; with one it is stored and texted.
	r2, err := e.rq.Submit(ctx, requests.NewRequest{Key: "k2", ShipmentID: e.shipID, Kind: requests.Refuse})
	if err != nil {
		t.Fatal(err)
	}
	id2 := strconv.FormatInt(r2.Request.ID, 10)
	if code := e.api("POST", "/api/v1/requests/"+id2+"/decline", e.staffKey, map[string]string{}, &problem); code != 422 {
		t.Errorf("decline without reason: %d, want 422", code)
	}
	if code := e.api("POST", "/api/v1/requests/"+id2+"/decline", e.staffKey, map[string]string{"reason": "已发往派送站"}, &one); code != 200 ||
		one.Status != "declined" || one.DeclineReason != "已发往派送站" {
		t.Errorf("decline: %d %+v", code, one)
	}
	if code := e.api("GET", "/api/v1/requests", e.acmeKey, nil, &list); code != 200 || len(list.Requests) != 2 {
		t.Errorf("shipper key list: %d %d requests, want 2", code, len(list.Requests))
	}
	if n := e.count(`SELECT count(*) FROM sms_outbox WHERE kind = 'request_answered'`); n != 2 {
		t.Errorf("%d answer SMS, want 2", n)
	}
}

// The console: the queue is for staff (agent and up), the pickup point admin for managers
// and admins; an agent answers from the queue; staff record consent on the customer view.
func TestRequestsConsole(t *testing.T) {
	t.Parallel()
	e := newDlvEnv(t)
	ctx := context.Background()
	roles := []struct {
		who, path string
		want      int
	}{
		{"", "/console/requests", 303},
		{"shipper", "/console/requests", 403},
		{"agent", "/console/requests", 200},
		{"agent", "/console/admin/pickup-points", 403},
		{"supervisor", "/console/admin/pickup-points", 403},
		{"manager", "/console/admin/pickup-points", 200},
		{"admin", "/console/admin/pickup-points", 200},
		{"manager", "/console/admin/users", 403},
	}
	for _, r := range roles {
		if code, _, _ := e.as(r.who).do("GET", r.path, nil); code != r.want {
			t.Errorf("%s GET %s: %d, want %d", r.who, r.path, code, r.want)
		}
	}
	mgr := e.as("manager")
	if code, _, _ := mgr.do("POST", "/console/admin/pickup-points", url.Values{"name": {"望京驿站"}, "address": {"望京街1号"}, "city": {"北京"},
		"hours": {"08:00-21:00"}, "kind": {"station"}, "active": {"on"}}); code != 303 {
		t.Fatalf("save pickup point: %d", code)
	}
	if code, body, _ := mgr.do("POST", "/console/admin/pickup-points", url.Values{"name": {""}, "address": {"x"}, "city": {"北京"}, "kind": {"tent"}}); code != 422 || !strings.Contains(body, "pickup-error") {
		t.Errorf("bad pickup point: %d", code)
	}
	if code, _, _ := e.as("agent").do("POST", "/console/admin/pickup-points", url.Values{"name": {"x"}, "address": {"x"}, "city": {"北京"}, "kind": {"station"}}); code != 403 {
		t.Errorf("agent saving a pickup point: %d, want 403", code)
	}
	if n := e.count(`SELECT count(*) FROM pickup_points`); n != 1 {
		t.Errorf("%d pickup points, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'pickup_point.save'`); n != 1 {
		t.Errorf("%d audited pickup point saves, want 1", n)
	}
	// The consignee now sees the point of 北京 and picks it.
	e.verify()
	_, _, page := e.send("GET", "/track/SD300000000001", nil, "")
	if !strings.Contains(page, "望京驿站") {
		t.Fatal("the tracking page does not offer the pickup point of the destination city")
	}
	pts, _ := e.rq.PickupPoints(ctx, "北京", false)
	if status, _, _ := e.send("POST", "/track/SD300000000001/request", url.Values{"kind": {"pickup"}, "key": {"p-1"}, "pickup_point": {strconv.FormatInt(pts[0].ID, 10)}}, ""); status != 303 {
		t.Fatalf("pickup request: %d", status)
	}
	list, _ := e.rq.List(ctx, requests.Filter{})
	agent := e.as("agent")
	rid := strconv.FormatInt(list[0].ID, 10)
	if code, body, _ := agent.do("GET", "/console/requests", nil); code != 200 || !strings.Contains(body, `id="accept-`+rid+`"`) || !strings.Contains(body, "望京驿站") {
		t.Fatalf("queue: %d, no accept button for %s", code, rid)
	}
	if code, body, _ := agent.do("POST", "/console/requests/"+rid+"/decline", url.Values{"reason": {""}}); code != 422 || !strings.Contains(body, "rq-error") {
		t.Errorf("decline without reason: %d", code)
	}
	if code, _, h := agent.do("POST", "/console/requests/"+rid+"/accept", url.Values{"status": {"requested"}}); code != 303 || !strings.Contains(h.Get("Location"), "done=accept") {
		t.Errorf("accept: %d %s", code, h.Get("Location"))
	}
	if code, body, _ := agent.do("POST", "/console/requests/"+rid+"/decline", url.Values{"reason": {"late"}}); code != 409 || !strings.Contains(body, "rq-error") {
		t.Errorf("decline after accept: %d, want 409", code)
	}
	if r, _ := e.rq.Get(ctx, list[0].ID); r.Status != requests.Accepted || r.AnsweredBy != "Agent Wang" {
		t.Errorf("after the agent's accept: %+v", r)
	}
	// Staff see the parcel's requests on a complaint about it too.
	cp := e.file(complaints.Other, "想改成自提")
	if _, body, _ := agent.do("GET", "/console/complaints/"+strconv.FormatInt(cp.ID, 10), nil); !strings.Contains(body, `id="desk-requests"`) || !strings.Contains(body, "望京驿站") {
		t.Errorf("the complaint page does not show the parcel's requests")
	}
	// Consent by staff on a call, shown on the customer view.
	cust := "/console/customers/consignee/" + strconv.FormatInt(e.consigneeID, 10)
	if code, _, h := agent.do("POST", cust+"/consent", url.Values{"preference": {"stations_ok"}}); code != 303 || !strings.Contains(h.Get("Location"), "consent=1") {
		t.Fatalf("staff consent: %d %s", code, h.Get("Location"))
	}
	if _, body, _ := agent.do("GET", cust, nil); !strings.Contains(body, `id="consent-now"`) || !strings.Contains(body, "可以放驿站") {
		t.Errorf("customer view does not show the consent")
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'consent.set' AND actor = 'Agent Wang'`); n != 1 {
		t.Errorf("%d audited staff consents, want 1", n)
	}
	if code, _, _ := e.as("shipper").do("POST", cust+"/consent", url.Values{"preference": {"both_ok"}}); code != 403 {
		t.Errorf("shipper setting consent: %d, want 403", code)
	}
}
