package portal

import (
	"github.com/gofiber/fiber/v2"
)

// shipperComplaintsLimit bounds the shipper's complaint list (newest first).
const shipperComplaintsLimit = 200

// shipperComplaints is GET /shipper/complaints: the logged-in shipper's own complaints.
func (s *Server) shipperComplaints(c *fiber.Ctx) error {
	u := s.currentUser(c)
	if u == nil || u.ShipperID == 0 {
		return &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "error.forbidden"}
	}
	list, err := s.deps.Complaints.ListByShipper(c.UserContext(), u.ShipperID, shipperComplaintsLimit)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, "complaint_shipper", list)
}
