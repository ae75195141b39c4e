// Package shipper is shipper self-service under /shipper: a logged-in shipper's own
// shipments (list, detail, workbook export), API keys, webhooks, complaints and status SMS to
// its consignees.
package shipper

import (
	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/billing"
	"lcrm/hooks"
	"lcrm/portal/web"
	"lcrm/statussms"
)

// Deps are the domain services shipper self-service calls.
type Deps struct {
	web.Stores
	// StatusSMS holds the shipper's choice to text its consignees; without it
	// /shipper/sms is not served (404).
	StatusSMS *statussms.Store
	// Webhooks keeps the shipper's webhook endpoints; without it /shipper/webhooks is not served.
	Webhooks *hooks.Store
	// Billing holds the shipper's statements; without it /shipper/statements is not served.
	Billing *billing.Store
}

// handler serves shipper self-service.
type handler struct {
	*web.Core
	deps Deps
}

// Mount registers every route of shipper self-service on app: this is its one route
// table. Every path under /shipper asks for a shipper's login.
func Mount(app fiber.Router, core *web.Core, deps Deps) {
	s := &handler{Core: core, deps: deps}

	shipper := app.Group("/shipper", s.RequireRole(accounts.RoleShipper))
	shipper.Get("/", s.shipperList)
	shipper.Get("/complaints", s.shipperComplaints)
	shipper.Get("/export.xlsx", s.shipperExport)
	shipper.Get("/keys", s.shipperKeys)
	shipper.Post("/keys", s.shipperCreateKey)
	shipper.Post("/keys/:id/revoke", s.shipperRevokeKey)
	shipper.Get("/shipments/:no", s.shipperDetail)
	if deps.Billing != nil {
		shipper.Get("/statements", s.shipperStatements)
		shipper.Get("/statements/:id/statement.xlsx", s.shipperStatementFile)
	}
	if deps.StatusSMS != nil {
		shipper.Get("/sms", s.shipperSMSPage)
		shipper.Post("/sms", s.shipperSaveSMS)
	}
	if deps.Webhooks != nil {
		shipper.Get("/webhooks", s.shipperWebhooks)
		shipper.Post("/webhooks", s.shipperCreateWebhook)
		shipper.Post("/webhooks/:id/rotate", s.shipperRotateWebhook)
		shipper.Post("/webhooks/:id/delete", s.shipperDeleteWebhook)
		shipper.Post("/webhooks/:id/enable", s.shipperEnableWebhook)
		shipper.Post("/webhooks/:id/deliveries/:delivery/resend", s.shipperResendDelivery)
	}
}
