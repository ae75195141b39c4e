package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/hooks"
	"lcrm/internal/errs"
	"lcrm/portal/web"
)

// webhookIn is the body of POST /api/v1/webhooks.
type webhookIn struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	ShipperCode string   `json:"shipper_code"`
}

// webhookOut is one endpoint as the API shows it (never its secret).
type webhookOut struct {
	ID             int64      `json:"id"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Enabled        bool       `json:"enabled"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	OldSecretUntil *time.Time `json:"old_secret_valid_until,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

func endpointOut(e hooks.Endpoint) webhookOut {
	return webhookOut{ID: e.ID, URL: e.URL, Events: e.Events, Enabled: e.Enabled, DisabledAt: e.DisabledAt,
		DisabledReason: e.DisabledReason, OldSecretUntil: e.OldSecretUntil, CreatedAt: e.CreatedAt}
}

// webhookShipper is the shipper a webhook request acts for: a shipper's key acts for its
// own shipper only (naming another is 403); a staff key must name one with shipper_code.
func (s *handler) webhookShipper(c *fiber.Ctx, code string) (int64, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	k := apiKey(c)
	if k.ShipperID != 0 {
		if code != "" {
			sh, err := s.deps.Customers.ShipperByCode(c.UserContext(), code)
			if err != nil || sh.ID != k.ShipperID {
				return 0, web.Errorf(fiber.StatusForbidden, "forbidden", "webhooks.api.other_shipper")
			}
		}
		return k.ShipperID, nil
	}
	if code == "" {
		return 0, &web.Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Message: "webhooks.api.need_shipper",
			Fields: []errs.FieldError{{Field: "shipper_code", Key: "webhooks.api.need_shipper", Message: "a staff key must name the shipper (shipper_code)"}}}
	}
	sh, err := s.deps.Customers.ShipperByCode(c.UserContext(), code)
	if err != nil {
		return 0, err
	}
	return sh.ID, nil
}

// apiCreateWebhook handles POST /api/v1/webhooks: 201 {"id", "secret"}, the secret shown once.
func (s *handler) apiCreateWebhook(c *fiber.Ctx) error {
	var in webhookIn
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return badJSON("webhooks.api.not_object", nil, jsonProblem(err))
	}
	sid, err := s.webhookShipper(c, in.ShipperCode)
	if err != nil {
		return err
	}
	e, secret, err := s.deps.Webhooks.Register(c.UserContext(), sid, in.URL, in.Events)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": e.ID, "secret": secret, "url": e.URL, "events": e.Events})
}

// apiListWebhooks handles GET /api/v1/webhooks.
func (s *handler) apiListWebhooks(c *fiber.Ctx) error {
	sid, err := s.webhookShipper(c, c.Query("shipper_code"))
	if err != nil {
		return err
	}
	es, err := s.deps.Webhooks.List(c.UserContext(), sid)
	if err != nil {
		return err
	}
	out := make([]webhookOut, len(es))
	for i, e := range es {
		out[i] = endpointOut(e)
	}
	return c.JSON(fiber.Map{"webhooks": out})
}

func webhookID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, hooks.ErrNotFound
	}
	return id, nil
}

// apiDeleteWebhook handles DELETE /api/v1/webhooks/{id}: 204; another shipper's is 404.
func (s *handler) apiDeleteWebhook(c *fiber.Ctx) error {
	sid, err := s.webhookShipper(c, c.Query("shipper_code"))
	if err != nil {
		return err
	}
	id, err := webhookID(c)
	if err != nil {
		return err
	}
	if err := s.deps.Webhooks.Delete(c.UserContext(), sid, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiRotateWebhook handles POST /api/v1/webhooks/{id}/rotate: a new secret, shown once;
// the old one keeps signing for 24 h.
func (s *handler) apiRotateWebhook(c *fiber.Ctx) error {
	sid, err := s.webhookShipper(c, c.Query("shipper_code"))
	if err != nil {
		return err
	}
	id, err := webhookID(c)
	if err != nil {
		return err
	}
	secret, err := s.deps.Webhooks.Rotate(c.UserContext(), sid, id)
	if err != nil {
		return err
	}
	e, err := s.deps.Webhooks.Get(c.UserContext(), sid, id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"id": id, "secret": secret, "old_secret_valid_until": e.OldSecretUntil})
}
