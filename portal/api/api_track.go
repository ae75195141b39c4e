package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/shipments"
)

type eventOut struct {
	EventID    string    `json:"event_id,omitempty"`
	Code       string    `json:"code"`
	OccurredAt time.Time `json:"occurred_at"`
	Location   string    `json:"location"`
	Note       string    `json:"note,omitempty"`
	SignedBy   string    `json:"signed_by,omitempty"`
}

type partyOut struct {
	Code  string `json:"code,omitempty"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email,omitempty"`
	Tier  string `json:"tier,omitempty"`
}

// trackOut is the public view of a shipment: cities only, people masked.
type trackOut struct {
	TrackingNo   string     `json:"tracking_no"`
	Status       string     `json:"status"`
	ServiceLevel string     `json:"service_level"`
	OriginCity   string     `json:"origin_city"`
	DestCity     string     `json:"dest_city"`
	PromisedAt   time.Time  `json:"promised_at"`
	Late         bool       `json:"late"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	SignedBy     string     `json:"signed_by,omitempty"`
	Shipper      partyOut   `json:"shipper"`
	Consignee    partyOut   `json:"consignee"`
	Events       []eventOut `json:"events"`
	Estimate     *etaOut    `json:"estimate,omitempty"`
	// EventsArchivedAt is set when the events were archived (lcrm events archive): events
	// is empty then, and this says why.
	EventsArchivedAt *time.Time `json:"events_archived_at,omitempty"`
}

// etaOut is the learned delivery window (absent when delivered or without a model).
type etaOut struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Basis string    `json:"basis"`
}

// estimateView is the JSON form of an estimate; nil stays nil.
func estimateView(e *shipments.Estimate) *etaOut {
	if e == nil {
		return nil
	}
	return &etaOut{From: e.From, To: e.To, Basis: string(e.Basis)}
}

// publicView is the JSON form of the public view of d (shipments.Detail.Public, where the
// masking rule is written).
func publicView(d *shipments.Detail, now time.Time) trackOut {
	p := d.Public(now)
	t := trackOut{
		TrackingNo: p.TrackingNo, Status: string(p.Status), ServiceLevel: string(p.ServiceLevel),
		OriginCity: p.OriginCity, DestCity: p.DestCity, PromisedAt: p.PromisedAt, Late: p.Late,
		DeliveredAt: p.DeliveredAt, SignedBy: p.SignedBy,
		Shipper:   partyOut{Name: p.ShipperName, Phone: p.ShipperPhone},
		Consignee: partyOut{Name: p.ConsigneeName, Phone: p.ConsigneePhone},
		Events:    make([]eventOut, len(p.Events)),
		Estimate:  estimateView(p.Estimate),
	}
	t.EventsArchivedAt = d.EventsArchivedAt
	for i, e := range p.Events {
		t.Events[i] = eventOut{Code: string(e.Code), OccurredAt: e.OccurredAt, Location: e.Location, Note: e.Note}
	}
	return t
}

// apiTrack handles the public GET /api/v1/track/:no. Unknown and malformed numbers get
// the same 404, so the answer reveals nothing about which numbers exist. It is limited like
// the tracking pages, per client address (429 with Retry-After and a JSON error).
func (s *handler) apiTrack(c *fiber.Ctx) error {
	if err := s.LimitLookup(c, 1); err != nil {
		return err
	}
	var d *shipments.Detail
	err := s.deps.Track(c, func(st *shipments.Store) (err error) {
		d, err = st.Track(c.UserContext(), c.Params("no"), shipments.PublicView)
		return err
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	t := publicView(d, s.Now(c))
	return sendTrack(c, &t)
}

// shipmentOut is the full record for authenticated integrations.
type shipmentOut struct {
	trackOut
	ID                 int64             `json:"id"`
	Dest               customers.Address `json:"destination"`
	WeightG            int               `json:"weight_g"`
	DeclaredValueFen   int64             `json:"declared_value_fen"`
	CreatedAt          time.Time         `json:"created_at"`
	PickedUpAt         *time.Time        `json:"picked_up_at"`
	ArrivedAtStationAt *time.Time        `json:"arrived_at_station_at"`
	OutForDeliveryAt   *time.Time        `json:"out_for_delivery_at"`
	SignedAt           *time.Time        `json:"signed_at"`
	PODURL             string            `json:"pod_url,omitempty"`
	// DeliveryConsent is the consignee's standing consent to locker or station delivery
	// (requests.Preference: ask_first, lockers_ok, stations_ok, both_ok).
	DeliveryConsent string `json:"delivery_consent,omitempty"`
	// Charges in fen; null is "not known". What carrying it cost us is for staff keys only.
	FreightFen   *int64 `json:"freight_fen"`
	SurchargeFen *int64 `json:"surcharge_fen"`
	*costOut
}

// costOut is the staff-only part of shipmentOut: nil (and so absent) for a shipper's key.
type costOut struct {
	CostFen *int64 `json:"cost_fen"`
}

// apiGetShipment handles GET /api/v1/shipments/:no; a shipper's key sees only its own, with
// the consignee as that shipper sent it (shipments.Detail.ForShipper); a staff key sees the
// shared consignee record.
func (s *handler) apiGetShipment(c *fiber.Ctx) error {
	d, err := s.deps.Shipments.Get(c.UserContext(), c.Params("no"))
	if err != nil {
		return err
	}
	if k := apiKey(c); k.ShipperID != 0 {
		if k.ShipperID != d.ShipperID {
			return shipments.ErrNotFound
		}
		d = d.ForShipper()
	}
	now := s.Now(c)
	out := shipmentOut{
		trackOut: trackOut{TrackingNo: d.TrackingNo, Status: string(d.Status), ServiceLevel: string(d.ServiceLevel),
			OriginCity: d.OriginCity, DestCity: d.Dest.City, PromisedAt: d.PromisedAt, Late: d.Late(now),
			DeliveredAt: d.DeliveredAt, SignedBy: d.SignedBy, Events: make([]eventOut, len(d.Events)),
			Estimate: estimateView(d.Estimate(now))},
		ID: d.ID, Dest: d.Dest, WeightG: d.WeightG,
		DeclaredValueFen: d.DeclaredValueFen, CreatedAt: d.CreatedAt, PickedUpAt: d.PickedUpAt,
		ArrivedAtStationAt: d.ArrivedAtStationAt, OutForDeliveryAt: d.OutForDeliveryAt,
		SignedAt: d.SignedAt, PODURL: d.PODURL, FreightFen: d.FreightFen, SurchargeFen: d.SurchargeFen,
	}
	out.EventsArchivedAt = d.EventsArchivedAt
	if apiKey(c).ShipperID == 0 {
		out.costOut = &costOut{CostFen: d.CostFen}
	}
	out.Shipper = partyOut{Code: d.Shipper.Code, Name: d.Shipper.Name, Phone: d.Shipper.Phone, Email: d.Shipper.Email, Tier: string(d.Shipper.Tier)}
	out.Consignee = partyOut{Name: d.Consignee.Name, Phone: d.Consignee.Phone, Email: d.Consignee.Email}
	if out.DeliveryConsent, err = s.deliveryConsent(c, d.ConsigneeID); err != nil {
		return err
	}
	for i, e := range d.Events {
		out.Events[i] = eventOut{EventID: e.Key, Code: string(e.Code), OccurredAt: e.OccurredAt, Location: e.Location, Note: e.Note, SignedBy: e.SignedBy}
	}
	return c.JSON(out)
}
