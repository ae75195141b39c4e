package portal_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/notify"
	"lcrm/portal"
)

// deskEnv is a portal with complaints and one staff user per role (plus a second agent and
// a shipper user), each able to browse with its own session.
type deskEnv struct {
	*selfEnv
	cs    *complaints.Store
	users map[string]*accounts.User // "agent", "agent2", "supervisor", "manager", "admin", "shipper"
}

// newDeskEnv builds the env; opts may set more dependencies (e.g. Notify).
func newDeskEnv(t *testing.T, opts ...func(*portal.Deps)) *deskEnv {
	t.Helper()
	var cs *complaints.Store
	se := newSelfEnv(t, append([]func(*portal.Deps){func(d *portal.Deps) {
		cs = complaints.NewStore(d.Shipments.Pool())
		d.Complaints, d.Accounts = cs, accounts.NewStore(d.Shipments.Pool())
	}}, opts...)...)
	e := &deskEnv{selfEnv: se, cs: cs, users: map[string]*accounts.User{}}
	ctx := context.Background()
	sh, err := se.cus.ShipperByCode(ctx, "ACME")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		key, name string
		role      accounts.Role
	}{{"agent", "Agent Wang", accounts.RoleAgent}, {"agent2", "Agent Li", accounts.RoleAgent},
		{"supervisor", "Sup Zhao", accounts.RoleSupervisor}, {"manager", "Mgr Qian", accounts.RoleManager},
		{"admin", "Admin Sun", accounts.RoleAdmin}, {"shipper", "Acme Ops", accounts.RoleShipper}} {
		in := accounts.NewUser{Email: u.key + "@desk.test", Name: u.name, Password: "correct horse battery", Role: u.role}
		if u.role == accounts.RoleShipper {
			in.ShipperID = sh.ID
		}
		user, err := se.acc.CreateUser(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.key] = user
	}
	return e
}

// as returns a cookie-keeping browser logged in as the user with key ("" = anonymous).
func (e *deskEnv) as(key string) *browser {
	e.t.Helper()
	b := newBrowser(e.t, e.srv)
	b.cookies["lcrm_csrf"] = testCSRF
	if key != "" {
		sid, err := e.acc.StartSession(context.Background(), e.users[key].ID, "192.0.2.1", "test")
		if err != nil {
			e.t.Fatal(err)
		}
		b.cookies["lcrm_session"] = sid
	}
	return b
}

// file files a complaint about the env's shipment.
func (e *deskEnv) file(cat complaints.Category, text string) *complaints.Complaint {
	e.t.Helper()
	c, err := e.cs.File(context.Background(), complaints.Filing{ShipmentID: e.shipID, Category: cat,
		Description: text, ContactPhone: "13800138000"})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *deskEnv) get(id int64) *complaints.Complaint {
	e.t.Helper()
	c, err := e.cs.ByID(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func path(id int64, action string) string {
	if action == "" {
		return fmt.Sprintf("/console/complaints/%d", id)
	}
	return fmt.Sprintf("/console/complaints/%d/%s", id, action)
}

func TestDeskQueueAndClaim(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	lost := e.file(complaints.Lost, "包裹丢了")
	late := e.file(complaints.Delayed, "三天没动了")
	agent, other := e.as("agent"), e.as("agent2")

	code, body, _ := agent.do("GET", "/console/queue", nil)
	if code != 200 || !strings.Contains(body, lost.Ref) || !strings.Contains(body, late.Ref) {
		t.Fatalf("queue: %d", code)
	}
	// Masked customer, tracking number, both deadlines with the share used, a claim button each.
	for _, want := range []string{"张*明", "SD300000000001", "首次响应期限", "已用 0%", `id="claim-` + fmt.Sprint(lost.ID)} {
		if !strings.Contains(body, want) {
			t.Errorf("queue lacks %q", want)
		}
	}
	if strings.Contains(body, "张小明") {
		t.Error("queue shows the customer's full name")
	}
	// Nearest deadline first: the lost parcel (P2) is due before the delay (P3).
	if strings.Index(body, lost.Ref) > strings.Index(body, late.Ref) {
		t.Error("queue not ordered by the nearest deadline")
	}
	// Agents get no bulk assign.
	if strings.Contains(body, `id="bulk"`) {
		t.Error("agent sees bulk assign")
	}

	code, _, hdr := agent.do("POST", path(lost.ID, "claim"), url.Values{"back": {"queue"}})
	if code != 303 || hdr.Get("Location") != "/console/queue?done=claimed" {
		t.Fatalf("claim: %d %s", code, hdr.Get("Location"))
	}
	if c := e.get(lost.ID); c.AssigneeID != e.users["agent"].ID || c.Status != complaints.StatusAcknowledged {
		t.Fatalf("after claim: %+v", c)
	}
	// Claiming again is harmless; another agent is told who has it.
	if code, _, _ := agent.do("POST", path(lost.ID, "claim"), url.Values{}); code != 303 {
		t.Errorf("claim again = %d", code)
	}
	code, body, _ = other.do("POST", path(lost.ID, "claim"), url.Values{})
	if code != 409 || !strings.Contains(body, "该投诉已由 Agent Wang 认领") {
		t.Errorf("second claim: %d", code)
	}

	filters := []struct {
		query   string
		want    []string
		notWant []string
	}{
		{"assignee=me", []string{lost.Ref}, []string{late.Ref}},
		{"assignee=unassigned", []string{late.Ref}, []string{lost.Ref}},
		{fmt.Sprintf("assignee=%d", e.users["agent"].ID), []string{lost.Ref}, []string{late.Ref}},
		{"category=delayed", []string{late.Ref}, []string{lost.Ref}},
		{"priority=P2", []string{lost.Ref}, []string{late.Ref}},
		{"status=acknowledged", []string{lost.Ref}, []string{late.Ref}},
		{"sla=ok", []string{lost.Ref, late.Ref}, nil},
		{"sla=breached", nil, []string{lost.Ref, late.Ref}},
		{"status=resolved", nil, []string{lost.Ref, late.Ref}},
	}
	for _, f := range filters {
		_, body, _ := agent.do("GET", "/console/queue?"+f.query, nil)
		for _, w := range f.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: %s missing", f.query, w)
			}
		}
		for _, w := range f.notWant {
			if strings.Contains(body, w) {
				t.Errorf("%s: %s shown", f.query, w)
			}
		}
	}

	// A breached first response is flagged: move the deadlines into the past.
	if _, err := e.pool.Exec(context.Background(), `UPDATE complaints SET first_response_due = now() - interval '1 minute',
		created_at = now() - interval '1 hour' WHERE id = $1`, late.ID); err != nil {
		t.Fatal(err)
	}
	_, body, _ = agent.do("GET", "/console/queue?sla=breached", nil)
	if !strings.Contains(body, late.Ref) || !strings.Contains(body, "dl-breached") || !strings.Contains(body, "sla-breached") {
		t.Error("breached complaint not flagged")
	}

	// Supervisor bulk-assigns both to the second agent; agents may not.
	form := url.Values{"id": {fmt.Sprint(lost.ID), fmt.Sprint(late.ID)}, "assignee": {fmt.Sprint(e.users["agent2"].ID)}}
	if code, _, _ := agent.do("POST", "/console/queue/assign", form); code != 403 {
		t.Errorf("agent bulk assign = %d", code)
	}
	sup := e.as("supervisor")
	_, body, _ = sup.do("GET", "/console/queue", nil)
	if !strings.Contains(body, `id="bulk"`) {
		t.Error("supervisor has no bulk assign")
	}
	if code, _, hdr := sup.do("POST", "/console/queue/assign", form); code != 303 || !strings.Contains(hdr.Get("Location"), "done=assigned") {
		t.Fatalf("bulk assign = %d", code)
	}
	for _, id := range []int64{lost.ID, late.ID} {
		if e.get(id).AssigneeID != e.users["agent2"].ID {
			t.Errorf("complaint %d not assigned", id)
		}
	}
	if code, _, _ := sup.do("POST", "/console/queue/assign", url.Values{"assignee": {"1"}}); code != 422 {
		t.Errorf("bulk assign without ids = %d", code)
	}
}

// Two agents claim one complaint over HTTP at the same moment: exactly one wins.
func TestDeskConcurrentClaim(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	for round := 0; round < 5; round++ {
		c := e.file(complaints.Damaged, fmt.Sprintf("外箱破损 %d", round))
		browsers := []*browser{e.as("agent"), e.as("agent2")}
		codes := make([]int, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, b := range browsers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				codes[i], _, _ = b.do("POST", path(c.ID, "claim"), url.Values{})
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, code := range codes {
			switch code {
			case 303:
				won++
			case 409:
			default:
				t.Fatalf("round %d: claim answered %d", round, code)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d winners (%v)", round, won, codes)
		}
		winner := e.users["agent"].ID
		if codes[1] == 303 {
			winner = e.users["agent2"].ID
		}
		if got := e.get(c.ID).AssigneeID; got != winner {
			t.Fatalf("round %d: assignee %d, winner %d", round, got, winner)
		}
		var claims int
		e.pool.QueryRow(context.Background(), `SELECT count(*) FROM complaint_entries WHERE complaint_id = $1 AND kind = 'assignment'`, c.ID).Scan(&claims)
		if claims != 1 {
			t.Fatalf("round %d: %d claim entries", round, claims)
		}
	}
}

func TestDeskComplaintActions(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	c := e.file(complaints.Damaged, "杯子碎了")
	agent, other, sup := e.as("agent"), e.as("agent2"), e.as("supervisor")
	ctx := context.Background()
	if _, err := e.cs.SaveCanned(ctx, complaints.CannedReply{Category: complaints.Damaged, Locale: "zh", Title: "破损致歉",
		Body: "{name}您好，运单{tracking_no}的破损我们正在核实。"}, complaints.Actor{}); err != nil {
		t.Fatal(err)
	}

	// Detail: customer card masked, shipment and complaint timelines, deadlines.
	code, body, _ := agent.do("GET", path(c.ID, ""), nil)
	if code != 200 {
		t.Fatalf("detail = %d", code)
	}
	for _, want := range []string{"张小明", "138****8000", "/console/customers/consignee/", "杯子碎了", "首次响应期限", "破损致歉", `id="claim"`} {
		if !strings.Contains(body, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	// The phone shows in full after a reveal with a reason.
	if code, _, _ := agent.do("POST", path(c.ID, "reveal"), url.Values{"field": {"phone"}, "reason": {"complaint"}}); code != 303 {
		t.Fatalf("reveal = %d", code)
	}
	if _, body, _ = agent.do("GET", path(c.ID, ""), nil); !strings.Contains(body, "8613800138000") {
		t.Errorf("detail after the reveal lacks the phone")
	}
	// Before claiming, an agent may not act for the customer.
	if code, _, _ := agent.do("POST", path(c.ID, "status"), url.Values{"to": {"in_progress"}}); code != 403 {
		t.Errorf("status before claim = %d", code)
	}
	// The canned reply fills the box with the placeholders replaced (no JavaScript needed).
	var cannedID int64
	e.pool.QueryRow(ctx, `SELECT id FROM canned_replies WHERE title = '破损致歉'`).Scan(&cannedID)
	_, body, _ = agent.do("GET", fmt.Sprintf("%s?canned=%d", path(c.ID, ""), cannedID), nil)
	if !strings.Contains(body, "张小明您好，运单SD300000000001的破损我们正在核实。</textarea>") {
		t.Error("canned reply not filled in")
	}

	agent.do("POST", path(c.ID, "claim"), url.Values{})
	steps := []struct {
		name   string
		who    *browser
		action string
		form   url.Values
		code   int
		body   string // expected in the answer (pages) when not empty
	}{
		{"to in progress", agent, "status", url.Values{"to": {"in_progress"}}, 303, ""},
		{"illegal move back", agent, "status", url.Values{"to": {"acknowledged"}}, 409, "状态为「处理中」的投诉不能改为「已受理」"},
		{"resolving by status", agent, "status", url.Values{"to": {"resolved"}}, 409, "解决投诉请使用下方的解决表单"},
		{"unknown status", agent, "status", url.Values{"to": {"nonsense"}}, 422, "请选择要改成的状态"},
		{"other agent public reply", other, "reply", url.Values{"text": {"我来回复"}, "public": {"1"}}, 403, ""},
		{"other agent status", other, "status", url.Values{"to": {"waiting_customer"}}, 403, ""},
		{"other agent resolve", other, "resolve", url.Values{"root_cause": {"courier"}, "department": {"x"}, "code": {"refunded"}}, 403, ""},
		{"other agent internal note", other, "reply", url.Values{"text": {"我看过这单"}, "public": {"0"}}, 303, ""},
		{"empty reply", agent, "reply", url.Values{"text": {"  "}, "public": {"1"}}, 422, "请填写回复内容"},
		{"public reply", agent, "reply", url.Values{"text": {"我们已联系快递员核实"}, "public": {"1"}}, 303, ""},
		{"agent sets priority", agent, "priority", url.Values{"priority": {"P1"}}, 403, ""},
		{"agent assigns", agent, "assign", url.Values{"assignee": {fmt.Sprint(e.users["agent2"].ID)}}, 403, ""},
		{"supervisor priority", sup, "priority", url.Values{"priority": {"P1"}}, 303, ""},
		{"bad priority", sup, "priority", url.Values{"priority": {"P9"}}, 422, ""},
		{"resolve without root cause", agent, "resolve", url.Values{"department": {"华北分拨"}, "code": {"compensated"}}, 422, "请选择根本原因"},
		{"resolve with bad amount", agent, "resolve", url.Values{"root_cause": {"sorting_hub"}, "department": {"华北分拨"}, "code": {"compensated"}, "compensation": {"abc"}}, 422, "赔偿金额须为不小于 0 的数字"},
		{"resolve", agent, "resolve", url.Values{"root_cause": {"sorting_hub"}, "department": {"华北分拨"}, "code": {"compensated"}, "compensation": {"25.50"}, "note": {"已赔偿25.5元"}}, 303, ""},
		{"resolve again", agent, "resolve", url.Values{"root_cause": {"sorting_hub"}, "department": {"华北分拨"}, "code": {"compensated"}, "compensation": {"25.50"}}, 303, ""},
		{"supervisor reassigns", sup, "assign", url.Values{"assignee": {fmt.Sprint(e.users["agent2"].ID)}}, 303, ""},
	}
	for _, s := range steps {
		code, body, _ := s.who.do("POST", path(c.ID, s.action), s.form)
		if code != s.code {
			t.Fatalf("%s: %d, want %d", s.name, code, s.code)
		}
		if s.body != "" && !strings.Contains(body, s.body) {
			t.Errorf("%s: answer lacks %q", s.name, s.body)
		}
	}
	got := e.get(c.ID)
	if got.Status != complaints.StatusResolved || got.RootCause != "sorting_hub" || got.CompensationFen != 2550 ||
		got.Priority != complaints.P1 || got.AssigneeID != e.users["agent2"].ID || got.FirstRespondedAt == nil {
		t.Fatalf("after the steps: %+v", got)
	}
	// The public reply is on the customer's timeline, the internal note is not.
	public, _ := e.cs.Timeline(ctx, c.ID, false)
	var texts []string
	for _, en := range public {
		texts = append(texts, en.Text)
	}
	joined := strings.Join(texts, "|")
	if !strings.Contains(joined, "我们已联系快递员核实") || strings.Contains(joined, "我看过这单") {
		t.Errorf("public timeline: %s", joined)
	}
	// Staff see both, told apart.
	_, body, _ = agent.do("GET", path(c.ID, "")+"?lang=en", nil)
	if !strings.Contains(body, `class="entry-internal_note internal"`) || !strings.Contains(body, "我看过这单") ||
		!strings.Contains(body, "Sorting hub") || !strings.Contains(body, "¥25.50") {
		t.Error("staff detail does not show the internal note apart or the resolution")
	}
	if code, _, _ := agent.do("GET", "/console/complaints/999999", nil); code != 404 {
		t.Errorf("unknown complaint = %d", code)
	}
	if code, _, _ := agent.do("GET", "/console/complaints/abc", nil); code != 404 {
		t.Errorf("bad id = %d", code)
	}
}

func TestDeskHome(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	ctx := context.Background()
	c := e.file(complaints.Lost, "一直没收到")
	agent := e.as("agent")
	agent.do("POST", path(c.ID, "claim"), url.Values{})
	_, body, _ := agent.do("GET", "/console/desk", nil)
	// Never marked: the filing itself (by the customer) is a change.
	if !strings.Contains(body, c.Ref) || !strings.Contains(body, "<td>1</td>") || !strings.Contains(body, "没有未读通知") {
		t.Fatalf("desk does not list my complaint: %s", body)
	}
	if code, _, _ := agent.do("POST", "/console/desk/seen", url.Values{}); code != 303 {
		t.Fatalf("seen = %d", code)
	}
	if _, body, _ = agent.do("GET", "/console/desk", nil); !strings.Contains(body, "没有新变化") {
		t.Fatal("changes still listed after marking seen")
	}
	// The customer writes and a supervisor notes: both show as changes until marked seen.
	if err := e.cs.AddCustomerMessage(ctx, c.ID, "请快点"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cs.Reply(ctx, c.ID, complaints.Actor{UserID: e.users["supervisor"].ID, Name: "Sup Zhao"}, "盯一下", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `INSERT INTO notifications (user_id, complaint_id, kind, text, created_at) VALUES ($1, $2, 'escalation', '投诉已超时', now())`,
		e.users["agent"].ID, c.ID); err != nil {
		t.Fatal(err)
	}
	_, body, _ = agent.do("GET", "/console/desk", nil)
	if !strings.Contains(body, "投诉已超时") || !strings.Contains(body, `id="mark-seen"`) || !strings.Contains(body, "<td>2</td>") {
		t.Fatal("desk lacks the changes or the notification")
	}
	_, body, _ = agent.do("GET", "/console/desk", nil) // a reload keeps them
	if !strings.Contains(body, `id="mark-seen"`) {
		t.Error("reload hid the changes")
	}
	// "Seen" covers what the page showed: a message arriving after it was drawn stays new.
	at := regexp.MustCompile(`name="at" value="([^"]+)"`).FindStringSubmatch(body)
	if at == nil {
		t.Fatal("no seen time on the page")
	}
	if err := e.cs.AddCustomerMessage(ctx, c.ID, "还在等"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := agent.do("POST", "/console/desk/seen", url.Values{"at": {at[1]}}); code != 303 {
		t.Fatalf("seen = %d", code)
	}
	_, body, _ = agent.do("GET", "/console/desk", nil)
	if !strings.Contains(body, `id="mark-seen"`) || !strings.Contains(body, "<td>1</td>") {
		t.Fatal("a change made after the page was drawn was marked seen")
	}
	if code, _, _ := agent.do("POST", "/console/desk/seen", url.Values{}); code != 303 {
		t.Fatalf("seen = %d", code)
	}
	if code, _, _ := agent.do("POST", "/console/desk/read", url.Values{}); code != 303 {
		t.Fatalf("read = %d", code)
	}
	_, body, _ = agent.do("GET", "/console/desk", nil)
	if strings.Contains(body, `id="mark-seen"`) || strings.Contains(body, "投诉已超时") {
		t.Error("seen changes or read notifications still listed")
	}
	if n, _ := e.cs.Notifications(ctx, e.users["agent"].ID, true); len(n) != 0 {
		t.Errorf("%d unread", len(n))
	}
	// Another agent's desk is their own.
	_, body, _ = e.as("agent2").do("GET", "/console/desk", nil)
	if strings.Contains(body, c.Ref) {
		t.Error("another agent's desk lists my complaint")
	}
}

func TestDeskWallboardPage(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	e.file(complaints.Lost, "没收到")
	answered := e.file(complaints.Delayed, "慢")
	// A supervisor answers it: nobody holds it (complaints.MayWork).
	if _, err := e.cs.Reply(context.Background(), answered.ID, complaints.Actor{UserID: e.users["supervisor"].ID, Name: "Sup Zhao"}, "已在查", true); err != nil {
		t.Fatal(err)
	}
	code, body, hdr := e.as("agent").do("GET", "/console/wallboard?lang=en", nil)
	if code != 200 || hdr.Get("Refresh") != "30" || !strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("wallboard: %d refresh=%q", code, hdr.Get("Refresh"))
	}
	// Two open, one waiting (for minutes at most); one first response today; the agent's
	// own session counts as active.
	for _, want := range []string{`id="wb-open">2<`, `id="wb-waiting">1<`, "oldest waiting 0h 0m", `id="wb-breached">0<`,
		`id="wb-agents">1<`, `id="wb-median">0h 0m<`, "1 first responses today"} {
		if !strings.Contains(body, want) {
			t.Errorf("wallboard lacks %s", want)
		}
	}
	_, body, _ = e.as("agent").do("GET", "/console/wallboard?lang=zh", nil)
	if !strings.Contains(body, "0 小时 0 分") {
		t.Error("durations not translated")
	}
}

// A public reply can also go by SMS: one outbox message per reply, even when the form is
// sent twice, listed on the complaint page; without the outbox there is no such box.
func TestDeskReplyBySMS(t *testing.T) {
	t.Parallel()
	var out *notify.Outbox
	e := newDeskEnv(t, func(d *portal.Deps) {
		out = notify.New(d.Shipments.Pool(), notify.Config{NoQuiet: true})
		d.Notify = out
	})
	ctx := context.Background()
	c := e.file(complaints.Delayed, "三天没到")
	agent := e.as("agent")
	agent.do("POST", path(c.ID, "claim"), url.Values{})
	_, body, _ := agent.do("GET", path(c.ID, ""), nil)
	if !strings.Contains(body, `id="reply-sms"`) || !strings.Contains(body, "暂无关于此投诉的短信") {
		t.Fatal("no SMS box or history on the page")
	}
	form := url.Values{"text": {"包裹今天下午派送"}, "public": {"1"}, "sms": {"1"}}
	for i := 0; i < 2; i++ {
		code, _, hdr := agent.do("POST", path(c.ID, "reply"), form)
		if code != 303 || !strings.Contains(hdr.Get("Location"), "done=reply_sms") {
			t.Fatalf("reply %d: %d %s", i, code, hdr.Get("Location"))
		}
	}
	// An internal note never goes by SMS, whatever the form says.
	agent.do("POST", path(c.ID, "reply"), url.Values{"text": {"内部备注"}, "public": {"0"}, "sms": {"1"}})
	sent, err := out.History(ctx, notify.Filter{ComplaintID: c.ID}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0].Kind != notify.KindComplaintReply || sent[0].To != "+8613800138000" ||
		!strings.Contains(sent[0].Body, "包裹今天下午派送") || !strings.Contains(sent[0].Body, c.Ref) {
		t.Fatalf("outbox = %+v", sent)
	}
	_, body, _ = agent.do("GET", path(c.ID, ""), nil)
	if !strings.Contains(body, `id="desk-sms"`) || !strings.Contains(body, "排队中") {
		t.Error("the SMS is not listed on the complaint page")
	}
	// Without an outbox: no box, and a forged sms=1 sends nothing (nowhere to send).
	plain := newDeskEnv(t)
	pc := plain.file(complaints.Delayed, "慢")
	pa := plain.as("agent")
	pa.do("POST", path(pc.ID, "claim"), url.Values{})
	if _, body, _ := pa.do("GET", path(pc.ID, ""), nil); strings.Contains(body, `id="reply-sms"`) {
		t.Error("SMS box without an outbox")
	}
	if code, _, hdr := pa.do("POST", path(pc.ID, "reply"), form); code != 303 || !strings.HasSuffix(hdr.Get("Location"), "done=reply") {
		t.Errorf("reply without outbox: %d", code)
	}
}

// Phones a customer typed into free text (the complaint's description, a later message)
// are masked on the complaint page like the contact phone (first three and last four
// digits): an insider must not harvest full numbers from descriptions without a reveal.
func TestDeskFreeTextPhonesMasked(t *testing.T) {
	e := newDeskEnv(t)
	c := e.file(complaints.Damaged, "外箱破了，请打我电话 139 1234 5678 或 +86-137-0000-4321")
	if err := e.cs.AddCustomerMessage(context.Background(), c.ID, "还是没人联系，再留个号码15911112222"); err != nil {
		t.Fatal(err)
	}
	_, body, _ := e.as("agent").do("GET", path(c.ID, ""), nil)
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"139 1234 5678", false}, {"13912345678", false}, {"137-0000-4321", false}, {"15911112222", false},
		{"外箱破了", true}, {"139 **** 5678", true}, {"4321", true}, {"159****2222", true},
	} {
		if got := strings.Contains(body, tc.text); got != tc.want {
			t.Errorf("complaint page contains %q: %v, want %v", tc.text, got, tc.want)
		}
	}
}
