package shipments

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Consumer names a reader of the status changes. Each consumer hands every change on
// exactly once, whatever the others do.
type Consumer string

// The consumers of status changes.
const (
	// ConsumerSMS texts the parcel's subscribers (and, if its shipper wants, the consignee).
	ConsumerSMS Consumer = "sms"
	// ConsumerWebhooks posts the change to the shipper's webhook endpoints.
	ConsumerWebhooks Consumer = "webhooks"
	// ConsumerEstimate folds delivered parcels into the delivery estimate's histograms.
	ConsumerEstimate Consumer = "estimate"
)

// doneColumn is the column in which each consumer marks a change handed on. Column names
// cannot be parameters: they come from this fixed map, never from input.
var doneColumn = map[Consumer]string{
	ConsumerSMS:      "sms_done_at",
	ConsumerWebhooks: "hooks_done_at",
	ConsumerEstimate: "estimate_done_at",
}

// StatusChange is one change of a shipment's status, recorded by the transaction that
// stored the event which caused it (see rederive).
type StatusChange struct {
	ID         int64
	ShipmentID int64
	TrackingNo string
	ShipperID  int64
	From, To   Code
	// EventKey is the event that set To, OccurredAt its time: the same event sent again
	// is a duplicate and records no change, so (shipment, To, EventKey) names a change.
	EventKey   string
	OccurredAt time.Time
	// ChangedAt is when lcrm stored the change (the write's instant).
	ChangedAt time.Time
}

// HandOnStatusChanges takes up to limit changes that consumer has not handed on, oldest
// first, and calls fn with them inside one transaction. When fn returns nil the changes are
// marked done in that same transaction, so what fn writes through tx (its outbox rows) and
// the mark commit together or not at all: a crash hands a change on again, never loses it.
// Concurrent callers take disjoint changes (SKIP LOCKED). It returns how many it handed on.
func (st *Store) HandOnStatusChanges(ctx context.Context, consumer Consumer, limit int, fn func(ctx context.Context, tx pgx.Tx, changes []StatusChange) error) (int, error) {
	col, ok := doneColumn[consumer]
	if !ok {
		return 0, fmt.Errorf("shipments: hand on status changes: unknown consumer %q", consumer)
	}
	if limit <= 0 {
		limit = 500
	}
	n := 0
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
WITH todo AS (
    SELECT id FROM shipment_status_changes WHERE `+col+` IS NULL
    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
)
SELECT c.id, c.shipment_id, s.tracking_no, s.shipper_id, c.from_status, c.to_status, c.event_key, c.occurred_at, c.changed_at
FROM todo JOIN shipment_status_changes c ON c.id = todo.id JOIN shipments s ON s.id = c.shipment_id
ORDER BY c.id`, limit)
		if err != nil {
			return err
		}
		changes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatusChange, error) {
			var c StatusChange
			err := r.Scan(&c.ID, &c.ShipmentID, &c.TrackingNo, &c.ShipperID, &c.From, &c.To, &c.EventKey, &c.OccurredAt, &c.ChangedAt)
			return c, err
		})
		if err != nil || len(changes) == 0 {
			return err
		}
		if err := fn(ctx, tx, changes); err != nil {
			return err
		}
		ids := make([]int64, len(changes))
		for i, c := range changes {
			ids[i] = c.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE shipment_status_changes SET `+col+` = $2::timestamptz WHERE id = ANY($1)`, ids, st.Now()); err != nil {
			return err
		}
		n = len(changes)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("shipments: hand on status changes (%s): %w", consumer, err)
	}
	return n, nil
}
