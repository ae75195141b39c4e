package console

// The dispatch request queue (/console/requests, agent and up): consignees' delivery
// requests from the tracking page, those waiting for an answer first and the overdue
// among them first; accept, decline with a reason, mark done. And the pickup points
// offered to consignees (/console/admin/pickup-points, manager and up), audited by the
// requests package.

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/internal/config"
	"lcrm/internal/errs"
	"lcrm/requests"
)

// requestRow is one queue row.
type requestRow struct {
	requests.Request
	Desc    string
	Overdue bool
}

// requestsPage shows the queue, filtered by status (default: waiting for an answer) and
// tracking number; errKey/errData explain a refused action.
func (s *handler) requestsPage(c *fiber.Ctx, status int, errKey string, errData map[string]any) error {
	f := requests.Filter{Status: requests.Status(c.Query("status", string(requests.Requested))), TrackingNo: c.Query("q")}
	if c.Query("status") == "all" || !f.Status.Valid() {
		f.Status = ""
	}
	list, err := s.deps.Requests.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	rows := s.requestRows(c, list)
	overdue := 0
	for _, r := range rows {
		if r.Overdue {
			overdue++
		}
	}
	c.Status(status)
	return s.Render(c, "console_requests", fiber.Map{"Rows": rows, "Status": string(f.Status), "Q": c.Query("q"),
		"Statuses": requests.Statuses, "Overdue": overdue, "UrgeTaskAt": config.DefaultUrgeTaskAt, "Err": errKey, "ErrData": errData, "Done": c.Query("done")})
}

// answerRequest handles POST /console/requests/:id/:action (accept, decline, done) and
// goes back to the queue as it was filtered.
func (s *handler) answerRequest(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	act := requests.Action(c.Params("action"))
	if act != requests.Accept && act != requests.Decline && act != requests.Finish {
		return fiber.ErrNotFound
	}
	u := s.CurrentUser(c)
	if _, err := s.deps.Requests.Answer(c.UserContext(), id, act, c.FormValue("reason"), requests.Actor{UserID: u.ID, Name: u.Name}); err != nil {
		switch errs.KindOf(err) {
		case errs.Invalid:
			key, data := errs.KeyOf(err), map[string]any(nil)
			if fs := errs.FieldsOf(err); len(fs) > 0 {
				key, data = fs[0].Key, fs[0].Data
			}
			return s.requestsPage(c, fiber.StatusUnprocessableEntity, key, data)
		case errs.Conflict:
			return s.requestsPage(c, fiber.StatusConflict, errs.KeyOf(err), errs.DataOf(err))
		}
		return err
	}
	back := url.Values{"done": {string(act)}}
	if st := c.FormValue("status"); st != "" {
		back.Set("status", st)
	}
	if q := c.FormValue("q"); q != "" {
		back.Set("q", q)
	}
	return c.Redirect("/console/requests?"+back.Encode()+"#req-"+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
}

// pickupPage lists every pickup point with a form per point and one for a new point.
func (s *handler) pickupPage(c *fiber.Ctx, status int, errKey string, fields []errs.FieldError, form *requests.PickupPoint) error {
	pts, err := s.deps.Requests.PickupPoints(c.UserContext(), "", true)
	if err != nil {
		return err
	}
	if form == nil {
		form = &requests.PickupPoint{Kind: requests.KindStation, Active: true}
	}
	c.Status(status)
	return s.Render(c, "admin_pickup", fiber.Map{"Points": pts, "Err": errKey, "Fields": fields, "Form": form, "Done": c.Query("done")})
}

// savePickup handles POST /console/admin/pickup-points: a new point (no id) or an edit.
func (s *handler) savePickup(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.FormValue("id"), 10, 64)
	p := requests.PickupPoint{ID: id, Name: c.FormValue("name"), Address: c.FormValue("address"), City: c.FormValue("city"),
		Hours: c.FormValue("hours"), Kind: c.FormValue("kind"), Active: c.FormValue("active") == "on"}
	u := s.CurrentUser(c)
	if _, err := s.deps.Requests.SavePickupPoint(c.UserContext(), p, requests.Actor{UserID: u.ID, Name: u.Name}); err != nil {
		switch errs.KindOf(err) {
		case errs.Invalid:
			return s.pickupPage(c, fiber.StatusUnprocessableEntity, "requests.error.fields", errs.FieldsOf(err), &p)
		case errs.Conflict, errs.NotFound:
			return s.pickupPage(c, fiber.StatusConflict, errs.KeyOf(err), nil, &p)
		}
		return err
	}
	return c.Redirect("/console/admin/pickup-points?done=1", fiber.StatusSeeOther)
}

// setConsigneeConsent handles POST /console/customers/consignee/:id/consent: staff record
// the consignee's delivery consent on a call (audited by the requests package).
func (s *handler) setConsigneeConsent(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	if _, err := s.deps.Customers.ConsigneeByID(c.UserContext(), id); err != nil {
		return err
	}
	u := s.CurrentUser(c)
	err = s.deps.Requests.SetConsent(c.UserContext(), id, requests.Preference(c.FormValue("preference")), requests.SourceStaff,
		requests.Actor{UserID: u.ID, Name: u.Name})
	if err != nil {
		return err
	}
	return c.Redirect("/console/customers/consignee/"+strconv.FormatInt(id, 10)+"?consent=1#consent", fiber.StatusSeeOther)
}

// consentData adds a consignee's delivery consent to the customer page's data (Consent,
// Preferences, ConsentAction); nothing for shippers or without the requests store.
func (s *handler) consentData(c *fiber.Ctx, kind customers.Kind, id int64, data fiber.Map) error {
	if kind != customers.KindConsignee || s.deps.Requests == nil {
		return nil
	}
	cons, err := s.deps.Requests.Consent(c.UserContext(), id)
	if err != nil {
		return err
	}
	data["Consent"], data["Preferences"] = cons, requests.Preferences
	data["ConsentAction"] = "/console/customers/consignee/" + strconv.FormatInt(id, 10) + "/consent"
	return nil
}

// parcelRequests are the delivery requests of one parcel, oldest first, for the staff
// view of its timeline (nil without the requests store).
func (s *handler) parcelRequests(c *fiber.Ctx, shipmentID int64) ([]requestRow, error) {
	if s.deps.Requests == nil {
		return nil, nil
	}
	list, err := s.deps.Requests.ForShipment(c.UserContext(), shipmentID)
	if err != nil {
		return nil, err
	}
	return s.requestRows(c, list), nil
}

// requestRows describes list in the page's language, each marked overdue at now.
func (s *handler) requestRows(c *fiber.Ctx, list []requests.Request) []requestRow {
	now, lang := s.Now(c), s.Lang(c)
	rows := make([]requestRow, len(list))
	for i, r := range list {
		rows[i] = requestRow{Request: r, Desc: r.Description(lang, s.cfg.Zone), Overdue: r.Overdue(now)}
	}
	return rows
}
