package portal_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"lcrm/accounts"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
)

// liveSite is a portal listening on a real port behind a "trusted proxy" (127.0.0.1), so
// each request names its client address in X-Forwarded-For.
type liveSite struct {
	*siteEnv
	base string
}

func newLiveSite(t *testing.T, cfg portal.Config) *liveSite {
	t.Helper()
	e := newSiteEnv(t)
	cfg.PublicURL = "http://lcrm.test"
	cfg.TrustedProxies = []string{"127.0.0.1"}
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Limiter: ratelimit.New(e.shp.Pool())}, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.App.Listener(ln)
	t.Cleanup(func() { e.srv.Shutdown(0) })
	return &liveSite{siteEnv: e, base: "http://" + ln.Addr().String()}
}

const liveCSRF = "0123456789012345678901234567890123456789abc" // 43 characters, like a real token

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// post sends a form from client address addr and returns the status, body and Location.
func (l *liveSite) post(t *testing.T, addr, path string, form url.Values) (int, string, string) {
	form.Set("_csrf", liveCSRF)
	req, _ := http.NewRequest("POST", l.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	req.AddCookie(&http.Cookie{Name: "lcrm_csrf", Value: liveCSRF})
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Error(err)
		return 0, "", ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header.Get("Location")
}

// burst posts n logins at once and counts the answers by status.
func (l *liveSite) burst(t *testing.T, n int, login func(i int) (addr string, form url.Values)) map[int]int {
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr, form := login(i)
			<-start
			code, _, _ := l.post(t, addr, "/login", form)
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

// A burst of wrong passwords at one account gets at most PairFreeFailures password
// checks; every other attempt is refused (429) without one, and afterwards even the right
// password is refused from that address.
func TestLoginBurstChecksAtMostTheLimit(t *testing.T) {
	t.Parallel()
	for _, n := range []int{25, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			l := newLiveSite(t, portal.Config{})
			before := l.acc.PasswordChecks()
			codes := l.burst(t, n, func(i int) (string, url.Values) {
				return "203.0.113.9", url.Values{"email": {"ops@acme.test"}, "password": {fmt.Sprint("wrong guess ", i)}}
			})
			checks := l.acc.PasswordChecks() - before
			t.Logf("%d parallel wrong passwords: answers %v, %d password checks", n, codes, checks)
			if codes[401] > accounts.MaxFailures || checks > accounts.MaxFailures {
				t.Errorf("%d wrong passwords checked (%d checks), want at most %d", codes[401], checks, accounts.MaxFailures)
			}
			if codes[401]+codes[429] != n {
				t.Errorf("answers %v: want only 401 and 429", codes)
			}
			code, body, _ := l.post(t, "203.0.113.9", "/login", url.Values{"email": {"ops@acme.test"}, "password": {"correct horse battery"}})
			// 25: this account from this address waits a minute; 200: the address itself
			// has run out of failures for its 15-minute window.
			if code != 429 || !strings.Contains(body, "登录失败次数过多，请 ") {
				t.Errorf("right password after the burst: %d, want 429 with the wait", code)
			}
		})
	}
}

// A stranger's wrong passwords from one address do not lock the owner out from theirs.
func TestLoginStrangerDoesNotLockOwner(t *testing.T) {
	t.Parallel()
	l := newLiveSite(t, portal.Config{})
	for i := 0; i < 12; i++ {
		l.post(t, "203.0.113.66", "/login", url.Values{"email": {"ops@acme.test"}, "password": {"guess guess"}})
	}
	if code, _, loc := l.post(t, "198.51.100.20", "/login", url.Values{"email": {"ops@acme.test"}, "password": {"correct horse battery"}}); code != 303 || loc != "/shipper" {
		t.Errorf("owner from their own address: %d %q, want 303 to /shipper", code, loc)
	}
	if code, _, _ := l.post(t, "203.0.113.66", "/login", url.Values{"email": {"ops@acme.test"}, "password": {"correct horse battery"}}); code != 429 {
		t.Errorf("the stranger's address with the right password: %d, want 429", code)
	}
}

// An office behind one address: 40 staff log in at once and all get in (successes do not
// use the address's budget); the budget for failures is still there afterwards, and when
// it runs out the answer says failed logins, not "queries too frequent".
func TestLoginShiftStartOneAddress(t *testing.T) {
	t.Parallel()
	// 40 password hashes at once take seconds on two busy cores: the test is about the
	// throttle, so the request deadline must not be what answers.
	l := newLiveSite(t, portal.Config{RequestTimeout: 2 * time.Minute})
	// The address limit counts in fixed windows: hold the clock inside one.
	now := time.Now().Truncate(accounts.AddressWindow).Add(time.Minute)
	l.acc.Now = func() time.Time { return now }
	ctx := context.Background()
	const staff = 40
	for i := 0; i < staff; i++ {
		if _, err := l.acc.CreateUser(ctx, accounts.NewUser{Email: fmt.Sprintf("agent%d@office.test", i), Password: "shift start 0800", Role: accounts.RoleAgent}); err != nil {
			t.Fatal(err)
		}
	}
	codes := l.burst(t, staff, func(i int) (string, url.Values) {
		return "192.0.2.50", url.Values{"email": {fmt.Sprintf("agent%d@office.test", i)}, "password": {"shift start 0800"}}
	})
	if codes[303] != staff {
		t.Fatalf("%d staff logging in at once from one address: %v, want all 303", staff, codes)
	}
	for i := 0; i < accounts.AddressFailures; i++ {
		if code, _, _ := l.post(t, "192.0.2.50", "/login", url.Values{"email": {fmt.Sprintf("agent%d@office.test", i)}, "password": {"typo typo typo"}}); code != 401 {
			t.Fatalf("failure %d from the office: %d, want 401", i+1, code)
		}
	}
	code, body, _ := l.post(t, "192.0.2.50", "/login", url.Values{"email": {"agent39@office.test"}, "password": {"shift start 0800"}})
	if code != 429 || !strings.Contains(body, "登录失败次数过多，请") || strings.Contains(body, "查询过于频繁") {
		t.Errorf("past %d failures from one address: %d, want 429 with the failed-login message", accounts.AddressFailures, code)
	}
}

// The redirect after login stays on this site whatever the browser would make of next.
func TestLoginNextStaysOnSite(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	tests := []struct{ next, want string }{
		{"/shipper/complaints", "/shipper/complaints"},
		{"/shipper?q=SD1&status=delivered", "/shipper?q=SD1&status=delivered"},
		{"/%09/evil.example", "/shipper"},
		{"/\t/evil.example", "/shipper"},
		{"/\n/evil.example", "/shipper"},
		{"/%0d%0a/evil.example", "/shipper"},
		{"/\\evil.example", "/shipper"},
		{"/%5Cevil.example", "/shipper"},
		{"/%2F%2Fevil.example", "/shipper"},
		{"/%2f/evil.example", "/shipper"},
		{"//evil.example", "/shipper"},
		{"///evil.example", "/shipper"},
		{"https://evil.example", "/shipper"},
		{"javascript:alert(1)", "/shipper"},
		{"evil.example", "/shipper"},
		{"/%00/evil.example", "/shipper"},
		{"/%zz", "/shipper"},
		{"", "/shipper"},
	}
	for _, tt := range tests {
		b := newBrowser(t, e.srv)
		b.do("GET", "/login", nil)
		code, _, hdr := b.do("POST", "/login", url.Values{"email": {"ops@acme.test"}, "password": {"correct horse battery"}, "next": {tt.next}})
		if code != 303 || hdr.Get("Location") != tt.want {
			t.Errorf("next %q: %d %q, want %q", tt.next, code, hdr.Get("Location"), tt.want)
		}
		_, body, _ := b.do("GET", "/login?next="+url.QueryEscape(tt.next), nil)
		kept := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(body)
		if want := strings.TrimPrefix(tt.want, "/shipper"); kept == nil || html.UnescapeString(kept[1]) != tt.want && html.UnescapeString(kept[1]) != want {
			t.Errorf("login form keeps next %q as %v", tt.next, kept)
		}
	}
}

// The login and password-reset limits per client address count an IPv6 client by its /64,
// like every other limit per address: one subscriber line has a whole /64, so a new
// address per attempt must not buy a new allowance.
func TestAddressLimitsCountIPv6BySlash64(t *testing.T) {
	l := newLiveSite(t, portal.Config{})
	now := time.Now().Truncate(accounts.AddressWindow).Add(time.Minute)
	l.acc.Now = func() time.Time { return now }
	ctx := context.Background()
	const accountsTried = 40
	for i := 0; i < accountsTried; i++ {
		if _, err := l.acc.CreateUser(ctx, accounts.NewUser{Email: fmt.Sprintf("spray%d@office.test", i), Password: "the real password", Role: accounts.RoleAgent}); err != nil {
			t.Fatal(err)
		}
	}
	before := l.acc.PasswordChecks()
	codes := l.burst(t, accountsTried, func(i int) (string, url.Values) {
		return fmt.Sprintf("2001:db8:7:7:%x::1", i), url.Values{"email": {fmt.Sprintf("spray%d@office.test", i)}, "password": {"guess 123456"}}
	})
	if checks := l.acc.PasswordChecks() - before; checks > accounts.AddressFailures {
		t.Errorf("password spraying from one /64: %d password checks (%v), want at most %d", checks, codes, accounts.AddressFailures)
	}
	ok := 0
	for i := 0; i < 20; i++ {
		if code, _, _ := l.post(t, fmt.Sprintf("2001:db8:7:8:%x::1", i), "/password/forgot", url.Values{"login": {"ops@acme.test"}}); code == 303 {
			ok++
		}
	}
	if ok > 10 {
		t.Errorf("reset code requests from one /64: %d of 20 accepted, want at most 10", ok)
	}
}
