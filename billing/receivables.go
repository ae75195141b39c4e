package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/audit"
	"lcrm/internal/errs"
)

// DSOWindow is the revenue window of days sales outstanding.
const DSOWindow = 90

// Ageing is what one shipper (or everyone, in Total) owes at an instant, by how far past
// due: Current (not yet due), 1–30, 31–60, 61–90 and over 90 days overdue. A day started
// counts as a day: one hour past the due date is 1 day overdue.
type Ageing struct {
	CurrentFen  int64
	D1To30Fen   int64
	D31To60Fen  int64
	D61To90Fen  int64
	Over90Fen   int64
	BalanceFen  int64 // the sum of the buckets: everything outstanding on closed statements
	OverdueFen  int64 // the buckets past due
	CreditFen   int64 // a credit (negative total due) waiting to be brought forward
	Revenue90   int64 // freight + surcharges of shipments created in the 90 days before the instant
	DaysOverdue int   // of the oldest statement still unpaid past its due date; 0 when none
}

// DSO is days sales outstanding: Balance ÷ Revenue90 × 90; ok false when there was no
// revenue in the window.
func (a Ageing) DSO() (float64, bool) {
	if a.Revenue90 <= 0 {
		return 0, false
	}
	return float64(a.BalanceFen) / float64(a.Revenue90) * DSOWindow, true
}

// Plus is the sum of two ageings (the larger days overdue of the two): a total.
func (a Ageing) Plus(b Ageing) Ageing {
	a.CurrentFen += b.CurrentFen
	a.D1To30Fen += b.D1To30Fen
	a.D31To60Fen += b.D31To60Fen
	a.D61To90Fen += b.D61To90Fen
	a.Over90Fen += b.Over90Fen
	a.BalanceFen += b.BalanceFen
	a.OverdueFen += b.OverdueFen
	a.CreditFen += b.CreditFen
	a.Revenue90 += b.Revenue90
	a.DaysOverdue = max(a.DaysOverdue, b.DaysOverdue)
	return a
}

// ShipperAgeing is one shipper's row of the receivables.
type ShipperAgeing struct {
	Ageing
	ShipperID        int64
	Code             string
	Name             string
	Tier             string
	PaymentTermsDays int
	CreditLimitFen   *int64 // nil: no limit
}

// OverLimit reports whether the balance exceeds the shipper's credit limit.
func (s ShipperAgeing) OverLimit() bool {
	return s.CreditLimitFen != nil && s.BalanceFen > *s.CreditLimitFen
}

// Receivables is the ageing per shipper and in total at an instant.
type Receivables struct {
	At       time.Time
	Shippers []ShipperAgeing // largest balance first
	Total    Ageing
}

// OverLimit lists the shippers whose balance exceeds their credit limit.
func (r Receivables) OverLimit() []ShipperAgeing {
	var out []ShipperAgeing
	for _, s := range r.Shippers {
		if s.OverLimit() {
			out = append(out, s)
		}
	}
	return out
}

// ReceivablesAt computes the receivables as of at: statements closed by then, payments
// paid by then, revenue of the 90 days before. Shippers with a statement or revenue in
// the window are listed. One query, aggregated in SQL.
func (st *Store) ReceivablesAt(ctx context.Context, at time.Time) (Receivables, error) {
	list, err := st.ageing(ctx, at, 0)
	r := Receivables{At: at, Shippers: list}
	for _, s := range list {
		r.Total = r.Total.Plus(s.Ageing)
	}
	return r, err
}

// Receivables is ReceivablesAt now.
func (st *Store) Receivables(ctx context.Context) (Receivables, error) {
	return st.ReceivablesAt(ctx, st.Now())
}

// ShipperAgeing is one shipper's receivables now (zero figures when it has none).
func (st *Store) ShipperAgeing(ctx context.Context, shipperID int64) (ShipperAgeing, error) {
	list, err := st.ageing(ctx, st.Now(), shipperID)
	if err != nil || len(list) == 0 {
		if err == nil {
			err = ErrNotFound
		}
		return ShipperAgeing{}, err
	}
	return list[0], nil
}

// ageing is the receivables query; shipperID 0 for every shipper.
func (st *Store) ageing(ctx context.Context, at time.Time, shipperID int64) ([]ShipperAgeing, error) {
	return st.ageingQuery(ctx, at, shipperID, false)
}

// OverLimit lists the shippers whose balance exceeds their credit limit now. Cheaper than
// Receivables (no revenue window: only shippers with a limit, only their statements), so
// the desk can show it on every load.
func (st *Store) OverLimit(ctx context.Context) ([]ShipperAgeing, error) {
	list, err := st.ageingQuery(ctx, st.Now(), 0, true)
	var out []ShipperAgeing
	for _, s := range list {
		if s.OverLimit() {
			out = append(out, s)
		}
	}
	return out, err
}

// ageingQuery is the receivables query; limitsOnly reads only shippers with a credit
// limit and skips the revenue window.
func (st *Store) ageingQuery(ctx context.Context, at time.Time, shipperID int64, limitsOnly bool) ([]ShipperAgeing, error) {
	rows, err := st.pool.Query(ctx, `
		WITH o AS (
			SELECT st.shipper_id, st.due_at,
				GREATEST(st.total_due_fen, 0) - COALESCE((SELECT sum(pa.amount_fen) FROM payment_allocations pa
					WHERE pa.statement_id = st.id AND pa.paid_at <= $1), 0) AS fen,
				CEIL(EXTRACT(EPOCH FROM ($1 - st.due_at)) / 86400)::int AS days
			FROM statements st WHERE st.closed_at <= $1 AND ($2 = 0 OR st.shipper_id = $2)),
		a AS (
			SELECT shipper_id,
				COALESCE(sum(fen) FILTER (WHERE days <= 0), 0) AS cur,
				COALESCE(sum(fen) FILTER (WHERE days BETWEEN 1 AND 30), 0) AS d30,
				COALESCE(sum(fen) FILTER (WHERE days BETWEEN 31 AND 60), 0) AS d60,
				COALESCE(sum(fen) FILTER (WHERE days BETWEEN 61 AND 90), 0) AS d90,
				COALESCE(sum(fen) FILTER (WHERE days > 90), 0) AS over,
				COALESCE(max(days) FILTER (WHERE days > 0 AND fen > 0), 0) AS oldest
			FROM o WHERE fen > 0 GROUP BY shipper_id),
		c AS (
			SELECT DISTINCT ON (shipper_id) shipper_id, GREATEST(-total_due_fen, 0) AS credit
			FROM statements WHERE closed_at <= $1 AND ($2 = 0 OR shipper_id = $2)
			ORDER BY shipper_id, period_start DESC),
		r AS (
			SELECT shipper_id, sum(COALESCE(freight_fen, 0) + COALESCE(surcharge_fen, 0)) AS revenue
			FROM shipments WHERE created_at >= $1 - make_interval(days => $3) AND created_at < $1 AND ($2 = 0 OR shipper_id = $2) AND NOT $4
			GROUP BY shipper_id)
		SELECT sh.id, sh.code, sh.name, sh.tier, sh.payment_terms_days, sh.credit_limit_fen,
			COALESCE(a.cur, 0), COALESCE(a.d30, 0), COALESCE(a.d60, 0), COALESCE(a.d90, 0), COALESCE(a.over, 0),
			COALESCE(a.oldest, 0), COALESCE(c.credit, 0), COALESCE(r.revenue, 0)
		FROM shippers sh
		LEFT JOIN a ON a.shipper_id = sh.id LEFT JOIN c ON c.shipper_id = sh.id LEFT JOIN r ON r.shipper_id = sh.id
		WHERE ($2 = 0 OR sh.id = $2) AND ($2 <> 0 OR c.shipper_id IS NOT NULL OR r.shipper_id IS NOT NULL)
		  AND (NOT $4 OR sh.credit_limit_fen IS NOT NULL)
		ORDER BY COALESCE(a.cur + a.d30 + a.d60 + a.d90 + a.over, 0) DESC, sh.code`, at, shipperID, DSOWindow, limitsOnly)
	if err != nil {
		return nil, fmt.Errorf("billing: receivables: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ShipperAgeing, error) {
		var s ShipperAgeing
		err := r.Scan(&s.ShipperID, &s.Code, &s.Name, &s.Tier, &s.PaymentTermsDays, &s.CreditLimitFen,
			&s.CurrentFen, &s.D1To30Fen, &s.D31To60Fen, &s.D61To90Fen, &s.Over90Fen, &s.DaysOverdue, &s.CreditFen, &s.Revenue90)
		s.OverdueFen = s.D1To30Fen + s.D31To60Fen + s.D61To90Fen + s.Over90Fen
		s.BalanceFen = s.CurrentFen + s.OverdueFen
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("billing: receivables: %w", err)
	}
	return list, nil
}

// Terms are a shipper's payment terms and credit limit.
type Terms struct {
	PaymentTermsDays int    `json:"payment_terms_days"`
	CreditLimitFen   *int64 `json:"credit_limit_fen"` // nil: no limit
}

// Actor is who changes terms (for the audit log).
type Actor struct {
	ID   int64
	Name string
}

// SetTerms changes a shipper's payment terms (0–365 days) and credit limit (nil for none,
// else ≥ 0), written to the audit log with before and after in the same transaction.
// Statements already closed keep their due dates; the next ones use the new terms.
func (st *Store) SetTerms(ctx context.Context, shipperID int64, t Terms, by Actor) error {
	v := &errs.ValidationError{}
	if t.PaymentTermsDays < 0 || t.PaymentTermsDays > 365 {
		v.AddField(field("payment_terms_days", keyTerms, nil))
	}
	if t.CreditLimitFen != nil && *t.CreditLimitFen < 0 {
		v.AddField(field("credit_limit_fen", errs.KeyNegative, nil))
	}
	if len(v.Fields) > 0 {
		return v
	}
	now := st.Now()
	return pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		var before Terms
		err := tx.QueryRow(ctx, `SELECT payment_terms_days, credit_limit_fen FROM shippers WHERE id = $1 FOR UPDATE`, shipperID).
			Scan(&before.PaymentTermsDays, &before.CreditLimitFen)
		if err == pgx.ErrNoRows {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if before.PaymentTermsDays == t.PaymentTermsDays && equalLimit(before.CreditLimitFen, t.CreditLimitFen) {
			return nil // nothing changed: nothing to audit
		}
		if _, err := tx.Exec(ctx, `UPDATE shippers SET payment_terms_days = $2, credit_limit_fen = $3, updated_at = $4 WHERE id = $1`,
			shipperID, t.PaymentTermsDays, t.CreditLimitFen, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.ID, Actor: by.Name, Action: "shipper.terms", Object: "shipper",
			ObjectID: shipperID, Before: before, After: t, At: now})
	})
}

func equalLimit(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
