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
// load balancer sends no traffic to an instance that cannot serve it. With read replicas
// the body also shows each (ok, lagging with its lag, or down with the error) and where
// the reads go: a replica in trouble never makes the instance unready, since the primary
// takes its reads.
func (s *Server) readyz(c *fiber.Ctx) error {
	body := fiber.Map{"status": "ready"}
	if set := s.deps.Replicas; set != nil && set.Len() > 0 {
		body["replicas"] = set.Statuses()
		body["max_lag"] = set.MaxLag().String()
		body["reads"] = "replicas"
		if !set.Serving() {
			body["reads"] = "primary (no replica is fresh)"
		}
	}
	if s.deps.Ready == nil {
		return c.JSON(body)
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), config.DefaultReadyTimeout)
	defer cancel()
	if err := s.deps.Ready(ctx); err != nil {
		body["status"], body["reason"] = "not ready", err.Error()
		return c.Status(fiber.StatusServiceUnavailable).JSON(body)
	}
	return c.JSON(body)
}
