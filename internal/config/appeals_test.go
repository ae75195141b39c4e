package config

import (
	"testing"
	"time"
)

func TestLoadAppealReplyWindow(t *testing.T) {
	for _, c := range []struct {
		value string
		ok    bool
		want  time.Duration
	}{
		{"", true, DefaultAppealReplyWindow},
		{"5d", true, 5 * 24 * time.Hour},
		{"36h", true, 36 * time.Hour},
		{"0d", false, 0},
		{"a week", false, 0},
	} {
		t.Run(c.value, func(t *testing.T) {
			t.Setenv("LCRM_APPEAL_REPLY_WINDOW", c.value)
			var cfg Config
			err := cfg.loadLimits()
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
			if c.ok && cfg.AppealReplyWindow != c.want {
				t.Errorf("window %v, want %v", cfg.AppealReplyWindow, c.want)
			}
		})
	}
	if DefaultAppealReplyWindow != 7*24*time.Hour {
		t.Errorf("default %v, the README says 7 days", DefaultAppealReplyWindow)
	}
}
