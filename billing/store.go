// Package billing is the money owed and paid: monthly statements (对账单) per shipper,
// payments and how they are applied, receivables (ageing, DSO) and credit limits. It owns
// the tables of migration 023 (statements, statement_lines, statement_credits,
// billing_changes, billing_months, payments, payment_allocations) and knows nothing of HTTP.
//
// Rules, decided here and written down in the README:
//
//   - A statement covers one local calendar month in the service zone (LCRM_TIMEZONE),
//     shipments by created_at, compensation by the complaint's resolved_at.
//   - Its due date is the close date (the 1st of the next month) plus the shipper's payment
//     terms in days, whenever the job ran; it may be paid through the whole due date, so
//     DueAt is the local midnight after it and the statement is overdue from then on.
//   - A closed statement never changes. A charge corrected afterwards, a shipment imported
//     into a closed month, or compensation changed after it was credited is billed on the
//     next statement as an adjustment (the difference between now and what was billed).
//   - Total due = freight + surcharges + adjustments − compensation − credit brought forward.
//     A negative total is a credit: the statement is shown as "credit" (nothing to pay) and
//     the credit is brought forward into the shipper's next statement.
//   - A payment names its statement, or names none and is applied to the oldest statements
//     with something outstanding first; it may not exceed what is outstanding.
package billing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/clock"
	"lcrm/internal/errs"
)

// Store reads and writes statements, payments and receivables in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// Now is the store's clock (clock.System from NewStore): read once per operation and
	// passed to SQL as a parameter. Tests set it.
	Now clock.Clock
	// Zone is the service zone statements' months are cut in (LCRM_TIMEZONE).
	Zone *time.Location
}

// NewStore returns a Store over pool in zone (Asia/Shanghai when nil).
func NewStore(pool *pgxpool.Pool, zone *time.Location) *Store {
	if zone == nil {
		zone = defaultZone()
	}
	return &Store{pool: pool, Now: clock.System, Zone: zone}
}

func defaultZone() *time.Location {
	z, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return z
}

// Statement status, computed at a given instant.
const (
	StatusOpen     = "open"      // not yet due, nothing paid
	StatusPartPaid = "part_paid" // not yet due, part paid
	StatusPaid     = "paid"      // fully paid
	StatusOverdue  = "overdue"   // past its due date and not fully paid
	StatusCredit   = "credit"    // total due ≤ 0: nothing to pay, the credit goes forward
)

// Errors of the billing package.
var (
	// ErrNotFound means no such statement (or not the caller's).
	ErrNotFound = errs.New(errs.NotFound, errs.KeyNotFound, "billing: not found")
	// ErrReferenceReused means a payment reference was sent before with other content.
	ErrReferenceReused = errs.New(errs.Conflict, "billing.err.reference_reused", "billing: payment reference already used for a different payment")
)

// Statement is one shipper's monthly statement with its payments as of an instant.
type Statement struct {
	ID               int64
	Number           string
	ShipperID        int64
	ShipperCode      string
	ShipperName      string
	PeriodStart      time.Time
	PeriodEnd        time.Time
	ClosedAt         time.Time
	DueAt            time.Time // the end of the due date: overdue after this instant
	PaymentTermsDays int
	Shipments        int64
	UnknownCharges   int64 // shipments without a freight charge (billed as 0)
	FreightFen       int64
	SurchargeFen     int64
	AdjustmentFen    int64
	Adjustments      int64
	CompensationFen  int64
	Compensations    int64
	CarriedInFen     int64
	TotalDueFen      int64
	PaidFen          int64 // payments applied, paid at or before the instant
	OutstandingFen   int64 // max(total due, 0) − paid
	Status           string
	DaysOverdue      int // whole days past due (a part day counts as one), 0 when not overdue
}

// DueDate is the due date as a local day in zone: the day before DueAt.
func (s Statement) DueDate(zone *time.Location) string {
	return s.DueAt.In(zone).AddDate(0, 0, -1).Format("2006-01-02")
}

// ChargesFen is what the statement bills before compensation and credit.
func (s Statement) ChargesFen() int64 { return s.FreightFen + s.SurchargeFen + s.AdjustmentFen }

// daysOverdue is the number of days at is past due, a started day counting as one.
func daysOverdue(due, at time.Time) int {
	if !at.After(due) {
		return 0
	}
	d := at.Sub(due)
	n := int(d / (24 * time.Hour))
	if d%(24*time.Hour) != 0 {
		n++
	}
	return n
}

// finish fills the status fields as of at.
func (s *Statement) finish(at time.Time) {
	due := max(s.TotalDueFen, 0)
	s.OutstandingFen = due - s.PaidFen
	switch {
	case s.TotalDueFen <= 0:
		s.Status = StatusCredit
	case s.OutstandingFen <= 0:
		s.Status = StatusPaid
	case at.After(s.DueAt):
		s.Status = StatusOverdue
		s.DaysOverdue = daysOverdue(s.DueAt, at)
	case s.PaidFen > 0:
		s.Status = StatusPartPaid
	default:
		s.Status = StatusOpen
	}
}

// statementCols is the select list scanStatement reads; $1 is the instant payments count by.
const statementCols = `st.id, st.number, st.shipper_id, sh.code, sh.name, st.period_start, st.period_end, st.closed_at,
	st.due_at, st.payment_terms_days, st.shipments, st.unknown_charges, st.freight_fen, st.surcharge_fen,
	st.adjustment_fen, st.adjustments, st.compensation_fen, st.compensations, st.carried_in_fen, st.total_due_fen,
	COALESCE((SELECT sum(pa.amount_fen) FROM payment_allocations pa WHERE pa.statement_id = st.id AND pa.paid_at <= $1), 0)`

func scanStatement(row pgx.Row, at time.Time) (Statement, error) {
	var s Statement
	err := row.Scan(&s.ID, &s.Number, &s.ShipperID, &s.ShipperCode, &s.ShipperName, &s.PeriodStart, &s.PeriodEnd,
		&s.ClosedAt, &s.DueAt, &s.PaymentTermsDays, &s.Shipments, &s.UnknownCharges, &s.FreightFen, &s.SurchargeFen,
		&s.AdjustmentFen, &s.Adjustments, &s.CompensationFen, &s.Compensations, &s.CarriedInFen, &s.TotalDueFen, &s.PaidFen)
	if err != nil {
		return s, err
	}
	s.finish(at)
	return s, nil
}

// Statements lists a shipper's statements, newest first, with their status now.
func (st *Store) Statements(ctx context.Context, shipperID int64) ([]Statement, error) {
	at := st.Now()
	rows, err := st.pool.Query(ctx, `SELECT `+statementCols+`
		FROM statements st JOIN shippers sh ON sh.id = st.shipper_id
		WHERE st.shipper_id = $2 ORDER BY st.period_start DESC`, at, shipperID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Statement, error) { return scanStatement(r, at) })
}

// Statement returns one statement with its status now. shipperID > 0 restricts it to that
// shipper's statements (ErrNotFound for another's), so a shipper can never read another's.
func (st *Store) Statement(ctx context.Context, id, shipperID int64) (Statement, error) {
	at := st.Now()
	s, err := scanStatement(st.pool.QueryRow(ctx, `SELECT `+statementCols+`
		FROM statements st JOIN shippers sh ON sh.id = st.shipper_id
		WHERE st.id = $2 AND ($3 = 0 OR st.shipper_id = $3)`, at, id, shipperID), at)
	if err == pgx.ErrNoRows {
		return s, ErrNotFound
	}
	return s, err
}

// Line is one row of a statement's detail: a shipment of the month, or an adjustment of
// an earlier one.
type Line struct {
	TrackingNo   string
	CreatedAt    time.Time
	ServiceLevel string
	DestCity     string
	WeightG      int64
	Adjustment   bool
	Unknown      bool
	FreightFen   int64
	SurchargeFen int64
}

// EachLine streams a statement's lines (shipments of the month by created_at, then the
// adjustments) to fn, in bounded memory whatever the count.
func (st *Store) EachLine(ctx context.Context, statementID int64, fn func(Line) error) error {
	rows, err := st.pool.Query(ctx, `SELECT s.tracking_no, s.created_at, s.service_level, s.dest_city, s.weight_g,
			l.adjustment, l.unknown, l.freight_fen, l.surcharge_fen
		FROM statement_lines l JOIN shipments s ON s.id = l.shipment_id
		WHERE l.statement_id = $1 ORDER BY l.adjustment, s.created_at, s.id`, statementID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var l Line
	for rows.Next() {
		if err := rows.Scan(&l.TrackingNo, &l.CreatedAt, &l.ServiceLevel, &l.DestCity, &l.WeightG,
			&l.Adjustment, &l.Unknown, &l.FreightFen, &l.SurchargeFen); err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Credit is one compensation credited on a statement.
type Credit struct {
	ComplaintRef    string
	TrackingNo      string
	ResolvedAt      *time.Time
	Adjustment      bool
	CompensationFen int64
}

// Credits lists the compensation a statement credited.
func (st *Store) Credits(ctx context.Context, statementID int64) ([]Credit, error) {
	rows, err := st.pool.Query(ctx, `SELECT c.ref, s.tracking_no, c.resolved_at, sc.adjustment, sc.compensation_fen
		FROM statement_credits sc JOIN complaints c ON c.id = sc.complaint_id JOIN shipments s ON s.id = c.shipment_id
		WHERE sc.statement_id = $1 ORDER BY c.resolved_at, c.id`, statementID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Credit, error) {
		var c Credit
		err := r.Scan(&c.ComplaintRef, &c.TrackingNo, &c.ResolvedAt, &c.Adjustment, &c.CompensationFen)
		return c, err
	})
}
