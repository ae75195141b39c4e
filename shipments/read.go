package shipments

import (
	"context"
	"time"

	"lcrm/customers"
)

// Detail is a shipment with its shipper, consignee and event timeline.
type Detail struct {
	Shipment
	Shipper   customers.Shipper
	Consignee customers.Consignee // the shared record (one person, one record): for staff
	Addressee Addressee           // the consignee as this shipment's shipper sent it
	Events    []Event             // oldest first
	// EventsArchivedAt is when the events were archived (lcrm events archive): the
	// timeline is empty then and says so. See archive.go.
	EventsArchivedAt *time.Time
}

// detailFrom is what every read of a parcel joins: its shipper, its consignee record, its
// events as arrays (ordered in Go) and the delivery estimate (Get, GetMany, Track).
var detailFrom = `FROM shipments s
JOIN shippers sh ON sh.id = s.shipper_id
JOIN consignees c ON c.id = s.consignee_id
LEFT JOIN LATERAL (
    SELECT array_agg(e.event_key) keys, array_agg(e.code) codes, array_agg(e.occurred_at) ats,
        array_agg(e.location) locs, array_agg(e.note) notes, array_agg(e.signed_by) signers
    FROM tracking_events e WHERE e.shipment_id = s.id
) ev ON true` + estimateJoin

// detailSQL reads a shipment, both parties and every event in one round trip; the events
// come as parallel arrays (one aggregate pass keeps them aligned).
var detailSQL = `
SELECT s.id, s.tracking_no, s.service_level, s.origin_city, s.dest_province, s.dest_city,
    s.dest_district, s.dest_street, s.dest_postal_code, s.weight_g, s.declared_value_fen,
    s.promised_at, s.created_at, s.status, s.picked_up_at, s.arrived_at_station_at,
    s.out_for_delivery_at, s.delivered_at, s.signed_by, s.signed_at, s.pod_url, s.last_event_at,
    s.consignee_name, s.consignee_phone, s.consignee_email,
    s.freight_fen, s.surcharge_fen, s.cost_fen,
    sh.id, sh.code, sh.name, sh.contact_name, sh.phone, sh.email, sh.tier, sh.time_zone, sh.locale,
    c.id, c.name, c.phone, c.email, c.province, c.city, c.district, c.street, c.postal_code,
    ev.keys, ev.codes, ev.ats, ev.locs, ev.notes, ev.signers,
    est.basis, est.milestone, est.n, est.p10_s, est.p50_s, est.p90_s
` + detailFrom + `
WHERE s.tracking_no = $1`

// Get returns one shipment in full by tracking number (in any case, with spaces), or
// ErrNotFound. It is one SQL round trip.
func (st *Store) Get(ctx context.Context, trackingNo string) (*Detail, error) {
	return st.readOne(ctx, "get", detailSQL, trackingNo, scanDetail)
}
