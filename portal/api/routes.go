// Package api is the portal's machine surface: the JSON API under /api/v1 (tracking,
// shipments, events, imports; all but tracking behind an API key) and the provider
// callbacks under /webhooks (each checks its provider's signature instead of CSRF).
package api

import (
	"github.com/gofiber/fiber/v2"

	"lcrm/hooks"
	"lcrm/notify"
	"lcrm/portal/web"
	"lcrm/requests"
)

// Deps are the domain services the API and the webhooks call.
type Deps struct {
	web.Stores
	// Notify is the SMS outbox; without it /webhooks is not served (404).
	Notify *notify.Outbox
	// Webhooks keeps shippers' webhook endpoints; without it /api/v1/webhooks is not served.
	Webhooks *hooks.Store
}

// Config holds the settings of the API surface (see portal.Config).
type Config struct {
	PublicURL       string
	TwilioAuthToken string
}

// handler serves the API and the webhooks.
type handler struct {
	*web.Core
	deps Deps
	cfg  Config
}

// Mount registers every route of the API surface on app: this is its one route table.
// The API key check is a middleware on /api/v1 from the point it is installed, so the
// public tracking route comes before it.
func Mount(app fiber.Router, core *web.Core, deps Deps, cfg Config) {
	s := &handler{Core: core, deps: deps, cfg: cfg}

	api := app.Group("/api/v1")
	api.Get("/track/:no", s.apiTrack)
	authed := api.Group("", s.requireAPIKey)
	authed.Post("/complaints/:ref/appeal", s.apiRegisterAppeal)
	authed.Post("/events", s.apiRecordEvents)
	authed.Post("/import/:kind", s.apiImport)
	authed.Post("/shipments", s.apiCreateShipments)
	authed.Get("/shipments/:no", s.apiGetShipment)
	if deps.Requests != nil {
		authed.Get("/requests", s.apiListRequests)
		authed.Post("/requests/:id/accept", s.apiAnswerRequest(requests.Accept))
		authed.Post("/requests/:id/decline", s.apiAnswerRequest(requests.Decline))
		authed.Post("/requests/:id/done", s.apiAnswerRequest(requests.Finish))
	}
	if deps.Webhooks != nil {
		authed.Post("/webhooks", s.apiCreateWebhook)
		authed.Get("/webhooks", s.apiListWebhooks)
		authed.Delete("/webhooks/:id", s.apiDeleteWebhook)
		authed.Post("/webhooks/:id/rotate", s.apiRotateWebhook)
	}

	if deps.Notify != nil {
		app.Post("/webhooks/twilio/inbound", s.twilioSigned(s.twilioInbound))
		app.Post("/webhooks/twilio/status", s.twilioSigned(s.twilioStatus))
	}
}
