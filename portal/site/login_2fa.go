package site

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/internal/errs"
)

// The second login step. After the password, a user with two-factor login gets a signed,
// short-lived "password passed" cookie (not a session: it opens nothing but /login/2fa),
// and the session starts only once a code from their app or a recovery code is right.
const (
	cookieHalf  = "lcrm_2fa"
	halfFor     = 5 * time.Minute
	purposeHalf = "2fa:"
)

// halfLogin sets the signed second-step cookie for user id, carrying where to go next.
func (s *handler) halfLogin(c *fiber.Ctx, id int64, next string) {
	raw := strconv.FormatInt(id, 10) + "|" + strconv.FormatInt(s.Now(c).Add(halfFor).Unix(), 10) + "|" + next
	payload := base64.RawURLEncoding.EncodeToString([]byte(raw))
	s.Cookie(c, cookieHalf, payload+"."+s.Sign(purposeHalf+payload), halfFor)
}

// halfUser reads the second-step cookie: the user id and next, or ok false.
func (s *handler) halfUser(c *fiber.Ctx) (id int64, next string, ok bool) {
	payload, sig, found := strings.Cut(c.Cookies(cookieHalf), ".")
	if !found || !hmac.Equal([]byte(sig), []byte(s.Sign(purposeHalf+payload))) {
		return 0, "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return 0, "", false
	}
	parts := strings.SplitN(string(raw), "|", 3)
	if len(parts) != 3 {
		return 0, "", false
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || !time.Unix(exp, 0).After(s.Now(c)) {
		return 0, "", false
	}
	return id, safeNext(parts[2]), true
}

// twoFactorPage asks for the code of a user who passed the password step.
func (s *handler) twoFactorPage(c *fiber.Ctx) error {
	if _, _, ok := s.halfUser(c); !ok {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return s.Render(c, "login_2fa", fiber.Map{})
}

// twoFactor checks the code and starts the session.
func (s *handler) twoFactor(c *fiber.Ctx) error {
	id, next, ok := s.halfUser(c)
	if !ok {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	err := s.deps.Accounts.CheckSecondFactor(c.UserContext(), id, c.FormValue("code"))
	var locked *accounts.LockedError
	switch {
	case errors.As(err, &locked):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(locked.Retry.Seconds()))))
		c.Status(fiber.StatusTooManyRequests)
		return s.Render(c, "login_2fa", fiber.Map{"Minutes": max(1, int(math.Ceil(locked.Retry.Minutes())))})
	case errors.Is(err, accounts.ErrBadCode):
		c.Status(fiber.StatusUnauthorized)
		return s.Render(c, "login_2fa", fiber.Map{"Error": errs.KeyOf(err)})
	case errors.Is(err, accounts.ErrTOTPNotActive):
		s.Cookie(c, cookieHalf, "", -1)
		return c.Redirect("/login", fiber.StatusSeeOther)
	case err != nil:
		return err
	}
	u, err := s.deps.Accounts.UserByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	if !u.Active {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	s.Cookie(c, cookieHalf, "", -1)
	return s.loggedIn(c, u, next)
}
