package reports

import "context"

// yuan is fen as yuan, for cells.
func yuan(fen int64) float64 { return float64(fen) / 100 }

// valueSheet writes the 客户价值 (customer value) sheet: every shipper of Value(p),
// largest revenue first, with its class, segment and tier advice. Not narrowed by the
// workbook's filter: classes are shares of all revenue.
func (b *book) valueSheet(ctx context.Context, st *Store, p Period) error {
	v, err := st.Value(ctx, p)
	if err != nil {
		return err
	}
	tier := func(t string) string {
		switch t {
		case "key":
			return b.tr("重点", "key")
		case "regular":
			return b.tr("普通", "regular")
		case "small":
			return b.tr("小客户", "small")
		}
		return t
	}
	cols := []col{{b.tr("编码", "Code"), 12, b.text}, {b.tr("寄件商家", "Shipper"), 30, b.text}, {b.tr("等级", "Tier"), 9, b.text},
		{b.tr("分类", "Class"), 7, b.text}, {b.tr("客户分群", "Segment"), 16, b.text},
		{"R", 5, b.count}, {"F", 5, b.count}, {"M", 5, b.count}, {b.tr("距最后一票天数", "Days since last shipment"), 11, b.count},
		{b.tr("票数", "Shipments"), 10, b.count}, {b.tr("收入（元）", "Revenue (yuan)"), 14, b.score},
		{b.tr("成本（元）", "Cost (yuan)"), 14, b.score}, {b.tr("赔付（元）", "Compensation (yuan)"), 14, b.score},
		{b.tr("毛利（元）", "Margin (yuan)"), 14, b.score}, {b.tr("毛利率", "Margin %"), 10, b.pct},
		{b.tr("票均收入（元）", "Revenue per shipment (yuan)"), 12, b.score}, {b.tr("收入占比", "Revenue share"), 10, b.pct},
		{b.tr("累计占比", "Cumulative share"), 10, b.pct}, {b.tr("成本未知票数", "Cost not known"), 10, b.count},
		{b.tr("千票投诉", "Complaints per 1,000 delivered"), 12, b.score}, {b.tr("满意度（4–5分占比）", "CSAT (4–5 share)"), 11, b.pct},
		{b.tr("建议等级", "Advised tier"), 10, b.text}, {b.tr("原因", "Why"), 36, b.text}}
	reason := map[string]string{
		"a_not_key":  b.tr("A 类但不是重点客户", "class A but not a key shipper"),
		"key_in_c":   b.tr("重点客户落入 C 类", "a key shipper that fell to class C"),
		"small_in_b": b.tr("B 类但仍是小客户", "class B but on the small tier"),
	}
	_, err = b.streamTable(b.tr("客户价值", "Customer value"), cols, func(row func(...any) error) error {
		for i := range v.Shippers {
			s := &v.Shippers[i]
			seg, advised, why := "", "", ""
			var r, f, m, days any
			if sg := s.RFM.Segment; sg != nil {
				seg = b.tr(sg.ZH, sg.EN)
				r, f, m, days = s.RFM.R, s.RFM.F, s.RFM.M, s.RFM.RecencyDays
			}
			if a := s.Advice; a != nil {
				advised, why = tier(a.To), reason[a.Reason]
			}
			var perShipment *float64
			if x := s.RevenuePerShipment(); x != nil {
				y := *x / 100
				perShipment = &y
			}
			if err := row(s.Code, s.Name, tier(s.Tier), s.Class, seg, r, f, m, days, s.Shipments, yuan(s.RevenueFen),
				yuan(s.CostFen), yuan(s.CompensationFen), yuan(s.MarginFen()), s.MarginPct(), perShipment,
				s.Share, s.CumShare, s.UnknownCost, s.ComplaintsPer1000(), s.CSATShare(), advised, why); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}
