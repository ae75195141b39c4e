package reports

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/errs"
)

// Kinds of stored workbook.
const (
	KindWeekly  = "weekly"
	KindMonthly = "monthly"
	KindManual  = "manual"
)

// ErrNoFile is returned for a stored workbook that does not exist.
var ErrNoFile = errs.New(errs.NotFound, errs.KeyNotFound, "reports: no such stored workbook")

// StoredWorkbook describes one workbook kept in report_files (without its bytes).
type StoredWorkbook struct {
	ID        int64
	Kind      string // weekly, monthly, manual
	Period    Period
	FileName  string
	Size      int
	CreatedAt time.Time
}

// SaveWorkbook writes the unfiltered workbook of p and keeps it as kind; a workbook of the
// same kind and period is replaced, so a job that runs twice keeps one file.
func (st *Store) SaveWorkbook(ctx context.Context, kind string, p Period) (*StoredWorkbook, error) {
	switch kind {
	case KindWeekly, KindMonthly, KindManual:
	default:
		return nil, fmt.Errorf("reports: unknown workbook kind %q", kind)
	}
	var buf bytes.Buffer
	if err := WriteWorkbook(ctx, &buf, st, p, Filter{}, "zh"); err != nil { // stored workbooks are Chinese
		return nil, err
	}
	w := &StoredWorkbook{Kind: kind, Period: p, FileName: FileName(p), Size: buf.Len()}
	err := st.pool.QueryRow(ctx, `
INSERT INTO report_files (kind, period_from, period_to, zone, file_name, content, size, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz)
ON CONFLICT (kind, period_from, period_to) DO UPDATE
SET zone = EXCLUDED.zone, file_name = EXCLUDED.file_name, content = EXCLUDED.content,
    size = EXCLUDED.size, created_at = EXCLUDED.created_at
RETURNING id, created_at`, kind, p.From, p.To, p.zoneName(), w.FileName, buf.Bytes(), w.Size, st.Now()).Scan(&w.ID, &w.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("reports: save workbook: %w", err)
	}
	return w, nil
}

// Retention is how many stored workbooks of each kind PruneWorkbooks keeps: two years
// of weeks, five years of months, the last fifty saved by hand.
var Retention = map[string]int{KindWeekly: 104, KindMonthly: 60, KindManual: 50}

// PruneWorkbooks deletes the stored workbooks of kind beyond the newest keep periods and
// returns how many it deleted. Workbooks are a few MB each and report_files would
// otherwise only grow.
func (st *Store) PruneWorkbooks(ctx context.Context, kind string, keep int) (int, error) {
	tag, err := st.pool.Exec(ctx, `
DELETE FROM report_files WHERE kind = $1 AND id NOT IN (
    SELECT id FROM report_files WHERE kind = $1 ORDER BY period_from DESC, id DESC LIMIT $2)`, kind, max(keep, 0))
	if err != nil {
		return 0, fmt.Errorf("reports: prune workbooks: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ListWorkbooks returns the stored workbooks, newest period first, at most limit.
func (st *Store) ListWorkbooks(ctx context.Context, limit int) ([]StoredWorkbook, error) {
	return collect(ctx, st.pool, "list workbooks", `
SELECT id, kind, period_from, period_to, zone, file_name, size, created_at FROM report_files
ORDER BY period_from DESC, kind, id DESC LIMIT $1`, []any{limit}, scanStored)
}

// scanStored scans one report_files row (without content).
func scanStored(rows pgx.Rows) (StoredWorkbook, error) {
	var w StoredWorkbook
	var zone string
	err := rows.Scan(&w.ID, &w.Kind, &w.Period.From, &w.Period.To, &zone, &w.FileName, &w.Size, &w.CreatedAt)
	if err == nil {
		if z, zerr := time.LoadLocation(zone); zerr == nil {
			w.Period.Zone = z
		}
	}
	return w, err
}

// OpenWorkbook returns a stored workbook and its bytes; ErrNoFile when there is none.
func (st *Store) OpenWorkbook(ctx context.Context, id int64) (*StoredWorkbook, []byte, error) {
	rows, err := st.pool.Query(ctx, `
SELECT id, kind, period_from, period_to, zone, file_name, size, created_at, content FROM report_files WHERE id = $1`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("reports: open workbook: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("reports: open workbook: %w", err)
		}
		return nil, nil, ErrNoFile
	}
	var w StoredWorkbook
	var zone string
	var content []byte
	if err := rows.Scan(&w.ID, &w.Kind, &w.Period.From, &w.Period.To, &zone, &w.FileName, &w.Size, &w.CreatedAt, &content); err != nil {
		return nil, nil, fmt.Errorf("reports: open workbook: scan: %w", err)
	}
	if z, err := time.LoadLocation(zone); err == nil {
		w.Period.Zone = z
	}
	return &w, content, nil
}

// Week is the Monday-to-Monday week containing t in zone (nil: Asia/Shanghai).
func Week(t time.Time, zone *time.Location) Period {
	if zone == nil {
		zone = Period{}.zone()
	}
	l := t.In(zone)
	from := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, zone)
	from = from.AddDate(0, 0, -((int(from.Weekday()) + 6) % 7))
	return Period{From: from, To: from.AddDate(0, 0, 7), Zone: zone}
}
