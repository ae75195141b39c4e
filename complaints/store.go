package complaints

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/clock"
	"lcrm/internal/config"
)

// Alerter delivers an escalation alert outside the console (e.g. SMS through notify). It is
// called once per newly stored notification.
type Alerter interface {
	Alert(ctx context.Context, userID int64, text string) error
}

// DefaultEscalationInterval is how long a breach waits before it climbs one more level.
const DefaultEscalationInterval = config.DefaultEscalationInterval

// Store reads and writes complaints in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// Now is the store's clock (clock.System from NewStore): read once per operation and
	// passed down, so SLA deadlines, escalations and reopen windows all see one instant.
	// Tests and demo data set it to act at another time.
	Now clock.Clock
	// Alerter, when set, is told about every new escalation notification.
	Alerter Alerter
	// Pauses, when set, gives a complaint being filed the pauses of its clocks (the
	// disruptions affecting its parcel: lcrm/disruptions).
	Pauses PauseSource
	// Events, when set, receives complaint.created, complaint.updated and
	// complaint.resolved inside the transaction that made them (the webhook outbox).
	Events EventSink
	// EscalationInterval is the time between two steps up the manager chain
	// (DefaultEscalationInterval when zero).
	EscalationInterval time.Duration
	// Zone is the service desk's zone (LCRM_TIMEZONE): business hours, holidays and the
	// wallboard's "today" are in it. DefaultZone when nil.
	Zone *time.Location
	// AppealReplyWindow is an appeal's reply deadline after its receipt when the transfer
	// names none (LCRM_APPEAL_REPLY_WINDOW; config.DefaultAppealReplyWindow when zero).
	AppealReplyWindow time.Duration
}

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool, Now: clock.System} }

// Location is the store's zone, for callers that read days typed by a person (holidays).
func (s *Store) Location() *time.Location { return s.zone() }

// zone is where business hours, holidays and "today" are kept: the configured Zone, or
// the default zone when none was set.
func (s *Store) zone() *time.Location {
	if s.Zone != nil {
		return s.Zone
	}
	return DefaultZone
}

// querier is what both the pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// selectComplaint reads complaints with their tracking number, tier and assignee's name;
// callers append a WHERE clause over c.
const selectComplaint = `SELECT c.id, c.ref, c.shipment_id, c.shipper_id, c.consignee_id, s.tracking_no,
	c.category, c.description, c.contact_phone, c.status, c.priority, COALESCE(c.assignee_id, 0),
	COALESCE(u.name, ''), c.first_response_due, c.resolution_due, c.first_responded_at, c.resolved_at,
	c.closed_at, c.paused_since, c.rating, c.root_cause, c.department, c.resolution_code,
	c.compensation_fen, sh.tier, c.clock_start, c.paused_minutes, c.reopen_count, c.created_at, c.updated_at,
	cn.name
FROM complaints c
JOIN shipments s ON s.id = c.shipment_id
JOIN shippers sh ON sh.id = c.shipper_id
JOIN consignees cn ON cn.id = c.consignee_id
LEFT JOIN users u ON u.id = c.assignee_id
`

func scanComplaint(row pgx.Row) (*Complaint, error) {
	var c Complaint
	err := row.Scan(&c.ID, &c.Ref, &c.ShipmentID, &c.ShipperID, &c.ConsigneeID, &c.TrackingNo,
		&c.Category, &c.Description, &c.ContactPhone, &c.Status, &c.Priority, &c.AssigneeID,
		&c.AssigneeName, &c.FirstResponseDue, &c.ResolutionDue, &c.FirstRespondedAt, &c.ResolvedAt,
		&c.ClosedAt, &c.PausedSince, &c.Rating, &c.RootCause, &c.Department, &c.ResolutionCode,
		&c.CompensationFen, &c.ShipperTier, &c.ClockStart, &c.PausedMinutes, &c.ReopenCount,
		&c.CreatedAt, &c.UpdatedAt, &c.ConsigneeName)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (s *Store) one(ctx context.Context, q querier, where string, args ...any) (*Complaint, error) {
	return scanComplaint(q.QueryRow(ctx, selectComplaint+where, args...))
}

func (s *Store) many(ctx context.Context, q querier, where string, args ...any) ([]Complaint, error) {
	rows, err := q.Query(ctx, selectComplaint+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Complaint
	for rows.Next() {
		c, err := scanComplaint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// ByID returns one complaint (ErrNotFound when there is none).
func (s *Store) ByID(ctx context.Context, id int64) (*Complaint, error) {
	c, err := s.one(ctx, s.pool, "WHERE c.id = $1", id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("complaints: by id: %w", err)
	}
	return c, err
}

// ByRef returns the complaint with a reference, read as ParseRef reads it ("c-4k7 m9q xdz",
// "c2611-000123"); one that cannot be a reference is ErrNotFound without a query.
func (s *Store) ByRef(ctx context.Context, ref string) (*Complaint, error) {
	ref, ok := ParseRef(ref)
	if !ok {
		return nil, ErrNotFound
	}
	c, err := s.one(ctx, s.pool, "WHERE c.ref = $1", ref)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("complaints: by ref: %w", err)
	}
	return c, err
}

// ListByShipment returns the complaints about one shipment, newest first.
func (s *Store) ListByShipment(ctx context.Context, shipmentID int64) ([]Complaint, error) {
	out, err := s.many(ctx, s.pool, "WHERE c.shipment_id = $1 ORDER BY c.created_at DESC, c.id DESC", shipmentID)
	if err != nil {
		return nil, fmt.Errorf("complaints: list by shipment: %w", err)
	}
	return out, nil
}

// ListByShipper returns a shipper's complaints, newest first, at most limit (100 when 0).
func (s *Store) ListByShipper(ctx context.Context, shipperID int64, limit int) ([]Complaint, error) {
	if limit <= 0 {
		limit = config.DefaultComplaintPage
	}
	out, err := s.many(ctx, s.pool, "WHERE c.shipper_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2", shipperID, limit)
	if err != nil {
		return nil, fmt.Errorf("complaints: list by shipper: %w", err)
	}
	return out, nil
}

// ListByConsignee returns a consignee's complaints, newest first.
func (s *Store) ListByConsignee(ctx context.Context, consigneeID int64) ([]Complaint, error) {
	out, err := s.many(ctx, s.pool, "WHERE c.consignee_id = $1 ORDER BY c.created_at DESC, c.id DESC", consigneeID)
	if err != nil {
		return nil, fmt.Errorf("complaints: list by consignee: %w", err)
	}
	return out, nil
}

// Timeline returns a complaint's entries, oldest first; without includeInternal only the
// public ones (what the customer's progress page shows).
func (s *Store) Timeline(ctx context.Context, id int64, includeInternal bool) ([]Entry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+entryCols+`
		FROM complaint_entries WHERE complaint_id = $1 AND (public OR $2) ORDER BY at, id`, id, includeInternal)
	if err != nil {
		return nil, fmt.Errorf("complaints: timeline: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanEntry)
	if err != nil {
		return nil, fmt.Errorf("complaints: timeline: %w", err)
	}
	return out, nil
}

// entryCols are the complaint_entries columns scanEntry reads.
const entryCols = `id, at, kind, actor, text, from_status, to_status, public, code, data`

// scanEntry reads one timeline entry (an old system line decoded into its code).
func scanEntry(r pgx.CollectableRow) (Entry, error) {
	var e Entry
	err := r.Scan(&e.ID, &e.At, &e.Kind, &e.ActorName, &e.Text, &e.FromStatus, &e.ToStatus, &e.Public, &e.Code, &e.Data)
	decodeOld(&e)
	return e, err
}

// mutate runs fn on the locked complaint id inside a transaction, with the store's now.
func (s *Store) mutate(ctx context.Context, id int64, fn func(tx pgx.Tx, c *Complaint, now time.Time) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := s.one(ctx, tx, "WHERE c.id = $1 FOR UPDATE OF c", id)
		if err != nil {
			return err
		}
		return fn(tx, c, s.Now())
	})
}

// save writes the mutable fields of c.
func save(ctx context.Context, q querier, c *Complaint, now time.Time) error {
	c.UpdatedAt = now
	_, err := q.Exec(ctx, `UPDATE complaints SET status = $2, priority = $3, assignee_id = NULLIF($4, 0),
		first_response_due = $5, resolution_due = $6, clock_start = $7, paused_minutes = $8, paused_since = $9,
		reopen_count = $10, first_responded_at = $11, resolved_at = $12, closed_at = $13, rating = $14,
		root_cause = $15, department = $16, resolution_code = $17, compensation_fen = $18, updated_at = $19
		WHERE id = $1`,
		c.ID, c.Status, c.Priority, c.AssigneeID, c.FirstResponseDue, c.ResolutionDue, c.ClockStart,
		c.PausedMinutes, c.PausedSince, c.ReopenCount, c.FirstRespondedAt, c.ResolvedAt, c.ClosedAt,
		c.Rating, c.RootCause, c.Department, c.ResolutionCode, c.CompensationFen, c.UpdatedAt)
	return err
}

// addEntry appends one timeline entry, attributed to by (or to name when by is zero).
func addEntry(ctx context.Context, q querier, complaintID int64, by Actor, name string, e Entry) (Entry, error) {
	var actorID *int64
	if by.UserID != 0 {
		actorID, name = &by.UserID, by.Name
	}
	e.ActorName = name
	data := e.Data
	if data == nil {
		data = map[string]any{}
	}
	err := q.QueryRow(ctx, `INSERT INTO complaint_entries (complaint_id, kind, actor_id, actor, text, from_status, to_status, public, at, code, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		complaintID, e.Kind, actorID, name, e.Text, e.FromStatus, e.ToStatus, e.Public, e.At, e.Code, data).Scan(&e.ID)
	return e, err
}

// policy returns the SLA policy for a priority and tier.
func policy(ctx context.Context, q querier, p Priority, tier string) (Policy, error) {
	pol := Policy{Priority: p, Tier: tier}
	err := q.QueryRow(ctx, `SELECT first_response_minutes, resolution_minutes, business_hours_only
		FROM sla_policies WHERE priority = $1 AND tier = $2`, p, tier).
		Scan(&pol.FirstResponseMinutes, &pol.ResolutionMinutes, &pol.BusinessHoursOnly)
	if errors.Is(err, pgx.ErrNoRows) {
		return pol, fmt.Errorf("no SLA policy for %s/%s", p, tier)
	}
	return pol, err
}

// calendar reads business hours and holidays, kept in the store's zone.
func (s *Store) calendar(ctx context.Context, q querier) (Calendar, error) {
	cal := Calendar{Zone: s.zone(), Hours: map[time.Weekday]Span{}, Holidays: map[string]bool{}}
	rows, err := q.Query(ctx, `SELECT weekday, EXTRACT(EPOCH FROM opens)::bigint, EXTRACT(EPOCH FROM closes)::bigint FROM business_hours`)
	if err != nil {
		return cal, err
	}
	for rows.Next() {
		var wd int
		var opens, closes int64
		if err := rows.Scan(&wd, &opens, &closes); err != nil {
			rows.Close()
			return cal, err
		}
		cal.Hours[time.Weekday(wd)] = Span{time.Duration(opens) * time.Second, time.Duration(closes) * time.Second}
	}
	if err := rows.Err(); err != nil {
		return cal, err
	}
	rows, err = q.Query(ctx, `SELECT to_char(day, 'YYYY-MM-DD') FROM holidays`)
	if err != nil {
		return cal, err
	}
	days, err := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, d := range days {
		cal.Holidays[d] = true
	}
	return cal, err
}

// clock returns the policy and calendar that govern c's deadlines.
func (s *Store) clock(ctx context.Context, q querier, c *Complaint) (Policy, Calendar, error) {
	pol, err := policy(ctx, q, c.Priority, c.ShipperTier)
	if err != nil {
		return pol, Calendar{}, err
	}
	cal, err := s.calendar(ctx, q)
	if err != nil {
		return pol, cal, err
	}
	cal.Pauses, err = pauses(ctx, q, c.ID)
	return pol, cal, err
}

// Refs returns the references of the complaints with the given ids (ids that do not exist
// are left out), in one query: the audit log names complaints by reference.
func (s *Store) Refs(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT id, ref FROM complaints WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("complaints: refs: %w", err)
	}
	var id int64
	var ref string
	_, err = pgx.ForEachRow(rows, []any{&id, &ref}, func() error { out[id] = ref; return nil })
	if err != nil {
		return nil, fmt.Errorf("complaints: refs: %w", err)
	}
	return out, nil
}
