package api

// Delivery requests for the operations system: list them, accept, decline (with a
// reason), mark done. Answering needs a staff key; a shipper's key may list its own.

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/portal/web"
	"lcrm/requests"
)

// requestOut is one request as the API shows it.
type requestOut struct {
	ID            int64              `json:"id"`
	TrackingNo    string             `json:"tracking_no"`
	Kind          requests.Kind      `json:"kind"`
	Status        requests.Status    `json:"status"`
	WindowFrom    *time.Time         `json:"window_from,omitempty"`
	WindowTo      *time.Time         `json:"window_to,omitempty"`
	NewAddress    *customers.Address `json:"new_address,omitempty"`
	PickupPoint   *pickupOut         `json:"pickup_point,omitempty"`
	Urges         int                `json:"urges,omitempty"` // urge requests only
	DeclineReason string             `json:"decline_reason,omitempty"`
	AnswerDue     time.Time          `json:"answer_due"`
	Overdue       bool               `json:"overdue"`
	CreatedAt     time.Time          `json:"created_at"`
	AnsweredAt    *time.Time         `json:"answered_at,omitempty"`
	AnsweredBy    string             `json:"answered_by,omitempty"`
	DoneAt        *time.Time         `json:"done_at,omitempty"`
}

// pickupOut is a pickup point in a request.
type pickupOut struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
	City    string `json:"city"`
	Hours   string `json:"hours,omitempty"`
	Kind    string `json:"kind"`
}

func requestJSON(r *requests.Request, now time.Time) requestOut {
	out := requestOut{ID: r.ID, TrackingNo: r.TrackingNo, Kind: r.Kind, Status: r.Status, WindowFrom: r.WindowFrom, WindowTo: r.WindowTo,
		Urges: r.Urges, DeclineReason: r.DeclineReason, AnswerDue: r.AnswerDue, Overdue: r.Overdue(now), CreatedAt: r.CreatedAt,
		AnsweredAt: r.AnsweredAt, AnsweredBy: r.AnsweredBy, DoneAt: r.DoneAt}
	if r.Kind != requests.Urge {
		out.Urges = 0
	}
	if r.Kind == requests.Address {
		a := r.NewAddress
		out.NewAddress = &a
	}
	if p := r.Pickup; p != nil {
		out.PickupPoint = &pickupOut{ID: p.ID, Name: p.Name, Address: p.Address, City: p.City, Hours: p.Hours, Kind: p.Kind}
	}
	return out
}

// apiListRequests handles GET /api/v1/requests?status=requested&tracking_no=…&limit=N:
// the dispatch queue in its order (overdue first). A shipper's key sees its own parcels'.
func (s *handler) apiListRequests(c *fiber.Ctx) error {
	f := requests.Filter{Status: requests.Status(c.Query("status")), TrackingNo: c.Query("tracking_no"), ShipperID: apiKey(c).ShipperID}
	if f.Status != "" && !f.Status.Valid() {
		return &errs.ValidationError{Fields: []errs.FieldError{errs.NewField("status", "requests.api.bad_status", nil)}}
	}
	f.Limit, _ = strconv.Atoi(c.Query("limit"))
	list, err := s.deps.Requests.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	now := s.Now(c)
	out := make([]requestOut, len(list))
	for i := range list {
		out[i] = requestJSON(&list[i], now)
	}
	return c.JSON(fiber.Map{"requests": out})
}

// apiAnswerRequest handles POST /api/v1/requests/:id/accept, /decline ({"reason": "…"},
// required) and /done with a staff key. Repeating an answer is harmless (200, the same
// request); an illegal change is 409 naming both statuses.
func (s *handler) apiAnswerRequest(act requests.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		k := apiKey(c)
		if k.ShipperID != 0 {
			return web.Errorf(fiber.StatusForbidden, "forbidden", "requests.api.staff_only")
		}
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil {
			return requests.ErrNotFound
		}
		var body struct {
			Reason string `json:"reason"`
		}
		if len(c.Body()) > 0 && strings.Contains(string(c.Request().Header.ContentType()), "json") {
			if err := c.BodyParser(&body); err != nil {
				return &errs.ValidationError{Fields: []errs.FieldError{errs.NewField("reason", "requests.api.bad_body", nil)}}
			}
		}
		r, err := s.deps.Requests.Answer(c.UserContext(), id, act, body.Reason, requests.Actor{Name: "api:" + k.Name})
		if err != nil {
			return err
		}
		return c.JSON(requestJSON(r, s.Now(c)))
	}
}

// deliveryConsent is the consignee's consent for GET /api/v1/shipments/{no} ("" when the
// requests store is not wired: the field is then left out).
func (s *handler) deliveryConsent(c *fiber.Ctx, consigneeID int64) (string, error) {
	if s.deps.Requests == nil {
		return "", nil
	}
	cons, err := s.deps.Requests.Consent(c.UserContext(), consigneeID)
	if err != nil {
		return "", err
	}
	return string(cons.Preference), nil
}
