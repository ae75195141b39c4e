package portal

import (
	"crypto/subtle"

	"github.com/gofiber/fiber/v2"

	"lcrm/portal/web"
)

// requireMetricsToken admits /metrics only with "Authorization: Bearer <MetricsToken>";
// without a configured token, and to anyone without it, /metrics does not exist (404), so
// the public listener shows no internal counters (routes, error rates) to strangers.
func (s *Server) requireMetricsToken(c *fiber.Ctx) error {
	want := s.cfg.MetricsToken
	got := c.Get(fiber.HeaderAuthorization)
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+want)) != 1 {
		return web.Errorf(fiber.StatusNotFound, "not_found", web.KeyAPINotFound)
	}
	return c.Next()
}
