package portal

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
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
func (s *Server) halfLogin(c *fiber.Ctx, id int64, next string) {
	raw := strconv.FormatInt(id, 10) + "|" + strconv.FormatInt(time.Now().Add(halfFor).Unix(), 10) + "|" + next
	payload := base64.RawURLEncoding.EncodeToString([]byte(raw))
	s.cookie(c, cookieHalf, payload+"."+s.sign(purposeHalf+payload), halfFor)
}

// halfUser reads the second-step cookie: the user id and next, or ok false.
func (s *Server) halfUser(c *fiber.Ctx) (id int64, next string, ok bool) {
	payload, sig, found := strings.Cut(c.Cookies(cookieHalf), ".")
	if !found || !hmac.Equal([]byte(sig), []byte(s.sign(purposeHalf+payload))) {
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
	if err1 != nil || err2 != nil || !time.Unix(exp, 0).After(time.Now()) {
		return 0, "", false
	}
	return id, safeNext(parts[2]), true
}

// twoFactorPage asks for the code of a user who passed the password step.
func (s *Server) twoFactorPage(c *fiber.Ctx) error {
	if _, _, ok := s.halfUser(c); !ok {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return s.render(c, "login_2fa", fiber.Map{})
}

// twoFactor checks the code and starts the session.
func (s *Server) twoFactor(c *fiber.Ctx) error {
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
		return s.render(c, "login_2fa", fiber.Map{"Minutes": max(1, int(math.Ceil(locked.Retry.Minutes())))})
	case errors.Is(err, accounts.ErrBadCode):
		c.Status(fiber.StatusUnauthorized)
		return s.render(c, "login_2fa", fiber.Map{"Error": "tfa.bad_code"})
	case errors.Is(err, accounts.ErrTOTPNotActive):
		s.cookie(c, cookieHalf, "", -1)
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
	s.cookie(c, cookieHalf, "", -1)
	return s.loggedIn(c, u, next)
}

// needsEnrolment reports whether u must turn two-factor login on before using the site
// (Config.TwoFactorRoles).
func (s *Server) needsEnrolment(u *accounts.User) bool {
	return !u.TOTPEnabled && s.roleRequires(u.Role)
}

// Enrolment at /console/account/2fa.
const enrolPath = "/console/account/2fa"

// accountRoutes are the signed-in user's own settings.
func (s *Server) accountRoutes(g fiber.Router) {
	g.Get("/account/2fa", s.enrolPage)
	g.Post("/account/2fa/confirm", s.enrolConfirm)
	g.Post("/account/2fa/disable", s.enrolDisable)
}

// enrolPage shows the two-factor status, or a new secret (text, otpauth:// URI and a QR
// code drawn here, as a data: image) with a form to confirm it.
func (s *Server) enrolPage(c *fiber.Ctx) error {
	return s.renderEnrol(c, "")
}

func (s *Server) renderEnrol(c *fiber.Ctx, msg string) error {
	u := s.currentUser(c)
	data := fiber.Map{"Enabled": u.TOTPEnabled, "Required": s.roleRequires(u.Role), "Error": msg}
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
	return s.render(c, "account_2fa", data)
}

// roleRequires reports whether role r must use two-factor login.
func (s *Server) roleRequires(r accounts.Role) bool {
	for _, x := range s.cfg.TwoFactorRoles {
		if x == r {
			return true
		}
	}
	return false
}

// enrolConfirm turns two-factor login on, ends the user's other sessions and shows the
// recovery codes, once.
func (s *Server) enrolConfirm(c *fiber.Ctx) error {
	u := s.currentUser(c)
	codes, err := s.deps.Accounts.ConfirmTOTP(c.UserContext(), u.ID, c.FormValue("code"))
	if errors.Is(err, accounts.ErrBadCode) || errors.Is(err, accounts.ErrTOTPNotActive) {
		return s.renderEnrol(c, "tfa.bad_code")
	}
	if errors.Is(err, accounts.ErrTOTPEnabled) {
		return c.Redirect(enrolPath, fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	// Other sessions of this user started with the password alone: end them, or they
	// would open the console now without ever passing a second factor.
	if err := s.deps.Accounts.EndOtherSessions(c.UserContext(), u.ID, c.Cookies(cookieSession)); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, "account_2fa_codes", fiber.Map{"Codes": codes})
}

// enrolDisable turns two-factor login off after a valid code. A user whose role requires
// it is sent to enrol again at once.
func (s *Server) enrolDisable(c *fiber.Ctx) error {
	u := s.currentUser(c)
	err := s.deps.Accounts.DisableTOTP(c.UserContext(), u.ID, c.FormValue("code"))
	var locked *accounts.LockedError
	if errors.As(err, &locked) || errors.Is(err, accounts.ErrBadCode) {
		return s.renderEnrol(c, "tfa.bad_code")
	}
	if err != nil && !errors.Is(err, accounts.ErrTOTPNotActive) {
		return err
	}
	return c.Redirect(enrolPath, fiber.StatusSeeOther)
}
