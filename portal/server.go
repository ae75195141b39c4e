// Package portal assembles lcrm's HTTP server: it builds the shared core (portal/web),
// installs the middleware chain and mounts each surface: the JSON API and webhooks
// (portal/api), the public site (portal/site), shipper self-service (portal/shipper) and
// the staff console (portal/console); it serves /healthz, /readyz and /metrics itself.
// Handlers parse input, call the domain packages and render; they write no SQL.
package portal

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ansrivas/fiberprometheus/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"lcrm/accounts"
	"lcrm/billing"
	"lcrm/care"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/disruptions"
	"lcrm/hooks"
	"lcrm/internal/clock"
	"lcrm/internal/config"
	"lcrm/internal/ratelimit"
	"lcrm/internal/replica"
	"lcrm/jobs"
	"lcrm/notify"
	"lcrm/portal/api"
	"lcrm/portal/console"
	"lcrm/portal/shipper"
	"lcrm/portal/site"
	"lcrm/portal/web"
	"lcrm/reports"
	"lcrm/requests"
	"lcrm/shipments"
	"lcrm/statussms"
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
	// Webhooks keeps the shippers' outgoing webhook endpoints and their delivery log.
	Webhooks *hooks.Store
	Log      *slog.Logger
	// Limiter keeps rate-limit counters shared by all instances.
	Limiter *ratelimit.Limiter
	// Ready reports whether the database is reachable and its schema current (/readyz).
	Ready func(ctx context.Context) error
	// Jobs is the scheduler: job list, run history, run now (/console/jobs).
	Jobs *jobs.Scheduler
	// Watch reads the slow sign-off watch list and the staff tasks (/console/watch).
	Watch *care.Store
	// Now is the clock the portal's decisions follow (cookie and grant expiry, verify
	// windows, KPI periods, ages, export stamps): each request reads it once. lcrm serve
	// passes the one clock it gives the stores; clock.System when nil.
	Now clock.Clock
	// StatusSMS holds the status SMS settings (/console/admin/sms, /shipper/sms); without
	// it those pages are not served (404).
	StatusSMS *statussms.Store
	// Requests keeps delivery requests, pickup points and delivery consent (tracking page,
	// /console/requests, /console/admin/pickup-points, /api/v1/requests); optional.
	Requests *requests.Store
	// Billing holds statements, payments and receivables (/api/v1/payments,
	// /shipper/statements, /console/receivables); without it those are not served.
	Billing *billing.Store
	// Disruptions is disruption mode: /console/disruptions and the notice on the tracking
	// pages of affected parcels; without it neither is served. One store per process, so
	// the pages' cached list sees the console's changes at once.
	Disruptions *disruptions.Store
	// Replicas are the read replicas: /readyz shows each, and a visitor's form POSTs note
	// where their write lies (web.Core.NoteWrites). nil: every read on the primary.
	Replicas *replica.Set
	// TrackReads serve the public tracking pages and API (nil: Shipments); ReportReads
	// the KPI dashboard and the value page (nil: Reports). Each is a store over the
	// primary and one over each replica (replica.NewReads).
	TrackReads  *replica.Reads[*shipments.Store]
	ReportReads *replica.Reads[*reports.Store]
}

// Config holds the portal's settings.
type Config struct {
	// PublicURL is the site's address as customers reach it (links in SMS, webhook signatures).
	PublicURL string
	// Zone is the time zone pages are shown in when the viewer has none.
	Zone *time.Location
	// MaxUploadBytes bounds import uploads (default config.DefaultMaxImportBytes, 64 MiB).
	MaxUploadBytes int
	// MaxBodyBytes bounds the body of every other route: forms (default 1 MiB). The
	// complaint form with photos takes up to its photo limits.
	// Default config.DefaultMaxBodyBytes.
	MaxBodyBytes int
	// MaxAPIBytes bounds JSON API bodies (default config.DefaultMaxAPIBytes, 4 MiB: a
	// batch of 1,000 items).
	MaxAPIBytes int
	// MetricsToken is the bearer token /metrics asks for; without it /metrics is not
	// served (404), so the public listener never shows internal counters.
	MetricsToken string
	// TrustedProxies are reverse proxies (addresses or CIDRs) whose X-Forwarded-For names the
	// client: read from the right, the first address that is not a trusted proxy (see
	// clientAddr). Without them the client is the TCP peer, and the header is never read.
	TrustedProxies []string
	// LookupsPerMinute limits public tracking lookups per client address (default
	// config.DefaultLookupsPerMinute, 60).
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
	core *web.Core
}

// New builds the Fiber application with every route.
func New(deps Deps, cfg Config) *Server {
	if deps.Now == nil {
		deps.Now = clock.System
	}
	if cfg.Zone == nil {
		cfg.Zone = config.DefaultZone
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = config.DefaultMaxImportBytes
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = config.DefaultMaxBodyBytes
	}
	if cfg.MaxAPIBytes <= 0 {
		cfg.MaxAPIBytes = config.DefaultMaxAPIBytes
	}
	if cfg.LookupsPerMinute <= 0 {
		cfg.LookupsPerMinute = config.DefaultLookupsPerMinute
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
	core, err := web.New(web.Deps{Accounts: deps.Accounts, Customers: deps.Customers, Limiter: deps.Limiter, Log: deps.Log, Now: deps.Now,
		Replicas: deps.Replicas},
		web.Config{PublicURL: cfg.PublicURL, Zone: cfg.Zone, MaxUploadBytes: cfg.MaxUploadBytes, MaxBodyBytes: cfg.MaxBodyBytes,
			MaxAPIBytes: cfg.MaxAPIBytes, LookupsPerMinute: cfg.LookupsPerMinute, TrustedProxies: cfg.TrustedProxies,
			Secret: cfg.Secret, TwoFactorRoles: cfg.TwoFactorRoles, RequestTimeout: cfg.RequestTimeout, DownloadTimeout: cfg.DownloadTimeout})
	if err != nil {
		panic(err) // templates and catalogues are embedded: a failure is a build defect
	}
	s := &Server{deps: deps, cfg: cfg, core: core}
	s.App = fiber.New(fiber.Config{
		AppName:   "lcrm",
		Immutable: true, // handlers may keep request strings
		// Bodies are streamed: LimitBody refuses one past its route's limit before it is
		// read, so fasthttp's limit is only the largest of them.
		BodyLimit:                    core.LargestBody(),
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ReadTimeout:                  config.DefaultReadTimeout,
		WriteTimeout:                 config.DefaultWriteTimeout,
		IdleTimeout:                  config.DefaultIdleTimeout,
		ErrorHandler:                 core.HandleError,
		DisableStartupMessage:        true,
		// No ProxyHeader: Fiber would believe the left-most X-Forwarded-For value, which the
		// client writes. ClientAddress sets the client address instead (see web.Core.ClientAddress).
	})
	s.App.Use(core.RequestScope) // request id, deadline, request logger: see web/request.go
	s.App.Use(core.ClientAddress)
	s.App.Use(recover.New(recover.Config{EnableStackTrace: true}))
	prom := fiberprometheus.New("lcrm")
	prom.RegisterAt(s.App, "/metrics", s.requireMetricsToken)
	s.App.Use(prom.Middleware)
	s.App.Use(core.AccessLog)
	s.App.Use(core.SecurityHeaders)
	// Before anything reads the body or a value: refuse oversized bodies and input that
	// is not text (the answers still carry the security headers and reach the access log).
	s.App.Use(core.LimitBody)
	s.App.Use(core.CheckInput)
	s.App.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(web.Static()), PathPrefix: "static", MaxAge: 86400}))
	s.App.Use(func(c *fiber.Ctx) error { // forms everywhere but the API and webhooks
		if p := c.Path(); strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/webhooks/") {
			return c.Next()
		}
		return core.CheckCSRF(c)
	})
	s.App.Use(core.NoteWrites)
	s.routes()
	return s
}

// routes mounts every surface; each lists its routes in its own routes.go.
func (s *Server) routes() {
	s.App.Get("/healthz", s.healthz)
	s.App.Get("/readyz", s.readyz)

	d := s.deps
	stores := web.Stores{Shipments: d.Shipments, Customers: d.Customers, Accounts: d.Accounts, Complaints: d.Complaints, Requests: d.Requests,
		TrackReads: d.TrackReads}
	api.Mount(s.App, s.core, api.Deps{Stores: stores, Notify: d.Notify, Webhooks: d.Webhooks, Billing: d.Billing},
		api.Config{PublicURL: s.cfg.PublicURL, TwilioAuthToken: s.cfg.TwilioAuthToken})
	site.Mount(s.App, s.core, site.Deps{Stores: stores, Notify: d.Notify, Limiter: d.Limiter, Disruptions: d.Disruptions},
		site.Config{Zone: s.cfg.Zone, Secret: s.cfg.Secret})
	shipper.Mount(s.App, s.core, shipper.Deps{Stores: stores, StatusSMS: d.StatusSMS, Webhooks: d.Webhooks, Billing: d.Billing})
	console.Mount(s.App, s.core, console.Deps{Stores: stores, Reports: d.Reports, ReportReads: d.ReportReads, Notify: d.Notify, Limiter: d.Limiter,
		Jobs: d.Jobs, Watch: d.Watch, StatusSMS: d.StatusSMS, Billing: d.Billing, Disruptions: d.Disruptions}, console.Config{PublicURL: s.cfg.PublicURL, Zone: s.cfg.Zone})
}

// Shutdown stops accepting requests and waits up to timeout for those in flight.
func (s *Server) Shutdown(timeout time.Duration) error {
	err := s.App.ShutdownWithTimeout(timeout)
	s.core.Stop()
	return err
}
