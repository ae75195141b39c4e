package portal

import "github.com/gofiber/fiber/v2"

// jobsRoutes registers the job history, run-now and the slow sign-off watch list.
func (s *Server) jobsRoutes(g fiber.Router) {}
