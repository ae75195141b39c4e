package site

// Delivery requests and delivery consent on the verified tracking page: the panel the
// partial _track_requests.html draws, and its two form posts. Only a browser that passed
// the last-4 check for the parcel sees the panel or may post (verifiedShipment); anyone
// else is sent back to the verify form and nothing is stored.

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/internal/config"
	"lcrm/internal/errs"
	"lcrm/portal/web"
	"lcrm/requests"
	"lcrm/shipments"
)

// requestsPanel is the delivery requests block of one verified parcel.
type requestsPanel struct {
	Number, CSRF, Key string
	Items             []requestItem
	Windows           []windowOption
	Points            []requests.PickupPoint
	Preferences       []requests.Preference
	Consent           string
	// Open marks kinds that already have an open request (their form is not offered).
	Open                           map[string]bool
	Finished, CanAddress, Late     bool
	Done, ConsentDone              bool
	Err                            string // catalogue key of what went wrong with a post
	ErrData                        map[string]any
	Fields                         []errs.FieldError
	Address                        customers.Address // what was typed, shown again after an error
	HasItems, HasOpenUrge, Urged   bool
	OpenUrgeCount, UrgeTaskOpensAt int
}

// requestItem is one request in the parcel's request timeline.
type requestItem struct {
	ID                 int64
	Kind, Status, Desc string
	Reason             string
	Urges              int
	CreatedAt          time.Time
	AnsweredAt, DoneAt *time.Time
	Accepted, Declined bool
}

// windowOption is one bookable delivery window.
type windowOption struct {
	Value, Label string
}

// requestsFor builds the panel of verified parcel d (nil without the requests store).
func (s *handler) requestsFor(c *fiber.Ctx, d *shipments.Detail) *requestsPanel {
	st := s.deps.Requests
	if st == nil {
		return nil
	}
	ctx := c.UserContext()
	lang := s.Lang(c)
	now := s.Now(c)
	zone := s.cfg.Zone
	if zone == nil {
		zone = config.DefaultZone
	}
	p := &requestsPanel{Number: d.TrackingNo, CSRF: s.CSRFToken(c), Key: web.RandomToken(), Preferences: requests.Preferences,
		Open: map[string]bool{}, Late: d.Late(now), UrgeTaskOpensAt: config.DefaultUrgeTaskAt,
		Finished:    d.Status == shipments.Delivered || d.Status == shipments.Returned,
		CanAddress:  d.OutForDeliveryAt == nil && d.Status != shipments.OutForDelivery,
		Done:        c.Query("rq") == "ok",
		ConsentDone: c.Query("consent") == "ok", Urged: c.Query("rq") == "urged"}
	items, err := st.ForShipment(ctx, d.ID)
	if err == nil {
		for _, r := range items {
			if r.Status.Open() {
				p.Open[string(r.Kind)] = true
				if r.Kind == requests.Urge {
					p.HasOpenUrge, p.OpenUrgeCount = true, r.Urges
				}
			}
			p.Items = append(p.Items, requestItem{ID: r.ID, Kind: string(r.Kind), Status: string(r.Status), Desc: r.Description(lang, zone),
				Reason: r.DeclineReason, Urges: r.Urges, CreatedAt: r.CreatedAt, AnsweredAt: r.AnsweredAt, DoneAt: r.DoneAt,
				Accepted: r.Status == requests.Accepted || (r.Status == requests.Done && r.AnsweredAt != nil), Declined: r.Status == requests.Declined})
		}
		p.HasItems = len(p.Items) > 0
	}
	for _, w := range requests.Windows(now, config.DefaultRequestWindowDays, zone) {
		p.Windows = append(p.Windows, windowOption{Value: strconv.FormatInt(w.From.Unix(), 10), Label: requests.WindowText(w.From, w.To, lang, zone)})
	}
	if pts, err := st.PickupPoints(ctx, d.Dest.City, false); err == nil {
		p.Points = pts
	}
	if cons, err := st.Consent(ctx, d.ConsigneeID); err == nil {
		p.Consent = string(cons.Preference)
	}
	return p
}

// requestsPerHour bounds request posts per client address.
const requestsPerHour = 30

// requestPost starts both posts: 404 without the requests store, the per-address limit,
// then verifiedShipment (ok false: err, often the redirect to the verify form, is the answer).
func (s *handler) requestPost(c *fiber.Ctx) (*shipments.Detail, bool, error) {
	if s.deps.Requests == nil {
		return nil, false, fiber.ErrNotFound
	}
	if err := s.Limit(c, "request:"+web.ClientKey(c), requestsPerHour, time.Hour); err != nil {
		return nil, false, err
	}
	return s.verifiedShipment(c)
}

// fileRequest handles POST /track/:no/request: a verified visitor's delivery request. The
// form's key makes a double submit one request. Success goes back to the tracking page
// (?rq=ok); a refused request is the tracking page again with the reason and a 4xx.
func (s *handler) fileRequest(c *fiber.Ctx) error {
	d, ok, err := s.requestPost(c)
	if !ok {
		return err
	}
	n := requests.NewRequest{Key: c.FormValue("key"), ShipmentID: d.ID, Kind: requests.Kind(c.FormValue("kind")), Locale: s.Lang(c)}
	switch n.Kind {
	case requests.Window:
		if sec, err := strconv.ParseInt(c.FormValue("window"), 10, 64); err == nil {
			n.WindowFrom = time.Unix(sec, 0)
		}
	case requests.Address:
		n.NewAddress = customers.Address{Province: c.FormValue("province"), City: c.FormValue("city"), District: c.FormValue("district"),
			Street: c.FormValue("street"), PostalCode: c.FormValue("postal_code")}
	case requests.Pickup:
		n.PickupPointID, _ = strconv.ParseInt(c.FormValue("pickup_point"), 10, 64)
	}
	res, err := s.deps.Requests.Submit(c.UserContext(), n)
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			return err
		}
		return s.requestRefused(c, d, err, n.NewAddress)
	}
	back := "/track/" + d.TrackingNo + "?rq=ok#requests-" + d.TrackingNo
	if n.Kind == requests.Urge && !res.Created {
		back = "/track/" + d.TrackingNo + "?rq=urged#requests-" + d.TrackingNo
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

// requestRefused renders the tracking page with why the request was refused, with the
// status of the error's kind (409 for a parcel already out for delivery, 422 for input).
func (s *handler) requestRefused(c *fiber.Ctx, d *shipments.Detail, err error, typed customers.Address) error {
	r := s.result(c, d.TrackingNo, d)
	if r.Requests != nil {
		r.Requests.Err, r.Requests.ErrData, r.Requests.Fields = errs.KeyOf(err), errs.DataOf(err), errs.FieldsOf(err)
		var ve *errs.ValidationError
		if errors.As(err, &ve) {
			r.Requests.Err = "requests.error.fields"
		}
		r.Requests.Address = typed
	}
	status := fiber.StatusConflict
	if errs.KindOf(err) == errs.Invalid {
		status = fiber.StatusUnprocessableEntity
	}
	c.Status(status)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "track", fiber.Map{"Query": d.TrackingNo, "Results": []trackResult{r}})
}

// setConsent handles POST /track/:no/consent: the verified consignee's standing answer to
// locker and station delivery (requests.Preference).
func (s *handler) setConsent(c *fiber.Ctx) error {
	d, ok, err := s.requestPost(c)
	if !ok {
		return err
	}
	p := requests.Preference(strings.TrimSpace(c.FormValue("preference")))
	if err := s.deps.Requests.SetConsent(c.UserContext(), d.ConsigneeID, p, requests.SourceTrackingPage, requests.Actor{}); err != nil {
		if errs.KindOf(err) == errs.Internal {
			return err
		}
		return s.requestRefused(c, d, err, customers.Address{})
	}
	return c.Redirect("/track/"+d.TrackingNo+"?consent=ok#consent-"+d.TrackingNo, fiber.StatusSeeOther)
}
