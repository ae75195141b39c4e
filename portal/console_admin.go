package portal

import "github.com/gofiber/fiber/v2"

// adminRoutes registers the admin pages; g already requires the admin role.
func (s *Server) adminRoutes(g fiber.Router) {}
