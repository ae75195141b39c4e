package portal

import "github.com/gofiber/fiber/v2"

// deskRoutes registers the complaint queue, my desk, complaint detail and wallboard.
func (s *Server) deskRoutes(g fiber.Router) {}
