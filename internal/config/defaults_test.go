package config

import (
	"testing"
	"time"
)

// With nothing set, Load gives exactly the Default constants the domain packages fall
// back to, and the values the README documents.
func TestLoadDefaults(t *testing.T) {
	for _, k := range []string{"DATABASE_URL", "LCRM_ADDR", "LCRM_DATA_DIR", "LCRM_PUBLIC_URL", "LCRM_TIMEZONE",
		"LCRM_LOOKUPS_PER_MINUTE", "LCRM_MAX_API_BYTES", "LCRM_MAX_BODY_BYTES", "LCRM_MAX_IMPORT_BYTES",
		"LCRM_TIME_PAST", "LCRM_TIME_FUTURE", "LCRM_REQUEST_TIMEOUT", "LCRM_DOWNLOAD_TIMEOUT",
		"LCRM_SMS_SIGNATURE", "LCRM_SMS_QUIET", "LCRM_SMS_DAILY_CAP", "LCRM_SMS_RATE", "LCRM_SMS_MAX_SEGMENTS",
		"LCRM_2FA_REQUIRED_ROLES", "LCRM_DB_MAX_CONNS", "LCRM_LOG_LEVEL", "LCRM_JOBS", "LCRM_SMS_DISPATCH"} {
		t.Setenv(k, "")
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	const day = 24 * time.Hour
	for _, x := range []struct {
		name      string
		got, want any
		doc       any // the README's figure
	}{
		{"addr", c.Addr, DefaultAddr, ":8080"},
		{"data dir", c.DataDir, DefaultDataDir, "./lcrm-data"},
		{"public url", c.PublicURL, DefaultPublicURL, "http://localhost:8080"},
		{"zone", c.Zone.String(), DefaultZone.String(), "Asia/Shanghai"},
		{"lookups", c.Lookups, DefaultLookupsPerMinute, 60},
		{"body", c.MaxBodyBytes, DefaultMaxBodyBytes, 1 << 20},
		{"api", c.MaxAPIBytes, DefaultMaxAPIBytes, 4 << 20},
		{"import", c.MaxImportBytes, DefaultMaxImportBytes, 64 << 20},
		{"past", c.TimePast, time.Duration(DefaultTimePast), 730 * day},
		{"future", c.TimeFuture, time.Duration(DefaultTimeFuture), 365 * day},
		{"signature", c.SMSSignature, DefaultSMSSignature, "【顺达物流】"},
		{"quiet start", c.SMSQuietStart, DefaultSMSQuietStart, 21 * 60},
		{"quiet end", c.SMSQuietEnd, DefaultSMSQuietEnd, 8 * 60},
		{"daily cap", c.SMSDailyCap, DefaultSMSDailyCap, 3},
		{"rate", c.SMSRate, DefaultSMSRate, 10.0},
		{"segments", c.SMSMaxSegments, DefaultSMSMaxSegments, 3},
		{"status sms every", c.StatusSMSEvery, DefaultStatusSMSEvery, 2 * time.Second},
	} {
		if x.got != x.want || x.want != x.doc {
			t.Errorf("%s: loaded %v, default %v, README %v", x.name, x.got, x.want, x.doc)
		}
	}
}
