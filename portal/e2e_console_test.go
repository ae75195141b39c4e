package portal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lcrm/complaints"
)

// An agent's day in a real browser: log in, open the queue, claim a complaint, reply
// publicly, resolve it with a root cause; then the customer, with the reference and the
// phone's last 4 digits, sees the reply and the resolution on the public progress page.
func TestE2EConsoleAgentFlow(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newDeskEnv(t)
	base := serveSelf(t, e.selfEnv)
	c := e.file(complaints.Damaged, "外箱压坏，杯子碎了")
	canned, err := e.cs.SaveCanned(context.Background(), complaints.CannedReply{Category: complaints.Damaged, Locale: "zh",
		Title: "破损致歉", Body: "{name}您好，运单{tracking_no}破损一事我们正在核实。"}, complaints.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf("#row-%d", c.ID)

	step(t, tab, "log in as the agent and land on the queue",
		chromedp.Navigate(base+"/console/queue?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "agent@desk.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#queue")))
	if got := text(t, tab, row); !strings.Contains(got, c.Ref) || !strings.Contains(got, "张*明") || !strings.Contains(got, "已用") {
		t.Fatalf("queue row = %q", got)
	}
	step(t, tab, "claim from the queue",
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#claim-%d", c.ID))),
		chromedp.WaitVisible(chromedp.CSS("#desk-done")))
	if got := text(t, tab, row); !strings.Contains(got, "Agent Wang") {
		t.Fatalf("after claiming the row shows %q", got)
	}
	step(t, tab, "open the complaint",
		chromedp.Click(chromedp.CSS(row+" a")),
		chromedp.WaitVisible(chromedp.CSS("#reply-form")))
	if got := text(t, tab, "#desk-customer"); !strings.Contains(got, "张小明") {
		t.Errorf("customer card = %q", got)
	}
	step(t, tab, "pick a canned reply",
		chromedp.SetValue(chromedp.CSS("#canned"), fmt.Sprint(canned.ID)),
		chromedp.Click(chromedp.CSS(`#canned-form button[type="submit"]`)),
		chromedp.Sleep(300*time.Millisecond), // a page load, if one was started, has begun by now
		chromedp.WaitVisible(chromedp.CSS("#reply")))
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	filled, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#reply').value`))
	if err == nil { // desk.js filled the box in place: no page load with ?canned=
		var search string
		if search, err = chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); err == nil && strings.Contains(search, "canned") {
			t.Errorf("the canned reply took a page load (%s): desk.js did not run", search)
		}
	}
	if err == nil { // empty the box for the reply typed below
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('#reply').value = '') === ''`))
	}
	cancel()
	if err != nil || filled != "张小明您好，运单SD300000000001破损一事我们正在核实。" {
		t.Errorf("canned reply filled %q (%v)", filled, err)
	}
	step(t, tab, "reply publicly",
		chromedp.SendKeys(chromedp.CSS("#reply"), "您好，我们已联系快递员核实，今天内给您答复。"),
		chromedp.Click(chromedp.CSS("#reply-public")),
		chromedp.Click(chromedp.CSS("#reply-send")),
		chromedp.WaitVisible(chromedp.CSS("#desk-done")))
	if got := text(t, tab, "#complaint-timeline"); !strings.Contains(got, "今天内给您答复") {
		t.Fatalf("staff timeline = %q", got)
	}
	step(t, tab, "resolve with a root cause",
		chromedp.SetValue(chromedp.CSS("#root-cause"), "sorting_hub"),
		chromedp.SendKeys(chromedp.CSS("#department"), "华北分拨中心"),
		chromedp.SetValue(chromedp.CSS("#resolution-code"), "compensated"),
		chromedp.SendKeys(chromedp.CSS("#compensation"), "30"),
		chromedp.SendKeys(chromedp.CSS("#resolve-note"), "已按货值赔偿30元"),
		chromedp.Click(chromedp.CSS("#resolve")),
		chromedp.WaitVisible(chromedp.CSS("#detail-root-cause")))
	if got := text(t, tab, "#detail-status"); got != "已解决" {
		t.Errorf("status after resolving = %q", got)
	}
	got, err := e.cs.ByID(context.Background(), c.ID)
	if err != nil || got.Status != complaints.StatusResolved || got.RootCause != "sorting_hub" || got.CompensationFen != 3000 {
		t.Fatalf("stored %+v, %v", got, err)
	}

	customer := newTab(t)
	step(t, customer, "the customer looks the complaint up",
		chromedp.Navigate(base+"/complaint?lang=zh"),
		chromedp.SendKeys(chromedp.CSS("#ref"), c.Ref),
		chromedp.SendKeys(chromedp.CSS("#last4"), "8000"),
		chromedp.Click(chromedp.CSS(`form.lookup button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#complaint-timeline")))
	timeline := text(t, customer, "#complaint-timeline")
	if !strings.Contains(timeline, "今天内给您答复") || !strings.Contains(timeline, "已按货值赔偿30元") {
		t.Errorf("customer's timeline = %q", timeline)
	}
	if strings.Contains(timeline, "root cause") || strings.Contains(timeline, "华北分拨中心") {
		t.Errorf("customer sees the internal resolution detail: %q", timeline)
	}
	if got := text(t, customer, "#complaint-status"); got != "已解决" {
		t.Errorf("customer's status = %q", got)
	}
}
