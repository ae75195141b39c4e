package hooks

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/events"
	"lcrm/shipments"
)

// Event is one thing that happened to a shipper's data, to be posted to each of its
// enabled endpoints that subscribe to Type.
type Event struct {
	ShipperID int64
	Type      string
	// Key names the event for idempotency: the same key emitted again enqueues nothing
	// (its event id is derived from it). Empty: a fresh random id.
	Key string
	// OrderKey groups events that must arrive in order (e.g. "shipment:<id>"); a delivery
	// waits while an earlier one of its group to the same endpoint is pending.
	OrderKey string
	Data     any
}

// Payload is the JSON body of every delivery.
type Payload struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt string          `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// eventID is "evt_" and 24 hex digits, from key when there is one.
func eventID(key string) string {
	if key == "" {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			panic(fmt.Sprintf("hooks: random: %v", err))
		}
		return "evt_" + hex.EncodeToString(b)
	}
	h := sha256.Sum256([]byte(key))
	return "evt_" + hex.EncodeToString(h[:12])
}

// Emit enqueues ev through q (the caller's transaction, so the event and its deliveries
// commit together) and returns how many deliveries it made (0 when no endpoint wants it).
// Domains call it through an interface of their own (an event sink) wired in cmd.
func (s *Store) Emit(ctx context.Context, q Querier, ev Event) (int, error) {
	return s.emit(ctx, q, ev, s.Now())
}

func (s *Store) emit(ctx context.Context, q Querier, ev Event, now time.Time) (int, error) {
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return 0, fmt.Errorf("hooks: emit %s: %w", ev.Type, err)
	}
	id := eventID(ev.Key)
	body, err := json.Marshal(Payload{ID: id, Type: ev.Type, CreatedAt: now.UTC().Format(time.RFC3339), Data: data})
	if err != nil {
		return 0, fmt.Errorf("hooks: emit %s: %w", ev.Type, err)
	}
	tag, err := q.Exec(ctx, `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, order_key, body,
		    next_attempt_at, give_up_after, created_at, updated_at)
		SELECT id, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $6, $6 FROM webhook_endpoints
		WHERE shipper_id = $1 AND enabled AND $3 = ANY(events)
		ORDER BY id
		ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
		ev.ShipperID, id, ev.Type, ev.OrderKey, string(body), now, now.Add(s.RetryFor))
	if err != nil {
		return 0, fmt.Errorf("hooks: emit %s: %w", ev.Type, err)
	}
	return int(tag.RowsAffected()), nil
}

// Sink is the store as an events.Sink, for the domains' Events fields.
func (s *Store) Sink() events.Sink { return sink{s} }

type sink struct{ s *Store }

// Emit enqueues one event through q.
func (k sink) Emit(ctx context.Context, q events.Querier, shipperID int64, eventType, key, orderKey string, data any) error {
	_, err := k.s.Emit(ctx, q, Event{ShipperID: shipperID, Type: eventType, Key: key, OrderKey: orderKey, Data: data})
	return err
}

// EmitMany enqueues evs through q in one statement, as Emit on each in order would: the
// same event ids and bodies, one delivery per event and endpoint that wants it.
func (k sink) EmitMany(ctx context.Context, q events.Querier, evs []events.Event) error {
	now := k.s.Now()
	n := len(evs)
	shippers, ids, types, orders, bodies := make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, ev := range evs {
		data, err := json.Marshal(ev.Data)
		if err != nil {
			return fmt.Errorf("hooks: emit %s: %w", ev.Type, err)
		}
		ids[i] = eventID(ev.Key)
		body, err := json.Marshal(Payload{ID: ids[i], Type: ev.Type, CreatedAt: now.UTC().Format(time.RFC3339), Data: data})
		if err != nil {
			return fmt.Errorf("hooks: emit %s: %w", ev.Type, err)
		}
		shippers[i], types[i], orders[i], bodies[i] = ev.ShipperID, ev.Type, ev.OrderKey, string(body)
	}
	_, err := q.Exec(ctx, `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, order_key, body,
		    next_attempt_at, give_up_after, created_at, updated_at)
		SELECT w.id, u.ev, u.typ, u.ord_key, u.body, $6::timestamptz, $7::timestamptz, $6, $6
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(shipper, ev, typ, ord_key, body, n)
		JOIN webhook_endpoints w ON w.shipper_id = u.shipper AND w.enabled AND u.typ = ANY(w.events)
		ORDER BY u.n, w.id
		ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
		shippers, ids, types, orders, bodies, now, now.Add(k.s.RetryFor))
	if err != nil {
		return fmt.Errorf("hooks: emit %d events: %w", n, err)
	}
	return nil
}

// StatusChangeData is the data of shipment.status_changed and shipment.delivered.
type StatusChangeData struct {
	TrackingNo string    `json:"tracking_no"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	OccurredAt time.Time `json:"occurred_at"`
	ChangedAt  time.Time `json:"changed_at"`
}

// StatusChanges enqueues shipment.status_changed (and shipment.delivered when a parcel
// became delivered) for each change, through tx: it is the fn of
// shipments.Store.HandOnStatusChanges for shipments.ConsumerWebhooks.
func (s *Store) StatusChanges(ctx context.Context, tx pgx.Tx, changes []shipments.StatusChange) error {
	now := s.Now()
	for _, c := range changes {
		data := StatusChangeData{TrackingNo: c.TrackingNo, From: string(c.From), To: string(c.To),
			OccurredAt: c.OccurredAt.UTC(), ChangedAt: c.ChangedAt.UTC()}
		order := "shipment:" + strconv.FormatInt(c.ShipmentID, 10)
		key := "status_change:" + strconv.FormatInt(c.ID, 10)
		if _, err := s.emit(ctx, tx, Event{ShipperID: c.ShipperID, Type: ShipmentStatusChanged, Key: key, OrderKey: order, Data: data}, now); err != nil {
			return err
		}
		if c.To == shipments.Delivered {
			if _, err := s.emit(ctx, tx, Event{ShipperID: c.ShipperID, Type: ShipmentDelivered, Key: key + ":delivered", OrderKey: order, Data: data}, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// Feed hands the status changes not yet handed to webhooks on to the outbox, up to limit
// per call; it returns how many changes it took.
func (s *Store) Feed(ctx context.Context, sh *shipments.Store, limit int) (int, error) {
	return sh.HandOnStatusChanges(ctx, shipments.ConsumerWebhooks, limit, s.StatusChanges)
}

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusSending   = "sending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

// Delivery is one event's delivery to one endpoint, with its attempts.
type Delivery struct {
	ID          int64
	EndpointID  int64
	EventID     string
	EventType   string
	Status      string
	Attempts    int
	CreatedAt   time.Time
	NextAt      time.Time
	DeliveredAt *time.Time
	LastCode    int
	LastError   string
	Log         []Attempt
}

// Attempt is one try of a delivery: when, the HTTP status (0: no answer), the latency,
// the first KiB of the answer and the transport error if any.
type Attempt struct {
	N          int
	At         time.Time
	StatusCode int
	Latency    time.Duration
	Response   string
	Error      string
}

// Deliveries returns up to limit of the newest deliveries to shipperID's endpoint, each
// with its attempts (oldest first).
func (s *Store) Deliveries(ctx context.Context, shipperID, endpointID int64, limit int) ([]Delivery, error) {
	if _, err := s.Get(ctx, shipperID, endpointID); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT d.id, d.endpoint_id, d.event_id, d.event_type, d.status, d.attempts, d.created_at,
		    d.next_attempt_at, d.delivered_at, d.last_status_code, d.last_error,
		    COALESCE((SELECT json_agg(json_build_object('n', a.attempt, 'at', a.at, 'code', a.status_code,
		        'ms', a.latency_ms, 'resp', a.response, 'err', a.error) ORDER BY a.id)
		        FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]')
		FROM webhook_deliveries d WHERE d.endpoint_id = $1 ORDER BY d.id DESC LIMIT $2`, endpointID, limit)
	if err != nil {
		return nil, fmt.Errorf("hooks: deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) {
		var d Delivery
		var log []struct {
			N    int       `json:"n"`
			At   time.Time `json:"at"`
			Code int       `json:"code"`
			MS   int       `json:"ms"`
			Resp string    `json:"resp"`
			Err  string    `json:"err"`
		}
		if err := r.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.EventType, &d.Status, &d.Attempts, &d.CreatedAt,
			&d.NextAt, &d.DeliveredAt, &d.LastCode, &d.LastError, &log); err != nil {
			return d, err
		}
		for _, a := range log {
			d.Log = append(d.Log, Attempt{N: a.N, At: a.At, StatusCode: a.Code, Latency: time.Duration(a.MS) * time.Millisecond,
				Response: a.Resp, Error: a.Err})
		}
		return d, nil
	})
	if err != nil {
		return nil, fmt.Errorf("hooks: deliveries: %w", err)
	}
	return out, nil
}

// Resend queues a finished delivery (delivered or failed) of shipperID's again, due now,
// retried for RetryFor; a pending one is ErrNotFinished, another shipper's ErrNotFound.
func (s *Store) Resend(ctx context.Context, shipperID, deliveryID int64) error {
	now := s.Now()
	var status string
	err := s.pool.QueryRow(ctx, `SELECT d.status FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
		WHERE d.id = $1 AND e.shipper_id = $2`, deliveryID, shipperID).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("hooks: resend %d: %w", deliveryID, err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2,
		give_up_after = $3, claimed_at = NULL, updated_at = $2
		WHERE id = $1 AND status IN ('delivered', 'failed')`, deliveryID, now, now.Add(s.RetryFor))
	if err != nil {
		return fmt.Errorf("hooks: resend %d: %w", deliveryID, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFinished
	}
	return nil
}
