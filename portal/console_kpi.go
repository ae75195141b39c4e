package portal

import "github.com/gofiber/fiber/v2"

// kpiRoutes registers the KPI dashboard and workbook downloads.
func (s *Server) kpiRoutes(g fiber.Router) {}
