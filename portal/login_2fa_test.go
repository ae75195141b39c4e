package portal_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"lcrm/accounts"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
)

type tfaEnv struct {
	*siteEnv
	now time.Time
}

func newTFAEnv(t *testing.T) *tfaEnv {
	t.Helper()
	e := &tfaEnv{siteEnv: newSiteEnv(t), now: time.Date(2026, 12, 1, 9, 0, 10, 0, time.UTC)}
	e.acc.Now = func() time.Time { return e.now }
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Limiter: ratelimit.New(e.shp.Pool())},
		portal.Config{PublicURL: "http://lcrm.test", TwoFactorRoles: []accounts.Role{accounts.RoleAdmin, accounts.RoleManager}})
	for _, u := range []accounts.NewUser{
		{Email: "root@staff.test", Password: "admin password 1", Role: accounts.RoleAdmin},
		{Email: "agent@staff.test", Password: "agent password 1", Role: accounts.RoleAgent},
	} {
		if _, err := e.acc.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *tfaEnv) code(t *testing.T, secret string) string {
	c, err := totp.GenerateCode(secret, e.now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func loginAs(t *testing.T, b *browser, email, pw string) string {
	t.Helper()
	b.do("GET", "/login", nil)
	code, _, hdr := b.do("POST", "/login", url.Values{"email": {email}, "password": {pw}})
	if code != 303 {
		t.Fatalf("login %s: %d", email, code)
	}
	return hdr.Get("Location")
}

// An admin must enrol before using the console; afterwards logging in takes a code, a
// code works once, recovery codes work once, and the second step cannot be skipped.
func TestTwoFactorLogin(t *testing.T) {
	t.Parallel()
	e := newTFAEnv(t)
	b := newBrowser(t, e.srv)
	if loc := loginAs(t, b, "root@staff.test", "admin password 1"); loc != "/console/account/2fa" {
		t.Fatalf("admin without 2FA goes to %q, want the enrolment page", loc)
	}
	if code, _, hdr := b.do("GET", "/console/admin", nil); code != 303 || hdr.Get("Location") != "/console/account/2fa" {
		t.Fatalf("console before enrolling: %d %q", code, hdr.Get("Location"))
	}
	_, page, _ := b.do("GET", "/console/account/2fa", nil)
	m := regexp.MustCompile(`id="tfa-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `src="data:image/png;base64,`) || !strings.Contains(page, "otpauth://totp/lcrm:root@staff.test") {
		t.Fatalf("enrolment page lacks secret, QR or URI: %.3000s", page)
	}
	if code, _, _ := b.do("POST", "/console/account/2fa/confirm", url.Values{"code": {"000000"}}); code != 422 {
		t.Errorf("wrong confirmation code: %d, want 422", code)
	}
	// The wrong try drew a new secret on the re-rendered page; read the current one.
	_, page, _ = b.do("GET", "/console/account/2fa", nil)
	secret := regexp.MustCompile(`id="tfa-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)[1]
	code, page, _ := b.do("POST", "/console/account/2fa/confirm", url.Values{"code": {e.code(t, secret)}})
	recovery := regexp.MustCompile(`<code>([a-z2-7]{4}-[a-z2-7]{4})</code>`).FindAllStringSubmatch(page, -1)
	if code != 200 || len(recovery) != accounts.RecoveryCodes {
		t.Fatalf("confirm: %d, %d recovery codes", code, len(recovery))
	}
	if code, _, _ := b.do("GET", "/console/admin", nil); code != 200 {
		t.Fatalf("console after enrolling: %d", code)
	}
	if _, page, _ := b.do("GET", "/console/account/2fa", nil); strings.Contains(page, secret) {
		t.Error("the secret is shown again after enrolment")
	}
	b.do("POST", "/logout", url.Values{})

	// Password alone opens nothing.
	if loc := loginAs(t, b, "root@staff.test", "admin password 1"); loc != "/login/2fa" {
		t.Fatalf("login with 2FA goes to %q, want /login/2fa", loc)
	}
	if code, _, hdr := b.do("GET", "/console/admin", nil); code != 303 || !strings.HasPrefix(hdr.Get("Location"), "/login") {
		t.Fatalf("console after the password only: %d %q", code, hdr.Get("Location"))
	}
	if code, _, _ := b.do("POST", "/login/2fa", url.Values{"code": {e.code(t, secret)}}); code != 401 {
		t.Errorf("the code used at enrolment, again: %d, want 401 (replay)", code)
	}
	e.now = e.now.Add(30 * time.Second)
	if code, _, hdr := b.do("POST", "/login/2fa", url.Values{"code": {e.code(t, secret)}}); code != 303 || hdr.Get("Location") != "/console" {
		t.Fatalf("fresh code: %d %q", code, hdr.Get("Location"))
	}
	if code, _, _ := b.do("GET", "/console/admin", nil); code != 200 {
		t.Errorf("console after both steps: %d", code)
	}
	b.do("POST", "/logout", url.Values{})

	// A recovery code works once.
	rc := recovery[0][1]
	for i, want := range []int{303, 401} {
		loginAs(t, b, "root@staff.test", "admin password 1")
		if code, _, _ := b.do("POST", "/login/2fa", url.Values{"code": {rc}}); code != want {
			t.Errorf("recovery code use %d: %d, want %d", i+1, code, want)
		}
		b.do("POST", "/logout", url.Values{})
	}

	// No password step, or a forged one: back to the login form.
	c := newBrowser(t, e.srv)
	c.do("GET", "/login", nil)
	for _, ck := range []string{"", "MXw5OTk5OTk5OTk5fA.forged"} {
		if ck != "" {
			c.cookies["lcrm_2fa"] = ck
		}
		if code, _, hdr := c.do("POST", "/login/2fa", url.Values{"code": {e.code(t, secret)}}); code != 303 || hdr.Get("Location") != "/login" {
			t.Errorf("second step with cookie %q: %d %q", ck, code, hdr.Get("Location"))
		}
	}

	// Turning it off takes a code; the admin's role then sends them to enrol again.
	loginAs(t, b, "root@staff.test", "admin password 1")
	e.now = e.now.Add(30 * time.Second)
	if code, _, _ := b.do("POST", "/login/2fa", url.Values{"code": {e.code(t, secret)}}); code != 303 {
		t.Fatalf("second step: %d", code)
	}
	if code, _, _ := b.do("POST", "/console/account/2fa/disable", url.Values{"code": {"000000"}}); code != 422 {
		t.Errorf("disable with a wrong code: %d, want 422", code)
	}
	e.now = e.now.Add(30 * time.Second)
	if code, _, _ := b.do("POST", "/console/account/2fa/disable", url.Values{"code": {e.code(t, secret)}}); code != 303 {
		t.Errorf("disable: %d, want 303", code)
	}
	if code, _, hdr := b.do("GET", "/console/admin", nil); code != 303 || hdr.Get("Location") != "/console/account/2fa" {
		t.Errorf("admin after turning 2FA off: %d %q, want the enrolment page", code, hdr.Get("Location"))
	}

	// An agent's role does not require it.
	if loc := loginAs(t, newBrowser(t, e.srv), "agent@staff.test", "agent password 1"); loc != "/console" {
		t.Errorf("agent login goes to %q", loc)
	}
}

// A burst of wrong codes at the second step is cut off at the limit: afterwards even a
// right code waits.
func TestTwoFactorCodeBurst(t *testing.T) {
	t.Parallel()
	e := newTFAEnv(t)
	b := newBrowser(t, e.srv)
	loginAs(t, b, "root@staff.test", "admin password 1")
	_, page, _ := b.do("GET", "/console/account/2fa", nil)
	secret := regexp.MustCompile(`id="tfa-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)[1]
	if code, page, _ := b.do("POST", "/console/account/2fa/confirm", url.Values{"code": {e.code(t, secret)}}); code != 200 {
		t.Fatalf("confirm failed: %d %.2000s", code, page)
	}
	b.do("POST", "/logout", url.Values{})
	loginAs(t, b, "root@staff.test", "admin password 1")
	e.now = e.now.Add(30 * time.Second)
	right := e.code(t, secret)
	wrong := "123456"
	if right == wrong {
		wrong = "654321"
	}
	var mu sync.Mutex
	answers := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 25; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &browser{t: t, srv: e.srv, cookies: map[string]string{"lcrm_csrf": b.cookies["lcrm_csrf"], "lcrm_2fa": b.cookies["lcrm_2fa"]}, ip: b.ip}
			<-start
			code, _, _ := c.do("POST", "/login/2fa", url.Values{"code": {wrong}})
			mu.Lock()
			answers[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if answers[401] > accounts.MaxFailures || answers[401]+answers[429] != 25 {
		t.Errorf("25 wrong codes at once: %v, want at most %d compared (401), the rest 429", answers, accounts.MaxFailures)
	}
	if code, body, _ := b.do("POST", "/login/2fa", url.Values{"code": {right}}); code != 429 || !strings.Contains(body, "验证码错误次数过多") {
		t.Errorf("right code after the burst: %d, want 429", code)
	}
}

// A session started with the password alone, while the role needed two-factor login not
// yet turned on, opens only the enrolment page; it must not become a full console session
// when the account enrols from another browser (the attacker who knows the password
// waits for the owner to enrol). Enrolling ends the account's other sessions.
func TestTwoFactorEnrolEndsOtherSessions(t *testing.T) {
	e := newTFAEnv(t)
	attacker, owner := newBrowser(t, e.srv), newBrowser(t, e.srv)
	for _, b := range []*browser{attacker, owner} {
		if loc := loginAs(t, b, "root@staff.test", "admin password 1"); loc != "/console/account/2fa" {
			t.Fatalf("admin without 2FA goes to %q, want the enrolment page", loc)
		}
	}
	_, page, _ := owner.do("GET", "/console/account/2fa", nil)
	secret := regexp.MustCompile(`id="tfa-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)[1]
	if code, _, _ := owner.do("POST", "/console/account/2fa/confirm", url.Values{"code": {e.code(t, secret)}}); code != 200 {
		t.Fatalf("confirm: %d", code)
	}
	if code, _, _ := owner.do("GET", "/console/admin", nil); code != 200 {
		t.Errorf("the enrolling browser after enrolment: %d, want 200", code)
	}
	for _, path := range []string{"/console/admin", "/console/desk", "/console/account/2fa"} {
		if code, _, hdr := attacker.do("GET", path, nil); code != 303 || !strings.HasPrefix(hdr.Get("Location"), "/login") {
			t.Errorf("password-only session after the owner enrolled, %s: %d %q, want a redirect to /login", path, code, hdr.Get("Location"))
		}
	}
}
