package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/disruptions"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
)

// disruptionEnv is the site env with disruption mode wired as lcrm serve wires it (one
// disruptions store for the console and the pages; complaints filed through it are tagged)
// and a third parcel, SD100000000003, to Guangzhou.
func disruptionEnv(t *testing.T) (*siteEnv, *disruptions.Store) {
	t.Helper()
	e := newSiteEnv(t)
	pool := e.shp.Pool()
	cs := complaints.NewStore(pool)
	ds := disruptions.NewStore(pool, cs)
	cs.Pauses = ds
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Limiter: ratelimit.New(pool),
		Complaints: cs, Disruptions: ds}, portal.Config{PublicURL: "http://lcrm.test"})
	gz := shipmentJSON("SD100000000003")
	gz["consignee"] = map[string]any{"name": "陈大文", "phone": "139 0000 1234", "province": "广东省", "city": "广州市", "district": "天河区", "street": "体育西路1号"}
	e.do("POST", "/api/v1/shipments", e.key, map[string]any{"shipments": []any{gz}}, nil)
	return e, ds
}

// localMinute formats t for a datetime-local input in the portal's zone.
func localMinute(t time.Time) string {
	return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
}

// The disruption pages: supervisors and up only, CSRF on every form, a refused form
// names its fields (422); a declaration puts the notice on the affected parcel's page and
// not on the others, and the queue badges the affected parcel's complaint.
func TestConsoleDisruptions(t *testing.T) {
	t.Parallel()
	e, _ := disruptionEnv(t)
	agent := staffLogin(t, e, "agent@x.test", accounts.RoleAgent)
	sup := staffLogin(t, e, "sup@x.test", accounts.RoleSupervisor)
	for _, tc := range []struct {
		who    string
		b      *browser
		method string
		path   string
		want   int
	}{
		{"visitor", newBrowser(t, e.srv), "GET", "/console/disruptions", 303},
		{"agent", agent, "GET", "/console/disruptions", 403},
		{"agent", agent, "POST", "/console/disruptions", 403},
		{"supervisor", sup, "GET", "/console/disruptions", 200},
		{"supervisor", sup, "GET", "/console/disruptions/99", 404},
		{"supervisor", sup, "GET", "/console/disruptions/x", 404},
	} {
		var form url.Values
		if tc.method == "POST" {
			tc.b.do("GET", "/", nil)
			form = url.Values{}
		}
		if code, _, _ := tc.b.do(tc.method, tc.path, form); code != tc.want {
			t.Errorf("%s %s %s: %d, want %d", tc.who, tc.method, tc.path, code, tc.want)
		}
	}
	now := time.Now()
	good := url.Values{"provinces": {"广东省"}, "starts_at": {localMinute(now.Add(-time.Hour))}, "ends_at": {localMinute(now.Add(24 * time.Hour))},
		"reason": {"weather"}, "notice_zh": {"受暴雪影响，广东派送延迟。"}, "notice_en": {"Heavy snow delays deliveries in Guangdong."}, "nonce": {"n-1"}}
	forged := url.Values{"_csrf": {"forged"}}
	for k, v := range good {
		forged[k] = v
	}
	if code, _, _ := sup.do("POST", "/console/disruptions", forged); code != 403 {
		t.Errorf("declare without the CSRF token: %d", code)
	}
	bad := url.Values{"provinces": {""}, "starts_at": {localMinute(now)}, "ends_at": {localMinute(now.Add(-time.Hour))}, "reason": {"weather"}, "notice_zh": {"x"}, "notice_en": {""}}
	code, body, _ := sup.do("POST", "/console/disruptions", bad)
	if code != 422 || !strings.Contains(body, `data-field="provinces"`) || !strings.Contains(body, `data-field="ends_at"`) || !strings.Contains(body, `data-field="notice_en"`) {
		t.Errorf("bad declaration: %d, field errors missing", code)
	}
	// A complaint about the Guangzhou parcel filed before the declaration.
	gz, err := e.shp.Get(context.Background(), "SD100000000003")
	if err != nil {
		t.Fatal(err)
	}
	cs := complaints.NewStore(e.shp.Pool())
	filed, err := cs.File(context.Background(), complaints.Filing{ShipmentID: gz.ID, Category: complaints.Delayed, Description: "还没到", ContactPhone: "13900001234"})
	if err != nil {
		t.Fatal(err)
	}
	code, _, hdr := sup.do("POST", "/console/disruptions", good)
	if code != 303 || !strings.HasSuffix(hdr.Get("Location"), "?done=declared") {
		t.Fatalf("declare: %d %s", code, hdr.Get("Location"))
	}
	if again, _, hdr2 := sup.do("POST", "/console/disruptions", good); again != 303 || hdr2.Get("Location") != hdr.Get("Location") {
		t.Errorf("the same form again: %d %s, want the first disruption", again, hdr2.Get("Location"))
	}
	_, body, _ = sup.do("GET", strings.TrimSuffix(hdr.Get("Location"), "?done=declared"), nil)
	if !strings.Contains(body, `<td id="r-parcels">1</td>`) || !strings.Contains(body, `<td id="r-paused">1</td>`) {
		t.Errorf("report: want 1 parcel affected and 1 complaint paused")
	}
	if after, _ := cs.ByID(context.Background(), filed.ID); !after.ResolutionDue.After(filed.ResolutionDue) {
		t.Errorf("resolution due %v did not move past %v", after.ResolutionDue, filed.ResolutionDue)
	}
	visitor := newBrowser(t, e.srv)
	for _, tc := range []struct {
		path, want string
		notice     bool
	}{
		{"/track/SD100000000003", "受暴雪影响，广东派送延迟。", true},
		{"/track/SD100000000003?lang=en", "Heavy snow delays deliveries in Guangdong.", true},
		{"/track/SD100000000001?lang=zh", "", false},
		{"/track?q=SD100000000001+SD100000000003", "受暴雪影响", true},
	} {
		_, body, _ := visitor.do("GET", tc.path, nil)
		if got := strings.Contains(body, `class="delay disruption"`); got != tc.notice || !strings.Contains(body, tc.want) {
			t.Errorf("%s: notice shown %v, want %v with %q", tc.path, got, tc.notice, tc.want)
		}
	}
	_, body, _ = sup.do("GET", "/console/queue", nil)
	if !strings.Contains(body, "暂停：大面积延误") {
		t.Errorf("the queue does not badge the paused complaint")
	}
}
