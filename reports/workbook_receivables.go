package reports

import (
	"context"

	"lcrm/billing"
)

// SheetReceivables is the receivables sheet's English name (应收账款 in Chinese).
const SheetReceivables = "Receivables"

// receivablesSheet writes the ageing per shipper (billing.Store.ReceivablesAt) with a
// total row, narrowed by the filter's shipper and tier; money in yuan.
func (b *book) receivablesSheet(ctx context.Context, st *Store, p Period, f Filter) error {
	at := p.To // the period's end, or now when it has not ended yet
	if now := st.Now(); now.Before(at) {
		at = now
	}
	r, err := billing.NewStore(st.pool, p.zone()).ReceivablesAt(ctx, at)
	if err != nil {
		return err
	}
	cols := []col{{b.tr("寄件商家编码", "Shipper code"), 14, b.text}, {b.tr("寄件商家", "Shipper"), 28, b.text}, {b.tr("等级", "Tier"), 9, b.text},
		{b.tr("付款期限（天）", "Payment terms (days)"), 10, b.count}, {b.tr("信用额度（元）", "Credit limit (CNY)"), 14, b.score},
		{b.tr("未到期（元）", "Current (CNY)"), 14, b.score}, {b.tr("逾期 1–30 天（元）", "1–30 days (CNY)"), 14, b.score},
		{b.tr("逾期 31–60 天（元）", "31–60 days (CNY)"), 14, b.score}, {b.tr("逾期 61–90 天（元）", "61–90 days (CNY)"), 14, b.score},
		{b.tr("逾期 90 天以上（元）", "Over 90 days (CNY)"), 14, b.score}, {b.tr("应收余额（元）", "Balance (CNY)"), 14, b.score},
		{b.tr("已逾期（元）", "Overdue (CNY)"), 14, b.score}, {b.tr("最长逾期天数", "Days overdue"), 10, b.count},
		{b.tr("近 90 天收入（元）", "Revenue, 90 days (CNY)"), 16, b.score}, {b.tr("DSO（天）", "DSO (days)"), 10, b.score},
		{b.tr("超信用额度", "Over credit limit"), 10, b.text}, {b.tr("截至", "As of"), 17, b.stamp}}
	yuan := func(fen int64) float64 { return float64(fen) / 100 }
	row := func(emit func(...any) error, code, name, tier string, terms any, limit *int64, a billing.Ageing, over bool) error {
		var lim, dso *float64
		if limit != nil {
			v := yuan(*limit)
			lim = &v
		}
		if d, ok := a.DSO(); ok {
			dso = &d
		}
		flag := ""
		if over {
			flag = b.tr("是", "yes")
		}
		return emit(code, name, tier, terms, lim, yuan(a.CurrentFen), yuan(a.D1To30Fen), yuan(a.D31To60Fen), yuan(a.D61To90Fen),
			yuan(a.Over90Fen), yuan(a.BalanceFen), yuan(a.OverdueFen), a.DaysOverdue, yuan(a.Revenue90), dso, flag, at)
	}
	_, err = b.streamTable(b.tr("应收账款", SheetReceivables), cols, func(emit func(...any) error) error {
		var total billing.Ageing
		for _, s := range r.Shippers {
			if (f.ShipperID != 0 && s.ShipperID != f.ShipperID) || (f.Tier != "" && s.Tier != f.Tier) {
				continue
			}
			total = total.Plus(s.Ageing)
			if err := row(emit, s.Code, s.Name, s.Tier, s.PaymentTermsDays, s.CreditLimitFen, s.Ageing, s.OverLimit()); err != nil {
				return err
			}
		}
		return row(emit, b.tr("合计", "Total"), "", "", nil, nil, total, false)
	})
	return err
}
