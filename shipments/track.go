package shipments

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// TrackView is which public tracking read a caller needs. Each reads only the columns its
// view renders, raw, in one round trip; masking stays in Go (Detail.Public), so the read
// is a keyed lookup with nothing computed per row. Staff and shipper views read everything
// (Get).
type TrackView int

// The tracking views.
const (
	// PublicView is what Detail.Public needs and nothing more: the parcel's status, cities
	// and times, and the people and phones the mask must hide (never the street, district,
	// postal code, emails, money, proof of delivery or the shipper's code).
	PublicView TrackView = iota
	// VerifiedView adds what the tracking page shows a browser that proved it knows the
	// parcel: the address (district and street) and the consignee record's id (consent).
	VerifiedView
)

// trackSQL is the read of one view for the numbers matched by where ("= $1" or
// "= ANY($1)"). The event arrays keep their keys so that Go orders the timeline exactly as
// Get does (Less); the estimate join is the same as Get's.
func trackSQL(view TrackView, where string) string {
	extra := ""
	if view == VerifiedView {
		extra = ", s.consignee_id, s.dest_district, s.dest_street"
	}
	return `
SELECT s.id, s.tracking_no, s.service_level, s.origin_city, s.dest_province, s.dest_city,
    s.promised_at, s.created_at, s.status, s.picked_up_at, s.arrived_at_station_at,
    s.out_for_delivery_at, s.delivered_at, s.signed_by, s.consignee_name, s.consignee_phone,
    sh.name, sh.contact_name, sh.phone, c.name, c.phone,
    ev.keys, ev.codes, ev.ats, ev.locs, ev.notes, ev.signers,
    est.basis, est.milestone, est.n, est.p10_s, est.p50_s, est.p90_s` + extra + `
` + detailFrom + `
WHERE s.tracking_no ` + where
}

// The statements are built once: pgx caches prepared statements by their text.
var (
	trackOneSQL  = [...]string{PublicView: trackSQL(PublicView, "= $1"), VerifiedView: trackSQL(VerifiedView, "= $1")}
	trackManySQL = [...]string{PublicView: trackSQL(PublicView, "= ANY($1)"), VerifiedView: trackSQL(VerifiedView, "= ANY($1)")}
)

// Track returns the parcel of a tracking number (in any case, with spaces) as view needs
// it, or ErrNotFound, in one round trip (a second only for a parcel without events, to say
// whether they were archived). The Detail holds only what view reads: its ID, TrackingNo,
// ServiceLevel, OriginCity, Dest.Province and Dest.City, PromisedAt, CreatedAt, Status and
// the key times of Derived but SignedAt, SignedBy, Model, Addressee.Name and Phone,
// Shipper.Name, ContactName and Phone, Consignee.Name and Phone, and Events (with keys,
// without PODURL); VerifiedView adds ConsigneeID (and Consignee.ID), Dest.District and
// Dest.Street. Everything else is zero: hand it to nothing but the tracking views
// (Detail.Public, the verified tracking page).
func (st *Store) Track(ctx context.Context, trackingNo string, view TrackView) (*Detail, error) {
	return st.readOne(ctx, "track", trackOneSQL[view], trackingNo, func(r pgx.Row) (*Detail, error) { return scanTrack(r, view) })
}

// TrackMany is Track for several numbers in one round trip: the parcels that exist, keyed
// by their normalized number (GetMany's rules).
func (st *Store) TrackMany(ctx context.Context, numbers []string, view TrackView) (map[string]*Detail, error) {
	return st.readMany(ctx, "track many", trackManySQL[view], numbers, func(r pgx.Row) (*Detail, error) { return scanTrack(r, view) })
}

// scanTrack reads one row of trackSQL(view).
func scanTrack(row pgx.Row, view TrackView) (*Detail, error) {
	var d Detail
	s, sh, c := &d.Shipment, &d.Shipper, &d.Consignee
	var keys, codes, locs, notes, signers []string
	var ats []time.Time
	var est estimateRow
	dest := []any{
		&s.ID, &s.TrackingNo, &s.ServiceLevel, &s.OriginCity, &s.Dest.Province, &s.Dest.City,
		&s.PromisedAt, &s.CreatedAt, &s.Status, &s.PickedUpAt, &s.ArrivedAtStationAt,
		&s.OutForDeliveryAt, &s.DeliveredAt, &s.SignedBy, &d.Addressee.Name, &d.Addressee.Phone,
		&sh.Name, &sh.ContactName, &sh.Phone, &c.Name, &c.Phone,
		&keys, &codes, &ats, &locs, &notes, &signers,
		&est.basis, &est.milestone, &est.n, &est.p10, &est.p50, &est.p90}
	if view == VerifiedView {
		dest = append(dest, &s.ConsigneeID, &s.Dest.District, &s.Dest.Street)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c.ID = s.ConsigneeID
	s.Model = est.model()
	d.Events = make([]Event, len(keys))
	for i := range keys {
		d.Events[i] = Event{Key: keys[i], Code: Code(codes[i]), OccurredAt: ats[i], Location: locs[i], Note: notes[i], SignedBy: signers[i]}
	}
	slices.SortStableFunc(d.Events, func(a, b Event) int {
		switch {
		case Less(a, b):
			return -1
		case Less(b, a):
			return 1
		}
		return 0
	})
	return &d, nil
}
