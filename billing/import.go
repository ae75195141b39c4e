package billing

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"lcrm/internal/errs"
)

// paymentColumns maps every accepted header (English or Chinese, lower-cased) to its column.
var paymentColumns = map[string]string{
	"shipper_code": "shipper_code", "发件商户编码": "shipper_code", "商户编码": "shipper_code",
	"statement": "statement", "对账单": "statement", "对账单号": "statement",
	"amount_fen": "amount_fen", "金额分": "amount_fen", "付款金额分": "amount_fen",
	"paid_at": "paid_at", "付款时间": "paid_at",
	"reference": "reference", "付款流水号": "reference", "流水号": "reference",
}

// requiredPaymentColumns must all be in the header (statement may be left empty per row).
var requiredPaymentColumns = []string{"shipper_code", "amount_fen", "paid_at", "reference"}

// ImportRowError is one bad row of a payments file.
type ImportRowError struct {
	Row    int // 1-based line of the file (the header is row 1)
	Column string
	Reason string
}

// ImportReport says what a payments import did.
type ImportReport struct {
	Rows       int
	Recorded   int
	Duplicates int // references already recorded with the same content
	Invalid    int
	Errors     []ImportRowError
}

// ImportPayments records a CSV file of payments (UTF-8; header row with the columns
// shipper_code/发件商户编码, statement/对账单号, amount_fen/金额分, paid_at/付款时间,
// reference/付款流水号, in any order, case-insensitive). Each row is one payment, recorded
// on its own: the reference makes it idempotent, so the good rows are kept, the bad ones
// reported with row and reason, and running the same file again records nothing new.
// Times are RFC 3339, or "2026-11-22 08:30[:00]" / "2026-11-22" in the service zone. The
// file is read row by row: memory does not grow with its size.
func (st *Store) ImportPayments(ctx context.Context, r io.Reader) (*ImportReport, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, errs.Wrap(fmt.Errorf("billing: import: no header row: %w", err), errs.Invalid, "billing.err.import_header")
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if col, ok := paymentColumns[h]; ok {
			idx[col] = i
		}
	}
	var missing []string
	for _, c := range requiredPaymentColumns {
		if _, ok := idx[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, errs.Wrap(fmt.Errorf("billing: import: missing columns %s", strings.Join(missing, ", ")), errs.Invalid, "billing.err.import_header")
	}
	rep := &ImportReport{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rep, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Rows++
				rep.Invalid++
				rep.Errors = append(rep.Errors, ImportRowError{Row: pe.StartLine, Reason: pe.Err.Error()})
				continue
			}
			return rep, err
		}
		row, _ := cr.FieldPos(0) // the file's line: blank lines are skipped but counted
		get := func(col string) string {
			if i, ok := idx[col]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if get("shipper_code")+get("statement")+get("amount_fen")+get("paid_at")+get("reference") == "" {
			continue // a blank line
		}
		rep.Rows++
		p := NewPayment{ShipperCode: get("shipper_code"), Statement: get("statement"), Reference: get("reference")}
		var bad []ImportRowError
		if s := get("amount_fen"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				bad = append(bad, ImportRowError{Row: row, Column: "amount_fen", Reason: fmt.Sprintf("%q is not a whole number of fen", s)})
			}
			p.AmountFen = n
		}
		if s := get("paid_at"); s != "" {
			t, err := parseTime(s, st.Zone)
			if err != nil {
				bad = append(bad, ImportRowError{Row: row, Column: "paid_at", Reason: fmt.Sprintf("%q is not a time (RFC 3339 or 2026-11-22 08:30)", s)})
			}
			p.PaidAt = t
		}
		if len(bad) == 0 {
			pay, err := st.RecordPayment(ctx, p, SourceImport)
			switch {
			case err == nil && pay.Existed:
				rep.Duplicates++
			case err == nil:
				rep.Recorded++
			case errors.Is(err, ErrReferenceReused):
				bad = append(bad, ImportRowError{Row: row, Column: "reference", Reason: "already used for a different payment"})
			default:
				fields := errs.FieldsOf(err)
				if len(fields) == 0 {
					return rep, err
				}
				for _, f := range fields {
					bad = append(bad, ImportRowError{Row: row, Column: f.Field, Reason: f.Message})
				}
			}
		}
		if len(bad) > 0 {
			rep.Invalid++
			rep.Errors = append(rep.Errors, bad...)
		}
	}
}

// parseTime reads RFC 3339, or a local date and time (or date) in zone.
func parseTime(s string, zone *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time")
}
