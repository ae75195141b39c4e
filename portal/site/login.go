package site

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/internal/errs"
	"lcrm/portal/web"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
func urlPathEscape(s string) string  { return url.PathEscape(s) }

// safeNext keeps a post-login redirect on this site. Browsers strip tabs and newlines
// from a URL and read a backslash as a slash, so "/\tevil", "/\\evil" and their
// percent-encoded forms all mean another origin to them. So next is refused ("") when,
// once percent-decoded, it holds a control character or a backslash, or does not start
// with exactly one slash; otherwise it is parsed and must have no scheme, host or user,
// and its path and query are re-emitted from the parse.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 {
		return ""
	}
	dec, err := url.PathUnescape(next)
	if err != nil {
		return ""
	}
	for _, r := range dec {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return ""
		}
	}
	if !strings.HasPrefix(dec, "/") || strings.HasPrefix(dec, "//") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return ""
	}
	out := u.EscapedPath()
	if strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") {
		return ""
	}
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

// loginPage shows the login form.
func (s *handler) loginPage(c *fiber.Ctx) error {
	return s.Render(c, "login", fiber.Map{"Next": safeNext(c.Query("next")), "Reset": c.Query("reset") == "1"})
}

// login checks the form; on success it starts a session and goes to the user's home.
// Only failed logins are limited (accounts.LoginFrom): per account and address, per
// account, per address; a refusal says so with the minutes to wait.
func (s *handler) login(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	next := safeNext(c.FormValue("next"))
	u, err := s.deps.Accounts.LoginFrom(c.UserContext(), email, c.FormValue("password"), web.ClientKey(c))
	if err != nil {
		data := fiber.Map{"Email": email, "Next": next}
		var locked *accounts.LockedError
		switch {
		case errors.As(err, &locked):
			mins := int(math.Ceil(locked.Retry.Minutes()))
			data["Error"], data["Minutes"] = "login.locked_for", max(mins, 1)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(locked.Retry.Seconds()))))
			c.Status(fiber.StatusTooManyRequests)
		case errors.Is(err, accounts.ErrBadLogin):
			data["Error"] = errs.KeyOf(err)
			c.Status(fiber.StatusUnauthorized)
		default:
			return err
		}
		return s.Render(c, "login", data)
	}
	if u.TOTPEnabled {
		s.halfLogin(c, u.ID, next)
		return c.Redirect("/login/2fa", fiber.StatusSeeOther)
	}
	return s.loggedIn(c, u, next)
}

// loggedIn starts the session of a user who passed every login step and goes on.
func (s *handler) loggedIn(c *fiber.Ctx, u *accounts.User, next string) error {
	id, err := s.deps.Accounts.StartSession(c.UserContext(), u.ID, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	s.Cookie(c, web.CookieSession, id, accounts.SessionMax)
	if s.NeedsEnrolment(u) {
		next = web.EnrolPath
	}
	if next == "" {
		next = "/console"
		if u.Role == accounts.RoleShipper {
			next = "/shipper"
		}
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// logout ends the session.
func (s *handler) logout(c *fiber.Ctx) error {
	if id := c.Cookies(web.CookieSession); id != "" {
		if err := s.deps.Accounts.EndSession(c.UserContext(), id); err != nil {
			return err
		}
	}
	s.Cookie(c, web.CookieSession, "", -1)
	return c.Redirect("/", fiber.StatusSeeOther)
}
