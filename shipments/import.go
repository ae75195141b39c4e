package shipments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/errs"
)

// ImportKind names what a file holds.
type ImportKind string

// The kinds of bulk import.
const (
	ImportShipments ImportKind = "shipments"
	ImportEvents    ImportKind = "events"
)

// ImportOptions controls an import.
type ImportOptions struct {
	Format      string // "csv" or "xlsx"
	SkipInvalid bool   // import the valid rows and report the rest; default: all or nothing
	BatchSize   int    // rows per database batch; default 5,000
	MaxErrors   int    // row errors kept in the report; default 1,000
}

// RowError is one problem with one row: its number as a spreadsheet shows it (the header
// is row 1), the column, and a reason a person can act on.
type RowError struct {
	Row    int
	Column string
	Reason string         // in English
	Key    string         // the reason's catalogue key ("" for a reader's own text)
	Data   map[string]any // the data of Key's message
}

// rowError builds a row error from a catalogue key and its data; Reason is the English.
func rowError(row int, col, key string, data map[string]any) RowError {
	return RowError{Row: row, Column: col, Reason: errs.English(key, data), Key: key, Data: data}
}

// rowErr turns err into a row error, with its catalogue key when err has one.
func rowErr(row int, col string, err error) RowError {
	return RowError{Row: row, Column: col, Reason: err.Error(), Key: errs.KeyOf(err), Data: errs.DataOf(err)}
}

// ImportReport says what an import did.
type ImportReport struct {
	Kind            ImportKind
	Rows            int // data rows read (the header not counted)
	Imported        int // rows that created a shipment or stored an event
	Duplicates      int // rows already present (safe re-runs)
	Invalid         int // rows with at least one error
	Errors          []RowError
	ErrorsTruncated bool
	Committed       bool
}

// Import loads shipments or tracking events from a CSV or XLSX file with a header row (see
// ImportColumns). Rows stream through in batches inside one transaction: by default any
// invalid row rolls the whole file back (every error is still reported); with SkipInvalid
// the valid rows are committed. A file broken past reading (a malformed CSV) is never
// committed. Re-importing a file is safe: rows already present count as duplicates.
func (st *Store) Import(ctx context.Context, kind ImportKind, r io.Reader, opt ImportOptions) (*ImportReport, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 5000
	}
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = 1000
	}
	cols, ok := importColumns[kind]
	if !ok {
		return nil, fmt.Errorf("shipments: import: unknown kind %q", kind)
	}
	rep := &ImportReport{Kind: kind}
	src, err := openSource(r, opt.Format)
	if err != nil {
		rep.addError(opt, RowError{Row: 1, Reason: err.Error()})
		return rep, nil
	}
	defer src.close()
	idx, ok := readHeader(src, cols, rep, opt)
	if !ok {
		return rep, nil
	}
	tx, err := st.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("shipments: import: %w", err)
	}
	defer tx.Rollback(ctx)
	b := &importBatch{st: st, tx: tx, kind: kind, rep: rep, opt: opt, now: st.Now(), date1904: src.date1904()}
	broken := false
	for {
		row, cells, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *readError
		if errors.As(err, &re) {
			b.invalid(re.row, []RowError{{Row: re.row, Reason: re.reason}})
			broken = true
			break
		}
		if err != nil {
			return nil, fmt.Errorf("shipments: import: read: %w", err)
		}
		if blank(cells) {
			continue
		}
		rep.Rows++
		if err := b.add(ctx, row, rowValues(cells, idx)); err != nil {
			return nil, err
		}
	}
	if err := b.flush(ctx); err != nil {
		return nil, err
	}
	if broken || (rep.Invalid > 0 && !opt.SkipInvalid) {
		rep.Imported, rep.Duplicates = 0, 0
		return rep, nil // deferred rollback
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("shipments: import: commit: %w", err)
	}
	rep.Committed = true
	return rep, nil
}

// readHeader reads the first non-blank row as the header and maps the known columns. It
// reports an empty file, a file that is not UTF-8 and missing required columns, and then
// returns false.
func readHeader(src rowSource, cols map[string]column, rep *ImportReport, opt ImportOptions) (map[string]int, bool) {
	for {
		row, cells, err := src.next()
		var re *readError
		switch {
		case errors.Is(err, io.EOF):
			rep.addError(opt, rowErr(1, "", errEmpty))
			return nil, false
		case errors.As(err, &re):
			rep.addError(opt, RowError{Row: re.row, Reason: re.reason})
			return nil, false
		case err != nil:
			rep.addError(opt, RowError{Row: 1, Reason: err.Error()})
			return nil, false
		case blank(cells):
			continue
		}
		for _, c := range cells {
			if !utf8.ValidString(c) {
				rep.addError(opt, rowError(row, "", "import.header_not_utf8", nil))
				return nil, false
			}
		}
		idx, missing := mapHeader(cells, cols)
		for _, m := range missing {
			rep.addError(opt, rowError(row, m, "import.missing_column", map[string]any{"Names": strings.Join(cols[m].aliases, " / ")}))
		}
		return idx, len(missing) == 0
	}
}

func (rep *ImportReport) addError(opt ImportOptions, e RowError) {
	if len(rep.Errors) >= opt.MaxErrors {
		rep.ErrorsTruncated = true
		return
	}
	rep.Errors = append(rep.Errors, e)
}

// importBatch collects parsed rows and writes them in batches inside the import's
// transaction, turning item results into report counts and row errors.
type importBatch struct {
	st        *Store
	tx        pgx.Tx
	kind      ImportKind
	rep       *ImportReport
	opt       ImportOptions
	now       time.Time
	date1904  bool // numeric dates count from 1904
	rows      []int
	shipments []NewShipment
	events    []NewEvent
}

// add parses one row; a row with errors is reported and not written.
func (b *importBatch) add(ctx context.Context, row int, v map[string]string) error {
	var bad []RowError
	for name, val := range v {
		if !utf8.ValidString(val) {
			bad = append(bad, rowError(row, name, "import.not_utf8", nil))
		}
	}
	if len(bad) > 0 {
		sort.Slice(bad, func(i, j int) bool { return bad[i].Column < bad[j].Column })
		b.invalid(row, bad)
		return nil
	}
	var errs []RowError
	if b.kind == ImportShipments {
		ns, parseErrs := parseShipmentRow(row, v, b.date1904)
		errs = mergeErrors(parseErrs, fieldErrors(row, dropShipperName(ns.Normalize(b.now, b.st.window))))
		if len(errs) == 0 {
			b.shipments = append(b.shipments, ns)
		}
	} else {
		ne, parseErrs := parseEventRow(row, v, b.date1904)
		if len(parseErrs) == 0 {
			errs = fieldErrors(row, ne.Normalize(b.now, b.st.window))
		} else { // Normalize would only repeat "occurred_at is required"
			ne.OccurredAt = b.now
			errs = mergeErrors(parseErrs, fieldErrors(row, ne.Normalize(b.now, b.st.window)))
		}
		if len(errs) == 0 {
			b.events = append(b.events, ne)
		}
	}
	if len(errs) > 0 {
		b.invalid(row, errs)
		return nil
	}
	b.rows = append(b.rows, row)
	if len(b.rows) >= b.opt.BatchSize {
		return b.flush(ctx)
	}
	return nil
}

// mergeErrors adds the validation errors of columns that parsing has not already reported.
func mergeErrors(parsed, validated []RowError) []RowError {
	seen := map[string]bool{}
	for _, e := range parsed {
		seen[e.Column] = true
	}
	for _, e := range validated {
		if !seen[e.Column] {
			parsed = append(parsed, e)
		}
	}
	return parsed
}

func (b *importBatch) invalid(row int, errs []RowError) {
	b.rep.Invalid++
	for _, e := range errs {
		b.rep.addError(b.opt, e)
	}
}

// flush writes the pending rows. It writes even when an all-or-nothing import has already
// failed (the transaction is rolled back at the end) so that checks only the database can
// make are reported for the whole file in one run and stay right: unknown tracking numbers,
// and shippers that an earlier batch of the same file introduced by name.
func (b *importBatch) flush(ctx context.Context) error {
	defer func() { b.rows, b.shipments, b.events = b.rows[:0], b.shipments[:0], b.events[:0] }()
	if len(b.rows) == 0 {
		return nil
	}
	// The rows are normalized already (add did it to name the bad columns), so they skip
	// createShipmentsTx's and recordEventsTx's second pass of the same checks.
	all := make([]int, len(b.rows))
	for i := range all {
		all[i] = i
	}
	results := make([]ItemResult, len(b.rows))
	var err error
	if b.kind == ImportShipments {
		err = b.st.createValid(ctx, b.tx, b.shipments, all, results)
	} else {
		err = recordValid(ctx, b.tx, b.events, all, results, b.now)
	}
	if err != nil {
		return fmt.Errorf("shipments: import: %w", err)
	}
	for i, r := range results {
		switch r.Status {
		case ResultCreated, ResultStored:
			b.rep.Imported++
		case ResultExists, ResultDuplicate:
			b.rep.Duplicates++
		case ResultUnknown:
			b.invalid(b.rows[i], []RowError{rowError(b.rows[i], "tracking_no", "import.unknown_tracking_no", map[string]any{"TrackingNo": r.TrackingNo})})
		default:
			b.invalid(b.rows[i], fieldErrors(b.rows[i], &errs.ValidationError{Fields: r.Fields}))
		}
	}
	return nil
}
