package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// month is the local calendar month containing t.
func month(t time.Time, zone *time.Location) (start, end time.Time) {
	l := t.In(zone)
	start = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, zone)
	return start, start.AddDate(0, 1, 0)
}

// CloseResult says what a close run did.
type CloseResult struct {
	Months     int // months marked closed
	Statements int // statements written
}

// CloseMonths closes every month that has ended by now and is not closed yet, oldest
// first: one statement per shipper with something to bill or credit in it (shipments of
// the month, adjustments, compensation, a credit to bring forward). The first month is the
// month of the oldest shipment. Each statement is written in its own transaction, keyed by
// (shipper, month), so a re-run, a crash half-way or two instances at once close each
// shipper's month exactly once. The work is done in SQL: memory does not grow with the
// number of shipments.
func (st *Store) CloseMonths(ctx context.Context) (CloseResult, error) {
	now := st.Now()
	var res CloseResult
	var last *time.Time
	if err := st.pool.QueryRow(ctx, `SELECT max(period_end) FROM billing_months`).Scan(&last); err != nil {
		return res, fmt.Errorf("billing: close: %w", err)
	}
	var start time.Time
	if last != nil {
		start = *last
	} else {
		var first *time.Time
		if err := st.pool.QueryRow(ctx, `SELECT min(created_at) FROM shipments`).Scan(&first); err != nil {
			return res, fmt.Errorf("billing: close: %w", err)
		}
		if first == nil {
			return res, nil // nothing shipped yet
		}
		start, _ = month(*first, st.Zone)
	}
	for {
		ps, pe := month(start, st.Zone)
		if pe.After(now) {
			return res, nil
		}
		n, err := st.CloseMonth(ctx, ps, now)
		res.Statements += n
		if err != nil {
			return res, err
		}
		res.Months++
		start = pe
	}
}

// CloseMonth writes the statements of the local month starting at ps (closed at now) for
// every shipper that has none yet, and marks the month closed. It returns how many
// statements it wrote; a month already closed writes none.
func (st *Store) CloseMonth(ctx context.Context, ps, now time.Time) (int, error) {
	ps, pe := month(ps, st.Zone)
	rows, err := st.pool.Query(ctx, `
		SELECT DISTINCT shipper_id FROM shipments WHERE created_at >= $1 AND created_at < $2
		UNION SELECT sh.shipper_id FROM billing_changes bc JOIN shipments sh ON sh.id = bc.shipment_id WHERE sh.created_at < $2
		UNION SELECT shipper_id FROM complaints WHERE resolved_at >= $1 AND resolved_at < $2 AND compensation_fen > 0
		UNION SELECT c.shipper_id FROM complaints c
			JOIN (SELECT complaint_id, sum(compensation_fen) AS fen FROM statement_credits GROUP BY 1) x ON x.complaint_id = c.id
			WHERE c.resolved_at < $2 AND c.compensation_fen <> x.fen
		UNION SELECT shipper_id FROM (SELECT DISTINCT ON (shipper_id) shipper_id, total_due_fen FROM statements
			WHERE period_start < $1 ORDER BY shipper_id, period_start DESC) prev WHERE total_due_fen < 0
		EXCEPT SELECT shipper_id FROM statements WHERE period_start = $1`, ps, pe)
	if err != nil {
		return 0, fmt.Errorf("billing: close %s: %w", ps.Format("2006-01"), err)
	}
	shippers, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("billing: close %s: %w", ps.Format("2006-01"), err)
	}
	n := 0
	for _, id := range shippers {
		wrote, err := st.closeShipper(ctx, id, ps, pe, now)
		if err != nil {
			return n, fmt.Errorf("billing: close %s for shipper %d: %w", ps.Format("2006-01"), id, err)
		}
		if wrote {
			n++
		}
	}
	_, err = st.pool.Exec(ctx, `INSERT INTO billing_months (period_start, period_end, closed_at, statements)
		VALUES ($1, $2, $3, (SELECT count(*) FROM statements WHERE period_start = $1))
		ON CONFLICT (period_start) DO NOTHING`, ps, pe, now)
	if err != nil {
		return n, fmt.Errorf("billing: close %s: %w", ps.Format("2006-01"), err)
	}
	return n, nil
}

// closeShipper writes one shipper's statement of [ps, pe) in one transaction; false when
// it exists already (another run wrote it).
func (st *Store) closeShipper(ctx context.Context, shipperID int64, ps, pe, now time.Time) (bool, error) {
	wrote := false
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		var code string
		var terms int
		// The shipper's row lock makes a concurrent close of the same shipper wait and then
		// see this statement: ON CONFLICT arbitrates only (shipper_id, period_start), so two
		// inserts racing past it would otherwise collide on the unique number instead.
		if err := tx.QueryRow(ctx, `SELECT code, payment_terms_days FROM shippers WHERE id = $1 FOR NO KEY UPDATE`, shipperID).Scan(&code, &terms); err != nil {
			return err
		}
		// Due at the end of the due date (close date + terms): payable through that whole day.
		due := pe.In(st.Zone).AddDate(0, 0, terms+1)
		number := code + "-" + ps.In(st.Zone).Format("200601")
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO statements (number, shipper_id, period_start, period_end, closed_at, due_at, payment_terms_days)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (shipper_id, period_start) DO NOTHING RETURNING id`,
			number, shipperID, ps, pe, now, due, terms).Scan(&id)
		if err == pgx.ErrNoRows {
			return nil // closed already
		}
		if err != nil {
			return err
		}
		wrote = true
		// Lines, in one statement (one snapshot): the month's shipments never billed
		// before, and every changed shipment of this or an earlier month (its billing_changes
		// row is taken in the same statement) billed as the difference from what earlier
		// statements billed. A change committed meanwhile keeps its row for the next close.
		if _, err := tx.Exec(ctx, `
			WITH changed AS (
				DELETE FROM billing_changes bc USING shipments sh
				WHERE bc.shipment_id = sh.id AND sh.shipper_id = $2 AND sh.created_at < $4
				RETURNING sh.id),
			fresh AS (
				SELECT sh.id, false AS adjustment, sh.freight_fen IS NULL AS unknown,
					COALESCE(sh.freight_fen, 0) AS freight, COALESCE(sh.surcharge_fen, 0) AS surcharge
				FROM shipments sh
				WHERE sh.shipper_id = $2 AND sh.created_at >= $3 AND sh.created_at < $4
				  AND NOT EXISTS (SELECT 1 FROM changed c WHERE c.id = sh.id)),
			again AS (
				SELECT sh.id, (b.n > 0 OR sh.created_at < $3) AS adjustment, sh.freight_fen IS NULL AS unknown,
					COALESCE(sh.freight_fen, 0) - b.freight AS freight, COALESCE(sh.surcharge_fen, 0) - b.surcharge AS surcharge
				FROM changed c JOIN shipments sh ON sh.id = c.id,
				LATERAL (SELECT count(*) AS n, COALESCE(sum(l.freight_fen), 0) AS freight, COALESCE(sum(l.surcharge_fen), 0) AS surcharge
					FROM statement_lines l WHERE l.shipment_id = sh.id) b
				WHERE b.n = 0 AND sh.created_at >= $3
				   OR COALESCE(sh.freight_fen, 0) <> b.freight OR COALESCE(sh.surcharge_fen, 0) <> b.surcharge)
			INSERT INTO statement_lines (statement_id, shipment_id, adjustment, unknown, freight_fen, surcharge_fen)
			SELECT $1::bigint, id, adjustment, unknown, freight, surcharge FROM fresh
			UNION ALL SELECT $1::bigint, id, adjustment, unknown, freight, surcharge FROM again`, id, shipperID, ps, pe); err != nil {
			return err
		}
		// Compensation: for every resolved complaint of the shipper up to the month's end,
		// what is now recorded minus what earlier statements credited.
		if _, err := tx.Exec(ctx, `
			INSERT INTO statement_credits (statement_id, complaint_id, adjustment, compensation_fen)
			SELECT $1, c.id, (cr.n > 0 OR c.resolved_at < $3), c.compensation_fen - cr.fen
			FROM complaints c,
			LATERAL (SELECT count(*) AS n, COALESCE(sum(sc.compensation_fen), 0) AS fen
				FROM statement_credits sc WHERE sc.complaint_id = c.id) cr
			WHERE c.shipper_id = $2 AND c.resolved_at IS NOT NULL AND c.resolved_at < $4
			  AND (c.compensation_fen > 0 OR cr.n > 0) AND c.compensation_fen <> cr.fen`, id, shipperID, ps, pe); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE statements st SET
				shipments = l.shipments, unknown_charges = l.unknown, freight_fen = l.freight, surcharge_fen = l.surcharge,
				adjustments = l.adjustments, adjustment_fen = l.adjustment_fen,
				compensations = cr.n, compensation_fen = cr.fen,
				carried_in_fen = prev.carried,
				total_due_fen = l.freight + l.surcharge + l.adjustment_fen - cr.fen - prev.carried
			FROM (SELECT count(*) FILTER (WHERE NOT adjustment) AS shipments,
					count(*) FILTER (WHERE NOT adjustment AND unknown) AS unknown,
					COALESCE(sum(freight_fen) FILTER (WHERE NOT adjustment), 0) AS freight,
					COALESCE(sum(surcharge_fen) FILTER (WHERE NOT adjustment), 0) AS surcharge,
					count(*) FILTER (WHERE adjustment) AS adjustments,
					COALESCE(sum(freight_fen + surcharge_fen) FILTER (WHERE adjustment), 0) AS adjustment_fen
				FROM statement_lines WHERE statement_id = $1) l,
			(SELECT count(*) AS n, COALESCE(sum(compensation_fen), 0) AS fen FROM statement_credits WHERE statement_id = $1) cr,
			(SELECT COALESCE((SELECT GREATEST(-total_due_fen, 0) FROM statements
				WHERE shipper_id = $2 AND period_start < $3 ORDER BY period_start DESC LIMIT 1), 0) AS carried) prev
			WHERE st.id = $1`, id, shipperID, ps)
		return err
	})
	return wrote, err
}
