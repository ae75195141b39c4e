package config

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// The start-up line shows every setting but never a secret's value.
func TestLogValueMasksSecrets(t *testing.T) {
	for _, env := range [][2]string{
		{"DATABASE_URL", "postgres://lcrm:hunter2-db@db.internal:5432/lcrm?sslmode=disable"},
		{"LCRM_SESSION_KEY", "hunter2-session"},
		{"TWILIO_ACCOUNT_SID", "AChunter2sid"},
		{"TWILIO_AUTH_TOKEN", "hunter2-token"},
		{"LCRM_METRICS_TOKEN", "hunter2-metrics"},
		{"LCRM_TIMEZONE", "America/New_York"},
		{"LCRM_SMS_QUIET", "22:30-07:05"},
	} {
		t.Setenv(env[0], env[1])
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("effective configuration", "config", c)
	line := buf.String()
	if strings.Contains(line, "hunter2") {
		t.Errorf("a secret is in the log: %s", line)
	}
	for _, want := range []string{`config.database_url="postgres://lcrm:xxxxx@db.internal:5432/lcrm?sslmode=disable"`,
		"config.timezone=America/New_York", "config.session_key=(set)", "config.sms_quiet=22:30-07:05",
		`config.metrics_token=(set)`, "config.lookups_per_minute=60"} {
		if !strings.Contains(line, want) {
			t.Errorf("missing %q in %s", want, line)
		}
	}
}
