package config

import (
	"testing"
	"time"
)

func TestLoadTimeouts(t *testing.T) {
	for _, c := range []struct {
		name              string
		request, download string
		ok                bool
		wantReq, wantDown time.Duration
	}{
		{"defaults", "", "", true, 10 * time.Second, 2 * time.Minute},
		{"custom", "3s", "5m", true, 3 * time.Second, 5 * time.Minute},
		{"zero", "0s", "", false, 0, 0},
		{"words", "ten seconds", "", false, 0, 0},
		{"negative download", "", "-1m", false, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("LCRM_REQUEST_TIMEOUT", c.request)
			t.Setenv("LCRM_DOWNLOAD_TIMEOUT", c.download)
			var cfg Config
			err := cfg.loadLimits()
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
			if c.ok && (cfg.RequestTimeout != c.wantReq || cfg.DownloadTimeout != c.wantDown) {
				t.Errorf("request %v download %v, want %v %v", cfg.RequestTimeout, cfg.DownloadTimeout, c.wantReq, c.wantDown)
			}
		})
	}
}
