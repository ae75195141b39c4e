// Package events is the one contract between the domains that make events a shipper may
// receive (complaints, care, customers) and the webhook outbox that delivers them (package
// hooks): a domain holds a Sink, calls it inside its own transaction, and imports nothing
// of hooks, so there is no import cycle and no event is lost or announced for a change
// that rolled back. cmd/lcrm wires hooks.Store in.
package events

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is a pool or a transaction: the sink writes through the caller's transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Sink receives events. key names the event (the same key again is a no-op); events
// sharing a non-empty orderKey reach each endpoint in the order they were emitted; data
// is marshalled as the payload's "data".
type Sink interface {
	Emit(ctx context.Context, q Querier, shipperID int64, eventType, key, orderKey string, data any) error
}

// Event is one event for EmitMany: the arguments of Sink.Emit.
type Event struct {
	ShipperID           int64
	Type, Key, OrderKey string
	Data                any
}

// ManySink is a Sink that can take many events in one statement (hooks' sink does).
type ManySink interface {
	Sink
	EmitMany(ctx context.Context, q Querier, evs []Event) error
}

// EmitMany hands evs to s in order: in one call when s is a ManySink, else one Emit each.
// A nil sink takes nothing.
func EmitMany(ctx context.Context, s Sink, q Querier, evs []Event) error {
	if s == nil || len(evs) == 0 {
		return nil
	}
	if m, ok := s.(ManySink); ok {
		return m.EmitMany(ctx, q, evs)
	}
	for _, e := range evs {
		if err := s.Emit(ctx, q, e.ShipperID, e.Type, e.Key, e.OrderKey, e.Data); err != nil {
			return err
		}
	}
	return nil
}
