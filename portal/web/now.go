package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// nowKey is the request local holding the request's instant (Core.Now).
type nowKey struct{}

// Now is the present of this request: the clock (Deps.Now) is read once, on the first
// call, and every later call in the same request returns that instant, so every decision
// of one request (cookie and grant expiry, verify windows, periods, ages) agrees. Only
// what measures real elapsed time (the access log's duration, the outage log's throttle)
// reads the wall clock instead.
func (s *Core) Now(c *fiber.Ctx) time.Time {
	if t, ok := c.Locals(nowKey{}).(time.Time); ok {
		return t
	}
	t := s.deps.Now()
	c.Locals(nowKey{}, t)
	return t
}
