package config

import (
	"log/slog"
	"net/url"
	"strings"
)

// LogValue is the effective configuration as an operator needs to see it at start: every
// setting, secrets masked (set or not, never their value), passwords cut from the URL.
func (c *Config) LogValue() slog.Value {
	quiet := "off"
	if !c.SMSNoQuiet {
		quiet = hhmm(c.SMSQuietStart) + "-" + hhmm(c.SMSQuietEnd)
	}
	return slog.GroupValue(
		slog.String("database_url", maskURL(c.DatabaseURL)),
		slog.String("data_dir", c.DataDir),
		slog.String("addr", c.Addr),
		slog.String("public_url", c.PublicURL),
		slog.String("timezone", c.Zone.String()),
		slog.String("log_level", c.LogLevel.String()),
		slog.Bool("log_json", c.LogJSON),
		slog.Int("db_max_conns", int(c.MaxConns)),
		slog.Bool("jobs", c.Jobs),
		slog.String("session_key", secret(c.SessionKey, "kept in the database")),
		slog.Int("lookups_per_minute", c.Lookups),
		slog.String("trusted_proxies", strings.Join(c.TrustedProxies, ",")),
		slog.String("2fa_required_roles", strings.Join(c.TwoFactorRoles, ",")),
		slog.String("twilio_account_sid", secret(c.TwilioAccountSID, "")),
		slog.String("twilio_auth_token", secret(c.TwilioAuthToken, "")),
		slog.String("twilio_from", c.TwilioFrom),
		slog.String("twilio_messaging_service_sid", c.TwilioMessagingSID),
		slog.String("twilio_api_base", c.TwilioAPIBase),
		slog.String("sms_quiet", quiet),
		slog.Int("sms_daily_cap", c.SMSDailyCap),
		slog.Float64("sms_rate", c.SMSRate),
		slog.Int("sms_max_segments", c.SMSMaxSegments),
		slog.Bool("sms_dispatch", c.SMSDispatch),
		slog.Duration("status_sms_every", c.StatusSMSEvery),
		slog.Duration("sms_lease", c.SMSLease),
		slog.Bool("webhook_allow_private", c.WebhookAllowPrivate),
		slog.Bool("webhook_send", c.WebhookSend),
		slog.Duration("webhook_lease", c.WebhookLease),
		slog.Int("max_body_bytes", c.MaxBodyBytes),
		slog.Int("max_api_bytes", c.MaxAPIBytes),
		slog.Int("max_import_bytes", c.MaxImportBytes),
		slog.Duration("time_past", c.TimePast),
		slog.Duration("time_future", c.TimeFuture),
		slog.String("metrics_token", secret(c.MetricsToken, "/metrics off")),
		slog.Duration("request_timeout", c.RequestTimeout),
		slog.Duration("download_timeout", c.DownloadTimeout),
		slog.Duration("appeal_reply_window", c.AppealReplyWindow),
		slog.String("replica_url", maskURLs(c.ReplicaURLs)),
		slog.Duration("replica_max_lag", c.ReplicaMaxLag),
	)
}

// secret says whether a secret is set, never what it is.
func secret(v, unset string) string {
	if v != "" {
		return "(set)"
	}
	if unset != "" {
		return "(unset: " + unset + ")"
	}
	return "(unset)"
}

// maskURL drops the password from a connection URL (and says so); an unparsable URL is
// masked whole, since it may hold one.
func maskURL(raw string) string {
	if raw == "" {
		return "(unset: private server in data_dir)"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(set, unparsable)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func hhmm(m int) string {
	return string([]byte{byte('0' + m/600), byte('0' + m/60%10), ':', byte('0' + m%60/10), byte('0' + m%10)})
}
