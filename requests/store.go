package requests

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/audit"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/config"
	"lcrm/internal/errs"
	"lcrm/internal/events"
	"lcrm/notify"
)

// EventCreated is the webhook event type of a new request (package hooks lists it).
const EventCreated = "request.created"

var defaultZone = config.DefaultZone

// Store keeps delivery requests, pickup points and delivery consents.
type Store struct {
	pool *pgxpool.Pool
	// Now is the store's clock (clock.System from NewStore), read once per operation.
	Now clock.Clock
	// Zone is where delivery windows are cut (default config.DefaultZone).
	Zone *time.Location
	// Calendar returns the service desk's working hours, against which a request's answer
	// deadline is counted (complaints.Store.Calendar); nil: complaints.DefaultCalendar.
	Calendar func(ctx context.Context) (complaints.Calendar, error)
	// AnswerMinutes is the dispatch queue's SLA in working minutes (default
	// config.DefaultRequestAnswerMinutes).
	AnswerMinutes int
	// Outbox, when set, texts the consignee a confirmation and the answer.
	Outbox *notify.Outbox
	// PublicURL starts the tracking link in those SMS.
	PublicURL string
	// Events, when set, receives request.created in the transaction that makes a request.
	Events events.Sink
}

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, Now: clock.System, Zone: config.DefaultZone}
}

// NewRequest is what a verified visitor submits.
type NewRequest struct {
	// Key is the form's token: the same key again is the same request (a double submit).
	Key        string
	ShipmentID int64
	Kind       Kind
	// WindowFrom is the start of one of Windows' slots (Window).
	WindowFrom time.Time
	// NewAddress is the new address (Address): city and street required.
	NewAddress customers.Address
	// PickupPointID is an active point of the parcel's destination city (Pickup).
	PickupPointID int64
	Locale        string
}

// Result is what Submit did.
type Result struct {
	Request *Request
	// Created: a new request was opened (false for a double submit or a further urge).
	Created bool
	// Counted: an urge was counted (a new urge request, or a further one after the gap).
	Counted bool
	// TaskOpened: this urge reached config.DefaultUrgeTaskAt and opened a staff task.
	TaskOpened bool
}

// parcel is what Submit checks of the shipment.
type parcel struct {
	id, shipperID, consigneeID int64
	trackingNo, status, city   string
	phone                      string
	promisedAt                 time.Time
	outForDeliveryAt           *time.Time
	deliveredAt                *time.Time
}

// late is shipments.Shipment.Late, on the row read here.
func (p *parcel) late(now time.Time) bool {
	if p.deliveredAt != nil {
		return p.deliveredAt.After(p.promisedAt)
	}
	return p.status != "returned" && now.After(p.promisedAt)
}

// Submit records n. The same Key again returns the request it made and changes nothing.
// A second open request of one kind for the parcel is refused (ErrAlreadyOpen), except
// urges: pressing "where is my parcel" again counts one more urge on the open request once
// config.DefaultUrgeGap has passed since the last, and the DefaultUrgeTaskAt-th opens one
// staff task. A new request is confirmed by SMS and emitted as request.created, both in the
// same transaction. The shipment row is locked, so racing submits for one parcel queue up.
func (s *Store) Submit(ctx context.Context, n NewRequest) (*Result, error) {
	n.Key = strings.TrimSpace(n.Key)
	if n.Key == "" || len(n.Key) > 100 {
		return nil, ErrBadKey
	}
	if !n.Kind.Valid() {
		return nil, ErrBadKind
	}
	if n.Locale != "en" {
		n.Locale = "zh"
	}
	now := s.Now()
	var res *Result
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var existing int64
		err := tx.QueryRow(ctx, `SELECT request_id FROM delivery_request_submits WHERE key = $1`, n.Key).Scan(&existing)
		if err == nil {
			r, err := s.get(ctx, tx, existing)
			res = &Result{Request: r}
			return err
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var p parcel
		err = tx.QueryRow(ctx, `SELECT s.id, s.shipper_id, s.consignee_id, s.tracking_no, s.status, s.dest_city,
			    COALESCE(NULLIF(s.consignee_phone, ''), c.phone), s.promised_at, s.out_for_delivery_at, s.delivered_at
			FROM shipments s JOIN consignees c ON c.id = s.consignee_id WHERE s.id = $1 FOR UPDATE OF s`, n.ShipmentID).
			Scan(&p.id, &p.shipperID, &p.consigneeID, &p.trackingNo, &p.status, &p.city, &p.phone, &p.promisedAt, &p.outForDeliveryAt, &p.deliveredAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if p.status == "delivered" || p.status == "returned" {
			return ErrFinished
		}
		if n.Kind == Urge {
			if !p.late(now) {
				return ErrNotLate
			}
			var open int64
			err := tx.QueryRow(ctx, `SELECT id FROM delivery_requests WHERE shipment_id = $1 AND kind = 'urge' AND status IN ('requested', 'accepted')`, p.id).Scan(&open)
			if err == nil {
				res, err = s.urgeAgain(ctx, tx, open, n.Key, now)
				return err
			} else if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		r, err := s.open(ctx, tx, &p, n, now)
		if err != nil {
			return err
		}
		res = &Result{Request: r, Created: true, Counted: n.Kind == Urge}
		return s.announce(ctx, tx, r, &p, now)
	})
	if err != nil {
		var ve *errs.ValidationError
		if errors.As(err, &ve) || errs.KindOf(err) != errs.Internal {
			return nil, err
		}
		return nil, fmt.Errorf("requests: submit: %w", err)
	}
	return res, nil
}

// open checks n against the parcel and inserts a new request with its submit key.
func (s *Store) open(ctx context.Context, tx pgx.Tx, p *parcel, n NewRequest, now time.Time) (*Request, error) {
	r := &Request{ShipmentID: p.id, ShipperID: p.shipperID, ConsigneeID: p.consigneeID, TrackingNo: p.trackingNo,
		Kind: n.Kind, Status: Requested, Urges: 1, LastUrgedAt: now, Locale: n.Locale, CreatedAt: now, UpdatedAt: now}
	switch n.Kind {
	case Window:
		for _, w := range Windows(now, config.DefaultRequestWindowDays, zoneOr(s.Zone)) {
			if w.From.Equal(n.WindowFrom) {
				from, to := w.From, w.To
				r.WindowFrom, r.WindowTo = &from, &to
			}
		}
		if r.WindowFrom == nil {
			return nil, ErrBadWindow
		}
	case Address:
		if p.outForDeliveryAt != nil || p.status == "out_for_delivery" {
			return nil, ErrOutForDelivery
		}
		a, err := checkAddress(n.NewAddress)
		if err != nil {
			return nil, err
		}
		r.NewAddress = a
	case Pickup:
		pt, err := pickupPoint(ctx, tx, n.PickupPointID)
		if err != nil {
			return nil, err
		}
		if pt == nil || !pt.Active || pt.City != p.city {
			return nil, ErrBadPickup
		}
		r.Pickup = pt
	}
	cal := complaints.DefaultCalendar()
	if s.Calendar != nil {
		c, err := s.Calendar(ctx)
		if err != nil {
			return nil, err
		}
		cal = c
	}
	minutes := s.AnswerMinutes
	if minutes <= 0 {
		minutes = config.DefaultRequestAnswerMinutes
	}
	r.AnswerDue = complaints.AddWorkingMinutes(now, minutes, cal)
	var pickupID *int64
	if r.Pickup != nil {
		pickupID = &r.Pickup.ID
	}
	a := r.NewAddress
	err := tx.QueryRow(ctx, `
		INSERT INTO delivery_requests (shipment_id, shipper_id, consignee_id, kind, window_from, window_to,
		    province, city, district, street, postal_code, pickup_point_id, last_urged_at, locale, answer_due,
		    created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $13, $13)
		ON CONFLICT (shipment_id, kind) WHERE status IN ('requested', 'accepted') DO NOTHING
		RETURNING id`,
		p.id, p.shipperID, p.consigneeID, string(r.Kind), r.WindowFrom, r.WindowTo, a.Province, a.City, a.District,
		a.Street, a.PostalCode, pickupID, now, r.Locale, r.AnswerDue).Scan(&r.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrAlreadyOpen
	} else if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO delivery_request_submits (key, request_id, at) VALUES ($1, $2, $3)`, n.Key, r.ID, now); err != nil {
		return nil, err
	}
	return r, nil
}

// checkAddress validates a new address like a consignee's (the same fields and limits),
// with city and street required: a courier needs both.
func checkAddress(a customers.Address) (customers.Address, error) {
	c := customers.Consignee{Name: "-", Phone: "+8613800138000", Address: a}
	err := c.Normalize() // trims; Name and Phone are placeholders that always pass
	var v errs.ValidationError
	for _, f := range errs.FieldsOf(err) {
		v.AddField(f)
	}
	if c.Address.City == "" {
		v.AddKey("city", errs.KeyRequired, nil)
	}
	if c.Address.Street == "" {
		v.AddKey("street", errs.KeyRequired, nil)
	}
	return c.Address, v.Err()
}

// urgeAgain counts one more urge on the open urge request id (when the gap has passed)
// and opens the staff task at the DefaultUrgeTaskAt-th; the key is remembered either way.
func (s *Store) urgeAgain(ctx context.Context, tx pgx.Tx, id int64, key string, now time.Time) (*Result, error) {
	res := &Result{}
	var urges int
	err := tx.QueryRow(ctx, `UPDATE delivery_requests SET urges = urges + 1, last_urged_at = $2, updated_at = $2
		WHERE id = $1 AND last_urged_at <= $3 RETURNING urges`, id, now, now.Add(-config.DefaultUrgeGap)).Scan(&urges)
	switch {
	case err == nil:
		res.Counted = true
	case !errors.Is(err, pgx.ErrNoRows):
		return nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO delivery_request_submits (key, request_id, at) VALUES ($1, $2, $3)`, key, id, now); err != nil {
		return nil, err
	}
	r, err := s.get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	res.Request = r
	if res.Counted && urges >= config.DefaultUrgeTaskAt {
		text := fmt.Sprintf("催件%d次 / urged %d times: %s", urges, urges, r.TrackingNo)
		tag, err := tx.Exec(ctx, `INSERT INTO staff_tasks (key, kind, shipper_id, shipment_id, text, created_at)
			VALUES ($1, 'urge', $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING`, "urge:"+strconv.FormatInt(id, 10), r.ShipperID, r.ShipmentID, text, now)
		if err != nil {
			return nil, err
		}
		res.TaskOpened = tag.RowsAffected() == 1
	}
	return res, nil
}

// EventData is the data of request.created.
type EventData struct {
	ID         int64      `json:"id"`
	TrackingNo string     `json:"tracking_no"`
	Kind       Kind       `json:"kind"`
	Status     Status     `json:"status"`
	WindowFrom *time.Time `json:"window_from,omitempty"`
	WindowTo   *time.Time `json:"window_to,omitempty"`
	City       string     `json:"city,omitempty"`
	PickupID   int64      `json:"pickup_point_id,omitempty"`
	AnswerDue  time.Time  `json:"answer_due"`
	CreatedAt  time.Time  `json:"created_at"`
}

// announce queues the confirming SMS and emits request.created for a new request r.
func (s *Store) announce(ctx context.Context, tx pgx.Tx, r *Request, p *parcel, now time.Time) error {
	id := strconv.FormatInt(r.ID, 10)
	if s.Events != nil {
		d := EventData{ID: r.ID, TrackingNo: r.TrackingNo, Kind: r.Kind, Status: r.Status, WindowFrom: r.WindowFrom,
			WindowTo: r.WindowTo, City: r.NewAddress.City, AnswerDue: r.AnswerDue.UTC(), CreatedAt: now.UTC()}
		if r.Pickup != nil {
			d.PickupID = r.Pickup.ID
		}
		if err := s.Events.Emit(ctx, tx, r.ShipperID, EventCreated, "request:"+id+":created", "request:"+id, d); err != nil {
			return err
		}
	}
	return s.text(ctx, tx, r, notify.KindRequestReceived, "received", r.Description(r.Locale, zoneOr(s.Zone)), p.phone)
}

// text queues one SMS about r to phone (skipped without an outbox or a phone).
func (s *Store) text(ctx context.Context, tx pgx.Tx, r *Request, kind notify.Kind, what, text, phone string) error {
	if s.Outbox == nil || phone == "" {
		return nil
	}
	_, _, err := s.Outbox.Enqueue(ctx, tx, notify.Message{Key: "request:" + strconv.FormatInt(r.ID, 10) + ":" + what, Kind: kind,
		To: phone, Locale: r.Locale, Vars: map[string]string{"tracking_no": r.TrackingNo, "text": text,
			"link": strings.TrimRight(s.PublicURL, "/") + "/track/" + r.TrackingNo},
		ShipmentID: r.ShipmentID, ConsigneeID: r.ConsigneeID, ShipperID: r.ShipperID})
	return err
}

// Action is what dispatch does with a request.
type Action string

// The actions.
const (
	Accept  Action = "accept"
	Decline Action = "decline"
	Finish  Action = "done"
)

// target is the status each action leads to, and the statuses it may start from.
var target = map[Action]struct {
	to   Status
	from Status
}{Accept: {Accepted, Requested}, Decline: {Declined, Requested}, Finish: {Done, Accepted}}

// MaxReason bounds a decline reason, in characters.
const MaxReason = 500

// Answer applies act to request id by actor: accept or decline (reason required) a
// requested one, finish an accepted one. Repeating an action that already happened is a
// no-op returning the request; anything else is ErrTransition naming both statuses. The
// consignee is texted the answer once (accept or decline); finishing an urge closes its
// staff task. Audited.
func (s *Store) Answer(ctx context.Context, id int64, act Action, reason string, by Actor) (*Request, error) {
	t, ok := target[act]
	if !ok {
		return nil, fmt.Errorf("requests: unknown action %q", act)
	}
	reason = strings.TrimSpace(reason)
	if act == Decline {
		var v errs.ValidationError
		if reason == "" {
			v.AddKey("reason", ErrNeedReason.Key, nil)
		} else {
			v.Text("reason", reason, MaxReason, true)
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
	}
	now := s.Now()
	var out *Request
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := s.get(ctx, tx, id, "FOR UPDATE OF r")
		if err != nil {
			return err
		}
		out = r
		if r.Status == t.to {
			return nil
		}
		if r.Status != t.from {
			return transition(r.Status, t.to)
		}
		from := r.Status
		switch act {
		case Accept, Decline:
			_, err = tx.Exec(ctx, `UPDATE delivery_requests SET status = $2, decline_reason = $3, answered_at = $4, answered_by = $5, updated_at = $4
				WHERE id = $1`, id, string(t.to), reason, now, by.Name)
			r.AnsweredAt, r.AnsweredBy, r.DeclineReason = &now, by.Name, reason
		case Finish:
			_, err = tx.Exec(ctx, `UPDATE delivery_requests SET status = 'done', done_at = $2, updated_at = $2 WHERE id = $1`, id, now)
			r.DoneAt = &now
			if err == nil && r.Kind == Urge {
				_, err = tx.Exec(ctx, `UPDATE staff_tasks SET done_at = $2, done_by = NULLIF($3, 0::bigint) WHERE key = $1 AND done_at IS NULL`,
					"urge:"+strconv.FormatInt(id, 10), now, by.UserID)
			}
		}
		if err != nil {
			return err
		}
		r.Status, r.UpdatedAt = t.to, now
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: by.UserID, Actor: by.Name, Action: "request." + string(act), Object: "delivery_request",
			ObjectID: id, Before: map[string]string{"status": string(from)}, After: map[string]string{"status": string(t.to), "reason": reason}, At: now}); err != nil {
			return err
		}
		if act == Finish {
			return nil
		}
		var phone string
		if err := tx.QueryRow(ctx, `SELECT COALESCE(NULLIF(s.consignee_phone, ''), c.phone) FROM shipments s JOIN consignees c ON c.id = s.consignee_id
			WHERE s.id = $1`, r.ShipmentID).Scan(&phone); err != nil {
			return err
		}
		return s.text(ctx, tx, r, notify.KindRequestAnswered, "answered", answerText(r), phone)
	})
	if err != nil {
		if errs.KindOf(err) != errs.Internal {
			return nil, err
		}
		return nil, fmt.Errorf("requests: answer %d: %w", id, err)
	}
	return out, nil
}

// answerText is the answer in the request's language, for the SMS.
func answerText(r *Request) string {
	what := r.Description(r.Locale, nil)
	if r.Kind == Window {
		what = kindNames[Window][0]
		if r.Locale == "en" {
			what = kindNames[Window][1]
		}
	}
	switch {
	case r.Status == Accepted && r.Locale == "en":
		return "(" + what + ") was accepted"
	case r.Status == Accepted:
		return "（" + what + "）已受理"
	case r.Locale == "en":
		return "(" + what + ") was declined: " + r.DeclineReason
	}
	return "（" + what + "）未能受理：" + r.DeclineReason
}

// selectRequest reads requests with their tracking number and pickup point.
const selectRequest = `SELECT r.id, r.shipment_id, r.shipper_id, r.consignee_id, s.tracking_no, r.kind, r.status,
	    r.window_from, r.window_to, r.province, r.city, r.district, r.street, r.postal_code,
	    COALESCE(p.id, 0), COALESCE(p.name, ''), COALESCE(p.address, ''), COALESCE(p.city, ''), COALESCE(p.hours, ''),
	    COALESCE(p.kind, ''), COALESCE(p.active, false),
	    r.urges, r.last_urged_at, r.locale, r.decline_reason, r.answer_due, r.created_at, r.answered_at, r.answered_by,
	    r.done_at, r.updated_at
	FROM delivery_requests r
	JOIN shipments s ON s.id = r.shipment_id
	LEFT JOIN pickup_points p ON p.id = r.pickup_point_id `

func scanRequest(row pgx.Row) (*Request, error) {
	var r Request
	var p PickupPoint
	a := &r.NewAddress
	err := row.Scan(&r.ID, &r.ShipmentID, &r.ShipperID, &r.ConsigneeID, &r.TrackingNo, &r.Kind, &r.Status,
		&r.WindowFrom, &r.WindowTo, &a.Province, &a.City, &a.District, &a.Street, &a.PostalCode,
		&p.ID, &p.Name, &p.Address, &p.City, &p.Hours, &p.Kind, &p.Active,
		&r.Urges, &r.LastUrgedAt, &r.Locale, &r.DeclineReason, &r.AnswerDue, &r.CreatedAt, &r.AnsweredAt, &r.AnsweredBy,
		&r.DoneAt, &r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if p.ID != 0 {
		r.Pickup = &p
	}
	return &r, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// get reads one request through q; lock, when given, is a locking clause.
func (s *Store) get(ctx context.Context, q querier, id int64, lock ...string) (*Request, error) {
	r, err := scanRequest(q.QueryRow(ctx, selectRequest+`WHERE r.id = $1 `+strings.Join(lock, " "), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return r, err
}

// Get returns one request.
func (s *Store) Get(ctx context.Context, id int64) (*Request, error) {
	r, err := s.get(ctx, s.pool, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("requests: get %d: %w", id, err)
	}
	return r, err
}

// ForShipment returns the parcel's requests, oldest first.
func (s *Store) ForShipment(ctx context.Context, shipmentID int64) ([]Request, error) {
	return s.list(ctx, `WHERE r.shipment_id = $1 ORDER BY r.created_at, r.id`, shipmentID)
}

// Filter selects requests for the queue and the API; zero fields match everything.
type Filter struct {
	Status     Status
	TrackingNo string
	// ShipperID limits the list to one shipper's parcels (a shipper's API key).
	ShipperID int64
	Limit     int
}

// List returns requests under f in queue order: those waiting for an answer first, the
// overdue among them first (their deadline passed at now), then nearest deadline; then the
// accepted ones; then the rest, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Request, error) {
	now := s.Now()
	limit := f.Limit
	if limit <= 0 || limit > config.DefaultRequestPage {
		limit = config.DefaultRequestPage
	}
	return s.list(ctx, `WHERE ($1 = '' OR r.status = $1) AND ($2 = '' OR s.tracking_no = $2) AND ($3 = 0 OR r.shipper_id = $3)
		ORDER BY CASE r.status WHEN 'requested' THEN 0 WHEN 'accepted' THEN 1 ELSE 2 END,
		    CASE WHEN r.status = 'requested' AND r.answer_due < $4 THEN 0 ELSE 1 END,
		    CASE WHEN r.status IN ('requested', 'accepted') THEN r.answer_due END,
		    r.updated_at DESC, r.id
		LIMIT $5`, string(f.Status), strings.ToUpper(strings.TrimSpace(f.TrackingNo)), f.ShipperID, now, limit)
}

func (s *Store) list(ctx context.Context, where string, args ...any) ([]Request, error) {
	rows, err := s.pool.Query(ctx, selectRequest+where, args...)
	if err != nil {
		return nil, fmt.Errorf("requests: list: %w", err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("requests: list: %w", err)
		}
		out = append(out, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("requests: list: %w", err)
	}
	return out, nil
}
