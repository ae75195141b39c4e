package portal

import (
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// A grant cookie keeps at most maxGrants ids and always the newest one; a cookie signed
// for one purpose is not accepted for another.
func TestGrantCookies(t *testing.T) {
	t.Parallel()
	s := New(Deps{}, Config{})
	cases := []struct {
		name   string
		grant  func(*Server, int64, string) string
		read   func(*Server, string) map[int64]time.Time
		cookie string
	}{
		{"verified parcels", func(s *Server, id int64, in string) string {
			return withCtx(s, cookieVerified, in, func(c *fiber.Ctx) { s.grantVerified(c, id) })
		}, func(s *Server, in string) map[int64]time.Time {
			var out map[int64]time.Time
			withCtx(s, cookieVerified, in, func(c *fiber.Ctx) { out = s.verifiedIDs(c) })
			return out
		}, cookieVerified},
		{"complaints", func(s *Server, id int64, in string) string {
			return withCtx(s, cookieComplaints, in, func(c *fiber.Ctx) { s.grantComplaint(c, id) })
		}, func(s *Server, in string) map[int64]time.Time {
			var out map[int64]time.Time
			withCtx(s, cookieComplaints, in, func(c *fiber.Ctx) { out = s.complaintGrants(c) })
			return out
		}, cookieComplaints},
	}
	for _, tc := range cases {
		value := ""
		for id := int64(1); id <= maxGrants+5; id++ {
			value = tc.grant(s, id, value)
			got := tc.read(s, value)
			if _, ok := got[id]; !ok || len(got) > maxGrants || len(got) != min(int(id), maxGrants) {
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
func withCtx(s *Server, cookie, value string, fn func(*fiber.Ctx)) string {
	rc := &fasthttp.RequestCtx{}
	rc.Request.Header.SetCookie(cookie, value)
	c := s.App.AcquireCtx(rc)
	defer s.App.ReleaseCtx(c)
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
