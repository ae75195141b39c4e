package config

import (
	"fmt"
	"strconv"
	"time"
)

// loadWebhooks reads the outgoing webhook settings (package hooks).
func (c *Config) loadWebhooks() error {
	var err error
	if c.WebhookAllowPrivate, err = strconv.ParseBool(env("LCRM_WEBHOOK_ALLOW_PRIVATE", "false")); err != nil {
		return fmt.Errorf("config: LCRM_WEBHOOK_ALLOW_PRIVATE must be true or false")
	}
	if c.WebhookSend, err = strconv.ParseBool(env("LCRM_WEBHOOK_SEND", "true")); err != nil {
		return fmt.Errorf("config: LCRM_WEBHOOK_SEND must be true or false")
	}
	if c.WebhookLease, err = time.ParseDuration(env("LCRM_WEBHOOK_LEASE", DefaultWebhookLease.String())); err != nil || c.WebhookLease < 2*time.Second {
		return fmt.Errorf("config: LCRM_WEBHOOK_LEASE must be a duration of at least 2s such as 60s")
	}
	return nil
}
