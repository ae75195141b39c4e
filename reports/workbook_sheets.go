package reports

import (
	"context"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// dailyTitles head the Daily sheet's columns; the charts read B, C, D, H and I.
func (b *book) dailyTitles() []string {
	return []string{b.tr("日期", "Date"), b.tr("下单量", "Created"), b.tr("签收量", "Delivered"), b.tr("准时率", "On-time rate"),
		b.tr("签收时长中位数", "Sign-off lag median"), b.tr("签收时长 P90", "Sign-off lag p90"), b.tr("问卷数", "Surveys"),
		b.tr("满意度(4–5分占比)", "CSAT (4–5 share)"), b.tr("问卷回复率", "Survey response rate")}
}

func (b *book) dailySheet(days []Day) error {
	t := b.dailyTitles()
	cols := []col{{t[0], 12, b.date}, {t[1], 11, b.count}, {t[2], 11, b.count},
		{t[3], 12, b.pct}, {t[4], 13, b.dur}, {t[5], 13, b.dur},
		{t[6], 10, b.count}, {t[7], 12, b.pct}, {t[8], 12, b.pct}}
	_, err := b.streamTable(b.sheet(SheetDaily), cols, func(row func(...any) error) error {
		for _, d := range days {
			if err := row(d.Date, d.Created, d.Delivered, d.OnTimeRate(), d.LagMedian, d.LagP90,
				d.Surveys, d.CSATShare(), d.ResponseRate()); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// trendCharts adds two native charts to the Summary sheet over the Daily sheet's rows
// 2..days+1: volumes as columns, rates as lines.
func (b *book) trendCharts(days int) error {
	daily := b.sheet(SheetDaily)
	ref := func(c string) string { return fmt.Sprintf("'%s'!$%s$2:$%s$%d", daily, c, c, days+1) }
	name := func(c string) string { return fmt.Sprintf("'%s'!$%s$1", daily, c) }
	series := func(cols ...string) []excelize.ChartSeries {
		var out []excelize.ChartSeries
		for _, c := range cols {
			out = append(out, excelize.ChartSeries{Name: name(c), Categories: ref("A"), Values: ref(c)})
		}
		return out
	}
	title := func(s string) excelize.ChartTitle {
		return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: s}}}
	}
	charts := []struct {
		cell  string
		chart excelize.Chart
	}{
		{"F2", excelize.Chart{Type: excelize.Col, VaryColors: ptr(false), Series: series("B", "C"), Title: title(b.tr("每日下单量与签收量", "Shipments created and delivered per day")),
			Dimension: excelize.ChartDimension{Width: 720, Height: 300}, Legend: excelize.ChartLegend{Position: "bottom"}}},
		{"F19", excelize.Chart{Type: excelize.Line, VaryColors: ptr(false), Series: series("D", "H", "I"), Title: title(b.tr("每日准时率、满意度与问卷回复率", "On-time rate, CSAT and survey response per day")),
			Dimension: excelize.ChartDimension{Width: 720, Height: 300}, Legend: excelize.ChartLegend{Position: "bottom"},
			YAxis: excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}}}},
	}
	for _, c := range charts {
		if err := b.f.AddChart(b.sheet(SheetSummary), c.cell, &c.chart); err != nil {
			return fmt.Errorf("reports: chart: %w", err)
		}
	}
	return nil
}

// groupSheet writes ByShipper (shipper) or ByProvince rows with the previous period
// alongside.
func (b *book) groupSheet(shipper bool, groups []Group) error {
	var cols []col
	sheet := SheetByProvince
	if shipper {
		sheet = SheetByShipper
		cols = []col{{b.tr("编码", "Code"), 12, b.text}, {b.tr("寄件商家", "Shipper"), 30, b.text}, {b.tr("等级", "Tier"), 9, b.text}}
	} else {
		cols = []col{{b.tr("目的省份", "Province"), 16, b.text}}
	}
	cols = append(cols, col{b.tr("下单量", "Created"), 11, b.count}, col{b.tr("签收量", "Delivered"), 11, b.count},
		col{b.tr("上期签收量", "Delivered, previous"), 12, b.count}, col{b.tr("签收量变化", "Delivered change"), 12, b.count},
		col{b.tr("准时率", "On-time rate"), 11, b.pct}, col{b.tr("上期准时率", "On-time, previous"), 11, b.pct},
		col{b.tr("准时率变化(百分点)", "On-time change (pp)"), 11, b.change},
		col{b.tr("问卷数", "Surveys"), 10, b.count}, col{b.tr("满意度(4–5分占比)", "CSAT (4–5 share)"), 11, b.pct},
		col{b.tr("上期满意度", "CSAT, previous"), 11, b.pct}, col{b.tr("签收时长中位数", "Sign-off lag median"), 12, b.dur})
	if shipper {
		cols = append(cols, col{b.tr("投诉数", "Complaints"), 11, b.count}, col{b.tr("每千件签收投诉数", "Complaints per 1,000 delivered"), 13, b.score},
			col{b.tr("上期投诉数", "Complaints, previous"), 11, b.count})
	}
	_, err := b.streamTable(b.sheet(sheet), cols, func(row func(...any) error) error {
		for _, g := range groups {
			c, pr := g.Current, g.Previous
			vals := []any{g.Name}
			if shipper {
				vals = []any{g.Code, g.Name, Label(b.lang, LabelTier, g.Tier)}
			}
			vals = append(vals, c.Created, c.Delivered, pr.Delivered, g.DeliveredChange(),
				c.OnTimeRate(), pr.OnTimeRate(), Change(c.OnTimeRate(), pr.OnTimeRate()),
				c.Surveys, c.CSATShare(), pr.CSATShare(), c.LagMedian)
			if shipper {
				vals = append(vals, g.Complaints, g.ComplaintsPer1000(), g.PreviousComplaints)
			}
			if err := row(vals...); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

func (b *book) churnSheet(ctx context.Context, st *Store, p Period, f Filter) error {
	list, err := st.ChurnRisk(ctx, p, f)
	if err != nil {
		return err
	}
	cols := []col{{b.tr("编码", "Code"), 12, b.text}, {b.tr("寄件商家", "Shipper"), 30, b.text}, {b.tr("等级", "Tier"), 9, b.text},
		{b.tr("近30天", "Last 30 days"), 12, b.count}, {b.tr("此前90天", "Previous 90 days"), 12, b.count},
		{b.tr("按此前速度30天应有", "Expected in 30 days"), 12, b.score}, {b.tr("近30天 / 应有", "Last 30 / expected"), 12, b.pct},
		{b.tr("90天收入（元）", "Revenue, 90 days (yuan)"), 14, b.score}, {b.tr("90天毛利（元）", "Margin, 90 days (yuan)"), 14, b.score}}
	_, err = b.streamTable(b.sheet(SheetChurnRisk), cols, func(row func(...any) error) error {
		for _, c := range list {
			if err := row(c.Code, c.Name, Label(b.lang, LabelTier, c.Tier), c.Last30, c.Prev90, c.Expected30,
				float64(c.Last30)/c.Expected30, yuan(c.Revenue90Fen), yuan(c.Margin90Fen)); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// yesNo is 是/否 or yes/no.
func (b *book) yesNo(v bool) string {
	if v {
		return b.tr("是", "yes")
	}
	return b.tr("否", "no")
}

func (b *book) commentsSheet(ctx context.Context, st *Store, p Period, f Filter) error {
	cols := []col{{b.tr("签收时间", "Delivered at"), 17, b.stamp}, {b.tr("运单号", "Tracking no"), 16, b.text},
		{b.tr("寄件商家", "Shipper"), 28, b.text}, {b.tr("准时", "On time"), 8, b.text}, {b.tr("满意度", "CSAT"), 6, b.count},
		{"NPS", 6, b.count}, {b.tr("评论", "Comment"), 60, b.text}, {b.tr("答复时间", "Answered at"), 17, b.stamp}}
	_, err := b.streamTable(b.sheet(SheetComments), cols, func(row func(...any) error) error {
		return st.SurveyComments(ctx, p, f, func(c SurveyComment) error {
			return row(c.DeliveredAt, c.TrackingNo, c.ShipperName, b.yesNo(c.OnTime), c.CSAT, c.NPS, c.Comment, c.AnsweredAt)
		})
	})
	return err
}

// slowSheet lists the delivered shipments of the period that were flagged as slow
// sign-offs (streamed: rows go to the temporary file as they arrive).
func (b *book) slowSheet(ctx context.Context, st *Store, p Period, f Filter) error {
	cols := []col{{b.tr("签收时间", "Delivered at"), 17, b.stamp}, {b.tr("运单号", "Tracking no"), 16, b.text},
		{b.tr("寄件商家", "Shipper"), 28, b.text}, {b.tr("服务类型", "Service level"), 12, b.text},
		{b.tr("目的省份", "Province"), 14, b.text}, {b.tr("原因", "Reason"), 18, b.text},
		{b.tr("标记时间", "Flagged at"), 17, b.stamp}, {b.tr("超时", "Lag"), 10, b.dur}, {b.tr("标记次数", "Flags"), 6, b.count},
		{b.tr("准时", "On time"), 8, b.text}}
	_, err := b.streamTable(b.sheet(SheetSlow), cols, func(row func(...any) error) error {
		return st.SlowSignoffs(ctx, p, f, func(r SlowSignoff) error {
			return row(r.DeliveredAt, r.TrackingNo, r.ShipperName, Label(b.lang, LabelService, r.ServiceLevel), r.DestProvince,
				Label(b.lang, LabelReason, r.Reason), r.FlaggedAt, r.Lag, r.Flags, b.yesNo(r.OnTime))
		})
	})
	return err
}

// definitionsSheet prints Definitions in the book's language.
func (b *book) definitionsSheet() error {
	cols := []col{{b.tr("指标", "KPI"), 28, b.wrap}, {b.tr("单位", "Unit"), 9, b.wrap}, {b.tr("定义", "Definition"), 110, b.wrap}}
	_, err := b.streamTable(b.sheet(SheetDefinitions), cols, func(row func(...any) error) error {
		for _, d := range Definitions {
			d = DefinitionIn(b.lang, d)
			if err := row(d.Name, d.Unit, d.Text); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// paretoChart adds the defects Pareto to the Summary sheet: complaints per root cause and
// department as columns, the cumulative share as a line on a second axis, reading the
// Root causes sheet's rows 2..bars+1.
func (b *book) paretoChart(bars int) error {
	causes := b.sheet(SheetRootCauses)
	ref := func(c string) string { return fmt.Sprintf("'%s'!$%s$2:$%s$%d", causes, c, c, bars+1) }
	name := func(c string) string { return fmt.Sprintf("'%s'!$%s$1", causes, c) }
	cats := fmt.Sprintf("'%s'!$A$2:$B$%d", causes, bars+1)
	cols := &excelize.Chart{Type: excelize.Col, VaryColors: ptr(false),
		Series:    []excelize.ChartSeries{{Name: name("C"), Categories: cats, Values: ref("C")}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: b.tr("按根因与责任部门的缺陷(帕累托)", "Defects by root cause and department (Pareto)")}}},
		Dimension: excelize.ChartDimension{Width: 720, Height: 300}, Legend: excelize.ChartLegend{Position: "bottom"}}
	line := &excelize.Chart{Type: excelize.Line, VaryColors: ptr(false),
		Series: []excelize.ChartSeries{{Name: name("E"), Categories: cats, Values: ref("E")}},
		YAxis:  excelize.ChartAxis{Secondary: true, Maximum: ptr(1.0), Minimum: ptr(0.0), NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}}}
	if err := b.f.AddChart(b.sheet(SheetSummary), "F36", cols, line); err != nil {
		return fmt.Errorf("reports: pareto chart: %w", err)
	}
	return nil
}
