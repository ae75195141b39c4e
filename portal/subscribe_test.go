package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestSubscribe(t *testing.T) {
	t.Parallel()
	e := newSelfEnv(t)
	const path = "/track/SD300000000001/subscribe"
	// Unverified: back to the tracking page, nothing stored, no form shown.
	if status, loc, _ := e.send("POST", path, url.Values{"phone": {"13900139000"}}, ""); status != 303 || loc != "/track/SD300000000001" {
		t.Fatalf("unverified subscribe = %d %q", status, loc)
	}
	if _, _, body := e.send("GET", "/track/SD300000000001", nil, ""); strings.Contains(body, path) {
		t.Errorf("the subscribe form shows before verification")
	}
	e.verify()
	if _, _, body := e.send("GET", "/track/SD300000000001", nil, ""); !strings.Contains(body, path) || !strings.Contains(body, "8613800138000") {
		t.Errorf("verified page lacks the subscribe form prefilled with the consignee's phone")
	}
	tests := []struct {
		name     string
		form     url.Values
		lang     string
		status   int
		location string
	}{
		{"no CSRF token", url.Values{"phone": {"13900139000"}, "_csrf": {"wrong"}}, "", 403, ""},
		{"bad phone", url.Values{"phone": {"12345"}}, "", 303, "/track/SD300000000001?sub=bad"},
		{"consignee phone by default", url.Values{"phone": {""}}, "", 303, "/track/SD300000000001?sub=ok"},
		{"typed phone in English", url.Values{"phone": {"139 0013 9000"}}, "en", 303, "/track/SD300000000001?sub=ok"},
		{"twice", url.Values{"phone": {"+86 139 0013 9000"}}, "en", 303, "/track/SD300000000001?sub=ok"},
		{"third phone", url.Values{"phone": {"13700137000"}}, "", 303, "/track/SD300000000001?sub=ok"},
		{"fourth phone", url.Values{"phone": {"13600136000"}}, "", 303, "/track/SD300000000001?sub=full"},
		{"unknown number", nil, "", 303, "/track/SD399999999999"},
	}
	for _, tt := range tests {
		p := path
		if tt.form == nil {
			p, tt.form = "/track/SD399999999999/subscribe", url.Values{}
		}
		status, loc, body := e.send("POST", p, tt.form, tt.lang)
		if status != tt.status || loc != tt.location {
			t.Errorf("%s: %d %q, want %d %q\n%s", tt.name, status, loc, tt.status, tt.location, body)
		}
	}
	subs, err := e.shp.Subscribers(context.Background(), e.shipID)
	if err != nil || len(subs) != 3 || subs[0].Phone != "+8613800138000" || subs[1].Phone != "+8613900139000" || subs[1].Locale != "en" {
		t.Fatalf("subscribers = %+v, %v", subs, err)
	}
	for _, q := range []struct{ sub, want string }{{"ok", "已订阅"}, {"bad", "手机号码无效"}, {"full", "最多"}} {
		if _, _, body := e.send("GET", "/track/SD300000000001?sub="+q.sub, nil, ""); !strings.Contains(body, q.want) {
			t.Errorf("?sub=%s page lacks %q", q.sub, q.want)
		}
	}
	// Posts are limited per client address: 30 an hour.
	limited := false
	for i := 0; i < 31 && !limited; i++ {
		status, _, _ := e.send("POST", path, url.Values{"phone": {"13800138000"}}, "")
		limited = status == 429
	}
	if !limited {
		t.Errorf("no 429 after more than 30 subscription posts")
	}
}
