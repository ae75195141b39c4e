package reports

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the workbook, in order, as the English workbook names them; SheetName
// gives a sheet's name in the reader's language.
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

// sheetZH is the Chinese name of each sheet.
var sheetZH = map[string]string{
	SheetSummary: "汇总", SheetDaily: "每日", SheetByShipper: "按寄件商家", SheetByProvince: "按目的省份",
	SheetComplaints: "投诉", SheetRootCauses: "投诉根因", SheetAgents: "客服", SheetChurnRisk: "流失风险",
	SheetComments: "问卷评论", SheetSlow: "慢签收", SheetDefinitions: "指标定义",
}

// SheetName is the name of sheet (one of the Sheet constants) in a workbook written for
// lang: Chinese unless lang is "en".
func SheetName(lang, sheet string) string {
	if zh, ok := sheetZH[sheet]; ok && lang != "en" {
		return zh
	}
	return sheet
}

// sheet is SheetName in the book's language.
func (b *book) sheet(name string) string { return SheetName(b.lang, name) }

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
func (f Filter) String() string { return f.describe("en") }

// describe is String in lang ("en" or Chinese), with the human labels of the codes.
func (f Filter) describe(lang string) string {
	tr := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	var parts []string
	if f.ShipperID != 0 {
		parts = append(parts, fmt.Sprintf(tr("寄件商家 #%d", "shipper #%d"), f.ShipperID))
	}
	if f.Tier != "" {
		parts = append(parts, tr("等级 ", "tier ")+Label(lang, LabelTier, f.Tier))
	}
	if f.ServiceLevel != "" {
		parts = append(parts, tr("服务类型 ", "service ")+Label(lang, LabelService, f.ServiceLevel))
	}
	if f.DestProvince != "" {
		parts = append(parts, tr("寄往 ", "to ")+f.DestProvince)
	}
	if f.Team != 0 {
		parts = append(parts, fmt.Sprintf(tr("用户 #%d 团队的投诉", "complaints of the team of user #%d"), f.Team))
	}
	if f.ExcludeDisrupted {
		parts = append(parts, "without disrupted parcels")
	}
	if len(parts) == 0 {
		return tr("全部运单", "all shipments")
	}
	return strings.Join(parts, tr(",", ", "))
}

// WriteWorkbook writes the KPI workbook of p under f to w in lang ("en" for English,
// anything else Chinese): Summary (tiles and native charts of the daily trend), Daily, By
// shipper, By province, Complaints, Root causes, Appeals (workbook_appeals.go), Agents,
// Churn risk, Customer value (workbook_value.go), Survey comments, Slow sign-offs,
// Receivables (workbook_receivables.go) and Definitions, with every sheet name, header,
// code and definition in that language. Table sheets go through excelize's StreamWriter (rows spill to a
// temporary file), so a period with a million detail rows keeps memory flat; nothing is
// written to w until every query has succeeded.
func WriteWorkbook(ctx context.Context, w io.Writer, st *Store, p Period, f Filter, lang string) error {
	if err := p.check(); err != nil {
		return err
	}
	b, err := newBook(p.zone(), lang)
	if err != nil {
		return err
	}
	defer b.f.Close()
	if err := b.f.SetSheetName("Sheet1", b.sheet(SheetSummary)); err != nil {
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
		func() error { return b.groupSheet(true, d.Shippers) },
		func() error { return b.groupSheet(false, d.Provinces) },
		func() error { return b.complaintsSheet(cur, d.Summary.Current.Delivered) },
		func() error { return b.rootCausesSheet(ctx, st, p, f) },
		func() error { return b.appealsSheet(ctx, st, p, f) },
		func() error { return b.agentsSheet(ctx, st, p, f) },
		func() error { return b.churnSheet(ctx, st, p, f) },
		func() error { return b.valueSheet(ctx, st, p) },
		func() error { return b.commentsSheet(ctx, st, p, f) },
		func() error { return b.slowSheet(ctx, st, p, f) },
		func() error { return b.receivablesSheet(ctx, st, p, f) },
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
// Daily sheet's columns, so they stay true if someone edits the data). Durations are in
// hours, their change too, so a row's label never depends on the data.
func (b *book) summarySheet(sum *Summary, cur, before *ComplaintStats, f Filter, days int) error {
	s, fl := b.sheet(SheetSummary), b.f
	z := b.zone
	const when = "2006-01-02 15:04"
	title := fmt.Sprintf(b.tr("本期 %s 至 %s(%s),%s", "Period %s to %s (%s), %s"), sum.Period.From.In(z).Format(when),
		sum.Period.To.In(z).Format(when), z, f.describe(b.lang))
	prevLine := b.tr("上期 %s 至 %s", "Previous period %s to %s")
	if sum.Period.Partial() {
		prevLine = b.tr("本期截至今天;上期取相同天数:%s 至 %s", "This period runs through today; the previous period is the same days: %s to %s")
	}
	prev := fmt.Sprintf(prevLine, sum.PreviousPeriod.From.In(z).Format(when), sum.PreviousPeriod.To.In(z).Format(when))
	set := func(cell string, v any, style int) error {
		if err := fl.SetCellValue(s, cell, v); err != nil {
			return err
		}
		return fl.SetCellStyle(s, cell, cell, style)
	}
	errs := []error{set("A1", b.tr("lcrm 经营指标", "lcrm KPIs"), b.text), set("A2", title, b.text), set("A3", prev, b.text)}
	for i, h := range []string{b.tr("指标", "KPI"), b.tr("本期", "This period"), b.tr("上期", "Previous period"), b.tr("变化", "Change")} {
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
			style, change, scale = b.dur, b.durChange, 1.0/3600
		case "score":
			style, change = b.score, b.score
		}
		errs = append(errs, set(fmt.Sprintf("A%d", row), TileName(b.lang, t.Name), b.text),
			set(fmt.Sprintf("B%d", row), scaled(t.Current, scale), style),
			set(fmt.Sprintf("C%d", row), scaled(t.Previous, scale), style),
			set(fmt.Sprintf("D%d", row), scaled(t.Diff, scale), change))
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
