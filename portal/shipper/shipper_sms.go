package shipper

import (
	"github.com/gofiber/fiber/v2"

	"lcrm/statussms"
)

// shipperSMSPage shows whether the shipper texts its consignees on status changes (off
// until it turns it on) and the statuses that text.
func (s *handler) shipperSMSPage(c *fiber.Ctx) error {
	u := s.CurrentUser(c)
	on, err := s.deps.StatusSMS.ConsigneeSMS(c.UserContext(), u.ShipperID)
	if err != nil {
		return err
	}
	statuses, err := s.deps.StatusSMS.Statuses(c.UserContext())
	if err != nil {
		return err
	}
	return s.Render(c, "shipper_sms", fiber.Map{"On": on, "Statuses": statuses, "Done": c.Query("done")})
}

// shipperSaveSMS turns texting the consignees of the shipper's own parcels on
// (consignee_sms=1) or off; the change is audited with the shipper's user.
func (s *handler) shipperSaveSMS(c *fiber.Ctx) error {
	u := s.CurrentUser(c)
	on := c.FormValue("consignee_sms") == "1"
	if err := s.deps.StatusSMS.SetConsigneeSMS(c.UserContext(), u.ShipperID, on, statussms.Actor{UserID: u.ID, Name: u.Name}); err != nil {
		return err
	}
	return c.Redirect("/shipper/sms?done=1", fiber.StatusSeeOther)
}
