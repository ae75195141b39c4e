package shipments

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"lcrm/internal/errs"
)

// rowSource yields the rows of an uploaded file one at a time, so a file of any length
// needs the memory of one row (an XLSX file's compressed bytes are read whole by excelize).
type rowSource interface {
	// next returns the next row's number as a spreadsheet shows it (the first row is 1)
	// and its cells, valid until the following call; io.EOF after the last row. Any other
	// error is a *readError: the file is broken there and cannot be read further.
	next() (row int, cells []string, err error)
	// date1904 reports whether numeric dates count from 1904 (old Mac workbooks).
	date1904() bool
	close() error
}

// readError means the file itself is broken at row, so the rows after it are unknown.
type readError struct {
	row    int
	reason string
}

func (e *readError) Error() string { return e.reason }

// errEmpty means the file has no rows at all, not even a header.
var errEmpty = errs.New(errs.Invalid, "import.empty", "the file is empty: the first row must name the columns")

// Limits on what an uploaded workbook may unpack to; parts larger than the XML limit are
// unpacked to temporary files rather than memory.
const (
	xlsxUnzipLimit    = 4 << 30
	xlsxUnzipXMLLimit = 16 << 20
)

func openSource(r io.Reader, format string) (rowSource, error) {
	switch strings.ToLower(format) {
	case "csv":
		br := bufio.NewReaderSize(r, 1<<16)
		if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
			br.Discard(3) // Excel's "CSV UTF-8" starts with a byte-order mark
		}
		cr := csv.NewReader(br)
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		return &csvSource{r: cr}, nil
	case "xlsx":
		f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true, UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxUnzipXMLLimit})
		if err != nil {
			return nil, fmt.Errorf("not a readable .xlsx file (%v): save it from Excel as \"Excel Workbook (.xlsx)\"", err)
		}
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			f.Close()
			return nil, errEmpty
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("cannot read the first sheet %q: %v", sheets[0], err)
		}
		props, _ := f.GetWorkbookProps()
		return &xlsxSource{f: f, rows: rows, d1904: props.Date1904 != nil && *props.Date1904}, nil
	}
	return nil, fmt.Errorf("unknown format %q: use csv or xlsx", format)
}

// csvSource reads CSV records. Its row numbers are those a spreadsheet shows: a blank line
// is a row of its own, and a record whose quoted cells span several lines is one row.
type csvSource struct {
	r     *csv.Reader
	extra int // lines taken by line breaks inside the cells of earlier records
}

func (s *csvSource) next() (int, []string, error) {
	rec, err := s.r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return 0, nil, &readError{row: pe.StartLine - s.extra, reason: fmt.Sprintf(
			"the CSV is malformed here (%v; a cell with a quote or a comma must be quoted as a whole, with inner quotes doubled): the rest of the file cannot be read",
			pe.Err)}
	}
	if err != nil {
		return 0, nil, err
	}
	start, _ := s.r.FieldPos(0)
	last := len(rec) - 1
	end, _ := s.r.FieldPos(last)
	end += strings.Count(rec[last], "\n")
	row := start - s.extra
	s.extra += end - start
	return row, rec, nil
}

func (s *csvSource) date1904() bool { return false }

func (s *csvSource) close() error { return nil }

// xlsxSource streams the rows of a workbook's first sheet. excelize's iterator visits every
// row number, giving rows missing from the file as empty ones.
type xlsxSource struct {
	f     *excelize.File
	rows  *excelize.Rows
	row   int
	d1904 bool
}

func (s *xlsxSource) next() (int, []string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return 0, nil, &readError{row: s.row + 1, reason: "the sheet cannot be read further: " + err.Error()}
		}
		return 0, nil, io.EOF
	}
	s.row++
	cells, err := s.rows.Columns()
	if err != nil {
		return 0, nil, &readError{row: s.row, reason: "the sheet cannot be read further: " + err.Error()}
	}
	return s.row, cells, nil
}

func (s *xlsxSource) date1904() bool { return s.d1904 }

func (s *xlsxSource) close() error {
	s.rows.Close()
	return s.f.Close()
}

// blank reports whether a row has no text at all; such rows are skipped.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// rowValues picks the cells of the known columns.
func rowValues(cells []string, idx map[string]int) map[string]string {
	v := make(map[string]string, len(idx))
	for name, i := range idx {
		if i < len(cells) {
			v[name] = strings.TrimSpace(cells[i])
		}
	}
	return v
}
