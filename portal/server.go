// Package portal holds every HTTP surface of lcrm: the JSON API, the public tracking site,
// shipper self-service and the staff console. Handlers parse input, call the domain
// packages and render; they write no SQL.
package portal

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/ansrivas/fiberprometheus/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"lcrm/accounts"
	"lcrm/care"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/config"
	"lcrm/internal/ratelimit"
	"lcrm/jobs"
	"lcrm/notify"
	"lcrm/reports"
	"lcrm/shipments"
)

// Deps are the domain services the portal calls.
type Deps struct {
	Shipments *shipments.Store
	Customers *customers.Store
	Accounts  *accounts.Store
	// Complaints files customer complaints and follows them.
	Complaints *complaints.Store
	// Reports computes the KPIs and writes the workbook.
	Reports *reports.Store
	// Notify is the SMS outbox: delivery receipts and replies arrive at /webhooks/twilio.
	Notify *notify.Outbox
	Log    *slog.Logger
	// Limiter keeps rate-limit counters shared by all instances.
	Limiter *ratelimit.Limiter
	// Ready reports whether the database is reachable and its schema current (/readyz).
	Ready func(ctx context.Context) error
	// Jobs is the scheduler: job list, run history, run now (/console/jobs).
	Jobs *jobs.Scheduler
	// Watch reads the slow sign-off watch list and the staff tasks (/console/watch).
	Watch *care.Store
}

// Config holds the portal's settings.
type Config struct {
	// PublicURL is the site's address as customers reach it (links in SMS, webhook signatures).
	PublicURL string
	// Zone is the time zone pages are shown in when the viewer has none.
	Zone *time.Location
	// MaxUploadBytes bounds import uploads (default 64 MiB).
	MaxUploadBytes int
	// MaxBodyBytes bounds the body of every other route: forms (default 1 MiB). The
	// complaint form with photos takes up to its photo limits.
	MaxBodyBytes int
	// MaxAPIBytes bounds JSON API bodies (default 4 MiB: a batch of 1,000 items).
	MaxAPIBytes int
	// MetricsToken is the bearer token /metrics asks for; without it /metrics is not
	// served (404), so the public listener never shows internal counters.
	MetricsToken string
	// TrustedProxies are reverse proxies (addresses or CIDRs) whose X-Forwarded-For names the
	// client: read from the right, the first address that is not a trusted proxy (see
	// clientAddr). Without them the client is the TCP peer, and the header is never read.
	TrustedProxies []string
	// LookupsPerMinute limits public tracking lookups per client address (default 60).
	LookupsPerMinute int
	// Secret signs links and tokens (survey links, grant cookies). lcrm serve passes
	// LCRM_SESSION_KEY or the key kept in the database, so restarts and instances agree;
	// random per process when empty (tests).
	Secret []byte
	// TwoFactorRoles must turn two-factor login on before they may use the site: after
	// their password they are sent to enrol (LCRM_2FA_REQUIRED_ROLES). Empty: optional for all.
	TwoFactorRoles []accounts.Role
	// TwilioAuthToken checks the X-Twilio-Signature of webhooks; without it every webhook
	// is refused (403).
	TwilioAuthToken string
	// RequestTimeout bounds each request, its database statements included (503 past it);
	// DownloadTimeout bounds workbook downloads and imports instead (see isDownload).
	// Defaults: config.DefaultRequestTimeout and config.DefaultDownloadTimeout.
	RequestTimeout, DownloadTimeout time.Duration
}

// Server is the HTTP application with its dependencies.
type Server struct {
	App  *fiber.App
	deps Deps
	cfg  Config
	log  *slog.Logger
	web  *web
	// lookups counts public lookups per address in memory and syncs them to PostgreSQL.
	lookups *ratelimit.Batched
	// proxies are the trusted reverse proxies (cfg.TrustedProxies parsed): see clientAddr.
	proxies []netip.Prefix
	// secure is true when the public URL is https: cookies get the Secure flag.
	secure bool
	// outage logs database outages once per interval.
	outage outageLog
}

// New builds the Fiber application with every route.
func New(deps Deps, cfg Config) *Server {
	if cfg.Zone == nil {
		cfg.Zone = shipments.DefaultZone
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = defaultMaxUpload
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = defaultMaxBody
	}
	if cfg.MaxAPIBytes <= 0 {
		cfg.MaxAPIBytes = defaultMaxAPI
	}
	log := deps.Log
	if log == nil {
		log = slog.Default()
	}
	if cfg.LookupsPerMinute <= 0 {
		cfg.LookupsPerMinute = 60
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = config.DefaultRequestTimeout
	}
	if cfg.DownloadTimeout <= 0 {
		cfg.DownloadTimeout = config.DefaultDownloadTimeout
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		if _, err := rand.Read(cfg.Secret); err != nil {
			panic(err)
		}
	}
	w, err := newWeb(cfg.Zone)
	if err != nil {
		panic(err) // templates and catalogues are embedded: a failure is a build defect
	}
	s := &Server{deps: deps, cfg: cfg, log: log, web: w, secure: strings.HasPrefix(cfg.PublicURL, "https://")}
	var bad []string
	if s.proxies, bad = parseProxies(cfg.TrustedProxies); len(bad) > 0 {
		log.Error("trusted proxies: not an address or CIDR, ignored", "entries", bad)
	}
	if deps.Limiter != nil {
		s.lookups = deps.Limiter.Batched(250 * time.Millisecond)
	}
	s.App = fiber.New(fiber.Config{
		AppName:   "lcrm",
		Immutable: true, // handlers may keep request strings
		// Bodies are streamed: limitBody refuses one past its route's limit before it is
		// read, so fasthttp's limit is only the largest of them.
		BodyLimit:                    s.largestBody(),
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ReadTimeout:                  60 * time.Second,
		WriteTimeout:                 120 * time.Second,
		IdleTimeout:                  120 * time.Second,
		ErrorHandler:                 s.handleError,
		DisableStartupMessage:        true,
		// No ProxyHeader: Fiber would believe the left-most X-Forwarded-For value, which the
		// client writes. clientAddress sets the client address instead (see clientAddr).
	})
	s.App.Use(s.requestScope) // request id, deadline, request logger: see request.go
	s.App.Use(s.clientAddress)
	s.App.Use(recover.New(recover.Config{EnableStackTrace: true}))
	prom := fiberprometheus.New("lcrm")
	prom.RegisterAt(s.App, "/metrics", s.requireMetricsToken)
	s.App.Use(prom.Middleware)
	s.App.Use(s.accessLog)
	s.App.Use(s.securityHeaders)
	// Before anything reads the body or a value: refuse oversized bodies and input that
	// is not text (the answers still carry the security headers and reach the access log).
	s.App.Use(s.limitBody)
	s.App.Use(s.checkInput)
	s.App.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(staticFS), PathPrefix: "static", MaxAge: 86400}))
	s.App.Use(func(c *fiber.Ctx) error { // forms everywhere but the API and webhooks
		if p := c.Path(); strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/webhooks/") {
			return c.Next()
		}
		return s.checkCSRF(c)
	})
	s.routes()
	return s
}

// routes lists every route in one place.
func (s *Server) routes() {
	s.App.Get("/healthz", s.healthz)
	s.App.Get("/readyz", s.readyz)

	api := s.App.Group("/api/v1")
	api.Get("/track/:no", s.apiTrack)
	authed := api.Group("", s.requireAPIKey)
	authed.Post("/shipments", s.apiCreateShipments)
	authed.Get("/shipments/:no", s.apiGetShipment)
	authed.Post("/events", s.apiRecordEvents)
	authed.Post("/import/:kind", s.apiImport)

	s.App.Get("/", s.home)
	s.App.Get("/track", s.trackMany)
	s.App.Get("/track/:no", s.trackOne)
	s.App.Post("/track/:no/verify", s.verify)
	s.App.Post("/track/:no/subscribe", s.subscribe)
	s.App.Get("/track/:no/complaint", s.complaintNew)
	s.App.Post("/track/:no/complaint", s.complaintFile)
	s.App.Get("/complaint", s.complaintLookupPage)
	s.App.Post("/complaint/lookup", s.complaintLookup)
	s.App.Get("/complaint/:ref", s.complaintPage)
	s.App.Get("/complaint/:ref/filed", s.complaintFiled)
	s.App.Get("/complaint/:ref/photos/:id", s.complaintPhoto)
	s.App.Post("/complaint/:ref/message", s.complaintAction("message", s.complaintMessage))
	s.App.Post("/complaint/:ref/confirm", s.complaintAction("confirm", s.complaintConfirm))
	s.App.Post("/complaint/:ref/reopen", s.complaintAction("reopen", s.complaintReopen))
	s.App.Post("/complaint/:ref/rate", s.complaintAction("rate", s.complaintRate))
	s.App.Get("/login", s.loginPage)
	s.App.Post("/login", s.login)
	s.App.Post("/logout", s.logout)
	s.App.Get("/login/2fa", s.twoFactorPage)
	s.App.Post("/login/2fa", s.twoFactor)
	s.App.Get("/password/forgot", s.passwordForgotPage)
	s.App.Post("/password/forgot", s.passwordForgot)
	s.App.Get("/password/reset", s.passwordResetPage)
	s.App.Post("/password/reset", s.passwordReset)

	shipper := s.App.Group("/shipper", s.requireRole(accounts.RoleShipper))
	shipper.Get("/", s.shipperList)
	shipper.Get("/shipments/:no", s.shipperDetail)
	shipper.Get("/export.xlsx", s.shipperExport)
	shipper.Get("/keys", s.shipperKeys)
	shipper.Post("/keys", s.shipperCreateKey)
	shipper.Post("/keys/:id/revoke", s.shipperRevokeKey)
	shipper.Get("/complaints", s.shipperComplaints)

	s.App.Get("/survey/:token", s.surveyPage)
	s.App.Post("/survey/:token", s.surveySubmit)
	s.App.Get("/survey/:token/thanks", s.surveyThanks)

	s.consoleRoutes()
	s.webhookRoutes()
}

// Shutdown stops accepting requests and waits up to timeout for those in flight.
func (s *Server) Shutdown(timeout time.Duration) error {
	err := s.App.ShutdownWithTimeout(timeout)
	if s.lookups != nil {
		s.lookups.Stop()
		s.lookups = nil
	}
	return err
}
