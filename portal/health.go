package portal

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"lcrm/internal/config"
)

// healthz answers while the process is up.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 only when the database is reachable and its schema is current, so a
// load balancer sends no traffic to an instance that cannot serve it.
func (s *Server) readyz(c *fiber.Ctx) error {
	if s.deps.Ready == nil {
		return c.JSON(fiber.Map{"status": "ready"})
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), config.DefaultReadyTimeout)
	defer cancel()
	if err := s.deps.Ready(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "not ready", "reason": err.Error()})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
