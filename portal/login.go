package portal

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
func urlPathEscape(s string) string  { return url.PathEscape(s) }

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return ""
	}
	return next
}

// loginPage shows the login form.
func (s *Server) loginPage(c *fiber.Ctx) error {
	return s.render(c, "login", fiber.Map{"Next": safeNext(c.Query("next"))})
}

// login checks the form; on success it starts a session and goes to the user's home.
func (s *Server) login(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	if err := s.limit(c, "login:"+c.IP(), 30, 15*time.Minute); err != nil {
		return err
	}
	u, err := s.deps.Accounts.Login(c.UserContext(), email, c.FormValue("password"))
	if err != nil {
		msg := "login.bad"
		if errors.Is(err, accounts.ErrLocked) {
			msg = "login.locked"
		} else if !errors.Is(err, accounts.ErrBadLogin) {
			return err
		}
		c.Status(fiber.StatusUnauthorized)
		return s.render(c, "login", fiber.Map{"Email": email, "Error": msg, "Next": safeNext(c.FormValue("next"))})
	}
	id, err := s.deps.Accounts.StartSession(c.UserContext(), u.ID, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	s.cookie(c, cookieSession, id, accounts.SessionMax)
	next := safeNext(c.FormValue("next"))
	if next == "" {
		next = "/console"
		if u.Role == accounts.RoleShipper {
			next = "/shipper"
		}
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// logout ends the session.
func (s *Server) logout(c *fiber.Ctx) error {
	if id := c.Cookies(cookieSession); id != "" {
		if err := s.deps.Accounts.EndSession(c.UserContext(), id); err != nil {
			return err
		}
	}
	s.cookie(c, cookieSession, "", -1)
	return c.Redirect("/", fiber.StatusSeeOther)
}
