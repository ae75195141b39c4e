package console

// Admin: which status changes text a parcel's subscribers (and the consignees of shippers
// that turned it on). The statussms package stores and audits the change.

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"lcrm/shipments"
	"lcrm/statussms"
)

// statusSMSPage shows a box per shipment status, ticked when a change to it texts.
func (s *handler) statusSMSPage(c *fiber.Ctx, status int, errKey string) error {
	settings, err := s.deps.StatusSMS.Statuses(c.UserContext())
	if err != nil {
		return err
	}
	c.Status(status)
	return s.Render(c, "admin_status_sms", fiber.Map{"Statuses": settings, "Err": errKey, "Done": c.Query("done")})
}

// saveStatusSMS stores the ticked statuses (form field "status", repeated); none ticked
// turns status SMS off.
func (s *handler) saveStatusSMS(c *fiber.Ctx) error {
	var on []shipments.Code
	for _, v := range c.Request().PostArgs().PeekMulti("status") {
		on = append(on, shipments.Code(v))
	}
	u := s.CurrentUser(c)
	err := s.deps.StatusSMS.SetStatuses(c.UserContext(), on, statussms.Actor{UserID: u.ID, Name: u.Name})
	if errors.Is(err, statussms.ErrUnknownStatus) {
		return s.statusSMSPage(c, fiber.StatusUnprocessableEntity, "statussms.unknown_status")
	} else if err != nil {
		return err
	}
	return c.Redirect("/console/admin/sms?done=1", fiber.StatusSeeOther)
}
