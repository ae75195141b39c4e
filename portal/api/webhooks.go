package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/twilio/twilio-go/client"

	"lcrm/notify"
)

// twilioSigned refuses (403, nothing changed) a request whose X-Twilio-Signature does not
// match the public URL it was sent to and its form parameters under the auth token.
func (s *handler) twilioSigned(next fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		sig := c.Get("X-Twilio-Signature")
		if s.cfg.TwilioAuthToken == "" || sig == "" {
			return c.SendStatus(fiber.StatusForbidden)
		}
		params := map[string]string{}
		for k, v := range c.Request().PostArgs().All() {
			params[string(k)] = string(v)
		}
		v := client.NewRequestValidator(s.cfg.TwilioAuthToken)
		// Twilio signed the address it was configured with, not the one we listen on.
		if !v.Validate(s.cfg.PublicURL+c.OriginalURL(), params, sig) {
			return c.SendStatus(fiber.StatusForbidden)
		}
		return next(c)
	}
}

// twilioStatus applies a delivery receipt.
func (s *handler) twilioStatus(c *fiber.Ctx) error {
	code, _ := strconv.Atoi(c.FormValue("ErrorCode"))
	_, err := s.deps.Notify.ApplyReceipt(c.UserContext(), notify.Receipt{
		SID: c.FormValue("MessageSid"), Status: c.FormValue("MessageStatus"),
		ErrorCode: code, ErrorMessage: c.FormValue("ErrorMessage"),
	})
	if err != nil {
		return err // 500: Twilio retries
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// twilioInbound stores a reply (opt-out/opt-in keywords applied) and adds a plain reply
// to the sender's open complaint; it answers with empty TwiML (no auto-reply).
func (s *handler) twilioInbound(c *fiber.Ctx) error {
	ctx := c.UserContext()
	body := c.FormValue("Body")
	res, err := s.deps.Notify.HandleInbound(ctx, notify.Inbound{SID: c.FormValue("MessageSid"),
		From: c.FormValue("From"), To: c.FormValue("To"), Body: body})
	if err != nil {
		return err
	}
	if !res.Duplicate && res.ComplaintID != 0 && s.deps.Complaints != nil {
		// The reply is stored in sms_inbound either way; a complaint that cannot take it
		// (closed meanwhile) is logged, not retried.
		if err := s.deps.Complaints.AddCustomerMessage(ctx, res.ComplaintID, "[SMS] "+body); err != nil {
			s.Logger(c).Warn("sms reply not added to complaint", "complaint", res.ComplaintID, "err", err)
		}
	}
	c.Set(fiber.HeaderContentType, "text/xml")
	return c.SendString(`<?xml version="1.0" encoding="UTF-8"?><Response/>`)
}
