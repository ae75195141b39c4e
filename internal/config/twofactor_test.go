package config

import (
	"slices"
	"testing"
)

func TestLoadTwoFactor(t *testing.T) {
	cases := []struct {
		env   string
		ok    bool
		roles []string
		set   bool
	}{
		{"", true, []string{"admin", "manager"}, false},
		{"none", true, nil, true},
		{"admin", true, []string{"admin"}, true},
		{" agent , supervisor,manager,admin ", true, []string{"agent", "supervisor", "manager", "admin"}, true},
		{"shipper", false, nil, true},
		{"admin,root", false, nil, true},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv("LCRM_2FA_REQUIRED_ROLES", c.env)
			var cfg Config
			err := cfg.loadTwoFactor()
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
			if c.ok && (!slices.Equal(cfg.TwoFactorRoles, c.roles) || cfg.TwoFactorRolesSet != c.set) {
				t.Errorf("roles %v set %v, want %v %v", cfg.TwoFactorRoles, cfg.TwoFactorRolesSet, c.roles, c.set)
			}
		})
	}
}
