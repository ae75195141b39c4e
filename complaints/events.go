package complaints

import (
	"context"
	"strconv"
	"time"

	"lcrm/internal/events"
)

// Webhook event types the store emits (see package hooks).
const (
	EventCreated  = "complaint.created"
	EventUpdated  = "complaint.updated"
	EventResolved = "complaint.resolved"
)

// EventSink receives the store's events inside the transaction that made them (see
// lcrm/internal/events); cmd wires the webhook outbox in.
type EventSink = events.Sink

// EventData is the data of every complaint event.
type EventData struct {
	ID         int64     `json:"id"`
	Ref        string    `json:"ref,omitempty"`
	ShipmentID int64     `json:"shipment_id"`
	Category   Category  `json:"category"`
	Priority   Priority  `json:"priority"`
	Status     Status    `json:"status"`
	FromStatus Status    `json:"from_status,omitempty"`
	At         time.Time `json:"at"`
}

// emit hands one event of c to the sink, if any; key makes it idempotent.
func (s *Store) emit(ctx context.Context, q querier, c *Complaint, typ, key string, from Status, now time.Time) error {
	if s.Events == nil {
		return nil
	}
	id := strconv.FormatInt(c.ID, 10)
	return s.Events.Emit(ctx, q, c.ShipperID, typ, "complaint:"+id+":"+key, "complaint:"+id,
		EventData{ID: c.ID, Ref: c.Ref, ShipmentID: c.ShipmentID, Category: c.Category, Priority: c.Priority,
			Status: c.Status, FromStatus: from, At: now.UTC()})
}
