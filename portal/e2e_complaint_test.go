package portal_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lcrm/customers"
)

// serveSelf starts a selfEnv's portal on a random loopback port and returns its base URL.
func serveSelf(t *testing.T, e *selfEnv) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.App.Listener(ln)
	t.Cleanup(func() { e.srv.Shutdown(2 * time.Second) })
	return "http://" + ln.Addr().String()
}

func TestE2EAnswerSurvey(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newSelfEnv(t)
	base := serveSelf(t, e)
	link := base + "/survey/" + customers.SurveyToken(e.secret, e.shipID, time.Now().Add(72*time.Hour))
	step(t, tab, "answer the survey",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#csat")),
		chromedp.Click(chromedp.CSS(`#csat input[value="4"]`)),
		chromedp.Click(chromedp.CSS(`#nps input[value="9"]`)),
		chromedp.SendKeys(chromedp.CSS("#comment"), "送货很快 <b>"),
		chromedp.Click(chromedp.CSS(`form.survey button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#survey-thanks")))
	got, err := e.cus.SurveyFor(context.Background(), e.shipID)
	if err != nil || got.CSAT != 4 || got.NPS != 9 || got.Comment != "送货很快 <b>" {
		t.Fatalf("stored %+v, %v", got, err)
	}
	step(t, tab, "open the link again to edit",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#survey-editing")))
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#csat input[value="4"]').checked && document.querySelector('#nps input[value="9"]').checked && document.querySelector('#comment').value === "送货很快 <b>"`))
	if err != nil || !checked {
		t.Errorf("the earlier answer is not shown for editing (%v)", err)
	}
}

func TestE2EFileComplaintAndFollowIt(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e, cs := newComplaintEnv(t)
	base := serveSelf(t, e)
	step(t, tab, "verify the parcel",
		chromedp.Navigate(base+"/track/SD300000000001?lang=zh"),
		chromedp.SendKeys(chromedp.CSS("#v-SD300000000001"), "8000"),
		chromedp.Click(chromedp.CSS(`form.verify button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#complain-SD300000000001")))
	step(t, tab, "file a complaint",
		chromedp.Click(chromedp.CSS("#complain-SD300000000001")),
		chromedp.WaitVisible(chromedp.CSS("#category")),
		chromedp.SetValue(chromedp.CSS("#category"), "damaged"),
		chromedp.SendKeys(chromedp.CSS("#description"), "外箱压坏了，里面的杯子碎了"),
		chromedp.Click(chromedp.CSS(`form.complaint button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#complaint-ref")))
	ref := text(t, tab, "#complaint-ref")
	if !filedRe.MatchString("/complaint/" + ref + "/filed") {
		t.Fatalf("reference shown = %q", ref)
	}
	step(t, tab, "follow the progress link",
		chromedp.Click(chromedp.CSS("#progress-link")),
		chromedp.WaitVisible(chromedp.CSS("#complaint-timeline")))
	if got := text(t, tab, "#complaint-status"); got != "已提交" {
		t.Errorf("status = %q", got)
	}
	if got := text(t, tab, "main"); !strings.Contains(got, "外箱压坏了") || !strings.Contains(got, "预计解决时间") {
		t.Errorf("progress page shows %q", got)
	}
	list, err := cs.ListByShipment(context.Background(), e.shipID)
	if err != nil || len(list) != 1 || list[0].Ref != ref {
		t.Fatalf("stored %+v, %v", list, err)
	}
	// A new browser gets in with the reference and the phone's last 4 digits.
	tab2 := newTab(t)
	step(t, tab2, "look the complaint up",
		chromedp.Navigate(base+"/complaint?lang=zh"),
		chromedp.SendKeys(chromedp.CSS("#ref"), ref),
		chromedp.SendKeys(chromedp.CSS("#last4"), "8000"),
		chromedp.Click(chromedp.CSS(`form.lookup button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#complaint-timeline")))
}
