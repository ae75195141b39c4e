package config

import "testing"

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
