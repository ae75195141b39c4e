package portal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"lcrm/requests"
)

// A consignee in a real browser verifies with the last 4 digits, asks to refuse the
// parcel; an agent accepts it in /console/requests; the consignee reloads and sees
// "accepted" in the parcel's request timeline.
func TestE2EDeliveryRequestAccepted(t *testing.T) {
	t.Parallel()
	customer := newTab(t)
	agent := newTab(t)
	e := newDlvEnv(t)
	base := serveSelf(t, e.selfEnv)
	const no = "SD300000000001"

	step(t, customer, "verify with the last 4 digits",
		chromedp.Navigate(base+"/track/"+no+"?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#v-"+no)),
		chromedp.SendKeys(chromedp.CSS("#v-"+no), "8000"),
		chromedp.Click(chromedp.CSS("form.verify button")),
		chromedp.WaitVisible(chromedp.CSS("#rq-refuse-"+no)))
	step(t, customer, "ask to refuse and return the parcel",
		chromedp.Click(chromedp.CSS("#rq-refuse-"+no+" button")),
		chromedp.WaitVisible(chromedp.CSS("#req-timeline-"+no)))
	if got := text(t, customer, "#req-timeline-"+no); !strings.Contains(got, "拒收退回") || !strings.Contains(got, "已提交") || strings.Contains(got, "已受理") {
		t.Fatalf("customer timeline after asking = %q", got)
	}
	list, err := e.rq.List(context.Background(), requests.Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("stored requests: %+v, %v", list, err)
	}
	id := list[0].ID

	step(t, agent, "log in as the agent and land on the request queue",
		chromedp.Navigate(base+"/console/requests?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "agent@desk.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#rq-queue")))
	if got := text(t, agent, fmt.Sprintf("#req-%d", id)); !strings.Contains(got, no) || !strings.Contains(got, "拒收退回") {
		t.Fatalf("queue row = %q", got)
	}
	step(t, agent, "accept the request",
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#accept-%d", id))),
		chromedp.WaitVisible(chromedp.CSS("#rq-done")))

	step(t, customer, "reload the tracking page",
		chromedp.Navigate(base+"/track/"+no+"?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#req-timeline-"+no)))
	if got := text(t, customer, "#req-timeline-"+no); !strings.Contains(got, "已受理") {
		t.Fatalf("customer timeline after the agent accepted = %q", got)
	}
	step(t, customer, "the same in English",
		chromedp.Navigate(base+"/track/"+no+"?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#req-timeline-"+no)))
	if got := text(t, customer, "#req-timeline-"+no); !strings.Contains(got, "accepted") || !strings.Contains(got, "refuse and return") {
		t.Errorf("English timeline = %q", got)
	}
}
