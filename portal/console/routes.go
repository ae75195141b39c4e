// Package console is the staff console under /console: every route needs a staff login
// (agent and up), and routes narrow the role where they must.
//
//	console_desk*.go      queue, my desk, complaint detail and actions, SMS, wallboard (agent+)
//	console_appeals.go    regulator appeals on a complaint: register, formal reply, verdict
//	console_customers.go  customer 360 / caller lookup, contact log (agent+)
//	console_reveal.go     revealing masked contact details, the access log (supervisor+)
//	console_admin*.go     users, SLA policies, business hours, holidays, canned replies, status SMS, audit (admin)
//	console_kpi*.go       KPI dashboard, drill-down lists and workbook downloads (manager+; supervisors their team)
//	console_requests.go   delivery request queue (agent+), consignee consent, pickup points (manager+)
//	console_value.go      customer value: ABC, RFM, margin, tier advice (manager+; supervisors read-only)
//	console_jobs.go       job history, run now, slow sign-off watch list (supervisor+)
//	console_disruptions.go  disruption mode: declare, edit, end, the short report (supervisor+); queue badges
//	account_2fa.go        the signed-in user's two-factor login settings
//
// Console pages share the layout's console navigation ({{template "consolenav" .}} is
// drawn by layout.html on every /console page) and the catalogue portal/web/i18n/console.*.json
// (areas may keep their own pair of catalogue files).
package console

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/billing"
	"lcrm/care"
	"lcrm/disruptions"
	"lcrm/internal/ratelimit"
	"lcrm/internal/replica"
	"lcrm/jobs"
	"lcrm/notify"
	"lcrm/portal/web"
	"lcrm/reports"
	"lcrm/statussms"
)

// Deps are the domain services the console calls.
type Deps struct {
	web.Stores
	Reports *reports.Store
	// ReportReads serve the KPI dashboard and the value page from a fresh read replica
	// when there is one (see readReports); nil: Reports.
	ReportReads *replica.Reads[*reports.Store]
	Notify      *notify.Outbox // optional: replies by SMS, the SMS history
	Limiter     *ratelimit.Limiter
	Jobs        *jobs.Scheduler // without it /console/jobs is not served (404)
	Watch       *care.Store     // without it /console/watch is not served (404)
	// StatusSMS holds which statuses text subscribers; without it /console/admin/sms is
	// not served (404).
	StatusSMS *statussms.Store
	// Billing holds statements and receivables; without it /console/receivables is not
	// served (404) and the customer view has no billing part.
	Billing *billing.Store
	// Disruptions declares and ends disruptions; without it /console/disruptions is not
	// served (404).
	Disruptions *disruptions.Store
}

// Config holds the settings of the console (see portal.Config).
type Config struct {
	PublicURL string
	Zone      *time.Location
}

// handler serves the console.
type handler struct {
	*web.Core
	deps Deps
	cfg  Config
}

// Mount registers every route of the console on app: this is its one route table. The
// agent check covers every path under /console (shippers get 403, visitors the login
// page), the admin check every path under /console/admin.
func Mount(app fiber.Router, core *web.Core, deps Deps, cfg Config) {
	s := &handler{Core: core, deps: deps, cfg: cfg}
	sup := s.RequireRole(accounts.RoleSupervisor)
	mgr := s.RequireRole(accounts.RoleManager)

	g := app.Group("/console", s.RequireRole(accounts.RoleAgent))
	g.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/console/desk", fiber.StatusSeeOther) })
	g.Get("/access", sup, s.accessPage)
	g.Get("/account/2fa", s.enrolPage)
	g.Post("/account/2fa/confirm", s.enrolConfirm)
	g.Post("/account/2fa/disable", s.enrolDisable)

	if deps.Requests != nil {
		// Registered before the admin group so managers pass: its admin check would
		// otherwise cover every path under /console/admin.
		g.Get("/admin/pickup-points", mgr, func(c *fiber.Ctx) error { return s.pickupPage(c, fiber.StatusOK, "", nil, nil) })
		g.Post("/admin/pickup-points", mgr, s.savePickup)
	}
	admin := g.Group("/admin", s.RequireRole(accounts.RoleAdmin))
	admin.Get("/", func(c *fiber.Ctx) error { return s.Render(c, "admin_index", nil) })
	admin.Get("/audit", s.auditPage)
	admin.Get("/canned", func(c *fiber.Ctx) error { return s.cannedPage(c, fiber.StatusOK, "", nil) })
	admin.Post("/canned", s.saveCanned)
	admin.Post("/canned/:id/delete", s.deleteCanned)
	admin.Get("/sla", func(c *fiber.Ctx) error { return s.slaPage(c, fiber.StatusOK, "") })
	admin.Post("/sla/holiday", s.saveHoliday)
	admin.Post("/sla/hours", s.saveHours)
	admin.Post("/sla/policy", s.savePolicy)
	if deps.StatusSMS != nil {
		admin.Get("/sms", func(c *fiber.Ctx) error { return s.statusSMSPage(c, fiber.StatusOK, "") })
		admin.Post("/sms", s.saveStatusSMS)
	}
	admin.Get("/users", func(c *fiber.Ctx) error { return s.usersPage(c, fiber.StatusOK, "", nil) })
	admin.Post("/users", s.createUser)
	admin.Post("/users/:id", s.updateUser)
	admin.Post("/users/:id/password", s.resetPassword)

	g.Get("/complaints/:id", s.deskComplaint)
	g.Post("/complaints/:id/appeal", sup, s.appealRegister)
	g.Get("/complaints/:id/appeal/files/:fid", s.appealFile)
	g.Post("/complaints/:id/appeal/reply", s.appealReply)
	g.Post("/complaints/:id/appeal/verdict", sup, s.appealVerdict)
	g.Post("/complaints/:id/assign", sup, s.deskAssign)
	g.Post("/complaints/:id/claim", s.deskClaim)
	g.Get("/complaints/:id/photos/:pid", s.deskPhoto)
	g.Get("/complaints/:id/presence", s.presenceJSON)
	g.Post("/complaints/:id/priority", sup, s.deskPriority)
	g.Post("/complaints/:id/reply", s.deskReply)
	g.Post("/complaints/:id/resolve", s.deskResolve)
	g.Post("/complaints/:id/reveal", s.revealOnComplaint)
	g.Post("/complaints/:id/status", s.deskStatus)
	g.Get("/customers", s.customerSearch)
	g.Get("/customers/:kind/:id", s.customerPage)
	g.Post("/customers/:kind/:id/contacts", s.logContact)
	g.Post("/customers/:kind/:id/reveal", s.revealCustomer)
	if deps.Disruptions != nil {
		g.Get("/disruptions", sup, func(c *fiber.Ctx) error { return s.disruptionsPage(c, fiber.StatusOK, nil, nil) })
		g.Post("/disruptions", sup, s.declareDisruption)
		g.Get("/disruptions/:id", sup, func(c *fiber.Ctx) error { return s.disruptionPage(c, fiber.StatusOK, nil, nil, "") })
		g.Post("/disruptions/:id", sup, s.editDisruption)
		g.Post("/disruptions/:id/end", sup, s.endDisruption)
	}
	g.Get("/desk", s.deskHome)
	g.Post("/desk/read", s.deskRead)
	g.Post("/desk/seen", s.deskSeen)
	g.Get("/notifications/:id", s.openNotification)
	if deps.Jobs != nil {
		g.Get("/jobs", sup, s.jobsPage)
		g.Post("/jobs/:name/run", sup, s.jobsRunNow)
	}
	g.Get("/kpi", sup, s.kpiDashboard)
	g.Get("/kpi/files", mgr, s.kpiFiles)
	g.Get("/kpi/files/:id", mgr, s.kpiFile)
	g.Get("/kpi/list", sup, s.kpiList)
	g.Get("/kpi/list.xlsx", sup, s.kpiListWorkbook)
	g.Get("/kpi/workbook.xlsx", sup, s.kpiWorkbook)
	if deps.Billing != nil {
		g.Get("/receivables", sup, s.receivablesPage)
		g.Get("/statements/:id/statement.xlsx", s.staffStatementFile)
		g.Post("/customers/:kind/:id/terms", mgr, s.saveTerms)
	}
	g.Get("/queue", s.deskQueue)
	if deps.Requests != nil {
		g.Get("/requests", func(c *fiber.Ctx) error { return s.requestsPage(c, fiber.StatusOK, "", nil) })
		g.Post("/requests/:id/:action", s.answerRequest)
		g.Post("/customers/consignee/:id/consent", s.setConsigneeConsent)
	}
	g.Post("/queue/assign", sup, s.deskBulkAssign)
	g.Get("/value", sup, s.valuePage)
	g.Post("/value/tier", mgr, s.valueApplyTier)
	g.Get("/wallboard", s.deskWallboard)
	if deps.Watch != nil {
		g.Get("/watch", sup, s.watchPage)
		g.Post("/watch/tasks/:id/done", sup, s.watchTaskDone)
	}
}

// readReports runs a KPI or value read on a fresh read replica that has this visitor's
// last write, else on the primary (replica.Reads.Do: a replica failing mid-read is left
// for the primary).
func (s *handler) readReports(c *fiber.Ctx, read func(*reports.Store) error) error {
	if s.deps.ReportReads == nil {
		return read(s.deps.Reports)
	}
	return s.deps.ReportReads.Do(c.UserContext(), web.ReadAfter(c), read)
}
