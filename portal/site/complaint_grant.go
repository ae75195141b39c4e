package site

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// Complaint access: a browser that typed a complaint's reference and the last 4 digits of
// its contact phone (or filed it from a verified parcel) may follow it for a while. Like
// the verified-parcel cookie, the grant is a signed cookie listing complaint ids with an
// expiry each, so every instance trusts it without shared state.
const (
	cookieComplaints = "lcrm_complaints"
	complaintFor     = 2 * time.Hour
)

// complaintGrants returns the complaint ids this browser may follow now.
func (s *handler) complaintGrants(c *fiber.Ctx) map[int64]time.Time {
	return s.Grants(c, cookieComplaints, "complaints:")
}

// grantComplaint lets this browser follow complaint id for complaintFor (at most
// MaxGrants grants are kept, always including this one).
func (s *handler) grantComplaint(c *fiber.Ctx, id int64) {
	s.Grant(c, cookieComplaints, "complaints:", id, complaintFor)
}

// mayFollow reports whether this browser may see complaint id.
func (s *handler) mayFollow(c *fiber.Ctx, id int64) bool {
	_, ok := s.complaintGrants(c)[id]
	return ok
}
