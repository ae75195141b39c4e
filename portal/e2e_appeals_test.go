package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lcrm/complaints"
	"lcrm/internal/clock"
)

// An appeal near half its reply time reaches a manager: the escalation check at an
// injected instant one minute before half does nothing, one minute after it hands the
// appeal to the manager of the agent's chain; the manager logs in, sees the notification
// on their desk, opens it and finds the appeal assigned to them with the formal reply form.
func TestE2EAppealReachesManager(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newDeskEnv(t)
	base := serveSelf(t, e.selfEnv)
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, e.users["manager"].ID, e.users["supervisor"].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, e.users["supervisor"].ID, e.users["agent"].ID); err != nil {
		t.Fatal(err)
	}
	c := e.file(complaints.Lost, "快递一直没到，客服不理")
	sup := complaints.Actor{UserID: e.users["supervisor"].ID, Name: "Sup Zhao"}
	if err := e.cs.Assign(ctx, []int64{c.ID}, e.users["agent"].ID, sup); err != nil {
		t.Fatal(err)
	}
	// Received 47h58m ago with 4 days to reply: half its time is used in two minutes.
	clk := clock.NewManual(time.Now().Truncate(time.Second))
	e.cs.Now = clk.Now
	received := clk.Now().Add(-47*time.Hour - 58*time.Minute)
	a, _, err := e.cs.RegisterAppeal(ctx, c.ID, sup, complaints.AppealRegistration{Source: complaints.SourceWeb12305,
		No: "GJYZ-2026-88", ReceivedAt: received, ReplyDue: received.Add(96 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at       time.Time
		assignee int64
	}{
		{clk.Now(), e.users["agent"].ID},
		{a.HalfDue().Add(-time.Second), e.users["agent"].ID},
		{a.HalfDue().Add(time.Minute), e.users["manager"].ID},
		{a.HalfDue().Add(2 * time.Minute), e.users["manager"].ID},
	} {
		clk.Set(tc.at)
		if _, err := e.cs.CheckEscalations(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if got := e.get(c.ID).AssigneeID; got != tc.assignee {
			t.Fatalf("at %s the assignee is %d, want %d", tc.at, got, tc.assignee)
		}
	}
	if got := e.get(c.ID).AssigneeID; got != e.users["manager"].ID {
		t.Fatalf("assignee %d after half the time, want the manager %d", got, e.users["manager"].ID)
	}

	step(t, tab, "the manager logs in and lands on the desk",
		chromedp.Navigate(base+"/console/desk?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "manager@desk.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#desk-notifications")))
	notes := text(t, tab, "#desk-notifications")
	if !strings.Contains(notes, "1 条未读") || !strings.Contains(notes, "监管申诉") || !strings.Contains(notes, "GJYZ-2026-88") || !strings.Contains(notes, c.Ref) {
		t.Fatalf("manager's notifications = %q", notes)
	}
	if got := text(t, tab, "#desk-mine"); !strings.Contains(got, c.Ref) || !strings.Contains(got, "P1") {
		t.Errorf("manager's own complaints = %q", got)
	}
	step(t, tab, "open the appeal from the notification",
		chromedp.Click(chromedp.CSS(`#desk-notifications a[href^="/console/notifications/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#desk-appeal")))
	if got := text(t, tab, "#appeal-escalated"); !strings.Contains(got, "Mgr Qian") {
		t.Errorf("appeal section says %q, want handed to Mgr Qian", got)
	}
	if got := text(t, tab, "#detail-assignee"); got != "Mgr Qian" {
		t.Errorf("assignee shown %q", got)
	}
	step(t, tab, "the manager sends the formal reply",
		chromedp.SendKeys(chromedp.CSS("#formal-reply"), "经核实包裹在分拨中心滞留，已补发并赔付。"),
		chromedp.Click(chromedp.CSS("#formal-reply-send")),
		chromedp.WaitVisible(chromedp.CSS("#formal-replies")))
	if got := text(t, tab, "#formal-replies"); !strings.Contains(got, "已补发并赔付") || !strings.Contains(got, "Mgr Qian") {
		t.Errorf("formal replies = %q", got)
	}
	if got, err := e.cs.AppealOf(ctx, c.ID); err != nil || got.RepliedAt == nil {
		t.Errorf("appeal after the reply: %+v %v", got, err)
	}
}
