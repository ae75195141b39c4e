package config

import (
	"fmt"
	"strconv"
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
	return nil
}
