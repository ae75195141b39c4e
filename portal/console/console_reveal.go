package console

// Masked personal data in the console and its reveal: phones show their first three and
// last four digits, addresses their province, city and district; a click with a reason
// shows one value in full to the one who asked, for customers.RevealWindow, and the audit
// log keeps who saw whose what, when and why. Reveals are limited per staff member
// (customers.RevealsPerHour) to slow bulk harvesting. Supervisors read those entries, and
// export downloads, at /console/access.
//
//	POST /console/customers/:kind/:id/reveal   field, reason, note (customer page)
//	POST /console/complaints/:id/reveal        field, reason, note (complaint page)
//	GET  /console/access                       reveals and exports (supervisor+)

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/audit"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/portal/web"
)

// revealForm is the small form next to a masked value.
type revealForm struct {
	Action, CSRF string
	Field        customers.RevealField
	ComplaintID  int64
	Reasons      []string
}

// piiValue is one piece of personal data as a page shows it: masked with its reveal form,
// or in full (Full) when the viewer revealed it within the window.
type piiValue struct {
	Text string
	Full bool
	Tel  string // a revealed phone: the tel: link, so calling needs the reveal first
	Form revealForm
}

// revealedSet reads what the current user revealed of a customer within the window.
type revealedSet map[customers.Revealed]bool

// revealed loads the current user's recent reveals of one customer.
func (s *handler) revealed(c *fiber.Ctx, kind customers.Kind, id int64) (revealedSet, error) {
	u := s.CurrentUser(c)
	list, err := s.deps.Customers.Revealed(c.UserContext(), u.ID, kind, id, s.Now(c).Add(-customers.RevealWindow))
	if err != nil {
		return nil, err
	}
	set := revealedSet{}
	for _, r := range list {
		set[r] = true
	}
	return set, nil
}

// value builds what a page shows for field: full when revealed, else masked with a form.
func (rs revealedSet) value(c *fiber.Ctx, s *handler, action string, field customers.RevealField, complaintID int64, full, masked string) piiValue {
	if rs[customers.Revealed{Field: field, ComplaintID: complaintID}] {
		v := piiValue{Text: full, Full: true}
		if field != customers.RevealAddress {
			v.Tel = full
		}
		return v
	}
	return piiValue{Text: masked, Form: revealForm{Action: action, CSRF: s.CSRFToken(c), Field: field,
		ComplaintID: complaintID, Reasons: customers.RevealReasons}}
}

// maskedAddress is an address with its street hidden.
func maskedAddress(a customers.Address) string {
	a.Street, a.PostalCode = customers.MaskStreet(a.Street), ""
	return a.Full()
}

// reveal runs one reveal request: refused without a valid reason (400, not counted),
// past the per-user limit (429), else recorded and the value returned.
func (s *handler) reveal(c *fiber.Ctx, r customers.RevealRequest) error {
	u := s.CurrentUser(c)
	r.By = customers.Viewer{UserID: u.ID, Name: u.Name}
	r.Field = customers.RevealField(c.FormValue("field"))
	r.Reason, r.Note = c.FormValue("reason"), c.FormValue("note")
	if err := r.Validate(); err != nil {
		var ve *errs.ValidationError
		if errors.As(err, &ve) {
			e := web.Errorf(fiber.StatusBadRequest, "reveal_invalid", "error.reveal_reason")
			e.Fields = ve.Fields
			return e
		}
		return err
	}
	if s.deps.Limiter == nil { // no shared counters: refuse rather than reveal without a limit
		return web.Errorf(fiber.StatusServiceUnavailable, "unavailable", "error.reveal_unavailable")
	}
	ok, retry, err := s.deps.Limiter.Allow(c.UserContext(), "reveal:user:"+strconv.FormatInt(u.ID, 10), customers.RevealsPerHour, time.Hour)
	if err != nil {
		return err
	}
	if !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds())+1))
		return web.Errorf(fiber.StatusTooManyRequests, "rate_limited", "error.reveal_limited")
	}
	if _, err := s.deps.Customers.Reveal(c.UserContext(), r, s.Now(c)); err != nil {
		return err
	}
	return nil
}

// revealCustomer is POST /console/customers/:kind/:id/reveal; back to the customer page,
// where the value now shows.
func (s *handler) revealCustomer(c *fiber.Ctx) error {
	kind, id, err := customerRef(c)
	if err != nil {
		return err
	}
	if err := s.reveal(c, customers.RevealRequest{Kind: kind, CustomerID: id}); err != nil {
		return err
	}
	return c.Redirect(customerPath(kind, id)+"#"+revealAnchor(c.FormValue("field")), fiber.StatusSeeOther)
}

// revealOnComplaint is POST /console/complaints/:id/reveal: the consignee's phone or
// address (of the parcel the complaint is about) or the complaint's contact phone.
func (s *handler) revealOnComplaint(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	r := customers.RevealRequest{Kind: customers.KindConsignee, CustomerID: cp.ConsigneeID}
	if customers.RevealField(c.FormValue("field")) == customers.RevealContactPhone {
		r.ComplaintID = cp.ID
	} else {
		d, err := s.deps.Shipments.Get(c.UserContext(), cp.TrackingNo)
		if err != nil {
			return err
		}
		r.CustomerID = d.Consignee.ID
	}
	if err := s.reveal(c, r); err != nil {
		return err
	}
	return c.Redirect("/console/complaints/"+strconv.FormatInt(cp.ID, 10)+"#desk-customer", fiber.StatusSeeOther)
}

// revealAnchor is the id of the element a revealed field is shown in.
func revealAnchor(field string) string {
	if field == string(customers.RevealAddress) {
		return "cust-address"
	}
	return "cust-phone"
}

// accessActions are the audit actions the access log shows.
var accessActions = []string{customers.ActionReveal, customers.ActionExport}

// accessPage is GET /console/access (supervisor+): reveals and export downloads, newest
// first, filtered by staff member and action, paged like the admin audit log.
func (s *handler) accessPage(c *fiber.Ctx) error {
	action := strings.TrimSpace(c.Query("action"))
	if action != "" && !slices.Contains(accessActions, action) {
		return web.Errorf(fiber.StatusBadRequest, "bad_request", "error.bad_request")
	}
	f := audit.Filter{Action: action, Limit: auditPageSize + 1}
	f.ActorID, _ = strconv.ParseInt(c.Query("actor"), 10, 64)
	if b := c.Query("before"); b != "" {
		t, err := time.Parse(time.RFC3339Nano, b)
		if err != nil {
			return web.Errorf(fiber.StatusBadRequest, "bad_request", "error.bad_request")
		}
		f.Until = t
		if f.BeforeID, err = strconv.ParseInt(c.Query("before_id"), 10, 64); err != nil || f.BeforeID <= 0 {
			return web.Errorf(fiber.StatusBadRequest, "bad_request", "error.bad_request")
		}
	}
	var entries []audit.Entry
	for _, a := range accessActions {
		if action != "" && action != a {
			continue
		}
		f.Action = a
		got, err := s.deps.Accounts.AuditLog(c.UserContext(), f)
		if err != nil {
			return err
		}
		entries = append(entries, got...)
	}
	// Two keyset pages merged: newest first (at, then id), as audit.List orders them.
	slices.SortFunc(entries, func(a, b audit.Entry) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	next, nextID := "", int64(0)
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		next = entries[len(entries)-1].At.UTC().Format(time.RFC3339Nano)
		nextID = entries[len(entries)-1].ID
	}
	users, err := s.deps.Accounts.ListUsers(c.UserContext())
	if err != nil {
		return err
	}
	var staff []accounts.User
	for _, u := range users {
		if u.Role.AtLeast(accounts.RoleAgent) {
			staff = append(staff, u)
		}
	}
	names := auditNames(users)
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{Entry: e, After: s.auditFields(e.After, names)}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "access_log", fiber.Map{"Rows": rows, "Staff": staff, "Actor": f.ActorID, "Action": action,
		"Actions": accessActions, "Next": next, "NextID": nextID})
}

// customerPII sets the customer page's phone ("Phone") and address ("Address"): masked
// with a reveal form, or in full for what this user revealed within the window.
func (s *handler) customerPII(c *fiber.Ctx, p *customers.Profile, data fiber.Map) error {
	kind, id := customers.KindConsignee, int64(0)
	var phone string
	if p.Consignee != nil {
		id, phone = p.Consignee.ID, p.Consignee.Phone
	} else {
		kind, id, phone = customers.KindShipper, p.Shipper.ID, p.Shipper.Phone
	}
	rs, err := s.revealed(c, kind, id)
	if err != nil {
		return err
	}
	action := customerPath(kind, id) + "/reveal"
	data["Phone"] = rs.value(c, s, action, customers.RevealPhone, 0, phone, customers.MaskStaffPhone(phone))
	if p.Consignee != nil {
		a := p.Consignee.Address
		data["Address"] = rs.value(c, s, action, customers.RevealAddress, 0, a.Full(), maskedAddress(a))
	}
	return nil
}

// complaintPII sets the complaint page's customer card: the consignee's phone and
// address and the complaint's contact phone, masked unless this user revealed them; the
// SMS list shows numbers masked.
func (s *handler) complaintPII(c *fiber.Ctx, cp *complaints.Complaint, v *detailView) error {
	con := v.Ship.Consignee
	rs, err := s.revealed(c, customers.KindConsignee, con.ID)
	if err != nil {
		return err
	}
	if cp.ConsigneeID != con.ID {
		more, err := s.revealed(c, customers.KindConsignee, cp.ConsigneeID)
		if err != nil {
			return err
		}
		for k := range more { // the contact phone is recorded against the complaint's consignee
			if k.Field == customers.RevealContactPhone {
				rs[k] = true
			}
		}
	}
	action := "/console/complaints/" + strconv.FormatInt(cp.ID, 10) + "/reveal"
	v.Phone = rs.value(c, s, action, customers.RevealPhone, 0, con.Phone, customers.MaskStaffPhone(con.Phone))
	v.Address = rs.value(c, s, action, customers.RevealAddress, 0, con.Address.Full(), maskedAddress(con.Address))
	v.ContactPhone = rs.value(c, s, action, customers.RevealContactPhone, cp.ID, cp.ContactPhone, customers.MaskStaffPhone(cp.ContactPhone))
	for i := range v.SMS {
		v.SMS[i].To = customers.MaskStaffPhone(v.SMS[i].To)
	}
	return nil
}
