package portal_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/notify"
	"lcrm/portal"
)

const hookToken = "0123456789abcdef0123456789abcdef"

// twilioSign is Twilio's documented signature: HMAC-SHA1 over the URL followed by every
// POST parameter name and value in name order, base64.
func twilioSign(token, u string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(u)
	for _, k := range keys {
		b.WriteString(k + form.Get(k))
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

type hookEnv struct {
	*selfEnv
	cs  *complaints.Store
	out *notify.Outbox
	srv *portal.Server
}

func newHookEnv(t *testing.T) *hookEnv {
	e, cs := newComplaintEnv(t)
	out := notify.New(e.pool, notify.Config{NoQuiet: true})
	srv := portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Complaints: cs,
		Accounts: accounts.NewStore(e.pool), Notify: out},
		portal.Config{PublicURL: "https://lcrm.example.com", TwilioAuthToken: hookToken})
	return &hookEnv{selfEnv: e, cs: cs, out: out, srv: srv}
}

// post sends a Twilio-style webhook; sig "" sends none, "sign" computes the right one.
func (h *hookEnv) post(path string, form url.Values, sig string) (int, string) {
	h.t.Helper()
	if sig == "sign" {
		sig = twilioSign(hookToken, "https://lcrm.example.com"+path, form)
	}
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	resp, err := h.srv.App.Test(req, -1)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type") + " " + string(b)
}

func TestTwilioStatusWebhook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHookEnv(t)
	id, _, err := h.out.Enqueue(ctx, h.pool, notify.Message{Key: "k1", Kind: notify.KindSurvey, To: "+8613800138000",
		Vars: map[string]string{"tracking_no": "SD300000000001", "link": "https://x/s"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.out.Dispatcher(notify.LogDriver{}, notify.DispatchConfig{}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	sid := "LOG" + strconv.FormatInt(id, 10)
	receipt := func(st, code string) url.Values {
		v := url.Values{"MessageSid": {sid}, "MessageStatus": {st}, "AccountSid": {"AC1"}}
		if code != "" {
			v.Set("ErrorCode", code)
		}
		return v
	}
	cases := []struct {
		name   string
		form   url.Values
		sig    string
		code   int
		status string
	}{
		{"missing signature", receipt("delivered", ""), "", 403, "sent"},
		{"bad signature", receipt("delivered", ""), "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", 403, "sent"},
		{"signed for another address", receipt("delivered", ""), twilioSign(hookToken, "http://localhost:8080/webhooks/twilio/status", receipt("delivered", "")), 403, "sent"},
		{"undelivered", receipt("undelivered", "30003"), "sign", 204, "undelivered"},
		{"late 'sent' does not go back", receipt("sent", ""), "sign", 204, "undelivered"},
		{"repeat", receipt("undelivered", "30003"), "sign", 204, "undelivered"},
		{"unknown sid ignored", url.Values{"MessageSid": {"SMnope"}, "MessageStatus": {"delivered"}}, "sign", 204, "undelivered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code, body := h.post("/webhooks/twilio/status", c.form, c.sig); code != c.code {
				t.Errorf("status %d %q, want %d", code, body, c.code)
			}
			recs, err := h.out.History(ctx, notify.Filter{Phone: "+8613800138000"}, 10)
			if err != nil || len(recs) != 1 || string(recs[0].Status) != c.status {
				t.Fatalf("history %+v %v, want status %s", recs, err, c.status)
			}
		})
	}
	// 21610 in a receipt opts the recipient out.
	if code, _ := h.post("/webhooks/twilio/status", receipt("failed", "21610"), "sign"); code != 204 {
		t.Fatalf("21610 receipt = %d", code)
	}
	if out, err := h.out.OptedOut(ctx, "+8613800138000"); err != nil || !out {
		t.Errorf("opted out after 21610: %v %v", out, err)
	}
}

func TestTwilioInboundWebhook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHookEnv(t)
	cp := fileDirect(t, h.selfEnv, h.cs, "sms-reply")
	phone := "+8613800138000" // the consignee of the shipment the complaint is about
	n := 0
	msg := func(body string) url.Values {
		n++
		return url.Values{"MessageSid": {"SMin" + strconv.Itoa(n)}, "From": {phone}, "To": {"+15005550006"}, "Body": {body}}
	}
	cases := []struct {
		name    string
		form    url.Values
		sig     string
		code    int
		optedIn bool // expected opt-out state after: true = receiving
	}{
		{"unsigned STOP refused", msg("STOP"), "", 403, true},
		{"STOP", msg(" stop "), "sign", 200, false},
		{"START", msg("START"), "sign", 200, true},
		{"退订", msg("退订"), "sign", 200, false},
		{"start lower case", msg("start"), "sign", 200, true},
		{"td", msg(" td"), "sign", 200, false},
		{"START again", msg("Start "), "sign", 200, true},
		{"plain reply", msg("明天下午在家"), "sign", 200, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := h.post("/webhooks/twilio/inbound", c.form, c.sig)
			if code != c.code {
				t.Fatalf("status %d %q, want %d", code, body, c.code)
			}
			if code == 200 && (!strings.HasPrefix(body, "text/xml") || !strings.Contains(body, "<Response/>")) {
				t.Errorf("answer %q, want empty TwiML", body)
			}
			out, err := h.out.OptedOut(ctx, phone)
			if err != nil || out == c.optedIn {
				t.Errorf("opted out = %v (%v), want %v", out, err, !c.optedIn)
			}
		})
	}
	in, err := h.out.InboundHistory(ctx, notify.Filter{Phone: phone}, 20)
	if err != nil || len(in) != 7 {
		t.Fatalf("inbound %d %v, want 7 stored (the unsigned one not)", len(in), err)
	}
	if in[0].Body != "明天下午在家" || in[0].ConsigneeID == 0 || in[0].ComplaintID != cp.ID || in[0].Action != "" {
		t.Errorf("reply stored as %+v, want attached to consignee and complaint %d", in[0], cp.ID)
	}
	tl, err := h.cs.Timeline(ctx, cp.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range tl {
		found = found || strings.Contains(e.Text, "明天下午在家")
	}
	if !found {
		t.Errorf("reply not in the complaint's timeline")
	}
	// Twilio retrying the same message stores nothing new.
	code, _ := h.post("/webhooks/twilio/inbound", url.Values{"MessageSid": {"SMin8"}, "From": {phone}, "Body": {"明天下午在家"}}, "sign")
	if in2, _ := h.out.InboundHistory(ctx, notify.Filter{Phone: phone}, 20); code != 200 || len(in2) != 7 {
		t.Errorf("retry: %d, %d stored", code, len(in2))
	}
}
