// Package xlsxstamp marks an Excel workbook with who downloaded it and when: document
// properties (Creator, Description, Keywords) and a visible sheet of its own, so a file that
// leaks still names the person it was handed to. It reopens a written workbook rather than
// changing each writer, so every export (shipments, KPI, stored files) gets the same mark.
package xlsxstamp

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
)

// Sheet is the name of the sheet the stamp adds after the others. It is not moved to the
// front nor made active: both rewrite every sheet (and moving shifts sheet-local names),
// which on a workbook of a million rows costs what writing it did.
const Sheet = "导出信息 Export info"

// Stamp is who downloaded a workbook and when.
type Stamp struct {
	By   string // the downloader's email
	Name string // the downloader's name
	At   time.Time
	Zone *time.Location // the zone the time is written in (UTC when nil)
	What string         // what the export is ("shipper_shipments", "kpi_workbook", ...)
}

// Line is the stamp as one line of text: "导出人 / Exported by: a@b, 2026-12-01 21:30 CST".
func (s Stamp) Line() string {
	z := s.Zone
	if z == nil {
		z = time.UTC
	}
	return fmt.Sprintf("导出人 / Exported by: %s, %s", s.By, s.At.In(z).Format("2006-01-02 15:04 MST"))
}

// Apply writes s into f: the document properties and a last sheet with the stamp and a
// notice that the file holds personal data. Other sheets are left unread.
func Apply(f *excelize.File, s Stamp) error {
	z := s.Zone
	if z == nil {
		z = time.UTC
	}
	props, err := f.GetDocProps()
	if err != nil {
		return fmt.Errorf("xlsxstamp: %w", err)
	}
	props.Creator, props.LastModifiedBy = s.By, s.By
	props.Description = s.Line()
	props.Keywords = "lcrm-export; by=" + s.By + "; at=" + s.At.UTC().Format(time.RFC3339) + "; what=" + s.What
	props.Modified = s.At.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(props); err != nil {
		return fmt.Errorf("xlsxstamp: %w", err)
	}
	if _, err := f.NewSheet(Sheet); err != nil {
		return fmt.Errorf("xlsxstamp: %w", err)
	}
	rows := [][]any{
		{"导出人 / Exported by", s.By + " (" + s.Name + ")"},
		{"导出时间 / Exported at", s.At.In(z).Format("2006-01-02 15:04:05 MST")},
		{"导出内容 / Export", s.What},
		{"注意 / Notice", "本文件含个人信息，仅限工作使用，不得外传。 This file holds personal data: for work use only, do not pass it on."},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(Sheet, cell, &r); err != nil {
			return fmt.Errorf("xlsxstamp: %w", err)
		}
	}
	f.SetColWidth(Sheet, "A", "A", 24)
	f.SetColWidth(Sheet, "B", "B", 60)
	return nil
}

// Restamp reads the workbook in src, applies s and writes the result to dst.
func Restamp(dst io.Writer, src io.Reader, s Stamp) error {
	f, err := excelize.OpenReader(src)
	if err != nil {
		return fmt.Errorf("xlsxstamp: open: %w", err)
	}
	defer f.Close()
	if err := Apply(f, s); err != nil {
		return err
	}
	if err := f.Write(dst); err != nil {
		return fmt.Errorf("xlsxstamp: write: %w", err)
	}
	return nil
}
