package console

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/portal/web"
)

// Two-factor enrolment at /console/account/2fa (web.EnrolPath): the signed-in user's own
// settings.

// enrolPage shows the two-factor status, or a new secret (text, otpauth:// URI and a QR
// code drawn here, as a data: image) with a form to confirm it.
func (s *handler) enrolPage(c *fiber.Ctx) error {
	return s.renderEnrol(c, "")
}

func (s *handler) renderEnrol(c *fiber.Ctx, msg string) error {
	u := s.CurrentUser(c)
	data := fiber.Map{"Enabled": u.TOTPEnabled, "Required": s.RoleRequires(u.Role), "Error": msg}
	if u.TOTPEnabled {
		left, err := s.deps.Accounts.RecoveryCodesLeft(c.UserContext(), u.ID)
		if err != nil {
			return err
		}
		data["Left"] = left
	} else {
		en, err := s.deps.Accounts.BeginTOTP(c.UserContext(), u.ID)
		if err != nil {
			return err
		}
		data["Secret"], data["URI"] = en.Secret, en.URI
		if img, err := en.Key.Image(200, 200); err == nil {
			var buf bytes.Buffer
			if png.Encode(&buf, img) == nil {
				// Drawn here from our own secret: safe as a data: URL (the CSP allows data: images).
				data["QR"] = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
			}
		}
	}
	if msg != "" {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.Render(c, "account_2fa", data)
}

// enrolConfirm turns two-factor login on, ends the user's other sessions and shows the
// recovery codes, once.
func (s *handler) enrolConfirm(c *fiber.Ctx) error {
	u := s.CurrentUser(c)
	codes, err := s.deps.Accounts.ConfirmTOTP(c.UserContext(), u.ID, c.FormValue("code"))
	if errors.Is(err, accounts.ErrBadCode) || errors.Is(err, accounts.ErrTOTPNotActive) {
		return s.renderEnrol(c, "tfa.bad_code")
	}
	if errors.Is(err, accounts.ErrTOTPEnabled) {
		return c.Redirect(web.EnrolPath, fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	// Other sessions of this user started with the password alone: end them, or they
	// would open the console now without ever passing a second factor.
	if err := s.deps.Accounts.EndOtherSessions(c.UserContext(), u.ID, c.Cookies(web.CookieSession)); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "account_2fa_codes", fiber.Map{"Codes": codes})
}

// enrolDisable turns two-factor login off after a valid code. A user whose role requires
// it is sent to enrol again at once.
func (s *handler) enrolDisable(c *fiber.Ctx) error {
	u := s.CurrentUser(c)
	err := s.deps.Accounts.DisableTOTP(c.UserContext(), u.ID, c.FormValue("code"))
	var locked *accounts.LockedError
	if errors.As(err, &locked) || errors.Is(err, accounts.ErrBadCode) {
		return s.renderEnrol(c, "tfa.bad_code")
	}
	if err != nil && !errors.Is(err, accounts.ErrTOTPNotActive) {
		return err
	}
	return c.Redirect(web.EnrolPath, fiber.StatusSeeOther)
}
