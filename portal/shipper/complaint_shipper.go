package shipper

import (
	"github.com/gofiber/fiber/v2"

	"lcrm/portal/web"
)

// shipperComplaintsLimit bounds the shipper's complaint list (newest first).
const shipperComplaintsLimit = 200

// shipperComplaints is GET /shipper/complaints: the logged-in shipper's own complaints.
func (s *handler) shipperComplaints(c *fiber.Ctx) error {
	u := s.CurrentUser(c)
	if u == nil || u.ShipperID == 0 {
		return &web.Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "error.forbidden"}
	}
	list, err := s.deps.Complaints.ListByShipper(c.UserContext(), u.ShipperID, shipperComplaintsLimit)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "complaint_shipper", list)
}
