package site

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/portal/web"
	"lcrm/shipments"
)

// verifiedShipment loads the shipment of /track/:no/... for a browser that has passed the
// last-4 check for it. Anyone else (and an unknown number, which must look the same) is
// sent back to the tracking page with ok=false, where the verify form is.
func (s *handler) verifiedShipment(c *fiber.Ctx) (d *shipments.Detail, ok bool, err error) {
	number := strings.ToUpper(strings.TrimSpace(c.Params("no")))
	d, err = s.deps.Shipments.Get(c.UserContext(), number)
	switch {
	case errors.Is(err, shipments.ErrNotFound):
	case err != nil:
		return nil, false, err
	case s.IsVerified(c, d.ID):
		return d, true, nil
	}
	return nil, false, c.Redirect("/track/"+urlPathEscape(number), fiber.StatusSeeOther)
}

// subscribesPerHour bounds subscription posts per client address.
const subscribesPerHour = 30

// subscribe handles POST /track/:no/subscribe: a verified visitor asks for SMS status
// updates of the parcel, to the typed phone or, when left empty, the consignee's, in the
// page's language. Subscribing twice is harmless. The answer comes back on the tracking
// page (?sub=ok; ?sub=bad for a phone that is not valid; ?sub=full when the parcel already
// texts shipments.MaxSubscribers other phones).
func (s *handler) subscribe(c *fiber.Ctx) error {
	if err := s.Limit(c, "subscribe:"+web.ClientKey(c), subscribesPerHour, time.Hour); err != nil {
		return err
	}
	d, ok, err := s.verifiedShipment(c)
	if !ok {
		return err
	}
	phone := strings.TrimSpace(c.FormValue("phone"))
	if phone == "" {
		phone = d.Consignee.Phone
	}
	back := "/track/" + d.TrackingNo
	if _, err := customers.NormalizePhone(phone, ""); err != nil {
		return c.Redirect(back+"?sub=bad", fiber.StatusSeeOther)
	}
	locale := "zh-CN"
	if s.Lang(c) == "en" {
		locale = "en"
	}
	err = s.deps.Shipments.Subscribe(c.UserContext(), d.ID, phone, locale)
	if errors.Is(err, shipments.ErrTooManySubscribers) {
		return c.Redirect(back+"?sub=full", fiber.StatusSeeOther)
	} else if err != nil {
		return err
	}
	return c.Redirect(back+"?sub=ok", fiber.StatusSeeOther)
}

// unsubscribesPerHour bounds unsubscribe posts per client address, as subscribesPerHour
// bounds subscriptions: the form cannot be used to try phone after phone.
const unsubscribesPerHour = 30

// unsubscribe handles POST /track/:no/unsubscribe: whoever knows a phone that gets the
// parcel's status SMS can stop them by typing it (the SMS links here, and its reader may
// never have passed the last-4 check). The answer is the same (?unsub=done) whether the
// phone was subscribed or not, and whether the parcel exists, so the form tells nobody
// who is subscribed; only input that is no phone number at all is refused (?unsub=bad).
func (s *handler) unsubscribe(c *fiber.Ctx) error {
	if err := s.Limit(c, "unsubscribe:"+web.ClientKey(c), unsubscribesPerHour, time.Hour); err != nil {
		return err
	}
	number := strings.ToUpper(strings.TrimSpace(c.Params("no")))
	back := "/track/" + urlPathEscape(number)
	phone, err := customers.NormalizePhone(strings.TrimSpace(c.FormValue("phone")), "")
	if err != nil {
		return c.Redirect(back+"?unsub=bad", fiber.StatusSeeOther)
	}
	d, err := s.deps.Shipments.Get(c.UserContext(), number)
	switch {
	case errors.Is(err, shipments.ErrNotFound):
	case err != nil:
		return err
	default:
		if err := s.deps.Shipments.Unsubscribe(c.UserContext(), d.ID, phone); err != nil {
			return err
		}
	}
	return c.Redirect(back+"?unsub=done", fiber.StatusSeeOther)
}
