package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"

	"lcrm/accounts"
)

// Cookie names.
const (
	cookieLang = "lcrm_lang"
	cookieCSRF = "lcrm_csrf"
	// CookieSession holds the session id of a logged-in user.
	CookieSession = "lcrm_session"
	// CookieVerified lists the parcels this browser proved it knows (see GrantVerified).
	CookieVerified = "lcrm_verified"
)

// csp allows nothing but this site: no inline script, no third-party host.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// SecurityHeaders sets the headers every response carries.
func (s *Core) SecurityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", csp)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	if s.secure {
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
	return c.Next()
}

// Cookie sets a cookie with the site's flags: HttpOnly, SameSite=Lax, Secure on https.
func (s *Core) Cookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, Secure: s.secure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(maxAge.Seconds())})
}

// Lang picks the page language: ?lang= (remembered in a cookie), the cookie, then
// Accept-Language; Simplified Chinese by default.
func (s *Core) Lang(c *fiber.Ctx) string {
	if l, ok := c.Locals("lang").(string); ok {
		return l
	}
	pick := ""
	if q := c.Query("lang"); q == "en" || q == "zh" {
		pick = q
		s.Cookie(c, cookieLang, q, 365*24*time.Hour)
	} else if ck := c.Cookies(cookieLang); ck == "en" || ck == "zh" {
		pick = ck
	} else {
		tag, _ := language.MatchStrings(langMatcher, c.Get(fiber.HeaderAcceptLanguage))
		base, _ := tag.Base()
		pick = "zh"
		if base.String() == "en" {
			pick = "en"
		}
	}
	c.Locals("lang", pick)
	return pick
}

// CSRFToken returns this browser's CSRF token, setting the cookie on first use.
func (s *Core) CSRFToken(c *fiber.Ctx) string {
	if t, ok := c.Locals("csrf").(string); ok {
		return t
	}
	t := c.Cookies(cookieCSRF)
	if len(t) != 43 {
		t = RandomToken()
		s.Cookie(c, cookieCSRF, t, 0)
	}
	c.Locals("csrf", t)
	return t
}

// CheckCSRF refuses a form post whose _csrf field does not match the browser's cookie
// (double-submit: works on every instance without shared state; SameSite=Lax helps too).
func (s *Core) CheckCSRF(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Next()
	}
	form := c.FormValue("_csrf")
	if form == "" {
		form = c.Get("X-CSRF-Token")
	}
	ck := c.Cookies(cookieCSRF)
	if ck == "" || subtle.ConstantTimeCompare([]byte(form), []byte(ck)) != 1 {
		return &Error{Status: fiber.StatusForbidden, Code: "csrf", Message: "error.csrf"}
	}
	return c.Next()
}

// RandomToken is 32 random bytes, base64url: a CSRF token, an idempotency key, a nonce.
func RandomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CurrentUser returns the logged-in user, or nil; it reads the session once per request.
func (s *Core) CurrentUser(c *fiber.Ctx) *accounts.User {
	if u, ok := c.Locals("user").(*accounts.User); ok {
		return u
	}
	var u *accounts.User
	if id := c.Cookies(CookieSession); id != "" && s.deps.Accounts != nil {
		u, _ = s.deps.Accounts.SessionUser(c.UserContext(), id)
	}
	c.Locals("user", u)
	return u
}

// RequireRole admits logged-in users with one of roles (a staff role admits the roles
// above it too); others go to the login page, or get 403 when logged in.
func (s *Core) RequireRole(roles ...accounts.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := s.CurrentUser(c)
		if u == nil {
			return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
		}
		for _, r := range roles {
			if u.Role == r || (r != accounts.RoleShipper && u.Role.AtLeast(r)) {
				if s.NeedsEnrolment(u) && !strings.HasPrefix(c.Path(), EnrolPath) {
					return c.Redirect(EnrolPath, fiber.StatusSeeOther)
				}
				return c.Next()
			}
		}
		return &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "error.forbidden"}
	}
}

// NeedsEnrolment reports whether u must turn two-factor login on before using the site
// (Config.TwoFactorRoles).
func (s *Core) NeedsEnrolment(u *accounts.User) bool {
	return !u.TOTPEnabled && s.RoleRequires(u.Role)
}

// EnrolPath is the two-factor enrolment page, at /console/account/2fa.
const EnrolPath = "/console/account/2fa"

// RoleRequires reports whether role r must use two-factor login.
func (s *Core) RoleRequires(r accounts.Role) bool {
	for _, x := range s.cfg.TwoFactorRoles {
		if x == r {
			return true
		}
	}
	return false
}

// Limit counts one attempt for key; past n per window it answers 429.
func (s *Core) Limit(c *fiber.Ctx, key string, n int, window time.Duration) error {
	if s.deps.Limiter == nil {
		return nil
	}
	ok, retry, err := s.deps.Limiter.Allow(c.UserContext(), key, n, window)
	if err != nil {
		return err
	}
	if !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds())+1))
		return &Error{Status: fiber.StatusTooManyRequests, Code: "rate_limited", Message: "error.rate_limited"}
	}
	return nil
}

// LimitLookup counts n public lookups (one per number looked up) from this client address
// (from shares reserved in PostgreSQL, exact across instances: see ratelimit.Batched); past the configured rate it answers 429 and counts
// none. The tracking pages, the JSON tracking API and the complaint lookup share the count.
func (s *Core) LimitLookup(c *fiber.Ctx, n int) error {
	if s.lookups == nil {
		return nil
	}
	ok, retry, err := s.lookups.AllowN(c.UserContext(), "lookup:"+ClientKey(c), max(n, 1), s.cfg.LookupsPerMinute, time.Minute)
	if err != nil {
		return err
	}
	if !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds())+1))
		return &Error{Status: fiber.StatusTooManyRequests, Code: "rate_limited", Message: "error.rate_limited"}
	}
	return nil
}

// Verified parcels: a signed cookie lists shipment ids this browser proved it knows (last 4
// phone digits) with an expiry each. Signed with the site secret, so any instance trusts it.
const verifyFor = 30 * time.Minute

// Sign is the base64url HMAC-SHA256 of payload under the site secret.
func (s *Core) Sign(payload string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// VerifiedIDs returns the shipment ids this browser may see unmasked now.
func (s *Core) VerifiedIDs(c *fiber.Ctx) map[int64]time.Time {
	return s.Grants(c, CookieVerified, "")
}

// GrantVerified adds a shipment to this browser's verified list (at most MaxGrants kept).
func (s *Core) GrantVerified(c *fiber.Ctx, shipmentID int64) {
	s.Grant(c, CookieVerified, "", shipmentID, verifyFor)
}

// MaxGrants bounds the ids one grant cookie lists, so the cookie stays small.
const MaxGrants = 20

// Grants reads a signed grant cookie: ids this browser may see, each with an expiry, in
// a payload signed with the site secret (prefixed by purpose, so one cookie's signature
// never validates another's), so every instance trusts it without shared state. Expired
// ids and a bad signature give nothing.
func (s *Core) Grants(c *fiber.Ctx, cookie, purpose string) map[int64]time.Time {
	out := map[int64]time.Time{}
	payload, sig, ok := strings.Cut(c.Cookies(cookie), ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.Sign(purpose+payload))) {
		return out
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return out
	}
	now := s.Now(c)
	for _, item := range strings.Split(string(raw), ",") {
		id, exp, _ := strings.Cut(item, ":")
		n, err1 := strconv.ParseInt(id, 10, 64)
		e, err2 := strconv.ParseInt(exp, 10, 64)
		if err1 == nil && err2 == nil && time.Unix(e, 0).After(now) {
			out[n] = time.Unix(e, 0)
		}
	}
	return out
}

// Grant adds id to a grant cookie for ttl, keeping at most MaxGrants ids, always id.
func (s *Core) Grant(c *fiber.Ctx, cookie, purpose string, id int64, ttl time.Duration) {
	ids := s.Grants(c, cookie, purpose)
	ids[id] = s.Now(c).Add(ttl)
	parts := []string{strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(ids[id].Unix(), 10)}
	for other, exp := range ids {
		if other != id && len(parts) < MaxGrants {
			parts = append(parts, strconv.FormatInt(other, 10)+":"+strconv.FormatInt(exp.Unix(), 10))
		}
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ",")))
	s.Cookie(c, cookie, payload+"."+s.Sign(purpose+payload), ttl)
}

// IsVerified reports whether this browser may see shipment id unmasked.
func (s *Core) IsVerified(c *fiber.Ctx, id int64) bool {
	_, ok := s.VerifiedIDs(c)[id]
	return ok
}
