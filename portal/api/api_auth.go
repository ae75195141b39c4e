package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
)

const localAPIKey = "apikey"

// requireAPIKey admits requests with a live "Authorization: Bearer <key>" and keeps the
// key record for the handler.
func (s *handler) requireAPIKey(c *fiber.Ctx) error {
	auth := c.Get(fiber.HeaderAuthorization)
	key, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return accounts.ErrBadKey
	}
	k, err := s.deps.Accounts.Authenticate(c.UserContext(), strings.TrimSpace(key))
	if err != nil {
		return err
	}
	c.Locals(localAPIKey, k)
	return c.Next()
}

func apiKey(c *fiber.Ctx) *accounts.APIKey {
	k, _ := c.Locals(localAPIKey).(*accounts.APIKey)
	return k
}
