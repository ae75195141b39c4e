package reports

import (
	"context"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// dailyTitles head the Daily sheet's columns; the charts read B, C, D, H and I.
var dailyTitles = []string{"Date", "Created", "Delivered", "On-time rate", "Sign-off lag median",
	"Sign-off lag p90", "Surveys", "CSAT (4–5 share)", "Survey response rate"}

func (b *book) dailySheet(days []Day) error {
	cols := []col{{dailyTitles[0], 12, b.date}, {dailyTitles[1], 11, b.count}, {dailyTitles[2], 11, b.count},
		{dailyTitles[3], 12, b.pct}, {dailyTitles[4], 13, b.dur}, {dailyTitles[5], 13, b.dur},
		{dailyTitles[6], 10, b.count}, {dailyTitles[7], 12, b.pct}, {dailyTitles[8], 12, b.pct}}
	_, err := b.streamTable(SheetDaily, cols, func(row func(...any) error) error {
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
	ref := func(c string) string { return fmt.Sprintf("'%s'!$%s$2:$%s$%d", SheetDaily, c, c, days+1) }
	name := func(c string) string { return fmt.Sprintf("'%s'!$%s$1", SheetDaily, c) }
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
		{"F2", excelize.Chart{Type: excelize.Col, VaryColors: ptr(false), Series: series("B", "C"), Title: title("Shipments created and delivered per day"),
			Dimension: excelize.ChartDimension{Width: 720, Height: 300}, Legend: excelize.ChartLegend{Position: "bottom"}}},
		{"F19", excelize.Chart{Type: excelize.Line, VaryColors: ptr(false), Series: series("D", "H", "I"), Title: title("On-time rate, CSAT and survey response per day"),
			Dimension: excelize.ChartDimension{Width: 720, Height: 300}, Legend: excelize.ChartLegend{Position: "bottom"},
			YAxis: excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}}}},
	}
	for _, c := range charts {
		if err := b.f.AddChart(SheetSummary, c.cell, &c.chart); err != nil {
			return fmt.Errorf("reports: chart: %w", err)
		}
	}
	return nil
}

// groupSheet writes ByShipper or ByProvince rows with the previous period alongside.
func (b *book) groupSheet(sheet string, groups []Group) error {
	shipper := sheet == SheetByShipper
	var cols []col
	if shipper {
		cols = []col{{"Code", 12, b.text}, {"Shipper", 30, b.text}, {"Tier", 9, b.text}}
	} else {
		cols = []col{{"Province", 16, b.text}}
	}
	cols = append(cols, col{"Created", 11, b.count}, col{"Delivered", 11, b.count},
		col{"Delivered, previous", 12, b.count}, col{"Delivered change", 12, b.count},
		col{"On-time rate", 11, b.pct}, col{"On-time, previous", 11, b.pct}, col{"On-time change", 11, b.change},
		col{"Surveys", 10, b.count}, col{"CSAT (4–5 share)", 11, b.pct}, col{"CSAT, previous", 11, b.pct},
		col{"Sign-off lag median", 12, b.dur})
	if shipper {
		cols = append(cols, col{"Complaints", 11, b.count}, col{"Complaints per 1,000 delivered", 13, b.score},
			col{"Complaints, previous", 11, b.count})
	}
	_, err := b.streamTable(sheet, cols, func(row func(...any) error) error {
		for _, g := range groups {
			c, pr := g.Current, g.Previous
			vals := []any{g.Name}
			if shipper {
				vals = []any{g.Code, g.Name, g.Tier}
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
	cols := []col{{"Code", 12, b.text}, {"Shipper", 30, b.text}, {"Tier", 9, b.text},
		{"Last 30 days", 12, b.count}, {"Previous 90 days", 12, b.count},
		{"Expected in 30 days", 12, b.score}, {"Last 30 / expected", 12, b.pct},
		{b.tr("90天收入（元）", "Revenue, 90 days (yuan)"), 14, b.score}, {b.tr("90天毛利（元）", "Margin, 90 days (yuan)"), 14, b.score}}
	_, err = b.streamTable(SheetChurnRisk, cols, func(row func(...any) error) error {
		for _, c := range list {
			if err := row(c.Code, c.Name, c.Tier, c.Last30, c.Prev90, c.Expected30,
				float64(c.Last30)/c.Expected30, yuan(c.Revenue90Fen), yuan(c.Margin90Fen)); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

func (b *book) commentsSheet(ctx context.Context, st *Store, p Period, f Filter) error {
	cols := []col{{"Delivered at", 17, b.stamp}, {"Tracking no", 16, b.text}, {"Shipper", 28, b.text},
		{"On time", 8, b.text}, {"CSAT", 6, b.count}, {"NPS", 6, b.count}, {"Comment", 60, b.text},
		{"Answered at", 17, b.stamp}}
	_, err := b.streamTable(SheetComments, cols, func(row func(...any) error) error {
		return st.SurveyComments(ctx, p, f, func(c SurveyComment) error {
			onTime := "no"
			if c.OnTime {
				onTime = "yes"
			}
			return row(c.DeliveredAt, c.TrackingNo, c.ShipperName, onTime, c.CSAT, c.NPS, c.Comment, c.AnsweredAt)
		})
	})
	return err
}

// slowSheet lists the delivered shipments of the period that were flagged as slow
// sign-offs (streamed: rows go to the temporary file as they arrive).
func (b *book) slowSheet(ctx context.Context, st *Store, p Period, f Filter) error {
	cols := []col{{"Delivered at", 17, b.stamp}, {"Tracking no", 16, b.text}, {"Shipper", 28, b.text},
		{"Service level", 12, b.text}, {"Province", 14, b.text}, {"Reason", 18, b.text},
		{"Flagged at", 17, b.stamp}, {"Lag", 10, b.dur}, {"Flags", 6, b.count}, {"On time", 8, b.text}}
	_, err := b.streamTable(SheetSlow, cols, func(row func(...any) error) error {
		return st.SlowSignoffs(ctx, p, f, func(r SlowSignoff) error {
			onTime := "no"
			if r.OnTime {
				onTime = "yes"
			}
			return row(r.DeliveredAt, r.TrackingNo, r.ShipperName, r.ServiceLevel, r.DestProvince, r.Reason,
				r.FlaggedAt, r.Lag.Hours()/24, r.Flags, onTime)
		})
	})
	return err
}

func (b *book) definitionsSheet() error {
	cols := []col{{"KPI", 28, b.wrap}, {"Unit", 9, b.wrap}, {"Definition", 110, b.wrap}}
	_, err := b.streamTable(SheetDefinitions, cols, func(row func(...any) error) error {
		for _, d := range Definitions {
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
	ref := func(c string) string { return fmt.Sprintf("'%s'!$%s$2:$%s$%d", SheetRootCauses, c, c, bars+1) }
	name := func(c string) string { return fmt.Sprintf("'%s'!$%s$1", SheetRootCauses, c) }
	cats := fmt.Sprintf("'%s'!$A$2:$B$%d", SheetRootCauses, bars+1)
	cols := &excelize.Chart{Type: excelize.Col, VaryColors: ptr(false),
		Series:    []excelize.ChartSeries{{Name: name("C"), Categories: cats, Values: ref("C")}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Defects by root cause and department (Pareto)"}}},
		Dimension: excelize.ChartDimension{Width: 720, Height: 300}, Legend: excelize.ChartLegend{Position: "bottom"}}
	line := &excelize.Chart{Type: excelize.Line, VaryColors: ptr(false),
		Series: []excelize.ChartSeries{{Name: name("E"), Categories: cats, Values: ref("E")}},
		YAxis:  excelize.ChartAxis{Secondary: true, Maximum: ptr(1.0), Minimum: ptr(0.0), NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}}}
	if err := b.f.AddChart(SheetSummary, "F36", cols, line); err != nil {
		return fmt.Errorf("reports: pareto chart: %w", err)
	}
	return nil
}
