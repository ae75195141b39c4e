package shipper

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"lcrm/hooks"
	"lcrm/internal/errs"
)

// webhookForm is the register form as typed, kept to re-fill it.
type webhookForm struct {
	URL    string
	Events map[string]bool
}

// webhookRow is one endpoint on the page, with its delivery log when it is opened.
type webhookRow struct {
	hooks.Endpoint
	Open bool
	Log  []hooks.Delivery
}

// shipperWebhooks lists the shipper's endpoints, the register form, a notice for any
// endpoint disabled by failures, and the delivery log of the endpoint named by ?log=.
func (s *handler) shipperWebhooks(c *fiber.Ctx) error {
	return s.renderWebhooks(c, webhookForm{Events: map[string]bool{hooks.ShipmentStatusChanged: true}}, nil, "", "")
}

func (s *handler) renderWebhooks(c *fiber.Ctx, f webhookForm, fields []errs.FieldError, secret, msg string) error {
	sid := s.CurrentUser(c).ShipperID
	es, err := s.deps.Webhooks.List(c.UserContext(), sid)
	if err != nil {
		return err
	}
	open, _ := strconv.ParseInt(c.Query("log"), 10, 64)
	rows := make([]webhookRow, len(es))
	var disabled []hooks.Endpoint
	for i, e := range es {
		rows[i] = webhookRow{Endpoint: e}
		if !e.Enabled {
			disabled = append(disabled, e)
		}
		if e.ID == open {
			rows[i].Open = true
			if rows[i].Log, err = s.deps.Webhooks.Deliveries(c.UserContext(), sid, e.ID, 50); err != nil {
				return err
			}
		}
	}
	errFor := map[string]string{}
	for _, fe := range fields {
		errFor[fe.Field] = fe.Key
	}
	if secret != "" {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return s.Render(c, "shipper_webhooks", fiber.Map{"Endpoints": rows, "Disabled": disabled, "Form": f,
		"Fields": errFor, "Secret": secret, "Msg": msg, "EventTypes": hooks.EventTypes})
}

// shipperCreateWebhook registers an endpoint and shows its secret once.
func (s *handler) shipperCreateWebhook(c *fiber.Ctx) error {
	f := webhookForm{URL: strings.TrimSpace(c.FormValue("url")), Events: map[string]bool{}}
	var events []string
	for k, v := range c.Request().PostArgs().All() {
		if string(k) == "events" {
			events = append(events, string(v))
			f.Events[string(v)] = true
		}
	}
	_, secret, err := s.deps.Webhooks.Register(c.UserContext(), s.CurrentUser(c).ShipperID, f.URL, events)
	var ve *errs.ValidationError
	if errors.As(err, &ve) {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderWebhooks(c, f, ve.Fields, "", "")
	}
	if err != nil {
		return err
	}
	return s.renderWebhooks(c, webhookForm{Events: map[string]bool{}}, nil, secret, "webhooks.created")
}

func endpointParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, hooks.ErrNotFound
	}
	return id, nil
}

// shipperRotateWebhook gives an endpoint a new secret, shown once; the old one signs too for 24 h.
func (s *handler) shipperRotateWebhook(c *fiber.Ctx) error {
	id, err := endpointParam(c, "id")
	if err != nil {
		return err
	}
	secret, err := s.deps.Webhooks.Rotate(c.UserContext(), s.CurrentUser(c).ShipperID, id)
	if err != nil {
		return err
	}
	return s.renderWebhooks(c, webhookForm{Events: map[string]bool{}}, nil, secret, "webhooks.rotated")
}

// shipperDeleteWebhook removes an endpoint and its log.
func (s *handler) shipperDeleteWebhook(c *fiber.Ctx) error {
	id, err := endpointParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Webhooks.Delete(c.UserContext(), s.CurrentUser(c).ShipperID, id); err != nil {
		return err
	}
	return c.Redirect("/shipper/webhooks", fiber.StatusSeeOther)
}

// shipperEnableWebhook turns a disabled endpoint back on.
func (s *handler) shipperEnableWebhook(c *fiber.Ctx) error {
	id, err := endpointParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Webhooks.Enable(c.UserContext(), s.CurrentUser(c).ShipperID, id); err != nil {
		return err
	}
	return c.Redirect("/shipper/webhooks", fiber.StatusSeeOther)
}

// shipperResendDelivery sends one finished delivery again.
func (s *handler) shipperResendDelivery(c *fiber.Ctx) error {
	id, err := endpointParam(c, "id")
	if err != nil {
		return err
	}
	did, err := endpointParam(c, "delivery")
	if err != nil {
		return err
	}
	if err := s.deps.Webhooks.Resend(c.UserContext(), s.CurrentUser(c).ShipperID, did); err != nil {
		return err
	}
	return c.Redirect("/shipper/webhooks?log="+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
}
