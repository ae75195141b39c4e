package config

import (
	"testing"
	"time"
)

func TestWebhookSettings(t *testing.T) {
	for _, c := range []struct {
		allow, send  string
		wantAllow    bool
		wantSend, ok bool
	}{
		{"", "", false, true, true},
		{"true", "false", true, false, true},
		{"yes", "", false, false, false},
		{"", "sometimes", false, false, false},
	} {
		t.Setenv("LCRM_WEBHOOK_ALLOW_PRIVATE", c.allow)
		t.Setenv("LCRM_WEBHOOK_SEND", c.send)
		var cfg Config
		err := cfg.loadWebhooks()
		if (err == nil) != c.ok || (c.ok && (cfg.WebhookAllowPrivate != c.wantAllow || cfg.WebhookSend != c.wantSend)) {
			t.Errorf("%q/%q: %+v, %v", c.allow, c.send, cfg.WebhookAllowPrivate, err)
		}
	}
}

// TestLeaseSettings: LCRM_SMS_LEASE and LCRM_WEBHOOK_LEASE default to a minute and take a
// Go duration; a lease too short to send within is refused.
func TestLeaseSettings(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        time.Duration // 0: refused
	}{
		{"LCRM_SMS_LEASE", "", DefaultDispatchLease},
		{"LCRM_SMS_LEASE", "3s", 3 * time.Second},
		{"LCRM_SMS_LEASE", "500ms", 0},
		{"LCRM_SMS_LEASE", "soon", 0},
		{"LCRM_WEBHOOK_LEASE", "", DefaultWebhookLease},
		{"LCRM_WEBHOOK_LEASE", "2m", 2 * time.Minute},
		{"LCRM_WEBHOOK_LEASE", "1s", 0},
	} {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			t.Setenv(c.name, c.value)
			cfg, err := Load()
			if c.want == 0 {
				if err == nil {
					t.Errorf("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.SMSLease
			if c.name == "LCRM_WEBHOOK_LEASE" {
				got = cfg.WebhookLease
			}
			if got != c.want {
				t.Errorf("lease %v, want %v", got, c.want)
			}
		})
	}
}
