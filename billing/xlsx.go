package billing

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/internal/safetext"
)

// StatementFileName is the download name of a statement's workbook.
func StatementFileName(s Statement) string { return "lcrm-statement-" + s.Number + ".xlsx" }

// statusNames are the statuses in both languages (Chinese first).
var statusNames = map[string][2]string{
	StatusOpen: {"未付", "open"}, StatusPartPaid: {"部分已付", "part-paid"}, StatusPaid: {"已付清", "paid"},
	StatusOverdue: {"逾期", "overdue"}, StatusCredit: {"贷方余额（结转下期）", "credit (carried forward)"},
}

// serviceNames are the service levels in both languages (as the site's catalogue has them).
var serviceNames = map[string][2]string{"standard": {"标准快递", "standard"}, "express": {"特快", "express"}, "same_day": {"当日达", "same day"}}

// StatusName is a status as a person reads it in lang ("zh" or "en").
func StatusName(status, lang string) string { return pick(statusNames, status, lang) }

// pick is names[key] in lang (Chinese unless "en"), the key itself when unknown.
func pick(names map[string][2]string, key, lang string) string {
	n, ok := names[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}

// WriteStatement writes statement s as an Excel workbook to w in lang ("zh", the default,
// or "en"): a header block (shipper, period, totals, due date, status) and one row per
// shipment, then the adjustments and the compensation credited. Money is in yuan with
// two decimals. Rows are streamed from the database (excelize's StreamWriter), so a
// statement of a million shipments is written in bounded memory.
func (st *Store) WriteStatement(ctx context.Context, w io.Writer, s Statement, lang string) error {
	tr := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := tr("对账单", "Statement")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	yuan, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("#,##0.00")})
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E78"}}})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, 1, 22); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 9, 16); err != nil {
		return err
	}
	row := 0
	put := func(cells ...any) error {
		row++
		cell, _ := excelize.CoordinatesToCellName(1, row)
		return sw.SetRow(cell, cells)
	}
	money := func(fen int64) excelize.Cell { return excelize.Cell{StyleID: yuan, Value: float64(fen) / 100} }
	label := func(zh, en string) excelize.Cell { return excelize.Cell{StyleID: bold, Value: tr(zh, en)} }
	text := func(v string) excelize.Cell { return excelize.Cell{Value: safetext.Cell(v)} }
	day := func(t time.Time) string { return t.In(st.Zone).Format("2006-01-02") }
	lastDay := s.PeriodEnd.In(st.Zone).AddDate(0, 0, -1)
	block := [][]any{
		{label("对账单号", "Statement"), text(s.Number)},
		{label("寄件商家", "Shipper"), text(s.ShipperCode + " " + s.ShipperName)},
		{label("账期", "Period"), day(s.PeriodStart) + " – " + day(lastDay)},
		{label("运单数", "Shipments"), s.Shipments, label("其中运费未知", "of which without a charge"), s.UnknownCharges},
		{label("运费（元）", "Freight (CNY)"), money(s.FreightFen)},
		{label("附加费（元）", "Surcharges (CNY)"), money(s.SurchargeFen)},
		{label("调整（元）", "Adjustments (CNY)"), money(s.AdjustmentFen), label("笔数", "count"), s.Adjustments},
		{label("赔偿抵扣（元）", "Compensation credited (CNY)"), money(-s.CompensationFen), label("笔数", "count"), s.Compensations},
		{label("上期结转（元）", "Credit brought forward (CNY)"), money(-s.CarriedInFen)},
		{label("应付合计（元）", "Total due (CNY)"), money(s.TotalDueFen)},
		{label("已付（元）", "Paid (CNY)"), money(s.PaidFen)},
		{label("未付（元）", "Outstanding (CNY)"), money(max(s.OutstandingFen, 0))},
		{label("到期日", "Due date"), s.DueDate(st.Zone), label("付款期限（天）", "Payment terms (days)"), s.PaymentTermsDays},
		{label("状态", "Status"), StatusName(s.Status, lang)},
		{},
	}
	for _, r := range block {
		if err := put(r...); err != nil {
			return err
		}
	}
	headers := []any{}
	for _, h := range [][2]string{{"运单号", "Tracking no."}, {"下单时间", "Created"}, {"服务类型", "Service"}, {"目的城市", "Destination"},
		{"重量（克）", "Weight (g)"}, {"运费（元）", "Freight (CNY)"}, {"附加费（元）", "Surcharge (CNY)"}, {"合计（元）", "Total (CNY)"}, {"备注", "Note"}} {
		headers = append(headers, excelize.Cell{StyleID: head, Value: tr(h[0], h[1])})
	}
	if err := put(headers...); err != nil {
		return err
	}
	err = st.EachLine(ctx, s.ID, func(l Line) error {
		note := ""
		switch {
		case l.Adjustment:
			note = tr("调整（前期运单费用更正）", "adjustment (earlier shipment's charge corrected)")
		case l.Unknown:
			note = tr("运费未知，按 0 计", "no charge recorded, billed as 0")
		}
		return put(text(l.TrackingNo), l.CreatedAt.In(st.Zone).Format("2006-01-02 15:04"), text(pick(serviceNames, l.ServiceLevel, lang)), text(l.DestCity),
			l.WeightG, money(l.FreightFen), money(l.SurchargeFen), money(l.FreightFen+l.SurchargeFen), note)
	})
	if err != nil {
		return err
	}
	credits, err := st.Credits(ctx, s.ID)
	if err != nil {
		return err
	}
	if len(credits) > 0 {
		if err := put(); err != nil {
			return err
		}
		hdr := []any{}
		for _, h := range [][2]string{{"投诉单号", "Complaint"}, {"运单号", "Tracking no."}, {"解决时间", "Resolved"}, {"赔偿（元）", "Compensation (CNY)"}, {"备注", "Note"}} {
			hdr = append(hdr, excelize.Cell{StyleID: head, Value: tr(h[0], h[1])})
		}
		if err := put(hdr...); err != nil {
			return err
		}
		for _, c := range credits {
			resolved, note := "", ""
			if c.ResolvedAt != nil {
				resolved = c.ResolvedAt.In(st.Zone).Format("2006-01-02 15:04")
			}
			if c.Adjustment {
				note = tr("调整（赔偿金额更正）", "adjustment (compensation corrected)")
			}
			if err := put(text(c.ComplaintRef), text(c.TrackingNo), resolved, money(c.CompensationFen), note); err != nil {
				return err
			}
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("billing: statement workbook: %w", err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
