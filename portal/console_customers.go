package portal

import "github.com/gofiber/fiber/v2"

// customerRoutes registers the customer 360 search and the contact log.
func (s *Server) customerRoutes(g fiber.Router) {}
