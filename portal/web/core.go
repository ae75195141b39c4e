// Package web is the shared core of the portal's surfaces (portal/api, portal/site,
// portal/shipper, portal/console): the embedded templates, i18n catalogues and static
// files, page rendering and the language choice, sessions and roles, CSRF, rate limits,
// the error type and the error page, the client address behind trusted proxies, the
// request scope and access log, security headers, body limits and the input guard. It
// knows no route of its own: portal mounts the surfaces on it.
package web

import (
	"io/fs"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/ratelimit"
	"lcrm/internal/replica"
	"lcrm/requests"
	"lcrm/shipments"
)

// Deps are the domain services the core itself calls.
type Deps struct {
	// Accounts reads the session's user.
	Accounts *accounts.Store
	// Customers records workbook exports (SendStamped).
	Customers *customers.Store
	// Limiter keeps rate-limit counters shared by all instances; without it nothing is limited.
	Limiter *ratelimit.Limiter
	// Log is the server's logger (slog.Default when nil).
	Log *slog.Logger
	// Now is the clock every decision of a request follows (clock.System when nil): see
	// Core.Now.
	Now clock.Clock
	// Replicas are the read replicas (NoteWrites asks the primary's WAL position after a
	// write); nil without any.
	Replicas *replica.Set
}

// Stores are the domain stores most surfaces call; each surface's Deps embeds them.
type Stores struct {
	Shipments  *shipments.Store
	Customers  *customers.Store
	Accounts   *accounts.Store
	Complaints *complaints.Store
	// Requests keeps delivery requests, pickup points and delivery consent; without it
	// their pages and API routes are not served (404) and the tracking page offers none.
	Requests *requests.Store
	// TrackReads are the shipments store over the primary and each read replica, for the
	// public tracking reads (Stores.Track); nil: Shipments serves them.
	TrackReads *replica.Reads[*shipments.Store]
}

// Config holds the settings of the core: see portal.Config for each field. The caller
// fills in the defaults.
type Config struct {
	PublicURL                       string
	Zone                            *time.Location
	MaxUploadBytes, MaxBodyBytes    int
	MaxAPIBytes, LookupsPerMinute   int
	TrustedProxies                  []string
	Secret                          []byte
	TwoFactorRoles                  []accounts.Role
	RequestTimeout, DownloadTimeout time.Duration
}

// Core is what every surface shares: the parsed pages, the settings and the middleware.
type Core struct {
	deps Deps
	cfg  Config
	log  *slog.Logger
	web  *web
	// lookups counts public lookups per address from shares reserved in PostgreSQL.
	lookups *ratelimit.Batched
	// proxies are the trusted reverse proxies (cfg.TrustedProxies parsed): see clientAddr.
	proxies []netip.Prefix
	// secure is true when the public URL is https: cookies get the Secure flag.
	secure bool
	// outage logs database outages once per interval.
	outage outageLog
}

// New parses the pages and catalogues and builds the core.
func New(deps Deps, cfg Config) (*Core, error) {
	log := deps.Log
	if log == nil {
		log = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = clock.System
	}
	w, err := newWeb(cfg.Zone)
	if err != nil {
		return nil, err
	}
	s := &Core{deps: deps, cfg: cfg, log: log, web: w, secure: strings.HasPrefix(cfg.PublicURL, "https://")}
	var bad []string
	if s.proxies, bad = parseProxies(cfg.TrustedProxies); len(bad) > 0 {
		log.Error("trusted proxies: not an address or CIDR, ignored", "entries", bad)
	}
	if deps.Limiter != nil {
		s.lookups = deps.Limiter.Batched()
	}
	return s, nil
}

// Stop gives the lookup counter's unused shares back (after the server has shut down).
func (s *Core) Stop() {
	if s.lookups != nil {
		s.lookups.Stop()
		s.lookups = nil
	}
}

// Zone is the time zone pages are shown in (Config.Zone).
func (s *Core) Zone() *time.Location { return s.cfg.Zone }

// Static is the embedded static files, under "static/".
func Static() fs.FS { return staticFS }
