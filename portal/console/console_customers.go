package console

// Customer 360 for staff (agent and up): one search box that takes whatever a caller
// gives (phone in any format, tracking number, complaint reference, name), the customer
// page with everything at once, and the contact log with its "last contacted" banner.

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/internal/ratelimit"
	"lcrm/notify"
	"lcrm/portal/web"
)

// recentContact is how far back the "last contacted by X" banner looks.
const recentContact = 24 * time.Hour

// customerPath is the console address of a customer's page.
func customerPath(kind customers.Kind, id int64) string {
	return "/console/customers/" + string(kind) + "/" + strconv.FormatInt(id, 10)
}

// customerSearch answers /console/customers?q=…: one match opens the customer's page,
// several are listed. Searches finding nobody are limited per user (takeSearch).
func (s *handler) customerSearch(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	if len([]rune(q)) > 100 {
		q = string([]rune(q)[:100])
	}
	data := fiber.Map{"Q": q}
	if q != "" {
		miss, err := s.takeSearch(c)
		if err != nil {
			return err
		}
		matches, err := s.deps.Customers.Search(c.UserContext(), q, 20)
		if err != nil {
			return err
		}
		if len(matches) > 0 && s.deps.Limiter != nil { // a search that found someone is free
			if err := s.deps.Limiter.Refund(c.UserContext(), miss); err != nil {
				return err
			}
		}
		if len(matches) == 1 {
			return c.Redirect(customerPath(matches[0].Kind, matches[0].ID), fiber.StatusSeeOther)
		}
		for i := range matches { // masked in lists; the customer page reveals with a reason
			matches[i].Phone = customers.MaskStaffPhone(matches[i].Phone)
		}
		data["Matches"] = matches
		data["Searched"] = true
	}
	return s.Render(c, "c360_search", data)
}

// takeSearch counts one search against the user's misses (customers.SearchMissesPerHour)
// before it runs, so a burst gets no more searches than the limit; the caller refunds it
// when the search finds someone. Past the limit it answers 429.
func (s *handler) takeSearch(c *fiber.Ctx) (ratelimit.Attempt, error) {
	if s.deps.Limiter == nil {
		return ratelimit.Attempt{OK: true}, nil
	}
	key := "search-miss:user:" + strconv.FormatInt(s.CurrentUser(c).ID, 10)
	a, err := s.deps.Limiter.Take(c.UserContext(), ratelimit.Rule{Key: key, Limit: customers.SearchMissesPerHour, Window: time.Hour})
	if err != nil {
		return a, err
	}
	if !a.OK {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(a.RetryAfter.Seconds())+1))
		return a, &web.Error{Status: fiber.StatusTooManyRequests, Code: "rate_limited", Message: "error.rate_limited"}
	}
	return a, nil
}

// customerRef reads :kind and :id.
func customerRef(c *fiber.Ctx) (customers.Kind, int64, error) {
	kind := customers.Kind(c.Params("kind"))
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if !kind.Valid() || err != nil || id <= 0 {
		return "", 0, web.Errorf(fiber.StatusNotFound, "not_found", "error.not_found")
	}
	return kind, id, nil
}

// lastContactView is the banner's data: who, how long ago.
type lastContactView struct {
	By      string
	Minutes int
	Outcome string
	Channel string
}

// customerPage shows one customer with shipments, complaints, contacts and surveys
// (loaded in one batch) and their SMS history (two more queries, when SMS is configured).
func (s *handler) customerPage(c *fiber.Ctx) error {
	return s.showCustomer(c, fiber.StatusOK, "", nil)
}

// showCustomer renders the customer page; formErr and form are set when a contact could
// not be logged, so the page shows what was typed next to the message.
func (s *handler) showCustomer(c *fiber.Ctx, status int, formErr string, form *customers.Contact) error {
	kind, id, err := customerRef(c)
	if err != nil {
		return err
	}
	p, err := s.deps.Customers.Profile(c.UserContext(), kind, id)
	if err != nil {
		return err
	}
	if p.Consignee != nil && p.Consignee.MergedInto != 0 {
		// A merged record stands for its survivor: show that one.
		return c.Redirect(customerPath(customers.KindConsignee, p.Consignee.MergedInto), fiber.StatusSeeOther)
	}
	now := s.Now(c)
	data := fiber.Map{
		"P":          p,
		"Kind":       string(kind),
		"ID":         id,
		"Action":     customerPath(kind, id) + "/contacts",
		"Nonce":      web.RandomToken(),
		"Channels":   customers.ContactChannels,
		"Directions": customers.ContactDirections,
		"Outcomes":   customers.ContactOutcomes,
		"FormErr":    formErr,
		"Form":       form,
	}
	if last := p.LastContact(now.Add(-recentContact)); last != nil {
		by := last.UserName
		if by == "" {
			by = "—"
		}
		data["Last"] = lastContactView{By: by, Minutes: int(now.Sub(last.CreatedAt).Minutes()), Outcome: last.Outcome, Channel: last.Channel}
	}
	var open []customers.ProfileComplaint
	for _, cp := range p.Complaints {
		if cp.Status != "resolved" && cp.Status != "closed" {
			open = append(open, cp)
		}
	}
	data["Open"] = open
	if err := s.customerPII(c, p, data); err != nil {
		return err
	}
	if err := s.consentData(c, kind, id, data); err != nil { // console_requests.go
		return err
	}
	if s.deps.Notify != nil {
		// The SMS section: what was sent to this customer and (consignees) what they answered.
		f := notify.Filter{ConsigneeID: id}
		if kind == customers.KindShipper {
			f = notify.Filter{ShipperID: id}
		}
		sent, err := s.deps.Notify.History(c.UserContext(), f, 20)
		if err != nil {
			return err
		}
		for i := range sent {
			sent[i].To = customers.MaskStaffPhone(sent[i].To)
		}
		data["SMS"], data["SMSOn"] = sent, true
		if kind == customers.KindConsignee {
			in, err := s.deps.Notify.InboundHistory(c.UserContext(), f, 20)
			if err != nil {
				return err
			}
			for i := range in {
				in[i].From = customers.MaskStaffPhone(in[i].From)
			}
			data["Inbound"] = in
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(status)
	return s.Render(c, "c360_customer", data)
}

// logContact stores one contact from the customer page's form. The outcome is the submit
// button pressed; the form's nonce makes a double submit store one contact.
func (s *handler) logContact(c *fiber.Ctx) error {
	kind, id, err := customerRef(c)
	if err != nil {
		return err
	}
	u := s.CurrentUser(c)
	complaintID, _ := strconv.ParseInt(c.FormValue("complaint_id"), 10, 64)
	ct := customers.Contact{Kind: kind, CustomerID: id, ComplaintID: complaintID, UserID: u.ID,
		Channel: c.FormValue("channel"), Direction: c.FormValue("direction"), Summary: c.FormValue("summary"),
		Outcome: c.FormValue("outcome"), IdempotencyKey: c.FormValue("nonce")}
	if ct.IdempotencyKey == "" {
		return web.Errorf(fiber.StatusBadRequest, "bad_request", "error.bad_request")
	}
	if complaintID != 0 && !s.complaintOf(c, kind, id, complaintID) {
		return s.showCustomer(c, fiber.StatusUnprocessableEntity, "c360.err_complaint", &ct)
	}
	if _, err := s.deps.Customers.LogContact(c.UserContext(), ct); err != nil {
		var ve *errs.ValidationError
		if errors.As(err, &ve) {
			return s.showCustomer(c, fiber.StatusUnprocessableEntity, "c360.err_contact", &ct)
		}
		return err
	}
	return c.Redirect(customerPath(kind, id)+"?logged=1#contacts", fiber.StatusSeeOther)
}

// complaintOf reports whether complaint complaintID belongs to the customer, so a contact
// is never filed under someone else's complaint.
func (s *handler) complaintOf(c *fiber.Ctx, kind customers.Kind, id, complaintID int64) bool {
	if s.deps.Complaints == nil {
		return false
	}
	cp, err := s.deps.Complaints.ByID(c.UserContext(), complaintID)
	if err != nil {
		return false
	}
	if kind == customers.KindShipper {
		return cp.ShipperID == id
	}
	return cp.ConsigneeID == id
}
