// Package portal holds every HTTP surface of lcrm: the JSON API, the public tracking site,
// shipper self-service and the staff console. Handlers parse input, call the domain
// packages and render; they write no SQL.
package portal

import (
	"context"
	"log/slog"
	"time"

	"github.com/ansrivas/fiberprometheus/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/shipments"
)

// Deps are the domain services the portal calls.
type Deps struct {
	Shipments *shipments.Store
	Customers *customers.Store
	Accounts  *accounts.Store
	Log       *slog.Logger
	// Ready reports whether the database is reachable and its schema current (/readyz).
	Ready func(ctx context.Context) error
}

// Config holds the portal's settings.
type Config struct {
	// PublicURL is the site's address as customers reach it (links in SMS, webhook signatures).
	PublicURL string
	// Zone is the time zone pages are shown in when the viewer has none.
	Zone *time.Location
	// MaxUploadBytes bounds import uploads.
	MaxUploadBytes int
}

// Server is the HTTP application with its dependencies.
type Server struct {
	App  *fiber.App
	deps Deps
	cfg  Config
	log  *slog.Logger
}

// New builds the Fiber application with every route.
func New(deps Deps, cfg Config) *Server {
	if cfg.Zone == nil {
		cfg.Zone = shipments.DefaultZone
	}
	if cfg.MaxUploadBytes == 0 {
		cfg.MaxUploadBytes = 512 << 20
	}
	log := deps.Log
	if log == nil {
		log = slog.Default()
	}
	s := &Server{deps: deps, cfg: cfg, log: log}
	s.App = fiber.New(fiber.Config{
		AppName:               "lcrm",
		Immutable:             true, // handlers may keep request strings
		BodyLimit:             cfg.MaxUploadBytes,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          120 * time.Second,
		IdleTimeout:           120 * time.Second,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
	})
	s.App.Use(recover.New(recover.Config{EnableStackTrace: true}))
	prom := fiberprometheus.New("lcrm")
	prom.RegisterAt(s.App, "/metrics")
	s.App.Use(prom.Middleware)
	s.App.Use(s.accessLog)
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
}

// accessLog writes one structured line per request.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.App.Config().ErrorHandler(c, err); herr != nil {
			c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	s.log.LogAttrs(c.UserContext(), slog.LevelDebug, "request",
		slog.String("method", c.Method()), slog.String("path", c.Path()),
		slog.Int("status", c.Response().StatusCode()), slog.Duration("took", time.Since(start)))
	return nil
}

// Shutdown stops accepting requests and waits up to timeout for those in flight.
func (s *Server) Shutdown(timeout time.Duration) error {
	return s.App.ShutdownWithTimeout(timeout)
}
