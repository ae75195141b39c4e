package config

import (
	"strings"
	"testing"
)

func TestTrustedProxies(t *testing.T) {
	for _, c := range []struct {
		env  string
		want string // joined with "|"; "error" when Load must refuse
	}{
		{"", ""},
		{"10.0.0.1", "10.0.0.1"},
		{" 10.0.0.0/8 , 2001:db8::/32,192.0.2.7 ", "10.0.0.0/8|2001:db8::/32|192.0.2.7"},
		{"lb.internal", "error"},
		{"10.0.0.0/33", "error"},
		{"10.0.0.1,", "10.0.0.1"},
	} {
		t.Setenv("LCRM_TRUSTED_PROXIES", c.env)
		cfg, err := Load()
		switch {
		case c.want == "error":
			if err == nil {
				t.Errorf("LCRM_TRUSTED_PROXIES=%q accepted: %v", c.env, cfg.TrustedProxies)
			}
		case err != nil:
			t.Errorf("LCRM_TRUSTED_PROXIES=%q: %v", c.env, err)
		case strings.Join(cfg.TrustedProxies, "|") != c.want:
			t.Errorf("LCRM_TRUSTED_PROXIES=%q: %v, want %s", c.env, cfg.TrustedProxies, c.want)
		}
	}
}
