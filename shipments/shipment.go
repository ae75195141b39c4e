// Package shipments holds parcels and their journeys: shipment records, append-only
// tracking events, the status derived from them, sign-off, and bulk import. It owns the
// SQL for those tables and knows nothing of HTTP.
package shipments

import (
	"errors"
	"strings"
	"time"

	"lcrm/customers"
)

// ErrNotFound means no shipment has that tracking number.
var ErrNotFound = errors.New("shipments: not found")

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
var DefaultZone = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

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
	PromisedAt       time.Time
	CreatedAt        time.Time
	Derived
	SignedAt *time.Time
}

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
	PromisedAt       *time.Time // computed from the service level when nil
	CreatedAt        *time.Time // now when nil
}

// maxText bounds free-text fields so one bad row cannot bloat the database.
const maxText = 200

// Normalize checks and tidies the input, fills defaults, and reports every bad field at
// once with field names as the API and the importer show them.
func (n *NewShipment) Normalize(now time.Time) error {
	var v customers.ValidationError
	tn, err := NormalizeTrackingNo(n.TrackingNo)
	if err != nil {
		v.Add("tracking_no", "%s", err.Error())
	}
	n.TrackingNo = tn
	if err := n.Shipper.Normalize(); err != nil {
		var ve *customers.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				v.Add("shipper."+f.Field, "%s", f.Message)
			}
		}
	}
	if err := n.Consignee.Normalize(); err != nil {
		var ve *customers.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				v.Add("consignee."+f.Field, "%s", f.Message)
			}
		}
	}
	if n.ServiceLevel == "" {
		n.ServiceLevel = Standard
	}
	if !n.ServiceLevel.Valid() {
		v.Add("service_level", "must be standard, express or same_day")
	}
	n.OriginCity = strings.TrimSpace(n.OriginCity)
	n.DestCity = strings.TrimSpace(n.DestCity)
	if n.DestCity == "" {
		n.DestCity = n.Consignee.Address.City
	}
	if n.OriginCity == "" || len(n.OriginCity) > maxText {
		v.Add("origin_city", "is required")
	}
	if n.DestCity == "" || len(n.DestCity) > maxText {
		v.Add("dest_city", "is required (or give the consignee's city)")
	}
	if n.WeightG <= 0 || n.WeightG > 1_000_000_000 {
		v.Add("weight_g", "must be a positive number of grams")
	}
	if n.DeclaredValueFen < 0 {
		v.Add("declared_value_fen", "must not be negative")
	}
	if n.CreatedAt == nil {
		t := now
		n.CreatedAt = &t
	} else if n.CreatedAt.After(now.Add(24 * time.Hour)) {
		v.Add("created_at", "is in the future")
	}
	if n.PromisedAt == nil {
		zone, _ := time.LoadLocation(n.Shipper.TimeZone)
		t := n.ServiceLevel.PromisedAt(*n.CreatedAt, zone)
		n.PromisedAt = &t
	} else if n.PromisedAt.Before(*n.CreatedAt) {
		v.Add("promised_at", "is before the shipment was created")
	}
	return v.Err()
}

// NewEvent is one incoming tracking event, addressed by tracking number.
type NewEvent struct {
	TrackingNo string
	Event
}

// Normalize checks one incoming event. A missing source id is replaced by one derived
// from the event's content, so a replayed file without ids is still stored once.
func (e *NewEvent) Normalize(now time.Time) error {
	var v customers.ValidationError
	tn, err := NormalizeTrackingNo(e.TrackingNo)
	if err != nil {
		v.Add("tracking_no", "%s", err.Error())
	}
	e.TrackingNo = tn
	if !e.Code.Valid() {
		v.Add("code", "unknown event code %q", e.Code)
	}
	if e.OccurredAt.IsZero() {
		v.Add("occurred_at", "is required (RFC 3339, e.g. 2026-11-22T08:30:00+08:00)")
	} else if e.OccurredAt.After(now.Add(time.Hour)) {
		v.Add("occurred_at", "is in the future")
	}
	e.Location, e.Note = strings.TrimSpace(e.Location), strings.TrimSpace(e.Note)
	e.SignedBy, e.Key = strings.TrimSpace(e.SignedBy), strings.TrimSpace(e.Key)
	if len(e.Location) > maxText || len(e.Note) > 1000 || len(e.Key) > 100 {
		v.Add("note", "location (200), note (1000) or event_id (100) too long")
	}
	if e.Code == Delivered && e.SignedBy == "" {
		v.Add("signed_by", "is required for a delivered event")
	}
	if e.Key == "" && v.Err() == nil {
		e.Key = "auto:" + string(e.Code) + ":" + e.OccurredAt.UTC().Format(time.RFC3339Nano)
	}
	return v.Err()
}
