package reports

import (
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/internal/safetext"
)

// book wraps the workbook being written with its shared cell styles.
type book struct {
	f    *excelize.File
	zone *time.Location
	// lang is the reader's language ("zh" or "en"); labels go through tr.
	lang string
	// cell styles; dur and durChange are hours with the unit ("35.5 小时"), not [h]:mm
	header, text, wrap, count, pct, change, dur, durChange, score, date, stamp int
}

// tr picks the label for the reader's language: every sheet name, header and label of a
// workbook is written as a pair, Chinese first.
func (b *book) tr(zh, en string) string {
	if b.lang == "zh" {
		return zh
	}
	return en
}

// newBook creates the workbook and its styles for a reader of lang: "en" is English,
// anything else Chinese (the default).
func newBook(zone *time.Location, lang string) (*book, error) {
	if lang != "en" {
		lang = "zh"
	}
	b := &book{f: excelize.NewFile(), zone: zone, lang: lang}
	hours := `"` + b.tr(" 小时", " h") + `"`
	border := []excelize.Border{{Type: "bottom", Color: "1F3864", Style: 2}}
	fmts := []struct {
		dst *int
		s   excelize.Style
	}{
		{&b.header, excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E78"}},
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}, Border: border}},
		{&b.text, excelize.Style{}},
		{&b.wrap, excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&b.count, excelize.Style{NumFmt: 3}}, // #,##0
		{&b.pct, excelize.Style{CustomNumFmt: ptr("0.0%")}},
		{&b.change, excelize.Style{CustomNumFmt: ptr("+0.0%;-0.0%;0.0%")}},
		{&b.dur, excelize.Style{CustomNumFmt: ptr("0.0" + hours)}},
		{&b.durChange, excelize.Style{CustomNumFmt: ptr("+0.0" + hours + ";-0.0" + hours + ";0.0" + hours)}},
		{&b.score, excelize.Style{CustomNumFmt: ptr("0.00")}},
		{&b.date, excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")}},
		{&b.stamp, excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")}},
	}
	for _, s := range fmts {
		id, err := b.f.NewStyle(&s.s)
		if err != nil {
			b.f.Close()
			return nil, fmt.Errorf("reports: workbook style: %w", err)
		}
		*s.dst = id
	}
	return b, nil
}

func ptr[T any](v T) *T { return &v }

// col is one column of a table sheet.
type col struct {
	title string
	width float64
	style int
}

// cell turns a report value into what Excel stores: durations as hours (the dur style
// shows the unit), times as the wall clock in the report's zone, nil pointers as blanks.
func (b *book) cell(v any) any {
	switch v := v.(type) {
	case string:
		return safetext.Cell(v) // never a formula, never a bidi trick
	case *string:
		if v == nil {
			return nil
		}
		return safetext.Cell(*v)
	case *float64:
		if v == nil {
			return nil
		}
		return *v
	case *time.Duration:
		if v == nil {
			return nil
		}
		return v.Hours()
	case time.Duration:
		return v.Hours()
	case time.Time:
		l := v.In(b.zone)
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
	}
	return v
}

// streamTable writes a table sheet through excelize's StreamWriter: a styled, frozen
// header row, column widths, the rows fill produces, and an autofilter over them. Memory
// stays flat however many rows there are. It returns the number of data rows.
func (b *book) streamTable(sheet string, cols []col, fill func(row func(vals ...any) error) error) (int, error) {
	if _, err := b.f.NewSheet(sheet); err != nil {
		return 0, fmt.Errorf("reports: sheet %s: %w", sheet, err)
	}
	sw, err := b.f.NewStreamWriter(sheet)
	if err != nil {
		return 0, fmt.Errorf("reports: sheet %s: %w", sheet, err)
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return 0, fmt.Errorf("reports: sheet %s: %w", sheet, err)
		}
	}
	err = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if err != nil {
		return 0, fmt.Errorf("reports: sheet %s: panes: %w", sheet, err)
	}
	vals := make([]any, len(cols))
	for i, c := range cols {
		vals[i] = excelize.Cell{StyleID: b.header, Value: c.title}
	}
	if err := sw.SetRow("A1", vals, excelize.RowOpts{Height: 30}); err != nil {
		return 0, fmt.Errorf("reports: sheet %s: header: %w", sheet, err)
	}
	n := 0
	err = fill(func(row ...any) error {
		n++
		for i, v := range row {
			vals[i] = excelize.Cell{StyleID: cols[i].style, Value: b.cell(v)}
		}
		ref, _ := excelize.CoordinatesToCellName(1, n+1)
		return sw.SetRow(ref, vals[:len(row)])
	})
	if err != nil {
		return n, fmt.Errorf("reports: sheet %s: %w", sheet, err)
	}
	last, _ := excelize.CoordinatesToCellName(len(cols), n+1)
	if err := b.f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
		return n, fmt.Errorf("reports: sheet %s: autofilter: %w", sheet, err)
	}
	if err := sw.Flush(); err != nil {
		return n, fmt.Errorf("reports: sheet %s: flush: %w", sheet, err)
	}
	return n, nil
}
