package config

import (
	"testing"
	"time"
)

func TestLoadLimits(t *testing.T) {
	const day = 24 * time.Hour
	cases := []struct {
		name              string
		env               map[string]string
		ok                bool
		body, api, upload int
		past, future      time.Duration
		token             string
	}{
		{"defaults", nil, true, 1 << 20, 4 << 20, 64 << 20, 730 * day, 365 * day, ""},
		{"custom", map[string]string{"LCRM_MAX_BODY_BYTES": "65536", "LCRM_MAX_API_BYTES": "1048576",
			"LCRM_MAX_IMPORT_BYTES": "1000", "LCRM_TIME_PAST": "90d", "LCRM_TIME_FUTURE": "48h", "LCRM_METRICS_TOKEN": "t0k"},
			true, 65536, 1 << 20, 1000, 90 * day, 48 * time.Hour, "t0k"},
		{"zero body", map[string]string{"LCRM_MAX_BODY_BYTES": "0"}, false, 0, 0, 0, 0, 0, ""},
		{"words", map[string]string{"LCRM_MAX_IMPORT_BYTES": "64MB"}, false, 0, 0, 0, 0, 0, ""},
		{"bad past", map[string]string{"LCRM_TIME_PAST": "two years"}, false, 0, 0, 0, 0, 0, ""},
		{"negative future", map[string]string{"LCRM_TIME_FUTURE": "-5d"}, false, 0, 0, 0, 0, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"LCRM_MAX_BODY_BYTES", "LCRM_MAX_API_BYTES", "LCRM_MAX_IMPORT_BYTES",
				"LCRM_TIME_PAST", "LCRM_TIME_FUTURE", "LCRM_METRICS_TOKEN"} {
				t.Setenv(k, c.env[k])
			}
			var cfg Config
			err := cfg.loadLimits()
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
			if c.ok && (cfg.MaxBodyBytes != c.body || cfg.MaxAPIBytes != c.api || cfg.MaxImportBytes != c.upload ||
				cfg.TimePast != c.past || cfg.TimeFuture != c.future || cfg.MetricsToken != c.token) {
				t.Errorf("got %+v", cfg)
			}
		})
	}
}
