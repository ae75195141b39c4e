// Package site is the public site: the home page, parcel tracking with phone
// verification and SMS subscriptions, complaints (filing with photos, lookup, the progress
// page and its actions), the satisfaction survey, and login with two-factor codes and
// password reset.
package site

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/disruptions"
	"lcrm/internal/ratelimit"
	"lcrm/notify"
	"lcrm/portal/web"
)

// Deps are the domain services the public site calls.
type Deps struct {
	web.Stores
	// Notify sends subscription and password-reset messages.
	Notify *notify.Outbox
	// Limiter keeps rate-limit counters shared by all instances.
	Limiter *ratelimit.Limiter
	// Disruptions, when set, puts a declared disruption's notice on the pages of the
	// parcels it affects.
	Disruptions *disruptions.Store
}

// Config holds the settings of the public site (see portal.Config).
type Config struct {
	Zone   *time.Location
	Secret []byte
}

// handler serves the public site.
type handler struct {
	*web.Core
	deps Deps
	cfg  Config
	// templateParcels makes the tracking page write every parcel through track.html, as
	// before parcelHTML: tests compare the two.
	templateParcels bool
}

// Mount registers every route of the public site on app: this is its one route table.
func Mount(app fiber.Router, core *web.Core, deps Deps, cfg Config) {
	s := &handler{Core: core, deps: deps, cfg: cfg}

	app.Get("/", s.home)
	app.Get("/favicon.ico", favicon)
	app.Get("/complaint", s.complaintLookupPage)
	app.Post("/complaint/lookup", s.complaintLookup)
	app.Get("/complaint/:ref", s.complaintPage)
	app.Post("/complaint/:ref/confirm", s.complaintAction("confirm", s.complaintConfirm))
	app.Get("/complaint/:ref/filed", s.complaintFiled)
	app.Post("/complaint/:ref/message", s.complaintAction("message", s.complaintMessage))
	app.Get("/complaint/:ref/photos/:id", s.complaintPhoto)
	app.Post("/complaint/:ref/rate", s.complaintAction("rate", s.complaintRate))
	app.Post("/complaint/:ref/reopen", s.complaintAction("reopen", s.complaintReopen))
	app.Get("/login", s.loginPage)
	app.Post("/login", s.login)
	app.Get("/login/2fa", s.twoFactorPage)
	app.Post("/login/2fa", s.twoFactor)
	app.Post("/logout", s.logout)
	app.Get("/password/forgot", s.passwordForgotPage)
	app.Post("/password/forgot", s.passwordForgot)
	app.Get("/password/reset", s.passwordResetPage)
	app.Post("/password/reset", s.passwordReset)
	app.Get("/survey/:token", s.surveyPage)
	app.Post("/survey/:token", s.surveySubmit)
	app.Get("/survey/:token/thanks", s.surveyThanks)
	app.Get("/track", s.trackMany)
	app.Get("/track/:no", s.trackOne)
	app.Get("/track/:no/complaint", s.complaintNew)
	app.Post("/track/:no/complaint", s.complaintFile)
	app.Post("/track/:no/consent", s.setConsent)
	app.Post("/track/:no/request", s.fileRequest)
	app.Post("/track/:no/subscribe", s.subscribe)
	app.Post("/track/:no/unsubscribe", s.unsubscribe)
	app.Post("/track/:no/verify", s.verify)
}
