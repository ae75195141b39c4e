package portal_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"lcrm/accounts"
	"lcrm/internal/ratelimit"
	"lcrm/notify"
	"lcrm/portal"
)

// resetEnv is a site with an SMS outbox, a shipper login with a phone and a staff login
// with a phone, on a clock the test moves.
type resetEnv struct {
	*siteEnv
	sms *notify.Outbox
	now time.Time
}

const resetPhone = "+8613800138111"

func newResetEnv(t *testing.T) *resetEnv {
	t.Helper()
	e := &resetEnv{siteEnv: newSiteEnv(t), now: time.Date(2026, 12, 1, 10, 5, 0, 0, time.UTC)}
	pool := e.shp.Pool()
	e.sms = notify.New(pool, notify.Config{})
	e.acc.Now = func() time.Time { return e.now }
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Notify: e.sms, Limiter: ratelimit.New(pool)},
		portal.Config{PublicURL: "http://lcrm.test"})
	ctx := context.Background()
	if _, err := e.acc.CreateUser(ctx, accounts.NewUser{Email: "boss@acme.test", Password: "old password 1", Phone: resetPhone,
		Role: accounts.RoleShipper, ShipperID: e.shipperID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.acc.CreateUser(ctx, accounts.NewUser{Email: "agent@staff.test", Password: "old password 1", Phone: "+8613900139222",
		Role: accounts.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	return e
}

// codes returns the reset codes sent to phone, newest first.
func (e *resetEnv) codes(t *testing.T, phone string) []string {
	t.Helper()
	h, err := e.sms.History(context.Background(), notify.Filter{Phone: phone}, 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range h {
		if r.Kind == notify.KindPasswordReset {
			if r.Status != notify.StatusQueued {
				t.Errorf("reset SMS is %s (%s), want queued", r.Status, r.Reason)
			}
			out = append(out, regexp.MustCompile(`\d{6}`).FindString(r.Body))
		}
	}
	return out
}

func (e *resetEnv) forgot(t *testing.T, b *browser, login string) {
	t.Helper()
	code, _, hdr := b.do("POST", "/password/forgot", url.Values{"login": {login}})
	if code != 303 || hdr.Get("Location") != "/password/reset?login="+url.QueryEscape(login) {
		t.Fatalf("forgot %q: %d %q", login, code, hdr.Get("Location"))
	}
}

func (e *resetEnv) reset(b *browser, code, pw string) (int, string) {
	status, body, hdr := b.do("POST", "/password/reset", url.Values{"login": {"boss@acme.test"}, "code": {code}, "password": {pw}, "password2": {pw}})
	if status == 303 {
		return status, hdr.Get("Location")
	}
	return status, body
}

// The whole flow through the outbox: the code goes by SMS (at night too: not a care
// message), five wrong codes spend it, a used code is spent, an expired one is refused,
// and the answers never say whether an account exists.
func TestPasswordResetBySMS(t *testing.T) {
	t.Parallel()
	e := newResetEnv(t)
	b := newBrowser(t, e.srv)
	b.do("GET", "/login", nil)
	if _, body, _ := b.do("GET", "/login", nil); !strings.Contains(body, `href="/password/forgot"`) {
		t.Error("the login page has no forgot-password link")
	}
	// Unknown account, a staff account (by email and phone): same answer, no SMS.
	for _, login := range []string{"nobody@acme.test", "agent@staff.test", "13900139222"} {
		e.forgot(t, b, login)
	}
	if got := e.codes(t, "+8613900139222"); len(got) != 0 {
		t.Errorf("a staff login got a reset SMS: %v", got)
	}
	// A shipper login without a phone of its own: the code goes to its shipper's phone.
	e.forgot(t, b, "ops@acme.test")
	if got := e.codes(t, "+8657188886666"); len(got) != 1 {
		t.Errorf("reset codes to the shipper's phone: %v, want one", got)
	}
	// Asked by phone in local format: one code by SMS.
	e.forgot(t, b, "138 0013 8111")
	sent := e.codes(t, resetPhone)
	if len(sent) != 1 || sent[0] == "" {
		t.Fatalf("reset SMS: %v", sent)
	}
	first := sent[0]
	wrong := "000000"
	if first == wrong {
		wrong = "111111"
	}
	for i := 0; i < accounts.ResetTries; i++ {
		if status, body := e.reset(b, wrong, "brand new secret"); status != 422 || !strings.Contains(body, "验证码不正确或已失效") {
			t.Fatalf("wrong code %d: %d", i+1, status)
		}
	}
	if status, _ := e.reset(b, first, "brand new secret"); status != 422 {
		t.Fatalf("right code after %d wrong ones: %d, want 422", accounts.ResetTries, status)
	}
	// A new code; it works once.
	e.forgot(t, b, "boss@acme.test")
	second := e.codes(t, resetPhone)[0]
	if status, loc := e.reset(b, second, "brand new secret"); status != 303 || loc != "/login?reset=1" {
		t.Fatalf("right code: %d %q", status, loc)
	}
	if status, _ := e.reset(b, second, "another new secret"); status != 422 {
		t.Errorf("reused code: %d, want 422", status)
	}
	if _, err := e.acc.Login(context.Background(), "boss@acme.test", "brand new secret"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if _, err := e.acc.Login(context.Background(), "boss@acme.test", "old password 1"); err == nil {
		t.Error("old password still works")
	}
	// Expiry: ten minutes on the clock.
	e.forgot(t, b, "boss@acme.test")
	third := e.codes(t, resetPhone)[0]
	e.now = e.now.Add(accounts.ResetCodeFor + time.Second)
	if status, _ := e.reset(b, third, "third new secret"); status != 422 {
		t.Errorf("expired code: %d, want 422", status)
	}
	// Three codes this hour: the fourth request sends nothing, and says nothing.
	e.forgot(t, b, "boss@acme.test")
	if got := e.codes(t, resetPhone); len(got) != accounts.ResetRequestsPerHour {
		t.Errorf("%d codes sent in one hour, want %d", len(got), accounts.ResetRequestsPerHour)
	}
	// Ten requests per address and hour (this was the eighth).
	e.forgot(t, b, "nobody@acme.test")
	e.forgot(t, b, "nobody@acme.test")
	if code, body, _ := b.do("POST", "/password/forgot", url.Values{"login": {"boss@acme.test"}}); code != 429 || !strings.Contains(body, "请求次数过多") {
		t.Errorf("eleventh request from one address: %d, want 429", code)
	}
}

// Twenty-five code submissions at once spend the code's five tries and no more: the right code
// is refused afterwards, and the stored count stops at the limit.
func TestPasswordResetTriesBurst(t *testing.T) {
	t.Parallel()
	e := newResetEnv(t)
	b := newBrowser(t, e.srv)
	b.do("GET", "/login", nil)
	e.forgot(t, b, "boss@acme.test")
	code := e.codes(t, resetPhone)[0]
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[int]int{}
	start := make(chan struct{})
	for i := 0; i < 25; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &browser{t: t, srv: e.srv, cookies: map[string]string{"lcrm_csrf": b.cookies["lcrm_csrf"]}, ip: b.ip}
			wrong := "999999"
			if code == wrong {
				wrong = "888888"
			}
			<-start
			status, _ := e.reset(c, wrong, "brand new secret")
			mu.Lock()
			answers[status]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if answers[422] != 25 {
		t.Errorf("burst answers %v, want 25 × 422", answers)
	}
	var tries int
	if err := e.shp.Pool().QueryRow(context.Background(), `SELECT tries FROM password_resets`).Scan(&tries); err != nil || tries != accounts.ResetTries {
		t.Errorf("tries counted: %d (%v), want %d", tries, err, accounts.ResetTries)
	}
	if status, _ := e.reset(b, code, "brand new secret"); status != 422 {
		t.Errorf("right code after the burst: %d, want 422", status)
	}
}
