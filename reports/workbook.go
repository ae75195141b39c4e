package reports

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the workbook, in order.
const (
	SheetSummary     = "Summary"
	SheetDaily       = "Daily"
	SheetByShipper   = "By shipper"
	SheetByProvince  = "By province"
	SheetComplaints  = "Complaints"
	SheetRootCauses  = "Root causes"
	SheetAgents      = "Agents"
	SheetChurnRisk   = "Churn risk"
	SheetComments    = "Survey comments"
	SheetSlow        = "Slow sign-offs"
	SheetDefinitions = "Definitions"
)

// FileName is the workbook's download name for p, with the first and last local day of
// the period: lcrm-kpi-2026-11-01_2026-11-30.xlsx.
func FileName(p Period) string {
	z := p.zone()
	last := p.To.Add(-time.Nanosecond)
	if !last.After(p.From) {
		last = p.From
	}
	return "lcrm-kpi-" + p.From.In(z).Format(time.DateOnly) + "_" + last.In(z).Format(time.DateOnly) + ".xlsx"
}

// String describes the filter for people, "all shipments" when it filters nothing.
func (f Filter) String() string {
	var parts []string
	if f.ShipperID != 0 {
		parts = append(parts, fmt.Sprintf("shipper #%d", f.ShipperID))
	}
	if f.Tier != "" {
		parts = append(parts, "tier "+f.Tier)
	}
	if f.ServiceLevel != "" {
		parts = append(parts, "service "+f.ServiceLevel)
	}
	if f.DestProvince != "" {
		parts = append(parts, "to "+f.DestProvince)
	}
	if f.Team != 0 {
		parts = append(parts, fmt.Sprintf("complaints of the team of user #%d", f.Team))
	}
	if f.ExcludeDisrupted {
		parts = append(parts, "without disrupted parcels")
	}
	if len(parts) == 0 {
		return "all shipments"
	}
	return strings.Join(parts, ", ")
}

// WriteWorkbook writes the KPI workbook of p under f to w: Summary (tiles and native
// charts of the daily trend), Daily, By shipper, By province, Complaints, Root causes,
// Appeals (regulator appeals per million, workbook_appeals.go), Agents, Churn risk, Survey comments, Slow sign-offs and Definitions. Table sheets go through excelize's StreamWriter (rows spill to a
// temporary file), so a period with a million detail rows keeps memory flat; nothing is
// written to w until every query has succeeded.
func WriteWorkbook(ctx context.Context, w io.Writer, st *Store, p Period, f Filter) error {
	if err := p.check(); err != nil {
		return err
	}
	b, err := newBook(p.zone())
	if err != nil {
		return err
	}
	defer b.f.Close()
	if err := b.f.SetSheetName("Sheet1", SheetSummary); err != nil {
		return fmt.Errorf("reports: workbook: %w", err)
	}
	d, err := st.Dashboard(ctx, p, f)
	if err != nil {
		return err
	}
	cur, err := st.Complaints(ctx, p, f)
	if err != nil {
		return err
	}
	prev, err := st.Complaints(ctx, p.Previous(), f)
	if err != nil {
		return err
	}
	steps := []func() error{
		func() error { return b.dailySheet(d.Days) },
		func() error { return b.groupSheet(SheetByShipper, d.Shippers) },
		func() error { return b.groupSheet(SheetByProvince, d.Provinces) },
		func() error { return b.complaintsSheet(cur, d.Summary.Current.Delivered) },
		func() error { return b.rootCausesSheet(ctx, st, p, f) },
		func() error { return b.appealsSheet(ctx, st, p, f) },
		func() error { return b.agentsSheet(ctx, st, p, f) },
		func() error { return b.churnSheet(ctx, st, p, f) },
		func() error { return b.commentsSheet(ctx, st, p, f) },
		func() error { return b.slowSheet(ctx, st, p, f) },
		b.definitionsSheet,
		func() error { return b.summarySheet(d.Summary, cur, prev, f, len(d.Days)) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	b.f.SetActiveSheet(0)
	if err := b.f.Write(w); err != nil {
		return fmt.Errorf("reports: workbook: write: %w", err)
	}
	return nil
}

// summarySheet writes the title, the tiles and the two trend charts (which read the
// Daily sheet's columns, so they stay true if someone edits the data).
func (b *book) summarySheet(sum *Summary, cur, before *ComplaintStats, f Filter, days int) error {
	s, fl := SheetSummary, b.f
	z := b.zone
	title := fmt.Sprintf("Period %s to %s (%s), %s", sum.Period.From.In(z).Format("2006-01-02 15:04"),
		sum.Period.To.In(z).Format("2006-01-02 15:04"), z, f)
	prev := fmt.Sprintf("Previous period %s to %s", sum.PreviousPeriod.From.In(z).Format("2006-01-02 15:04"),
		sum.PreviousPeriod.To.In(z).Format("2006-01-02 15:04"))
	set := func(cell string, v any, style int) error {
		if err := fl.SetCellValue(s, cell, v); err != nil {
			return err
		}
		return fl.SetCellStyle(s, cell, cell, style)
	}
	errs := []error{set("A1", "lcrm KPIs", b.text), set("A2", title, b.text), set("A3", prev, b.text)}
	for i, h := range []string{"KPI", "This period", "Previous period", "Change"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 5)
		errs = append(errs, set(cell, h, b.header))
	}
	for i, t := range append(sum.Tiles(), ComplaintTiles(cur, before, sum)...) {
		row := i + 6
		style, change := b.count, b.count
		scale := 1.0
		switch t.Unit {
		case "%":
			style, change = b.pct, b.change
		case "duration":
			style, change, scale = b.dur, b.score, 1.0/86400
		case "score":
			style, change = b.score, b.score
		}
		if t.Unit == "duration" && t.Diff != nil { // change in minutes
			d := *t.Diff / 60
			t.Diff = &d
			t.Name += " (change in minutes)"
		}
		errs = append(errs, set(fmt.Sprintf("A%d", row), t.Name, b.text),
			set(fmt.Sprintf("B%d", row), scaled(t.Current, scale), style),
			set(fmt.Sprintf("C%d", row), scaled(t.Previous, scale), style),
			set(fmt.Sprintf("D%d", row), b.cell(t.Diff), change))
	}
	errs = append(errs, fl.SetColWidth(s, "A", "A", 34), fl.SetColWidth(s, "B", "D", 16),
		fl.SetPanes(s, &excelize.Panes{Freeze: true, YSplit: 5, TopLeftCell: "A6", ActivePane: "bottomLeft"}))
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("reports: summary sheet: %w", err)
		}
	}
	if days == 0 {
		return nil
	}
	return b.trendCharts(days)
}

// scaled is v × k as a cell value, blank for nil.
func scaled(v *float64, k float64) any {
	if v == nil {
		return nil
	}
	return *v * k
}
