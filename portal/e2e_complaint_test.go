package portal_test

import (
	"context"
	"net"
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
