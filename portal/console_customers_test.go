package portal_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/ratelimit"
	"lcrm/internal/testdb"
	"lcrm/notify"
	"lcrm/portal"
	"lcrm/shipments"
)

// c360Env is a portal with complaints, two shipments (consignee 张小明 on 138 0013 8000
// with shipper Acme, 王芳 with Beta), a complaint of 张小明's, and one user per role.
type c360Env struct {
	srv         *portal.Server
	pool        *pgxpool.Pool
	cus         *customers.Store
	acc         *accounts.Store
	com         *complaints.Store
	sms         *notify.Outbox
	zhangID     int64
	acmeID      int64
	complaint   *complaints.Complaint
	users       map[accounts.Role]*accounts.User
	otherCustID int64 // 王芳
}

const c360Password = "staff password 1"

func newC360Env(t *testing.T) *c360Env {
	t.Helper()
	ctx := context.Background()
	pool := testdb.New(t)
	e := &c360Env{pool: pool, cus: customers.NewStore(pool), acc: accounts.NewStore(pool), com: complaints.NewStore(pool),
		users: map[accounts.Role]*accounts.User{}}
	shp := shipments.NewStore(pool)
	e.sms = notify.New(pool, notify.Config{NoQuiet: true})
	e.srv = portal.New(portal.Deps{Shipments: shp, Customers: e.cus, Accounts: e.acc, Complaints: e.com, Notify: e.sms,
		Limiter: ratelimit.New(pool)},
		portal.Config{PublicURL: "http://lcrm.test"})
	if _, err := shp.CreateShipments(ctx, []shipments.NewShipment{
		{TrackingNo: "SD500000000001", Shipper: customers.Shipper{Code: "ACME", Name: "Acme 物流", ContactName: "李雷", Tier: customers.TierKey},
			Consignee:  customers.Consignee{Name: "张小明", Phone: "13800138000", Address: customers.Address{City: "北京"}},
			OriginCity: "杭州", WeightG: 100},
		{TrackingNo: "SD500000000002", Shipper: customers.Shipper{Code: "BETA", Name: "Beta Trading"},
			Consignee:  customers.Consignee{Name: "王芳", Phone: "13900139000", Address: customers.Address{City: "上海"}},
			OriginCity: "杭州", WeightG: 100},
	}); err != nil {
		t.Fatal(err)
	}
	d, err := shp.Get(ctx, "SD500000000001")
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := shp.Get(ctx, "SD500000000002")
	e.zhangID, e.acmeID, e.otherCustID = d.ConsigneeID, d.ShipperID, d2.ConsigneeID
	e.complaint, err = e.com.File(ctx, complaints.Filing{ShipmentID: d.ID, Category: "delayed",
		Description: "三天没有动静", ContactPhone: "13800138000", IdempotencyKey: "c360"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []accounts.Role{accounts.RoleAgent, accounts.RoleSupervisor, accounts.RoleManager, accounts.RoleAdmin} {
		u, err := e.acc.CreateUser(ctx, accounts.NewUser{Email: string(r) + "@staff.test", Name: "测试" + string(r), Password: c360Password, Role: r})
		if err != nil {
			t.Fatal(err)
		}
		e.users[r] = u
	}
	sh, _ := e.cus.ShipperByCode(ctx, "ACME")
	u, err := e.acc.CreateUser(ctx, accounts.NewUser{Email: "ops@acme.test", Name: "Acme Ops", Password: c360Password, Role: accounts.RoleShipper, ShipperID: sh.ID})
	if err != nil {
		t.Fatal(err)
	}
	e.users[accounts.RoleShipper] = u
	return e
}

// login returns a browser logged in as the user with that role.
func (e *c360Env) login(t *testing.T, role accounts.Role) *browser {
	t.Helper()
	b := newBrowser(t, e.srv)
	b.do("GET", "/login", nil)
	if code, _, _ := b.do("POST", "/login", url.Values{"email": {e.users[role].Email}, "password": {c360Password}}); code != 303 {
		t.Fatalf("login as %s: %d", role, code)
	}
	return b
}

func TestC360Search(t *testing.T) {
	t.Parallel()
	e := newC360Env(t)
	b := e.login(t, accounts.RoleAgent)
	zhang := "/console/customers/consignee/" + itoa(e.zhangID)
	tests := []struct {
		q        string
		redirect string   // one match: the customer page
		list     []string // several: these links listed
	}{
		{q: "138 0013 8000", redirect: zhang},
		{q: "+86-138-0013-8000", redirect: zhang},
		{q: "8613800138000", redirect: zhang},
		{q: e.complaint.Ref, redirect: zhang},
		{q: "小明", redirect: zhang},
		{q: "李雷", redirect: "/console/customers/shipper/" + itoa(e.acmeID)},
		{q: "sd500000000001", list: []string{zhang, "/console/customers/shipper/" + itoa(e.acmeID)}},
		{q: "nobody-like-this"},
	}
	for _, tt := range tests {
		code, body, hdr := b.do("GET", "/console/customers?q="+url.QueryEscape(tt.q), nil)
		switch {
		case tt.redirect != "":
			if code != 303 || hdr.Get("Location") != tt.redirect {
				t.Errorf("%q: %d %q, want a redirect to %s", tt.q, code, hdr.Get("Location"), tt.redirect)
			}
		case len(tt.list) > 0:
			for _, l := range tt.list {
				if code != 200 || !strings.Contains(body, `href="`+l+`"`) {
					t.Errorf("%q: %d, %s not listed", tt.q, code, l)
				}
			}
		default:
			if code != 200 || !strings.Contains(body, "没有找到匹配的客户") {
				t.Errorf("%q: %d, want the no-match note", tt.q, code)
			}
		}
	}
	// The shipper user is not staff; visitors go to the login page.
	if code, _, _ := e.login(t, accounts.RoleShipper).do("GET", "/console/customers?q=138", nil); code != 403 {
		t.Errorf("shipper: %d, want 403", code)
	}
	if code, _, _ := newBrowser(t, e.srv).do("GET", zhang, nil); code != 303 {
		t.Errorf("visitor: %d, want 303 to login", code)
	}
}

var nonceRe = regexp.MustCompile(`name="nonce" value="([^"]+)"`)

func TestC360ContactLog(t *testing.T) {
	t.Parallel()
	e := newC360Env(t)
	ctx := context.Background()
	page := "/console/customers/consignee/" + itoa(e.zhangID)
	agent := e.login(t, accounts.RoleAgent)
	code, body, _ := agent.do("GET", page, nil)
	if code != 200 || !strings.Contains(body, "138****8000") || !strings.Contains(body, e.complaint.Ref) ||
		!strings.Contains(body, "SD500000000001") || strings.Contains(body, `id="last-contact"`) {
		t.Fatalf("customer page before any contact: %d", code)
	}
	// The phone is masked until revealed with a reason; then it is a tel: link.
	if strings.Contains(body, "8613800138000") {
		t.Fatalf("full phone before a reveal")
	}
	if code, _, _ := agent.do("POST", page+"/reveal", url.Values{"field": {"phone"}, "reason": {"callback"}}); code != 303 {
		t.Fatalf("reveal = %d", code)
	}
	if _, body, _ = agent.do("GET", page, nil); !strings.Contains(body, `href="tel:&#43;8613800138000"`) {
		t.Fatalf("customer page after the reveal lacks the phone")
	}
	nonce := nonceRe.FindStringSubmatch(body)[1]
	form := func() url.Values {
		return url.Values{"nonce": {nonce}, "channel": {"phone"}, "direction": {"outbound"}, "summary": {"告知明天送达"},
			"outcome": {"callback"}, "complaint_id": {itoa(e.complaint.ID)}}
	}
	for i := 0; i < 2; i++ { // the double submit
		if code, _, hdr := agent.do("POST", page+"/contacts", form()); code != 303 || !strings.HasPrefix(hdr.Get("Location"), page) {
			t.Fatalf("log contact %d: %d %s", i, code, hdr.Get("Location"))
		}
	}
	list, err := e.cus.Contacts(ctx, customers.ContactFilter{Kind: customers.KindConsignee, CustomerID: e.zhangID}, 0)
	if err != nil || len(list) != 1 || list[0].UserID != e.users[accounts.RoleAgent].ID || list[0].ComplaintID != e.complaint.ID {
		t.Fatalf("stored after a double submit: %v %+v", err, list)
	}
	// A colleague opening the customer sees who called and when.
	sup := e.login(t, accounts.RoleSupervisor)
	_, body, _ = sup.do("GET", page, nil)
	if !strings.Contains(body, `id="last-contact"`) || !strings.Contains(body, "测试agent 在 0 分钟前联系过该客户") ||
		!strings.Contains(body, "告知明天送达") {
		t.Errorf("banner missing for the supervisor")
	}
	_, body, _ = sup.do("GET", page+"?lang=en", nil)
	if !strings.Contains(body, "Last contacted by 测试agent, 0 minutes ago") {
		t.Errorf("English banner missing")
	}
	bad := []struct {
		name string
		edit func(url.Values)
	}{
		{"unknown outcome", func(v url.Values) { v.Set("outcome", "maybe") }},
		{"someone else's complaint", func(v url.Values) { v.Set("complaint_id", "999999") }},
	}
	for _, tt := range bad {
		v := form()
		v.Set("nonce", "fresh-"+tt.name)
		tt.edit(v)
		if code, body, _ := agent.do("POST", page+"/contacts", v); code != 422 || !strings.Contains(body, `class="error"`) {
			t.Errorf("%s: %d, want 422 with a message", tt.name, code)
		}
	}
	if code, _, _ := agent.do("POST", page+"/contacts", url.Values{"nonce": {"x"}, "outcome": {"resolved"}, "_csrf": {"forged"}}); code != 403 {
		t.Errorf("forged CSRF: %d, want 403", code)
	}
	if code, _, _ := agent.do("POST", "/console/customers/consignee/999999/contacts", url.Values{"nonce": {"n-ghost"}, "channel": {"phone"},
		"direction": {"outbound"}, "outcome": {"resolved"}}); code != 404 {
		t.Errorf("contact for an unknown consignee: %d, want 404", code)
	}
	if code, _, _ := agent.do("GET", "/console/customers/person/1", nil); code != 404 {
		t.Errorf("unknown kind: %d", code)
	}
	if code, _, _ := agent.do("GET", "/console/customers/shipper/999999", nil); code != 404 {
		t.Errorf("unknown shipper: %d", code)
	}
	if code, body, _ := agent.do("GET", "/console/customers/shipper/"+itoa(e.acmeID), nil); code != 200 || !strings.Contains(body, "重点客户") {
		t.Errorf("shipper page: %d", code)
	}
	// After a merge, the merged record and its phone lead to the survivor, and the merged
	// record's contacts are the survivor's.
	if _, err := e.cus.LogContact(ctx, customers.Contact{Kind: customers.KindConsignee, CustomerID: e.otherCustID,
		Channel: "sms", Direction: "inbound", Outcome: "resolved", Summary: "王芳来短信"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cus.Merge(ctx, e.zhangID, e.otherCustID, "test"); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := agent.do("GET", page, nil); !strings.Contains(body, "王芳来短信") {
		t.Errorf("the merged record's contact is not on the survivor's page")
	}
	for _, path := range []string{"/console/customers/consignee/" + itoa(e.otherCustID), "/console/customers?q=" + url.QueryEscape("139 0013 9000")} {
		if code, _, hdr := agent.do("GET", path, nil); code != 303 || hdr.Get("Location") != page {
			t.Errorf("%s after a merge: %d %s, want %s", path, code, hdr.Get("Location"), page)
		}
	}
}

// The customer page's messages section lists the SMS sent to the customer and their replies.
func TestC360Messages(t *testing.T) {
	t.Parallel()
	e := newC360Env(t)
	ctx := context.Background()
	if _, _, err := e.sms.Enqueue(ctx, e.pool, notify.Message{Key: "c360-test", Kind: notify.KindComplaintReply, To: "+8613800138000",
		Vars: map[string]string{"ref": e.complaint.Ref, "text": "我们已联系网点"}, ConsigneeID: e.zhangID, ComplaintID: e.complaint.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sms.HandleInbound(ctx, notify.Inbound{SID: "SM-c360", From: "+8613800138000", To: "+10000000000", Body: "好的谢谢"}); err != nil {
		t.Fatal(err)
	}
	b := e.login(t, accounts.RoleAgent)
	_, body, _ := b.do("GET", "/console/customers/consignee/"+itoa(e.zhangID), nil)
	i, j := strings.Index(body, `id="sms-sent"`), strings.Index(body, `id="sms-inbound"`)
	if i < 0 || j < i {
		t.Fatalf("no messages section")
	}
	if sent := body[i:j]; !strings.Contains(sent, "我们已联系网点") || !strings.Contains(sent, "投诉回复") || !strings.Contains(sent, "排队中") {
		t.Errorf("sent SMS not listed")
	}
	if !strings.Contains(body[j:], "好的谢谢") {
		t.Errorf("reply not listed")
	}
	// Another customer's page shows none of it.
	_, body, _ = b.do("GET", "/console/customers/consignee/"+itoa(e.otherCustID), nil)
	if strings.Contains(body, "我们已联系网点") || strings.Contains(body, "好的谢谢") || !strings.Contains(body, "没有发过短信") {
		t.Errorf("messages shown on the wrong customer")
	}
}

// A phone a customer typed into a survey comment is masked on the customer page (first
// three and last four digits), like the customer's own phone before a reveal.
func TestCustomerPageFreeTextPhonesMasked(t *testing.T) {
	e := newC360Env(t)
	ctx := context.Background()
	d, err := shipments.NewStore(e.pool).Get(ctx, "SD500000000001")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.cus.SaveSurvey(ctx, customers.Survey{ShipmentID: d.ID, CSAT: 2, NPS: 3, Comment: "快递员态度差，有事打 186-2222-3333"}); err != nil {
		t.Fatal(err)
	}
	_, body, _ := e.login(t, accounts.RoleAgent).do("GET", "/console/customers/consignee/"+itoa(e.zhangID), nil)
	if !strings.Contains(body, "快递员态度差") || strings.Contains(body, "186-2222-3333") || !strings.Contains(body, "186-****-3333") {
		t.Errorf("survey comment on the customer page: full phone shown or comment missing")
	}
}

// The console search is no oracle for the hidden digits of a masked phone: an agent who
// sees 138****8000 could try 138 0000 8000 … 138 9999 8000 until one opens the customer,
// a full phone without a reveal. Searches that find nothing are limited per user
// (customers.SearchMissesPerHour, counted before searching, so a burst gets no more);
// searches that find someone do not count.
func TestCustomerSearchMissesLimited(t *testing.T) {
	e := newC360Env(t)
	agent := e.login(t, accounts.RoleAgent)
	for i := 0; i < customers.SearchMissesPerHour+5; i++ { // hits never count
		if code, _, _ := agent.do("GET", "/console/customers?q=138+0013+8000", nil); code != 303 {
			t.Fatalf("search %d for a known phone: %d, want 303", i+1, code)
		}
	}
	const tried = 200
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < tried; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// 1000+i: never 0013, the known phone, whose hit would be answered when it
			// ran before the misses were used up (a hit does not count).
			req := httptest.NewRequest("GET", fmt.Sprintf("/console/customers?q=138%04d8000", 1000+i), nil)
			req.Header.Set("Cookie", "lcrm_session="+agent.cookies["lcrm_session"])
			<-start
			resp, err := e.srv.App.Test(req, -1)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("%d parallel searches for 138????8000: %v", tried, codes)
	if searched := codes[200] + codes[303]; searched > customers.SearchMissesPerHour {
		t.Errorf("%d searches answered, want at most %d (the rest 429)", searched, customers.SearchMissesPerHour)
	}
	if codes[429] < tried-customers.SearchMissesPerHour {
		t.Errorf("%d refused, want at least %d", codes[429], tried-customers.SearchMissesPerHour)
	}
	if code, _, _ := agent.do("GET", "/console/customers?q=138+0013+8000", nil); code != 429 {
		t.Errorf("a known phone after the misses ran out: %d, want 429 (else the oracle stays open)", code)
	}
	if code, _, _ := e.login(t, accounts.RoleSupervisor).do("GET", "/console/customers?q=138+0013+8000", nil); code != 303 {
		t.Errorf("another user: %d, want 303 (the limit is per user)", code)
	}
}
