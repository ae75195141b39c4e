// Package shipments holds parcels and their journeys: shipment records, append-only
// tracking events, the status derived from them, sign-off, and bulk import. It owns the
// SQL for those tables and knows nothing of HTTP.
package shipments

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"lcrm/customers"
	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// ErrNotFound means no shipment has that tracking number.
var ErrNotFound = errs.New(errs.NotFound, errs.KeyNotFound, "shipments: not found")

// ServiceLevel is the speed a shipper paid for; it sets the promised delivery time.
type ServiceLevel string

// The service levels.
const (
	Standard ServiceLevel = "standard"
	Express  ServiceLevel = "express"
	SameDay  ServiceLevel = "same_day"
)

// Valid reports whether l is a known service level.
func (l ServiceLevel) Valid() bool { return l == Standard || l == Express || l == SameDay }

// DefaultZone is the zone promises are computed in when a shipper has none.
var DefaultZone = config.DefaultZone

// PromisedAt is the delivery promise for a parcel created at created: standard within 3
// days, express within 1 day, and same-day by 22:00 local time on the day of creation
// (the next day's 22:00 when created after 14:00, the same-day cut-off).
func (l ServiceLevel) PromisedAt(created time.Time, zone *time.Location) time.Time {
	if zone == nil {
		zone = DefaultZone
	}
	switch l {
	case Express:
		return created.Add(24 * time.Hour)
	case SameDay:
		local := created.In(zone)
		day := local
		if local.Hour() >= 14 {
			day = local.AddDate(0, 0, 1)
		}
		return time.Date(day.Year(), day.Month(), day.Day(), 22, 0, 0, 0, zone)
	default:
		return created.Add(72 * time.Hour)
	}
}

// Shipment is one parcel and its current state.
type Shipment struct {
	ID               int64
	TrackingNo       string
	ShipperID        int64
	ConsigneeID      int64
	ServiceLevel     ServiceLevel
	OriginCity       string
	Dest             customers.Address
	WeightG          int
	DeclaredValueFen int64
	Charges
	PromisedAt time.Time
	CreatedAt  time.Time
	Derived
	SignedAt *time.Time
	// Model is the estimate model row the read joined for a parcel on the road (nil when
	// delivered, returned or without enough history); Estimate turns it into a window.
	Model *EstimateModel
}

// Charges is what a shipment is worth in money, in fen (分). Nil is "not known" (not
// charged yet, or a shipment from before charges were recorded), which reports tell apart
// from 0 (carried free).
type Charges struct {
	FreightFen   *int64 // what the shipper pays for carriage
	SurchargeFen *int64 // extras: remote area, fuel, insurance
	CostFen      *int64 // what carrying it cost us
}

// RevenueFen is freight plus surcharge, treating unknown parts as 0.
func (c Charges) RevenueFen() int64 {
	var n int64
	if c.FreightFen != nil {
		n += *c.FreightFen
	}
	if c.SurchargeFen != nil {
		n += *c.SurchargeFen
	}
	return n
}

// MaxChargeFen bounds one charge (10 million yuan): anything larger is a typo.
const MaxChargeFen = 1_000_000_000

// Late reports whether the parcel missed (or, undelivered, has passed) its promise at now.
func (s *Shipment) Late(now time.Time) bool {
	if s.DeliveredAt != nil {
		return s.DeliveredAt.After(s.PromisedAt)
	}
	return s.Status != Returned && now.After(s.PromisedAt)
}

// NewShipment is the input for creating a shipment: the parcel plus who sends it and who
// receives it, matched to existing records or created.
type NewShipment struct {
	TrackingNo       string
	Shipper          customers.Shipper
	Consignee        customers.Consignee
	ServiceLevel     ServiceLevel
	OriginCity       string
	DestCity         string // defaults to the consignee's city
	WeightG          int
	DeclaredValueFen int64
	Charges
	PromisedAt *time.Time // computed from the service level when nil
	CreatedAt  *time.Time // now when nil
}

// TimeWindow bounds the times a shipment or event may carry, relative to now: a time in
// year 1 or 9999 is a typo or an attack, and would make the daily KPI rollup walk every
// day in between. Zero fields take DefaultTimeWindow's.
type TimeWindow struct {
	Past   time.Duration // how far back created_at, promised_at and occurred_at may lie
	Future time.Duration // how far ahead promised_at may lie
}

// DefaultTimeWindow admits times from two years back to one year ahead.
var DefaultTimeWindow = TimeWindow{Past: config.DefaultTimePast, Future: config.DefaultTimeFuture}

// orDefault fills zero fields from DefaultTimeWindow.
func (w TimeWindow) orDefault() TimeWindow {
	if w.Past <= 0 {
		w.Past = DefaultTimeWindow.Past
	}
	if w.Future <= 0 {
		w.Future = DefaultTimeWindow.Future
	}
	return w
}

// check adds a field error when t lies outside the window around now.
func (w TimeWindow) check(v *errs.ValidationError, field string, t, now time.Time) bool {
	w = w.orDefault()
	if t.Before(now.Add(-w.Past)) || t.After(now.Add(w.Future)) {
		v.AddKey(field, errs.KeyOutOfRange, map[string]any{"Time": t.UTC().Format(time.RFC3339),
			"From": now.Add(-w.Past).UTC().Format("2006-01-02"), "To": now.Add(w.Future).UTC().Format("2006-01-02")})
		return false
	}
	return true
}

// maxText bounds free-text fields so one bad row cannot bloat the database.
const maxText = 200

// Normalize checks and tidies the input, fills defaults, and reports every bad field at
// once with field names as the API and the importer show them. Times must lie inside w.
func (n *NewShipment) Normalize(now time.Time, w TimeWindow) error {
	var v errs.ValidationError
	tn, err := NormalizeTrackingNo(n.TrackingNo)
	if err != nil {
		v.AddErr("tracking_no", err)
	}
	n.TrackingNo = tn
	if err := n.Shipper.Normalize(); err != nil {
		var ve *errs.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				f.Field = "shipper." + f.Field
				v.AddField(f)
			}
		}
	}
	if err := n.Consignee.Normalize(); err != nil {
		var ve *errs.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				f.Field = "consignee." + f.Field
				v.AddField(f)
			}
		}
	}
	if n.ServiceLevel == "" {
		n.ServiceLevel = Standard
	}
	if !n.ServiceLevel.Valid() {
		v.AddKey("service_level", "field.shipments.service_level", nil)
	}
	n.OriginCity = strings.TrimSpace(n.OriginCity)
	n.DestCity = strings.TrimSpace(n.DestCity)
	if n.DestCity == "" {
		n.DestCity = n.Consignee.Address.City
	}
	if n.OriginCity == "" {
		v.AddKey("origin_city", errs.KeyRequired, nil)
	} else {
		v.Text("origin_city", n.OriginCity, maxText, false)
	}
	if n.DestCity == "" {
		v.AddKey("dest_city", "field.shipments.dest_city", nil)
	} else {
		v.Text("dest_city", n.DestCity, maxText, false)
	}
	if n.WeightG <= 0 || n.WeightG > 1_000_000_000 {
		v.AddKey("weight_g", "field.shipments.weight", nil)
	}
	if n.DeclaredValueFen < 0 {
		v.AddKey("declared_value_fen", errs.KeyNegative, nil)
	}
	for _, c := range []struct {
		field string
		v     *int64
	}{{"freight_fen", n.FreightFen}, {"surcharge_fen", n.SurchargeFen}, {"cost_fen", n.CostFen}} {
		switch {
		case c.v == nil:
		case *c.v < 0:
			v.AddKey(c.field, errs.KeyNegative, nil)
		case *c.v > MaxChargeFen:
			v.AddKey(c.field, "field.shipments.charge_too_big", nil)
		}
	}
	if n.CreatedAt == nil {
		t := now
		n.CreatedAt = &t
	} else if n.CreatedAt.After(now.Add(24 * time.Hour)) {
		v.AddKey("created_at", errs.KeyFuture, nil)
	} else if !w.check(&v, "created_at", *n.CreatedAt, now) {
		return v.Err() // a promise computed from it would be as implausible
	}
	if n.PromisedAt == nil {
		zone, _ := time.LoadLocation(n.Shipper.TimeZone)
		t := n.ServiceLevel.PromisedAt(*n.CreatedAt, zone)
		n.PromisedAt = &t
	} else if n.PromisedAt.Before(*n.CreatedAt) {
		v.AddKey("promised_at", "field.shipments.promised_at", nil)
	} else {
		w.check(&v, "promised_at", *n.PromisedAt, now)
	}
	return v.Err()
}

// NewEvent is one incoming tracking event, addressed by tracking number.
type NewEvent struct {
	TrackingNo string
	Event
}

// Normalize checks one incoming event. A missing source id is replaced by one derived
// from the event's content, so a replayed file without ids is still stored once. The
// time must lie inside w.
func (e *NewEvent) Normalize(now time.Time, w TimeWindow) error {
	var v errs.ValidationError
	tn, err := NormalizeTrackingNo(e.TrackingNo)
	if err != nil {
		v.AddErr("tracking_no", err)
	}
	e.TrackingNo = tn
	if !e.Code.Valid() {
		v.AddKey("code", "field.shipments.event_code", map[string]any{"Value": strconv.Quote(string(e.Code))})
	}
	if e.OccurredAt.IsZero() {
		v.AddKey("occurred_at", "field.shipments.occurred_at", nil)
	} else if e.OccurredAt.After(now.Add(time.Hour)) {
		v.AddKey("occurred_at", errs.KeyFuture, nil)
	} else {
		w.check(&v, "occurred_at", e.OccurredAt, now)
	}
	e.Location, e.Note = strings.TrimSpace(e.Location), strings.TrimSpace(e.Note)
	e.SignedBy, e.Key = strings.TrimSpace(e.SignedBy), strings.TrimSpace(e.Key)
	v.Text("location", e.Location, maxText, false)
	v.Text("note", e.Note, 1000, true)
	v.Text("event_id", e.Key, 100, false)
	v.Text("signed_by", e.SignedBy, maxText, false)
	v.Text("pod_url", e.PODURL, 2000, false)
	if e.Code == Delivered && e.SignedBy == "" {
		v.AddKey("signed_by", "field.shipments.signed_by", nil)
	}
	if e.Key == "" && v.Err() == nil {
		e.Key = "auto:" + string(e.Code) + ":" + e.OccurredAt.UTC().Format(time.RFC3339Nano)
	}
	return v.Err()
}
