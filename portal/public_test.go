package portal_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/ratelimit"
	"lcrm/internal/testdb"
	"lcrm/portal"
	"lcrm/shipments"
)

// publicEnv is the public site over parcels in every state the tracking page tells
// apart, on a manual clock (Wednesday 2 December 2026, 10:00 in Shanghai):
//
//	PL100000000001  delivered 28 hours late, signed by 本人
//	PL100000000002  returned to its shipper after a refusal
//	PL100000000003  delivered on time into a 快递柜
//
// Consignee 李燕洁, phone 139 1234 5678 (answer 5678), shipper phone ending 6666.
type publicEnv struct {
	t      *testing.T
	srv    *portal.Server
	shp    *shipments.Store
	cs     *complaints.Store
	acc    *accounts.Store
	clk    *clock.Manual
	secret []byte
}

var shanghai = time.FixedZone("CST", 8*3600)

// publicNow is the manual clock's start.
var publicNow = time.Date(2026, 12, 2, 10, 0, 0, 0, shanghai)

func newPublicEnv(t *testing.T) *publicEnv {
	t.Helper()
	pool := testdb.New(t)
	e := &publicEnv{t: t, shp: shipments.NewStore(pool), cs: complaints.NewStore(pool), acc: accounts.NewStore(pool),
		clk: clock.NewManual(publicNow), secret: []byte("public-test-secret-0123456789abc")}
	cus := customers.NewStore(pool)
	e.shp.Now, e.cs.Now, cus.Now, e.acc.Now = e.clk.Now, e.clk.Now, e.clk.Now, e.clk.Now
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: cus, Complaints: e.cs, Accounts: e.acc,
		Limiter: ratelimit.New(pool), Now: e.clk.Now}, portal.Config{PublicURL: "http://lcrm.test", Secret: e.secret})
	ctx := context.Background()
	h := func(n int) time.Time { return publicNow.Add(time.Duration(n) * time.Hour) }
	var items []shipments.NewShipment
	for i := 1; i <= 3; i++ {
		created, promised := h(-80), h(-48)
		if i == 3 {
			promised = h(-10)
		}
		items = append(items, shipments.NewShipment{TrackingNo: fmt.Sprintf("PL10000000000%d", i),
			Shipper:      customers.Shipper{Code: "YUN", Name: "杭州云裳服饰有限公司", Tier: "key", Phone: "057188886666"},
			Consignee:    customers.Consignee{Name: "李燕洁", Phone: "13912345678", Address: customers.Address{Province: "北京市", City: "北京市", District: "朝阳区", Street: "人民路8号"}},
			ServiceLevel: shipments.Express, OriginCity: "杭州市", WeightG: 500, CreatedAt: &created, PromisedAt: &promised})
	}
	if res, err := e.shp.CreateShipments(ctx, items); err != nil {
		t.Fatal(err)
	} else {
		for _, r := range res {
			if r.Status != "created" {
				t.Fatalf("create: %+v", r)
			}
		}
	}
	type ev struct {
		code      shipments.Code
		at        int
		loc, note string
		signer    string
	}
	journey := func(last ...ev) []ev {
		return append([]ev{{shipments.PickedUp, -79, "杭州市", "快递员已揽收", ""},
			{shipments.InTransit, -70, "杭州转运中心", "快件已发往【广州转运中心】", ""},
			{shipments.InTransit, -60, "广州转运中心", "快件已到达【广州转运中心】", ""},
			{shipments.ArrivedAtStation, -30, "北京朝阳区人民路营业部", "快件已到达【北京朝阳区人民路营业部】", ""}}, last...)
	}
	events := map[string][]ev{
		"PL100000000001": journey(ev{shipments.OutForDelivery, -24, "北京朝阳区人民路营业部", "快递员正在派送", ""},
			ev{shipments.Delivered, -20, "北京朝阳区人民路营业部", "已签收,签收人:本人。感谢使用", "本人"}),
		"PL100000000002": journey(ev{shipments.OutForDelivery, -24, "北京朝阳区人民路营业部", "快递员正在派送", ""},
			ev{shipments.DeliveryFailed, -22, "北京朝阳区人民路营业部", "收件人拒收", ""},
			ev{shipments.Returned, -5, "北京朝阳区人民路营业部", "快件已退回寄件商家", ""}),
		"PL100000000003": journey(ev{shipments.OutForDelivery, -14, "北京朝阳区人民路营业部", "快递员正在派送", ""},
			ev{shipments.Delivered, -12, "北京朝阳区人民路营业部", "已放入快递柜,请凭取件码及时取件", "快递柜"}),
	}
	var all []shipments.NewEvent
	for tn, evs := range events {
		for i, x := range evs {
			all = append(all, shipments.NewEvent{TrackingNo: tn, Event: shipments.Event{Key: fmt.Sprintf("%s-%d", tn, i), Code: x.code,
				OccurredAt: h(x.at), Location: x.loc, Note: x.note, SignedBy: x.signer}})
		}
	}
	if _, err := e.shp.RecordEvents(ctx, all); err != nil {
		t.Fatal(err)
	}
	return e
}

// visitor is a fresh browser on the public site.
func (e *publicEnv) visitor() *browser { return newBrowser(e.t, e.srv) }

// page GETs path and fails the test unless the status is want.
func page(t *testing.T, b *browser, path string, want int) string {
	t.Helper()
	code, body, _ := b.do("GET", path, nil)
	if code != want {
		t.Fatalf("GET %s = %d, want %d\n%s", path, code, want, body)
	}
	return body
}

// verified is a browser that passed the last-4 check of number.
func (e *publicEnv) verified(number string) *browser {
	b := e.visitor()
	page(e.t, b, "/track/"+number, 200)
	if code, _, hdr := b.do("POST", "/track/"+number+"/verify", url.Values{"last4": {"5678"}}); code != 303 || strings.Contains(hdr.Get("Location"), "vf=1") {
		e.t.Fatalf("verify %s: %d %s", number, code, hdr.Get("Location"))
	}
	return b
}

// expect checks that body holds every want and none of never.
func expect(t *testing.T, what, body string, want, never []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s: %q missing", what, w)
		}
	}
	for _, n := range never {
		if strings.Contains(body, n) {
			t.Errorf("%s: %q shown", what, n)
		}
	}
}

// section is the part of body from the first start up to the following end.
func section(body, start, end string) string {
	i := strings.Index(body, start)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], end)
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// A parcel delivered late says it was delivered, how late, and what the visitor can do
// (verify, then complain or rate the delivery) instead of "we are working on it".
func TestPublicDeliveredLate(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	tests := []struct {
		name, lang  string
		verified    bool
		want, never []string
	}{
		{"zh visitor", "zh", false, []string{"很抱歉，您的包裹已签收，但比承诺时间晚了 1 天 4 小时。", `href="#v-PL100000000001"`, "验证后，可以提交投诉或评价这次配送"},
			[]string{"加紧处理", "/survey/", "李燕洁", "5678"}},
		{"en visitor", "en", false, []string{"your parcel was delivered, but 1 day 4 hours later than promised", "to file a complaint or rate this delivery"},
			[]string{"working on it", "/survey/"}},
		{"zh verified", "zh", true, []string{"晚了 1 天 4 小时", `href="/track/PL100000000001/complaint"`, `class="survey-link"`, "评价这次配送"}, []string{"加紧处理"}},
		{"en verified", "en", true, []string{"1 day 4 hours later than promised", "File a complaint", "Rate this delivery"}, nil},
	}
	for _, tt := range tests {
		b := e.visitor()
		if tt.verified {
			b = e.verified("PL100000000001")
		}
		body := page(t, b, "/track/PL100000000001?lang="+tt.lang, 200)
		expect(t, tt.name, body, tt.want, tt.never)
	}
	// The on-time parcel gets no apology.
	expect(t, "on time", page(t, e.visitor(), "/track/PL100000000003", 200), []string{"已签收"}, []string{"比承诺时间晚了", "加紧处理"})

	// The survey link works and names its parcel.
	b := e.verified("PL100000000001")
	link := regexp.MustCompile(`href="(/survey/[A-Za-z0-9_-]+)" class="survey-link"`).FindStringSubmatch(page(t, b, "/track/PL100000000001", 200))
	if link == nil {
		t.Fatal("no survey link on the verified page")
	}
	expect(t, "survey zh", page(t, e.visitor(), link[1], 200), []string{"这份调查是关于运单 PL100000000001 的配送。"}, nil)
	expect(t, "survey en", page(t, e.visitor(), link[1]+"?lang=en", 200), []string{"This survey is about the delivery of parcel PL100000000001."}, nil)
	// Thirty days after delivery the link is no longer offered.
	e.clk.Add(31 * 24 * time.Hour)
	expect(t, "after 30 days", page(t, e.verified("PL100000000001"), "/track/PL100000000001", 200), []string{"晚了 1 天 4 小时"}, []string{"/survey/"})
}

// A returned parcel's bar ends in 退回 after the steps it reached, not in an open 签收.
func TestPublicReturnedProgress(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	for _, tt := range []struct{ lang, returned, delivered string }{{"zh", "退回", "签收"}, {"en", "Returned", "Delivered"}} {
		body := page(t, e.visitor(), "/track/PL100000000002?lang="+tt.lang, 200)
		steps := section(body, `<ol class="steps">`, "</ol>")
		if !strings.HasSuffix(steps, `<li class="done returned">`+tt.returned+`</li>`) || strings.Count(steps, `<li class="done">`) != 5 {
			t.Errorf("%s: returned bar = %s", tt.lang, steps)
		}
		if strings.Contains(steps, ">"+tt.delivered+"<") {
			t.Errorf("%s: returned bar still has the delivered step: %s", tt.lang, steps)
		}
	}
	// A delivered parcel's bar is unchanged: six steps, all done.
	steps := section(page(t, e.visitor(), "/track/PL100000000003", 200), `<ol class="steps">`, "</ol>")
	if strings.Count(steps, `<li class="done">`) != 6 || strings.Contains(steps, "returned") {
		t.Errorf("delivered bar = %s", steps)
	}
}

// Typing mistakes are told apart from unknown numbers, each with its reason; numbers past
// the 20 searched are named; several numbers get a summary that shows nothing personal.
func TestPublicInputMistakes(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	q := "PL100000000001 SD12 RR123456784CN SD-1000-0000 SD999999999999 PL100000000003"
	tests := []struct {
		lang        string
		want, never []string
	}{
		{"zh", []string{"运单号格式不正确：运单号应为 8 到 30 位字母或数字", "运单号格式不正确：校验位（第 11 位数字）与前面的数字对不上", "运单号格式不正确：运单号只能包含字母和数字",
			"未找到该运单。", "查询结果一览", `<a href="#p-PL100000000003">`}, []string{"track.problem"}},
		{"en", []string{"it must be 8 to 30 letters or digits", "its check digit (the 11th character) does not match", "it may contain only letters and digits",
			"Results at a glance", "Not a valid tracking number", "Hangzhou → Beijing"}, []string{"track.problem"}},
	}
	for _, tt := range tests {
		body := page(t, e.visitor(), "/track?lang="+tt.lang+"&q="+url.QueryEscape(q), 200)
		expect(t, tt.lang, body, tt.want, tt.never)
		if n := strings.Count(body, "运单号格式不正确："); tt.lang == "zh" && n != 3 {
			t.Errorf("zh: %d format messages, want 3", n)
		}
	}
	// One number: no summary.
	expect(t, "single", page(t, e.visitor(), "/track?q=PL100000000001", 200), nil, []string{"查询结果一览", "track-over"})

	// 21 numbers: the 21st is named, not searched.
	var nums []string
	for i := 1; i <= 21; i++ {
		nums = append(nums, fmt.Sprintf("PL1000000000%02d", i))
	}
	body := page(t, e.visitor(), "/track?q="+url.QueryEscape(strings.Join(nums, "\n")), 200)
	over := section(body, `id="track-over"`, "</p>")
	expect(t, "21 numbers", over, []string{"一次最多查询 20 个运单号。以下 1 个没有查询", "PL100000000021"}, []string{"PL100000000020"})
	if strings.Contains(body, `id="p-PL100000000021"`) || !strings.Contains(body, `id="p-PL100000000020"`) {
		t.Error("the 21st number was searched, or the 20th was not")
	}
	expect(t, "21 numbers en", page(t, e.visitor(), "/track?lang=en&q="+url.QueryEscape(strings.Join(nums, " ")), 200),
		[]string{"At most 20 numbers are searched at a time. These 1 were not searched"}, nil)

	// The summary list is as public as it gets: no name, masked or not, no phone digits.
	summary := section(page(t, e.visitor(), "/track?q=PL100000000001+PL100000000002+PL100000000003", 200), `<section class="summary"`, "</section>")
	if summary == "" {
		t.Fatal("no summary list")
	}
	expect(t, "summary", summary, []string{"已签收", "已退回", "已延误", "杭州市 → 北京市"}, []string{"李", "燕", "洁", "139", "5678", "6666", "人民路8号", "云裳"})
}

// What was typed past the 20th number is written back as text, never as markup (a page
// of its own: the lookup limit allows three 20-number searches a minute per address).
func TestPublicOverNoticeEscapes(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	var nums []string
	for i := 1; i <= 20; i++ {
		nums = append(nums, fmt.Sprintf("PL1000000000%02d", i))
	}
	body := page(t, e.visitor(), "/track?q="+url.QueryEscape(strings.Join(nums, " ")+" <script>alert(1)</script>"), 200)
	expect(t, "hostile 21st", section(body, `id="track-over"`, "</p>"), []string{"&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;"}, []string{"<SCRIPT>"})
}

// The timeline lists the newest event first and marks it; on the English page the known
// cities and the kinds of place are in English, the notes as the courier wrote them.
func TestPublicTimeline(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	for _, tt := range []struct {
		lang, newest, oldest string
		want                 []string
	}{
		{"zh", "已签收", "已揽收", []string{"广州转运中心", "北京朝阳区人民路营业部", "杭州市 → 北京市"}},
		{"en", "Delivered", "Picked up", []string{"Guangzhou Transit Hub", "Hangzhou Transit Hub", "Beijing 朝阳区人民路 Station", "Hangzhou → Beijing", "快件已到达【广州转运中心】"}},
	} {
		body := page(t, e.visitor(), "/track/PL100000000001?lang="+tt.lang, 200)
		tl := section(body, `<ol class="timeline">`, "</ol>")
		first := section(tl, "<li", "</li>")
		if !strings.HasPrefix(first, `<li class="latest">`) || !strings.Contains(first, tt.newest) {
			t.Errorf("%s: first entry = %s", tt.lang, first)
		}
		if strings.Count(tl, "latest") != 1 || strings.Index(tl, tt.newest) > strings.Index(tl, tt.oldest) {
			t.Errorf("%s: timeline not newest first:\n%s", tt.lang, tl)
		}
		expect(t, tt.lang, body, tt.want, nil)
	}
}

// Signers that are roles are shown as written to a visitor, as the signer and in notes.
func TestPublicSignerRoles(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	expect(t, "本人", section(page(t, e.visitor(), "/track/PL100000000001", 200), `class="facts"`, "</dl>"), []string{"· 本人"}, []string{"本*"})
	expect(t, "快递柜", page(t, e.visitor(), "/track/PL100000000003", 200), []string{"· 快递柜", "已放入快递柜"}, []string{"快*柜", "李燕洁"})
}

// The complaint form after the verification expired says so, keeps what was typed, and
// takes the last 4 digits right there; the tracking page says why it asks again and
// returns to the form.
func TestPublicComplaintVerificationExpired(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	b := e.verified("PL100000000001")
	page(t, b, "/track/PL100000000001/complaint", 200)
	e.clk.Add(31 * time.Minute) // the verification lasts 30 minutes
	form := url.Values{"category": {"delayed"}, "description": {"晚了一天多，耽误了事情"}, "phone": {"13912345678"}, "idem": {"idem-public-0123456789abcdef"}}
	for _, tt := range []struct {
		lang, want string
	}{{"zh", "您的验证已过期（验证后 30 分钟内有效），投诉还没有提交。"}, {"en", "Your verification has expired (it lasts 30 minutes), so the complaint was not filed yet."}} {
		code, body, _ := b.do("POST", "/track/PL100000000001/complaint?lang="+tt.lang, form)
		if code != 403 {
			t.Fatalf("%s: expired filing = %d", tt.lang, code)
		}
		expect(t, tt.lang, body, []string{tt.want, "晚了一天多，耽误了事情", `name="last4"`}, []string{"李燕洁"})
	}
	var filed int
	if err := e.shp.Pool().QueryRow(context.Background(), `SELECT count(*) FROM complaints`).Scan(&filed); err != nil || filed != 0 {
		t.Fatalf("expired posts filed %d complaints (%v)", filed, err)
	}
	// A wrong last 4 keeps the form; the right one files the complaint.
	wrong := url.Values{}
	for k, v := range form {
		wrong[k] = v
	}
	wrong.Set("last4", "1111")
	if code, body, _ := b.do("POST", "/track/PL100000000001/complaint?lang=zh", wrong); code != 403 || !strings.Contains(body, "验证未通过") {
		t.Fatalf("wrong last 4 = %d\n%s", code, body)
	}
	form.Set("last4", "5678")
	code, _, hdr := b.do("POST", "/track/PL100000000001/complaint", form)
	if code != 303 || !strings.HasSuffix(hdr.Get("Location"), "/filed") {
		t.Fatalf("right last 4 = %d %s", code, hdr.Get("Location"))
	}
	// A stranger (or an expired browser) opening the form is told why on the tracking page.
	s := e.visitor()
	code, _, hdr = s.do("GET", "/track/PL100000000002/complaint", nil)
	if code != 303 || hdr.Get("Location") != "/track/PL100000000002?need=complaint#v-PL100000000002" {
		t.Fatalf("unverified form = %d %s", code, hdr.Get("Location"))
	}
	expect(t, "need", page(t, s, "/track/PL100000000002?need=complaint", 200), []string{"您的验证已过期或尚未验证", `name="next" value="complaint"`}, nil)
	code, _, hdr = s.do("POST", "/track/PL100000000002/verify", url.Values{"last4": {"5678"}, "next": {"complaint"}})
	if code != 303 || hdr.Get("Location") != "/track/PL100000000002/complaint" {
		t.Fatalf("verify from the form = %d %s", code, hdr.Get("Location"))
	}
	page(t, s, "/track/PL100000000002/complaint", 200)
}

// The progress page never shows a staff member's name, and promises a resolution time
// within the desk's opening hours even when the deadline itself falls at night.
func TestPublicComplaintProgress(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	ctx := context.Background()
	agent, err := e.acc.CreateUser(ctx, accounts.NewUser{Email: "agent@demo.test", Name: "Demo agent", Password: "correct horse battery", Role: accounts.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	// Wednesday 17:30: a lost parcel of a key shipper is P1, 8 hours around the clock, so
	// the deadline is Thursday 01:30; the customer is promised Thursday 09:00.
	e.clk.Set(time.Date(2026, 12, 2, 17, 30, 0, 0, shanghai))
	b := e.verified("PL100000000002")
	page(t, b, "/track/PL100000000002/complaint", 200)
	_, _, hdr := b.do("POST", "/track/PL100000000002/complaint", url.Values{"category": {"lost"}, "description": {"没收到退回的包裹"},
		"phone": {"13912345678"}, "idem": {"idem-progress-0123456789abcdef"}})
	ref := strings.TrimSuffix(strings.TrimPrefix(hdr.Get("Location"), "/complaint/"), "/filed")
	cp, err := e.cs.ByRef(ctx, ref)
	if err != nil {
		t.Fatalf("filed %q: %v", hdr.Get("Location"), err)
	}
	if due := cp.ResolutionDue.In(shanghai); due.Hour() != 1 || due.Minute() != 30 {
		t.Fatalf("deadline %v: the test expects a night deadline", due)
	}
	if err := e.cs.Claim(ctx, cp.ID, complaints.Actor{UserID: agent.ID, Name: agent.Name}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cs.Reply(ctx, cp.ID, complaints.Actor{UserID: agent.ID, Name: agent.Name}, "我们正在联系网点核实。", true); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ lang, staff string }{{"zh", "客服专员"}, {"en", "customer service"}} {
		body := page(t, b, "/complaint/"+ref+"?lang="+tt.lang, 200)
		expect(t, tt.lang, body, []string{tt.staff, "我们正在联系网点核实。"}, []string{"Demo agent", "agent@demo.test"})
		due := section(body, `id="complaint-due"`, "</dd>")
		expect(t, tt.lang+" due", due, []string{`datetime="2026-12-03T01:00:00Z"`, "2026-12-03 09:00"}, []string{"01:30"})
	}
}

// The favicon is served and linked from every page; /favicon.ico leads to it.
func TestPublicFavicon(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	b := e.visitor()
	for _, p := range []string{"/", "/track/PL100000000001", "/complaint", "/login"} {
		expect(t, p, page(t, b, p, 200), []string{`<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">`}, nil)
	}
	code, body, hdr := b.do("GET", "/static/favicon.svg", nil)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "image/svg+xml") || !strings.HasPrefix(body, "<svg") {
		t.Errorf("favicon = %d %q", code, hdr.Get("Content-Type"))
	}
	if code, _, hdr := b.do("GET", "/favicon.ico", nil); code != 301 || hdr.Get("Location") != "/static/favicon.svg" {
		t.Errorf("/favicon.ico = %d %q", code, hdr.Get("Location"))
	}
}

// One word for the shipper on every page: 寄件商家 in Chinese, "shipper" in English. The
// catalogues hold every visible string, so they are what is scanned.
func TestOneWordForShipper(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("web/i18n/*.json")
	if err != nil || len(files) < 10 {
		t.Fatalf("catalogues: %v %v", files, err)
	}
	zhBad := []string{"寄件方", "寄件客户", "寄件人", "货主", "商户", "发货方", "发件商", "发件人", "托运人", "发货商"}
	enBad := regexp.MustCompile(`(?i)\b(senders?|merchants?|consignors?)\b`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		if strings.HasSuffix(f, ".zh.json") {
			for _, w := range zhBad {
				if strings.Contains(text, w) {
					t.Errorf("%s says %q: the shipper is 寄件商家", f, w)
				}
			}
			if strings.Contains(strings.ReplaceAll(text, "寄件商家", ""), "商家") {
				t.Errorf("%s says 商家 alone: write 寄件商家", f)
			}
		} else if m := enBad.FindString(text); m != "" {
			t.Errorf("%s says %q: the shipper is \"shipper\"", f, m)
		}
	}
	body := page(t, newPublicEnv(t).visitor(), "/track/PL100000000001", 200)
	expect(t, "tracking page", body, []string{"<dt>寄件商家</dt>", "寄件商家手机号后 4 位"}, []string{"寄件方"})
}
