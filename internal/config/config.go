// Package config reads lcrm's settings from the environment. Every variable is listed in
// the README; defaults make `lcrm serve` work on a laptop with nothing set.
package config

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is every setting lcrm reads from the environment.
type Config struct {
	DatabaseURL string         // DATABASE_URL; empty: a private local server in DataDir
	DataDir     string         // LCRM_DATA_DIR, default ./lcrm-data
	Addr        string         // LCRM_ADDR, default :8080
	PublicURL   string         // LCRM_PUBLIC_URL, default http://localhost:8080
	Zone        *time.Location // LCRM_TIMEZONE, default Asia/Shanghai
	LogLevel    slog.Level     // LCRM_LOG_LEVEL: debug, info, warn, error
	LogJSON     bool           // LCRM_LOG_FORMAT=json
	MaxConns    int32          // LCRM_DB_MAX_CONNS, default 2 per CPU (at least 4)
	Jobs        bool           // LCRM_JOBS, default on: run the scheduler in this instance
	SessionKey  string         // LCRM_SESSION_KEY: secret for signed links; empty: one kept in the database
	Lookups     int            // LCRM_LOOKUPS_PER_MINUTE: public lookups per client address, default 60
	// TrustedProxies are the addresses or CIDRs of reverse proxies whose X-Forwarded-For is
	// read, from the right, past the trusted ones (LCRM_TRUSTED_PROXIES, comma-separated);
	// without them the client address is the peer's.
	TrustedProxies []string
	// TwoFactorRoles must turn on two-factor login before using the site
	// (LCRM_2FA_REQUIRED_ROLES, comma-separated roles, default "admin,manager"; "none": no
	// role). TwoFactorRolesSet says the variable was set (serve --demo keeps it off otherwise).
	TwoFactorRoles    []string
	TwoFactorRolesSet bool

	TwilioAccountSID   string // TWILIO_ACCOUNT_SID
	TwilioAuthToken    string // TWILIO_AUTH_TOKEN
	TwilioFrom         string // TWILIO_FROM: sender number
	TwilioMessagingSID string // TWILIO_MESSAGING_SERVICE_SID: alternative to TWILIO_FROM
	TwilioAPIBase      string // TWILIO_API_BASE: override Twilio's API host (tests, proxies)
	SMSSignature       string // LCRM_SMS_SIGNATURE, default 【顺达物流】
	// SMS outbox (package notify).
	SMSQuietStart, SMSQuietEnd int           // LCRM_SMS_QUIET "21:00-08:00" (recipient's local time), minutes after midnight; "off": none
	SMSNoQuiet                 bool          // LCRM_SMS_QUIET=off
	SMSDailyCap                int           // LCRM_SMS_DAILY_CAP: care messages per phone per day, default 3 (0: no cap)
	SMSRate                    float64       // LCRM_SMS_RATE: messages per second over the instance, default 10 (0: no limit)
	SMSMaxSegments             int           // LCRM_SMS_MAX_SEGMENTS, default 3
	SMSDispatch                bool          // LCRM_SMS_DISPATCH, default true: run the SMS dispatcher in this instance
	StatusSMSEvery             time.Duration // LCRM_STATUS_SMS_EVERY: how often status changes become SMS, default 2s
	// SMSLease is how long a dispatcher's claim on a message holds (LCRM_SMS_LEASE, default
	// DefaultDispatchLease): after a crash the claimed messages wait this long for another
	// instance to take them over.
	SMSLease time.Duration
	// Outgoing webhooks (package hooks).
	WebhookAllowPrivate bool // LCRM_WEBHOOK_ALLOW_PRIVATE, default false: endpoints may be loopback/private/link-local
	WebhookSend         bool // LCRM_WEBHOOK_SEND, default true: run the webhook sender in this instance
	// WebhookLease is how long a sender's claim on a delivery holds (LCRM_WEBHOOK_LEASE,
	// default DefaultWebhookLease); a POST is given at most half of it.
	WebhookLease time.Duration

	// Input limits (see loadLimits).
	MaxBodyBytes   int           // LCRM_MAX_BODY_BYTES: form bodies, default 1 MiB
	MaxAPIBytes    int           // LCRM_MAX_API_BYTES: JSON API bodies, default 4 MiB
	MaxImportBytes int           // LCRM_MAX_IMPORT_BYTES: import uploads, default 64 MiB
	TimePast       time.Duration // LCRM_TIME_PAST: how old a shipment or event time may be, default 730d
	TimeFuture     time.Duration // LCRM_TIME_FUTURE: how far ahead a promised time may be, default 365d
	// MetricsToken is the bearer token for /metrics (LCRM_METRICS_TOKEN); without it
	// /metrics is not served.
	MetricsToken string
	// RequestTimeout bounds every request's work, database statements included
	// (LCRM_REQUEST_TIMEOUT, default DefaultRequestTimeout); DownloadTimeout bounds the
	// workbook downloads and imports instead (LCRM_DOWNLOAD_TIMEOUT, default
	// DefaultDownloadTimeout).
	RequestTimeout, DownloadTimeout time.Duration
	// AppealReplyWindow is the default reply deadline of a regulator appeal, counted from
	// its receipt (LCRM_APPEAL_REPLY_WINDOW, default 7d); each appeal may set its own.
	AppealReplyWindow time.Duration
	// ReplicaURLs are streaming standbys of DATABASE_URL's server that serve the public
	// read-only traffic (LCRM_REPLICA_URL, comma-separated); ReplicaMaxLag is how far
	// behind one may be and still serve (LCRM_REPLICA_MAX_LAG, default 5s).
	ReplicaURLs   []string
	ReplicaMaxLag time.Duration
}

// Request deadlines when none is set: past them a request's statements are cancelled and
// the client gets 503.
const (
	DefaultRequestTimeout  = 10 * time.Second
	DefaultDownloadTimeout = 2 * time.Minute
)

// Load reads the environment.
func Load() (*Config, error) {
	c := &Config{
		DatabaseURL:        os.Getenv("DATABASE_URL"),
		DataDir:            env("LCRM_DATA_DIR", DefaultDataDir),
		Addr:               env("LCRM_ADDR", DefaultAddr),
		PublicURL:          strings.TrimRight(env("LCRM_PUBLIC_URL", DefaultPublicURL), "/"),
		LogJSON:            os.Getenv("LCRM_LOG_FORMAT") == "json",
		SessionKey:         os.Getenv("LCRM_SESSION_KEY"),
		TwilioAccountSID:   os.Getenv("TWILIO_ACCOUNT_SID"),
		TwilioAuthToken:    os.Getenv("TWILIO_AUTH_TOKEN"),
		TwilioFrom:         os.Getenv("TWILIO_FROM"),
		TwilioMessagingSID: os.Getenv("TWILIO_MESSAGING_SERVICE_SID"),
		TwilioAPIBase:      os.Getenv("TWILIO_API_BASE"),
		SMSSignature:       env("LCRM_SMS_SIGNATURE", DefaultSMSSignature),
	}
	zone, err := time.LoadLocation(env("LCRM_TIMEZONE", DefaultZoneName))
	if err != nil {
		return nil, fmt.Errorf("config: LCRM_TIMEZONE: %w", err)
	}
	c.Zone = zone
	if err := c.LogLevel.UnmarshalText([]byte(env("LCRM_LOG_LEVEL", "info"))); err != nil {
		return nil, fmt.Errorf("config: LCRM_LOG_LEVEL: %w", err)
	}
	// Measured (BENCHMARKS.md): about two connections per core serves reads fastest; more
	// connections only make PostgreSQL backends fight for the same cores.
	n, err := strconv.Atoi(env("LCRM_DB_MAX_CONNS", strconv.Itoa(max(4, 2*runtime.NumCPU()))))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("config: LCRM_DB_MAX_CONNS must be a positive number")
	}
	c.MaxConns = int32(n)
	if c.Lookups, err = strconv.Atoi(env("LCRM_LOOKUPS_PER_MINUTE", strconv.Itoa(DefaultLookupsPerMinute))); err != nil || c.Lookups < 1 {
		return nil, fmt.Errorf("config: LCRM_LOOKUPS_PER_MINUTE must be a positive number")
	}
	if v := env("LCRM_TRUSTED_PROXIES", ""); v != "" {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if _, err := netip.ParsePrefix(p); err != nil {
				if _, err := netip.ParseAddr(p); err != nil {
					return nil, fmt.Errorf("config: LCRM_TRUSTED_PROXIES: %q is not an address or CIDR", p)
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if err := c.loadTwoFactor(); err != nil {
		return nil, err
	}
	c.Jobs, err = strconv.ParseBool(env("LCRM_JOBS", "true"))
	if err != nil {
		return nil, fmt.Errorf("config: LCRM_JOBS must be true or false")
	}
	if err := c.loadWebhooks(); err != nil {
		return nil, err
	}
	if err := c.loadSMS(); err != nil {
		return nil, err
	}
	if err := c.loadLimits(); err != nil {
		return nil, err
	}
	if err := c.loadReplicas(); err != nil {
		return nil, err
	}
	return c, nil
}

// loadLimits reads the input limits: body sizes in bytes, and the window of plausible
// times as a Go duration or a number of days ("730d").
func (c *Config) loadLimits() error {
	for _, l := range []struct {
		name string
		dst  *int
		def  int
	}{{"LCRM_MAX_BODY_BYTES", &c.MaxBodyBytes, DefaultMaxBodyBytes}, {"LCRM_MAX_API_BYTES", &c.MaxAPIBytes, DefaultMaxAPIBytes},
		{"LCRM_MAX_IMPORT_BYTES", &c.MaxImportBytes, DefaultMaxImportBytes}} {
		n, err := strconv.Atoi(env(l.name, strconv.Itoa(l.def)))
		if err != nil || n < 1 {
			return fmt.Errorf("config: %s must be a positive number of bytes", l.name)
		}
		*l.dst = n
	}
	for _, l := range []struct {
		name, def string
		dst       *time.Duration
	}{{"LCRM_TIME_PAST", DefaultTimePast.String(), &c.TimePast}, {"LCRM_TIME_FUTURE", DefaultTimeFuture.String(), &c.TimeFuture},
		{"LCRM_REQUEST_TIMEOUT", DefaultRequestTimeout.String(), &c.RequestTimeout},
		{"LCRM_DOWNLOAD_TIMEOUT", DefaultDownloadTimeout.String(), &c.DownloadTimeout},
		{"LCRM_APPEAL_REPLY_WINDOW", DefaultAppealReplyWindow.String(), &c.AppealReplyWindow}} {
		d, err := days(env(l.name, l.def))
		if err != nil || d <= 0 {
			return fmt.Errorf("config: %s must be a positive duration such as 730d or 720h", l.name)
		}
		*l.dst = d
	}
	c.MetricsToken = os.Getenv("LCRM_METRICS_TOKEN")
	return nil
}

// days parses a Go duration, or a whole number of days written "Nd".
func days(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		d, err := strconv.Atoi(n)
		return time.Duration(d) * 24 * time.Hour, err
	}
	return time.ParseDuration(v)
}

func env(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// Logger builds the process logger from the settings.
func (c *Config) Logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// loadTwoFactor reads LCRM_2FA_REQUIRED_ROLES: staff roles (two-factor login is a
// console feature), or "none".
func (c *Config) loadTwoFactor() error {
	c.TwoFactorRoles = nil
	c.TwoFactorRolesSet = strings.TrimSpace(os.Getenv("LCRM_2FA_REQUIRED_ROLES")) != ""
	v := env("LCRM_2FA_REQUIRED_ROLES", "admin,manager")
	if v == "none" {
		return nil
	}
	for _, r := range strings.Split(v, ",") {
		switch r = strings.TrimSpace(r); r {
		case "agent", "supervisor", "manager", "admin":
			c.TwoFactorRoles = append(c.TwoFactorRoles, r)
		default:
			return fmt.Errorf("config: LCRM_2FA_REQUIRED_ROLES: %q is not a staff role (agent, supervisor, manager, admin), nor none", r)
		}
	}
	return nil
}

// loadSMS reads the SMS outbox settings.
func (c *Config) loadSMS() error {
	var err error
	if q := env("LCRM_SMS_QUIET", fmt.Sprintf("%02d:%02d-%02d:%02d",
		DefaultSMSQuietStart/60, DefaultSMSQuietStart%60, DefaultSMSQuietEnd/60, DefaultSMSQuietEnd%60)); q == "off" {
		c.SMSNoQuiet = true
	} else {
		from, to, ok := strings.Cut(q, "-")
		var f, t time.Time
		if ok {
			f, err = time.Parse("15:04", strings.TrimSpace(from))
			if err == nil {
				t, err = time.Parse("15:04", strings.TrimSpace(to))
			}
		}
		if !ok || err != nil || f.Equal(t) {
			return fmt.Errorf("config: LCRM_SMS_QUIET must look like 21:00-08:00 or be off")
		}
		c.SMSQuietStart, c.SMSQuietEnd = f.Hour()*60+f.Minute(), t.Hour()*60+t.Minute()
	}
	if c.SMSDailyCap, err = strconv.Atoi(env("LCRM_SMS_DAILY_CAP", strconv.Itoa(DefaultSMSDailyCap))); err != nil || c.SMSDailyCap < 0 {
		return fmt.Errorf("config: LCRM_SMS_DAILY_CAP must be a number, 0 for no cap")
	}
	if c.SMSRate, err = strconv.ParseFloat(env("LCRM_SMS_RATE", strconv.FormatFloat(DefaultSMSRate, 'g', -1, 64)), 64); err != nil || c.SMSRate < 0 {
		return fmt.Errorf("config: LCRM_SMS_RATE must be messages per second, 0 for no limit")
	}
	if c.SMSMaxSegments, err = strconv.Atoi(env("LCRM_SMS_MAX_SEGMENTS", strconv.Itoa(DefaultSMSMaxSegments))); err != nil || c.SMSMaxSegments < 1 {
		return fmt.Errorf("config: LCRM_SMS_MAX_SEGMENTS must be a positive number")
	}
	if c.SMSDispatch, err = strconv.ParseBool(env("LCRM_SMS_DISPATCH", "true")); err != nil {
		return fmt.Errorf("config: LCRM_SMS_DISPATCH must be true or false")
	}
	if c.StatusSMSEvery, err = time.ParseDuration(env("LCRM_STATUS_SMS_EVERY", DefaultStatusSMSEvery.String())); err != nil || c.StatusSMSEvery <= 0 {
		return fmt.Errorf("config: LCRM_STATUS_SMS_EVERY must be a positive duration such as 2s")
	}
	if c.SMSLease, err = time.ParseDuration(env("LCRM_SMS_LEASE", DefaultDispatchLease.String())); err != nil || c.SMSLease < time.Second {
		return fmt.Errorf("config: LCRM_SMS_LEASE must be a duration of at least 1s such as 60s")
	}
	return nil
}
