package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lcrm/internal/errs"
	"lcrm/internal/safetext"
)

// Payment sources.
const (
	SourceAPI    = "api"
	SourceImport = "import"
)

// NewPayment is a payment as the API and the import give it.
type NewPayment struct {
	ShipperCode string
	Statement   string // statement number (ACME-202611); empty: the oldest open statements first
	AmountFen   int64
	PaidAt      time.Time
	Reference   string // the idempotency key: unique over all payments
}

// Allocation is the part of a payment applied to one statement.
type Allocation struct {
	Statement string `json:"statement"`
	AmountFen int64  `json:"amount_fen"`
}

// Payment is a stored payment.
type Payment struct {
	ID          int64
	Reference   string
	ShipperCode string
	Statement   string
	AmountFen   int64
	PaidAt      time.Time
	Allocations []Allocation
	// Existed is true when the reference had been recorded before with the same content:
	// nothing new was stored.
	Existed bool
}

// Field message keys (English in fieldEnglish, both languages in billing.*.json).
const (
	keyUnknownShipper   = "field.billing.unknown_shipper"
	keyUnknownStatement = "field.billing.unknown_statement"
	keyOverpaid         = "field.billing.overpaid"
	keyNothingOpen      = "field.billing.nothing_open"
	keyPaidAtFuture     = "field.billing.paid_at_future"
	keyReference        = "field.billing.reference"
	keyTerms            = "field.billing.terms"
)

var fieldEnglish = map[string]string{
	keyUnknownShipper:   "no shipper with this code",
	keyUnknownStatement: "no statement with this number for this shipper",
	keyOverpaid:         "is more than the {{.Outstanding}} fen outstanding",
	keyNothingOpen:      "the shipper has no statement with anything outstanding",
	keyPaidAtFuture:     "is in the future",
	keyReference:        "is required: 1-100 characters, no control characters",
	keyTerms:            "must be 0 to 365 days",
	errs.KeyRequired:    "is required",
	errs.KeyNegative:    "must not be negative",
	"field.positive":    "must be positive",
}

// field is one field error with its catalogue key and English message.
func field(name, key string, data map[string]any) errs.FieldError {
	msg := fieldEnglish[key]
	for k, v := range data {
		msg = strings.ReplaceAll(msg, "{{."+k+"}}", fmt.Sprint(v))
	}
	return errs.FieldError{Field: name, Key: key, Data: data, Message: msg}
}

// validate checks what can be checked without the database.
func (p *NewPayment) validate(now time.Time) *errs.ValidationError {
	v := &errs.ValidationError{}
	p.ShipperCode = strings.ToUpper(strings.TrimSpace(p.ShipperCode))
	p.Statement = strings.ToUpper(strings.TrimSpace(p.Statement))
	p.Reference = strings.TrimSpace(p.Reference)
	if p.ShipperCode == "" {
		v.AddField(field("shipper_code", errs.KeyRequired, nil))
	}
	if p.Reference == "" || len([]rune(p.Reference)) > 100 || safetext.Problem(p.Reference, false) != "" {
		v.AddField(field("reference", keyReference, nil))
	}
	if p.AmountFen <= 0 {
		v.AddField(field("amount_fen", "field.positive", nil))
	}
	if p.PaidAt.IsZero() {
		v.AddField(field("paid_at", errs.KeyRequired, nil))
	} else if p.PaidAt.After(now.Add(24 * time.Hour)) {
		v.AddField(field("paid_at", keyPaidAtFuture, nil))
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

// RecordPayment stores a payment and applies it: to the statement it names, or (none
// named) to the shipper's statements with something outstanding, oldest first, so one
// payment may be split over several statements. It may not exceed what is outstanding.
// The reference makes it idempotent: sent again with the same content it returns the
// stored payment (Existed), with different content ErrReferenceReused (a conflict).
// Unknown shipper or statement, amount ≤ 0 or too large are a *errs.ValidationError
// naming the field.
func (st *Store) RecordPayment(ctx context.Context, p NewPayment, source string) (Payment, error) {
	now := st.Now()
	if v := p.validate(now); v != nil {
		return Payment{}, v
	}
	for attempt := 0; ; attempt++ {
		var out Payment
		err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
			var err error
			out, err = recordTx(ctx, tx, p, source, now)
			return err
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && attempt == 0 {
			continue // the same reference committed meanwhile by another shipper's request: compare again
		}
		return out, err
	}
}

func recordTx(ctx context.Context, tx pgx.Tx, p NewPayment, source string, now time.Time) (Payment, error) {
	out := Payment{Reference: p.Reference, ShipperCode: p.ShipperCode, Statement: p.Statement, AmountFen: p.AmountFen, PaidAt: p.PaidAt}
	var shipperID int64
	// The shipper's row lock serialises its payments, so two at once never both spend
	// the same outstanding amount.
	err := tx.QueryRow(ctx, `SELECT id FROM shippers WHERE code = $1 FOR UPDATE`, p.ShipperCode).Scan(&shipperID)
	if err == pgx.ErrNoRows {
		return out, &errs.ValidationError{Fields: []errs.FieldError{field("shipper_code", keyUnknownShipper, nil)}}
	}
	if err != nil {
		return out, err
	}
	if id, err := existing(ctx, tx, p); id != 0 || err != nil {
		if err != nil {
			return out, err
		}
		out.ID, out.Existed = id, true
		out.Allocations, err = allocations(ctx, tx, id)
		return out, err
	}
	// Outstanding statements as of the payment's own time, oldest first.
	q := `SELECT st.id, st.number, GREATEST(st.total_due_fen, 0) - COALESCE((SELECT sum(amount_fen) FROM payment_allocations pa WHERE pa.statement_id = st.id), 0)
		FROM statements st WHERE st.shipper_id = $1 AND ($2 = '' OR st.number = $2) ORDER BY st.period_start`
	rows, err := tx.Query(ctx, q, shipperID, p.Statement)
	if err != nil {
		return out, err
	}
	type open struct {
		id          int64
		number      string
		outstanding int64
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (open, error) {
		var o open
		return o, r.Scan(&o.id, &o.number, &o.outstanding)
	})
	if err != nil {
		return out, err
	}
	if p.Statement != "" && len(list) == 0 {
		return out, &errs.ValidationError{Fields: []errs.FieldError{field("statement", keyUnknownStatement, nil)}}
	}
	var total int64
	for _, o := range list {
		total += max(o.outstanding, 0)
	}
	if total == 0 && p.Statement == "" {
		return out, &errs.ValidationError{Fields: []errs.FieldError{field("statement", keyNothingOpen, nil)}}
	}
	if p.AmountFen > total {
		return out, &errs.ValidationError{Fields: []errs.FieldError{field("amount_fen", keyOverpaid, map[string]any{"Outstanding": total})}}
	}
	var stmtID *int64
	if p.Statement != "" {
		stmtID = &list[0].id
	}
	if err := tx.QueryRow(ctx, `INSERT INTO payments (reference, shipper_id, statement_id, amount_fen, paid_at, source, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, p.Reference, shipperID, stmtID, p.AmountFen, p.PaidAt, source, now).Scan(&out.ID); err != nil {
		return out, err
	}
	left := p.AmountFen
	for _, o := range list {
		if left == 0 {
			break
		}
		part := min(left, o.outstanding)
		if part <= 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO payment_allocations (payment_id, statement_id, amount_fen, paid_at) VALUES ($1, $2, $3, $4)`,
			out.ID, o.id, part, p.PaidAt); err != nil {
			return out, err
		}
		out.Allocations = append(out.Allocations, Allocation{Statement: o.number, AmountFen: part})
		left -= part
	}
	return out, nil
}

// existing looks the reference up: 0 when new; the payment's id when the same payment
// is stored; ErrReferenceReused when it was used for something else.
func existing(ctx context.Context, tx pgx.Tx, p NewPayment) (int64, error) {
	var id, amount int64
	var code, number string
	var paidAt time.Time
	err := tx.QueryRow(ctx, `SELECT p.id, sh.code, COALESCE(st.number, ''), p.amount_fen, p.paid_at
		FROM payments p JOIN shippers sh ON sh.id = p.shipper_id LEFT JOIN statements st ON st.id = p.statement_id
		WHERE p.reference = $1`, p.Reference).Scan(&id, &code, &number, &amount, &paidAt)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if code != p.ShipperCode || number != p.Statement || amount != p.AmountFen || !paidAt.Equal(p.PaidAt) {
		return 0, ErrReferenceReused
	}
	return id, nil
}

// allocations lists how payment id was applied.
func allocations(ctx context.Context, tx pgx.Tx, id int64) ([]Allocation, error) {
	rows, err := tx.Query(ctx, `SELECT st.number, pa.amount_fen FROM payment_allocations pa
		JOIN statements st ON st.id = pa.statement_id WHERE pa.payment_id = $1 ORDER BY st.period_start`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Allocation, error) {
		var a Allocation
		return a, r.Scan(&a.Statement, &a.AmountFen)
	})
}
