package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lcrm/accounts"
)

// A supervisor declares a disruption over Guangdong in the console; the Guangzhou parcel's
// page shows the notice (Chinese, and English with ?lang=en) instead of the delay apology,
// and the Beijing parcel's page does not.
func TestE2EDeclareDisruption(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e, _ := disruptionEnv(t)
	if _, err := e.acc.CreateUser(context.Background(), accounts.NewUser{Email: "sup@x.test", Name: "Sup Zhao", Password: "staff password 2026", Role: accounts.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	base := serveSite(t, e)
	now := time.Now()
	step(t, tab, "log in as the supervisor",
		chromedp.Navigate(base+"/console/disruptions?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "sup@x.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "staff password 2026"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#declare")))
	step(t, tab, "declare a disruption over Guangdong",
		chromedp.SendKeys(chromedp.CSS("#d-provinces"), "广东省"),
		chromedp.SetValue(chromedp.CSS("#d-from"), localMinute(now.Add(-2*time.Hour))),
		chromedp.SetValue(chromedp.CSS("#d-to"), localMinute(now.Add(48*time.Hour))),
		chromedp.SetValue(chromedp.CSS("#d-reason"), "hub_closed"),
		chromedp.SendKeys(chromedp.CSS("#d-zh"), "广州转运中心因暴雨停运，派送将延迟1-2天。"),
		chromedp.SendKeys(chromedp.CSS("#d-en"), "The Guangzhou hub is closed by heavy rain: deliveries are 1-2 days late."),
		chromedp.Click(chromedp.CSS("#d-declare")),
		chromedp.WaitVisible(chromedp.CSS("#disruption-done")))
	if got := text(t, tab, "#d-state"); got != "进行中" {
		t.Errorf("state = %q", got)
	}
	if got := text(t, tab, "#r-parcels"); got != "1" {
		t.Errorf("parcels affected = %q, want 1", got)
	}
	step(t, tab, "the affected parcel's page (zh)",
		chromedp.Navigate(base+"/track/SD100000000003?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#p-SD100000000003")))
	if got := text(t, tab, "#p-SD100000000003 p.disruption"); !strings.Contains(got, "广州转运中心因暴雨停运") || !strings.Contains(got, "转运中心/网点停运") {
		t.Errorf("zh notice = %q", got)
	}
	step(t, tab, "the affected parcel's page (en)",
		chromedp.Navigate(base+"/track/SD100000000003?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#p-SD100000000003")))
	if got := text(t, tab, "#p-SD100000000003 p.disruption"); !strings.Contains(got, "The Guangzhou hub is closed by heavy rain") || !strings.Contains(got, "Hub or station closed") {
		t.Errorf("en notice = %q", got)
	}
	step(t, tab, "an unaffected parcel's page",
		chromedp.Navigate(base+"/track/SD100000000001?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS("#p-SD100000000001")))
	none, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelector("p.disruption") === null`))
	if err != nil || !none {
		t.Errorf("the Beijing parcel's page shows a disruption notice (%v)", err)
	}
}
