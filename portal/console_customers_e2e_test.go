package portal_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lcrm/accounts"
	"lcrm/customers"
)

// TestE2EC360CallerLookupAndLog is the agent's path in a real browser: log in, type the
// caller's number as they say it, land on the customer, type a summary and press one
// outcome button; a colleague then sees the "last contacted" banner.
func TestE2EC360CallerLookupAndLog(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newC360Env(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.App.Listener(ln)
	t.Cleanup(func() { e.srv.Shutdown(2 * time.Second) })
	base := "http://" + ln.Addr().String()

	step(t, tab, "log in as the agent",
		chromedp.Navigate(base+"/login?next=/console/customers"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), e.users[accounts.RoleAgent].Email),
		chromedp.SendKeys(chromedp.CSS("#password"), c360Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#q")))
	step(t, tab, "look the caller up by a spoken number",
		chromedp.SendKeys(chromedp.CSS("#q"), "+86 138-0013-8000"),
		chromedp.Submit(chromedp.CSS("#q")),
		chromedp.WaitVisible(chromedp.CSS("#summary")))
	if h1 := text(t, tab, "h1"); !strings.Contains(h1, "张小明") {
		t.Fatalf("landed on %q", h1)
	}
	if got := text(t, tab, "#cust-phone"); strings.Contains(got, "13800138000") || !strings.Contains(got, "138****8000") {
		t.Fatalf("phone before a reveal: %q", got)
	}
	step(t, tab, "reveal the phone to call back: a reason, then one click",
		chromedp.SetValue(chromedp.CSS(`#cust-phone select[name="reason"]`), "callback"),
		chromedp.Click(chromedp.CSS(`#cust-phone button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#cust-phone a[href="tel:+8613800138000"]`)))
	step(t, tab, "log the call: type, then one click",
		chromedp.SendKeys(chromedp.CSS("#summary"), "客户不在家，明天再打"),
		chromedp.Click(chromedp.CSS(`button[name="outcome"][value="no_answer"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#log p.ok`)))
	list, err := e.cus.Contacts(context.Background(), customers.ContactFilter{Kind: customers.KindConsignee, CustomerID: e.zhangID}, 0)
	if err != nil || len(list) != 1 || list[0].Outcome != "no_answer" || list[0].Channel != "phone" || list[0].Direction != "outbound" ||
		list[0].Summary != "客户不在家，明天再打" {
		t.Fatalf("stored %+v, %v", list, err)
	}
	if got := text(t, tab, "#contacts tbody"); !strings.Contains(got, "客户不在家") {
		t.Errorf("contact log shows %q", got)
	}
	if got := text(t, tab, "#last-contact"); !strings.Contains(got, "测试agent") {
		t.Errorf("banner %q", got)
	}
}
