package site

import (
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"lcrm/portal/web"
)

// A grant cookie keeps at most web.MaxGrants ids and always the newest one; a cookie signed
// for one purpose is not accepted for another.
func TestGrantCookies(t *testing.T) {
	t.Parallel()
	s := newTestHandler(t, nil)
	cases := []struct {
		name   string
		grant  func(*handler, int64, string) string
		read   func(*handler, string) map[int64]time.Time
		cookie string
	}{
		{"verified parcels", func(s *handler, id int64, in string) string {
			return withCtx(s, web.CookieVerified, in, func(c *fiber.Ctx) { s.GrantVerified(c, id) })
		}, func(s *handler, in string) map[int64]time.Time {
			var out map[int64]time.Time
			withCtx(s, web.CookieVerified, in, func(c *fiber.Ctx) { out = s.VerifiedIDs(c) })
			return out
		}, web.CookieVerified},
		{"complaints", func(s *handler, id int64, in string) string {
			return withCtx(s, cookieComplaints, in, func(c *fiber.Ctx) { s.grantComplaint(c, id) })
		}, func(s *handler, in string) map[int64]time.Time {
			var out map[int64]time.Time
			withCtx(s, cookieComplaints, in, func(c *fiber.Ctx) { out = s.complaintGrants(c) })
			return out
		}, cookieComplaints},
	}
	for _, tc := range cases {
		value := ""
		for id := int64(1); id <= web.MaxGrants+5; id++ {
			value = tc.grant(s, id, value)
			got := tc.read(s, value)
			if _, ok := got[id]; !ok || len(got) > web.MaxGrants || len(got) != min(int(id), web.MaxGrants) {
				t.Fatalf("%s: after granting %d: %d ids, newest kept %v", tc.name, id, len(got), ok)
			}
		}
	}
	// The verified cookie's value is not a valid complaint grant, and the reverse.
	v := cases[0].grant(s, 7, "")
	if got := cases[1].read(s, v); len(got) != 0 {
		t.Errorf("a verified-parcel cookie was accepted as a complaint grant: %v", got)
	}
}

// withCtx runs fn on a request carrying cookie=value and returns the value the response
// sets for cookie (or value, when it sets none).
func withCtx(s *handler, cookie, value string, fn func(*fiber.Ctx)) string {
	rc := &fasthttp.RequestCtx{}
	rc.Request.Header.SetCookie(cookie, value)
	app := fiber.New()
	c := app.AcquireCtx(rc)
	defer app.ReleaseCtx(c)
	fn(c)
	out := value
	for k, v := range rc.Response.Header.Cookies() {
		if string(k) == cookie {
			var ck fasthttp.Cookie
			ck.ParseBytes(v)
			out = string(ck.Value())
		}
	}
	return out
}
