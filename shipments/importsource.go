package shipments

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// rowSource yields the rows of an uploaded file one at a time, so a file of any length
// needs the memory of one row (an XLSX file's compressed bytes are read whole by excelize).
type rowSource interface {
	// next returns the next row's cells; io.EOF after the last row.
	next() ([]string, error)
	close() error
}

// errEmpty means the file has no rows at all, not even a header.
var errEmpty = errors.New("the file is empty: the first row must name the columns")

func openSource(r io.Reader, format string) (rowSource, error) {
	switch format {
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
		f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true, UnzipSizeLimit: 4 << 30, UnzipXMLSizeLimit: 64 << 20})
		if err != nil {
			return nil, fmt.Errorf("not a readable .xlsx file: %w", err)
		}
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			f.Close()
			return nil, errEmpty
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("read the first sheet: %w", err)
		}
		return &xlsxSource{f: f, rows: rows}, nil
	}
	return nil, fmt.Errorf("unknown format %q: use csv or xlsx", format)
}

type csvSource struct{ r *csv.Reader }

func (s *csvSource) next() ([]string, error) {
	rec, err := s.r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("the CSV is malformed near line %d: %v", pe.Line, pe.Err)
	}
	return rec, err
}

func (s *csvSource) close() error { return nil }

type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
}

func (s *xlsxSource) next() ([]string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	return s.rows.Columns()
}

func (s *xlsxSource) close() error {
	s.rows.Close()
	return s.f.Close()
}
