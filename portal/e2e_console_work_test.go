package portal_test

// The console as a team uses it all day, in a real browser: the supervisor's desk, the
// keyboard shortcuts, last-4 search and the console at 360 px.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lcrm/care"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/portal"
)

// consoleLogin logs the tab in as email (password of deskEnv's users) and opens next.
func consoleLogin(t *testing.T, tab context.Context, base, email, next, wait string) {
	t.Helper()
	step(t, tab, "log in as "+email,
		chromedp.Navigate(base+"/login?lang=zh&next="+next),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(wait)))
}

// eval runs a JavaScript expression in the tab.
func eval[T any](t *testing.T, tab context.Context, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// unread counts a user's unread notifications in the database.
func (e *deskEnv) unread(user string) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`,
		e.users[user].ID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// The supervisor's desk: notifications in Chinese only (old bilingual rows show their
// Chinese half), 20 a page with the next page, grouped by complaint, visible "标为已读"
// buttons; opening one goes to its complaint and marks it read.
func TestE2ESupervisorDesk(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newDeskEnv(t)
	ctx := context.Background()
	c := e.file(complaints.Lost, "包裹丢了")
	sup := e.users["supervisor"].ID
	start := time.Now().Add(-48 * time.Hour)
	for i := range 22 { // newest last: i = 21 is the newest
		if _, err := e.pool.Exec(ctx, `INSERT INTO notifications (user_id, complaint_id, kind, text, data, created_at)
			VALUES ($1, $2, 'escalation', 'x', $3, $4)`, sup, c.ID,
			map[string]any{"ref": c.Ref, "priority": "P2", "category": "lost", "deadline": "first_response",
				"due": "2026-11-30 10:00", "level": i%3 + 1}, start.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 { // written before notifications carried data: "中文 / English"
		if _, err := e.pool.Exec(ctx, `INSERT INTO notifications (user_id, kind, text, created_at)
			VALUES ($1, 'slow_signoff', $2, $3)`, sup, fmt.Sprintf("包裹SD00000000%d派送中超时已9小时 / SD00000000%d out for delivery for 9 h", i, i),
			start.Add(-time.Duration(i+1)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	base := serveSelf(t, e.selfEnv)
	consoleLogin(t, tab, base, "supervisor@desk.test", "/console/desk", "#desk-notifications")

	if n := eval[int](t, tab, `document.querySelectorAll('#desk-notifications li.notif').length`); n != 20 {
		t.Errorf("first page lists %d notifications, want 20", n)
	}
	list := text(t, tab, "#desk-notifications")
	if !strings.Contains(list, "25 条未读") || !strings.Contains(list, "升级至第") || strings.Contains(list, "escalation level") || strings.Contains(list, "missed") {
		t.Errorf("notifications (zh) = %q", list)
	}
	// The mark-read buttons are visible: on screen, with text unlike their background.
	visible := eval[bool](t, tab, `(() => { const b = document.querySelector('button.mark-read'); if (!b) return false;
		const s = getComputedStyle(b), r = b.getBoundingClientRect();
		return r.width > 20 && r.height > 10 && s.visibility === 'visible' && s.color !== s.backgroundColor && s.color !== 'rgb(255, 255, 255)'; })()`)
	if !visible {
		t.Error("the 标为已读 button is not visible")
	}
	step(t, tab, "the next page",
		chromedp.Click(chromedp.CSS("#notif-next")),
		chromedp.WaitVisible(chromedp.CSS("#notif-prev")))
	if n := eval[int](t, tab, `document.querySelectorAll('#desk-notifications li.notif').length`); n != 5 {
		t.Errorf("second page lists %d notifications, want 5", n)
	}
	page2 := text(t, tab, "#desk-notifications")
	if !strings.Contains(page2, "包裹SD000000000派送中超时已9小时") || strings.Contains(page2, "out for delivery") {
		t.Errorf("old bilingual rows on the zh page = %q", page2)
	}
	step(t, tab, "group by complaint",
		chromedp.Navigate(base+"/console/desk?group=complaint"),
		chromedp.WaitVisible(chromedp.CSS("#desk-notifications h3.notif-group a")))
	if got := text(t, tab, "#desk-notifications h3.notif-group a"); got != c.Ref {
		t.Errorf("group heading = %q, want the complaint's reference %s", got, c.Ref)
	}
	newest := eval[string](t, tab, `document.querySelector('a.notif-open').getAttribute('href')`)
	step(t, tab, "open the newest notification",
		chromedp.Click(chromedp.CSS("a.notif-open")),
		chromedp.WaitVisible(chromedp.CSS("#detail-ref")))
	if got := text(t, tab, "#detail-ref"); got != c.Ref {
		t.Errorf("the notification opened %q, want complaint %s", got, c.Ref)
	}
	if n := e.unread("supervisor"); n != 24 {
		t.Errorf("%d unread after opening %s, want 24", n, newest)
	}
	step(t, tab, "mark one read with its button",
		chromedp.Navigate(base+"/console/desk"),
		chromedp.WaitVisible(chromedp.CSS("button.mark-read")),
		chromedp.Click(chromedp.CSS("button.mark-read")),
		chromedp.WaitVisible(chromedp.CSS("#desk-done")))
	if n := e.unread("supervisor"); n != 23 {
		t.Errorf("%d unread after the button, want 23", n)
	}
	if got := text(t, tab, "#notif-unread"); got != "23 条未读" {
		t.Errorf("unread badge = %q", got)
	}
	// Another user's notification cannot be opened (nor marked read) by address.
	var otherID int64
	if err := e.pool.QueryRow(ctx, `INSERT INTO notifications (user_id, kind, text, created_at) VALUES ($1, 'x', 'y', now()) RETURNING id`,
		e.users["agent"].ID).Scan(&otherID); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.as("supervisor").do("GET", fmt.Sprintf("/console/notifications/%d", otherID), nil); code != 404 {
		t.Errorf("opening another user's notification: %d, want 404", code)
	}
}

// Keyboard: / focuses the search, j/k move in the queue, c claims, r and e go to the reply
// box and the resolve form, ? shows the list of shortcuts, Esc hides it.
func TestE2EKeyboardShortcuts(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newDeskEnv(t)
	for _, d := range []string{"一号投诉", "二号投诉", "三号投诉"} {
		e.file(complaints.Delayed, d)
	}
	base := serveSelf(t, e.selfEnv)
	consoleLogin(t, tab, base, "agent@desk.test", "/console/queue", "#queue")
	key := func(what, k string) {
		t.Helper()
		step(t, tab, what, chromedp.KeyEvent(k), chromedp.Sleep(100*time.Millisecond))
	}
	active := func() string { return eval[string](t, tab, `document.activeElement ? document.activeElement.id : ''`) }
	current := func() string {
		return eval[string](t, tab, `(() => { const r = document.querySelector('#queue tr.kb-current'); return r ? r.id : ''; })()`)
	}
	rows := eval[[]string](t, tab, `Array.from(document.querySelectorAll('#queue tbody tr')).map(r => r.id)`)
	if len(rows) != 3 {
		t.Fatalf("queue rows %v", rows)
	}
	key("/ focuses the queue's search", "/")
	if got := active(); got != "queue-q" {
		t.Errorf("after / the focus is on %q, want queue-q", got)
	}
	key("typing j in the search box types it", "j")
	// (DevTools sends a key's character as an event of its own, which the page's
	// preventDefault on keydown cannot hold back, so the "/" may be in the box here.)
	if v := eval[string](t, tab, `document.getElementById('queue-q').value`); !strings.HasSuffix(v, "j") || current() != "" {
		t.Errorf("j in the search box: value %q, selected row %q", v, current())
	}
	eval[bool](t, tab, `(document.getElementById('queue-q').value = '') === ''`)
	step(t, tab, "Esc leaves the box", chromedp.KeyEvent("\x1b"))
	for _, s := range []struct{ k, want string }{{"j", rows[0]}, {"j", rows[1]}, {"j", rows[2]}, {"j", rows[2]}, {"k", rows[1]}, {"k", rows[0]}} {
		key(s.k+" moves", s.k)
		if got := current(); got != s.want {
			t.Errorf("after %s the selected row is %q, want %q", s.k, got, s.want)
		}
	}
	key("? shows the shortcuts", "?")
	if !eval[bool](t, tab, `!document.getElementById('kb-help').hidden`) || !strings.Contains(text(t, tab, "#kb-help"), "认领") {
		t.Error("? did not show the list of shortcuts")
	}
	key("Esc hides them", "\x1b")
	if !eval[bool](t, tab, `document.getElementById('kb-help').hidden`) {
		t.Error("Esc did not hide the shortcuts")
	}
	first := strings.TrimPrefix(rows[0], "row-")
	key("k keeps the first row (the top)", "k")
	if got := current(); got != rows[0] {
		t.Fatalf("selected %q, want %q", got, rows[0])
	}
	step(t, tab, "c claims it", chromedp.KeyEvent("c"), chromedp.WaitVisible(chromedp.CSS("#desk-done")))
	var who int64
	if err := e.pool.QueryRow(context.Background(), `SELECT COALESCE(assignee_id, 0) FROM complaints WHERE id = $1`, first).Scan(&who); err != nil || who != e.users["agent"].ID {
		t.Fatalf("after c complaint %s is assigned to %d (%v), want the agent", first, who, err)
	}
	key("j selects it", "j")
	step(t, tab, "r opens its reply box", chromedp.KeyEvent("r"), chromedp.WaitVisible(chromedp.CSS("#reply-form")), chromedp.Sleep(200*time.Millisecond))
	if got := active(); got != "reply" {
		t.Errorf("after r the focus is on %q, want the reply box", got)
	}
	if loc := eval[string](t, tab, `location.pathname`); loc != "/console/complaints/"+first {
		t.Errorf("r opened %s", loc)
	}
	step(t, tab, "Esc leaves the box", chromedp.KeyEvent("\x1b"))
	key("e goes to the resolve form", "e")
	if got := active(); got != "root-cause" {
		t.Errorf("after e the focus is on %q, want the resolve form's root cause", got)
	}
	// c on the page of an unclaimed complaint claims it.
	second := strings.TrimPrefix(rows[1], "row-")
	step(t, tab, "open another complaint", chromedp.Navigate(base+"/console/complaints/"+second), chromedp.WaitVisible(chromedp.CSS("#claim")))
	step(t, tab, "c claims it", chromedp.KeyEvent("c"), chromedp.WaitVisible(chromedp.CSS("#desk-done")))
	if got := text(t, tab, "#detail-assignee"); got != "Agent Wang" {
		t.Errorf("after c on the page the assignee is %q", got)
	}
	key("r focuses the reply box", "r")
	if got := active(); got != "reply" {
		t.Errorf("after r on the page the focus is on %q", got)
	}
}

// Last-4 search: the global search field on every console page takes the last 4 digits of
// a phone, narrowed by name or city; results show masked phones; one match opens the
// customer. The queue's search box finds complaints by the same 4 digits.
func TestE2ELast4Search(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newDeskEnv(t)
	ctx := context.Background()
	for _, p := range []struct{ name, phone, city string }{
		{"张伟", "13900008000", "上海"}, {"李娜", "13700008000", "北京"}, {"王芳", "13600001111", "北京"},
	} {
		if _, err := e.cus.CreateConsignee(ctx, &customers.Consignee{Name: p.name, Phone: p.phone, Address: customers.Address{City: p.city}}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.file(complaints.Lost, "没收到") // 张小明, 13800138000, 北京
	base := serveSelf(t, e.selfEnv)
	consoleLogin(t, tab, base, "agent@desk.test", "/console/wallboard", "#console-q")
	step(t, tab, "search the last 4 digits from the wallboard's global search",
		chromedp.SendKeys(chromedp.CSS("#console-q"), "8000"),
		chromedp.Click(chromedp.CSS(".console-search button")),
		chromedp.WaitVisible(chromedp.CSS("#matches")))
	got := text(t, tab, "#matches")
	for _, want := range []string{"张小明", "张伟", "李娜", "手机尾号"} {
		if !strings.Contains(got, want) {
			t.Errorf("results for 8000 lack %q: %q", want, got)
		}
	}
	if strings.Contains(got, "王芳") || strings.Contains(got, "13900008000") || strings.Contains(got, "13800138000") {
		t.Errorf("results show a wrong person or a full phone: %q", got)
	}
	step(t, tab, "narrow by city",
		chromedp.Navigate(base+"/console/customers?q="+urlQuery("8000 北京")),
		chromedp.WaitVisible(chromedp.CSS("#matches")))
	if got := text(t, tab, "#matches"); !strings.Contains(got, "张小明") || !strings.Contains(got, "李娜") || strings.Contains(got, "张伟") {
		t.Errorf("8000 北京 = %q", got)
	}
	step(t, tab, "narrow by name to one person: the customer page opens",
		chromedp.Navigate(base+"/console/customers?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "张 8000 北京"),
		chromedp.Click(chromedp.CSS(".c360-search button")),
		chromedp.WaitNotPresent(chromedp.CSS(".c360-search")))
	if loc := eval[string](t, tab, `location.pathname`); !strings.HasPrefix(loc, "/console/customers/consignee/") {
		t.Errorf("one match opened %s, want the consignee's page", loc)
	}
	step(t, tab, "the queue's search box finds the complaint by the last 4 digits",
		chromedp.Navigate(base+"/console/queue"),
		chromedp.WaitVisible(chromedp.CSS("#queue-q")),
		chromedp.SendKeys(chromedp.CSS("#queue-q"), "8000\r"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#row-%d", c.ID))))
	step(t, tab, "and not by other digits",
		chromedp.Navigate(base+"/console/queue?q=1111"),
		chromedp.WaitVisible(chromedp.CSS("#queue-empty")))
}

// urlQuery escapes a query value.
func urlQuery(s string) string { return strings.NewReplacer(" ", "+").Replace(s) }

// At 360 px the console does not scroll sideways: the complaint page (long words, reveal
// forms, every action form), the queue with its deadline and claim button on screen, the
// desk, the KPI dashboard and the watch list.
func TestE2EConsoleAt360(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newKPIEnv(t, func(d *portal.Deps) { d.Watch = care.NewStore(d.Shipments.Pool()) })
	long := strings.Repeat("很长的描述没有空格", 12) + "https://example.com/" + strings.Repeat("a", 120)
	c := e.file(complaints.Damaged, long)
	if err := e.cs.Claim(context.Background(), c.ID, complaints.Actor{UserID: e.users["supervisor"].ID, Name: "Sup Zhao"}); err != nil {
		t.Fatal(err)
	}
	e.file(complaints.Lost, "第二个")
	base := serveSelf(t, e.selfEnv)
	step(t, tab, "a phone-sized window", chromedp.EmulateViewport(360, 740))
	consoleLogin(t, tab, base, "supervisor@desk.test", "/console/queue", "#queue")
	noSideways := func(page string) {
		t.Helper()
		w := eval[[]int](t, tab, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
		if w[0] > w[1] {
			t.Errorf("%s at 360 px: scrollWidth %d > clientWidth %d", page, w[0], w[1])
		}
	}
	noSideways("queue")
	// The deadline and the claim button of an unclaimed row are on screen.
	onScreen := eval[bool](t, tab, `(() => { const b = document.querySelector('#queue button.claim'), d = document.querySelector('#queue .dl');
		if (!b || !d) return false;
		return [b, d].every(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth; }); })()`)
	if !onScreen {
		t.Error("the queue's claim button or deadline is off screen at 360 px")
	}
	for _, p := range []struct{ name, path, wait string }{
		{"complaint page", fmt.Sprintf("/console/complaints/%d", c.ID), "#resolve-form"},
		{"desk", "/console/desk", "#desk-notifications"},
		{"KPI dashboard", "/console/kpi?" + e.query, ".kpi-chart"},
		{"watch list", "/console/watch", "#flags"},
		{"customers", "/console/customers?q=8000", "main"},
	} {
		step(t, tab, "open the "+p.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		noSideways(p.name)
	}
	// The KPI charts keep a readable size (their frame scrolls, not the page).
	step(t, tab, "back to the KPI dashboard", chromedp.Navigate(base+"/console/kpi?"+e.query), chromedp.WaitVisible(chromedp.CSS(".kpi-chart")))
	if w := eval[int](t, tab, `Math.round(document.querySelector('.kpi-chart').getBoundingClientRect().width)`); w < 500 {
		t.Errorf("a KPI chart is %d px wide at 360 px: its labels are too small to read", w)
	}
}
