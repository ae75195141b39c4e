package site

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/notify"
	"lcrm/portal/web"
)

// Limits per client address on the shipper password reset (codes are limited per account
// in accounts: ResetRequestsPerHour, ResetTries).
const (
	resetRequestsPerAddress = 10 // code requests per hour
	resetTriesPerAddress    = 30 // code submissions per hour
)

// resetLogin turns what a shipper typed (email or phone in any format) into the form
// accounts looks up: emails as typed, phones in E.164.
func resetLogin(raw string) string {
	raw = strings.TrimSpace(raw)
	if strings.Contains(raw, "@") {
		return raw
	}
	if e164, err := customers.NormalizePhone(raw, ""); err == nil {
		return e164
	}
	return raw
}

// limitAddress counts one attempt for key from this client address (an IPv6 client by its
// /64, see clientKey); false when over n per hour.
func (s *handler) limitAddress(c *fiber.Ctx, key string, n int) (bool, error) {
	if s.deps.Limiter == nil {
		return true, nil
	}
	ok, retry, err := s.deps.Limiter.Allow(c.UserContext(), key+web.ClientKey(c), n, time.Hour)
	if !ok && err == nil {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds())+1))
	}
	return ok, err
}

// passwordForgotPage asks for the email or phone of a shipper account.
func (s *handler) passwordForgotPage(c *fiber.Ctx) error {
	return s.Render(c, "password_forgot", fiber.Map{})
}

// passwordForgot sends a reset code by SMS when a shipper account with a phone matches,
// and always answers the same way (the reset form), so it tells nobody whether the
// account exists.
func (s *handler) passwordForgot(c *fiber.Ctx) error {
	raw := strings.TrimSpace(c.FormValue("login"))
	ok, err := s.limitAddress(c, "pwreset:", resetRequestsPerAddress)
	if err != nil {
		return err
	}
	if !ok {
		c.Status(fiber.StatusTooManyRequests)
		return s.Render(c, "password_forgot", fiber.Map{"Login": raw, "Error": "password.limited"})
	}
	rc, err := s.deps.Accounts.StartPasswordReset(c.UserContext(), resetLogin(raw))
	switch {
	case err == nil:
		if s.deps.Notify == nil {
			s.Logger(c).Warn("password reset: no SMS outbox; code not sent", "user", rc.UserID)
			break
		}
		_, _, err := s.deps.Notify.Enqueue(c.UserContext(), s.deps.Shipments.Pool(), notify.Message{
			Key: "password-reset:" + strconv.FormatInt(rc.ID, 10), Kind: notify.KindPasswordReset,
			To: rc.Phone, Locale: s.Lang(c), Vars: map[string]string{"code": rc.Code}})
		if err != nil {
			return err
		}
	case errors.Is(err, accounts.ErrNotFound), errors.Is(err, accounts.ErrResetLimited):
	default:
		return err
	}
	return c.Redirect("/password/reset?login="+urlQueryEscape(raw), fiber.StatusSeeOther)
}

// passwordResetPage asks for the code and the new password.
func (s *handler) passwordResetPage(c *fiber.Ctx) error {
	return s.Render(c, "password_reset", fiber.Map{"Login": c.Query("login")})
}

// passwordReset checks the code and sets the new password, then sends the shipper to log in.
func (s *handler) passwordReset(c *fiber.Ctx) error {
	raw := strings.TrimSpace(c.FormValue("login"))
	data := fiber.Map{"Login": raw}
	pw := c.FormValue("password")
	switch {
	case pw != c.FormValue("password2"):
		data["Error"] = "password.mismatch"
	case len([]rune(pw)) < 10:
		data["Error"] = "password.short"
	}
	if data["Error"] != nil {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.Render(c, "password_reset", data)
	}
	ok, err := s.limitAddress(c, "pwreset-try:", resetTriesPerAddress)
	if err != nil {
		return err
	}
	if !ok {
		c.Status(fiber.StatusTooManyRequests)
		data["Error"] = "password.limited"
		return s.Render(c, "password_reset", data)
	}
	err = s.deps.Accounts.ResetPasswordWithCode(c.UserContext(), resetLogin(raw), c.FormValue("code"), pw)
	if errors.Is(err, accounts.ErrBadResetCode) {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Error"] = errs.KeyOf(err)
		return s.Render(c, "password_reset", data)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/login?reset=1", fiber.StatusSeeOther)
}
