package site

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
	"lcrm/internal/errs"
)

// actionKeys and problemKeys are the ?done= and ?err= values the progress page explains
// after an action (post-redirect-get).
var (
	actionKeys  = map[string]bool{"message": true, "confirm": true, "reopen": true, "rate": true}
	problemKeys = map[string]bool{"message": true, "state": true, "reopen_expired": true, "not_resolved": true, "rating": true}
)

// complaintAction runs one customer action of the progress page on a followed complaint
// and redirects back to it with what happened.
func (s *handler) complaintAction(name string, run func(c *fiber.Ctx, cp *complaints.Complaint) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		cp, err := s.followedComplaint(c)
		if err != nil {
			return err
		}
		back := "/complaint/" + urlPathEscape(cp.Ref)
		err = run(c, cp)
		var ve *errs.ValidationError
		switch {
		case err == nil:
			return c.Redirect(back+"?done="+name, fiber.StatusSeeOther)
		case errors.Is(err, complaints.ErrReopenExpired):
			return c.Redirect(back+"?err=reopen_expired", fiber.StatusSeeOther)
		case errors.Is(err, complaints.ErrNotResolved):
			return c.Redirect(back+"?err=not_resolved", fiber.StatusSeeOther)
		case errors.Is(err, complaints.ErrIllegalTransition):
			return c.Redirect(back+"?err=state", fiber.StatusSeeOther)
		case errors.As(err, &ve), errors.Is(err, errBadInput):
			if name == "rate" {
				return c.Redirect(back+"?err=rating", fiber.StatusSeeOther)
			}
			return c.Redirect(back+"?err=message", fiber.StatusSeeOther)
		}
		return err
	}
}

// errBadInput is an empty or too long text, or a rating off the scale, refused before the domain.
var errBadInput = errs.New(errs.Invalid, errs.KeyInvalid, "portal: empty text, too long a text or a rating off the scale")

// maxCustomerText bounds a message or reopen reason typed on the progress page.
const maxCustomerText = 2000

func customerText(c *fiber.Ctx, field string, required bool) (string, error) {
	t := strings.TrimSpace(c.FormValue(field))
	if (required && t == "") || len([]rune(t)) > maxCustomerText {
		return "", errBadInput
	}
	return t, nil
}

// complaintMessage is POST /complaint/:ref/message.
func (s *handler) complaintMessage(c *fiber.Ctx, cp *complaints.Complaint) error {
	text, err := customerText(c, "text", true)
	if err != nil {
		return err
	}
	return s.deps.Complaints.AddCustomerMessage(c.UserContext(), cp.ID, text)
}

// complaintConfirm is POST /complaint/:ref/confirm: the customer agrees it is resolved.
func (s *handler) complaintConfirm(c *fiber.Ctx, cp *complaints.Complaint) error {
	return s.deps.Complaints.ConfirmResolved(c.UserContext(), cp.ID)
}

// complaintReopen is POST /complaint/:ref/reopen, within 7 days of resolution.
func (s *handler) complaintReopen(c *fiber.Ctx, cp *complaints.Complaint) error {
	reason, err := customerText(c, "reason", true)
	if err != nil {
		return err
	}
	return s.deps.Complaints.Reopen(c.UserContext(), cp.ID, reason)
}

// complaintRate is POST /complaint/:ref/rate: 1-5 stars for the handling.
func (s *handler) complaintRate(c *fiber.Ctx, cp *complaints.Complaint) error {
	stars, err := strconv.Atoi(strings.TrimSpace(c.FormValue("stars")))
	if err != nil || stars < 1 || stars > 5 {
		return errBadInput
	}
	return s.deps.Complaints.Rate(c.UserContext(), cp.ID, stars)
}
