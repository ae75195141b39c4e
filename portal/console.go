package portal

// The staff console under /console: every route needs a staff login (agent and up);
// each area registers its routes in its own file and narrows the role where it must.
//
//	console_desk.go       queue, my desk, complaint detail and actions, wallboard (agent+)
//	console_customers.go  customer 360 / caller lookup, contact log (agent+)
//	console_admin.go      users, SLA policies, business hours, holidays, canned replies, audit (admin)
//	console_kpi.go        KPI dashboard and workbook download (manager+; supervisors their team)
//	console_jobs.go       job history, run now, slow sign-off watch list (supervisor+)
//
// Console pages share the layout's console navigation ({{template "consolenav" .}} is
// drawn by layout.html on every /console page) and the catalogue portal/i18n/console.*.json
// (areas may keep their own pair of catalogue files).

import (
	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
)

// consoleRoutes mounts /console for staff; shippers get 403, visitors the login page.
func (s *Server) consoleRoutes() {
	g := s.App.Group("/console", s.requireRole(accounts.RoleAgent))
	g.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/console/desk", fiber.StatusSeeOther) })
	s.deskRoutes(g)
	s.customerRoutes(g)
	s.adminRoutes(g.Group("/admin", s.requireRole(accounts.RoleAdmin)))
	s.kpiRoutes(g)
	s.jobsRoutes(g)
	s.accountRoutes(g)
}
