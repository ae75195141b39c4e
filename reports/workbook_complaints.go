package reports

import "context"

// complaintCols are the columns shared by the Complaints and Agents sheets after their
// leading name column.
func (b *book) complaintCols(first col, per1000 bool) []col {
	cols := []col{first, {b.tr("投诉数", "Complaints"), 11, b.count}}
	if per1000 {
		cols = append(cols, col{b.tr("每千件签收", "Per 1,000 delivered"), 11, b.score}, col{b.tr("重复投诉率", "Repeat-complaint rate"), 11, b.pct})
	}
	return append(cols, col{b.tr("首次响应中位数", "First-response median"), 12, b.dur}, col{b.tr("首次响应 P90", "First-response p90"), 12, b.dur},
		col{b.tr("首次响应达标率", "First-response SLA"), 11, b.pct}, col{b.tr("解决时长中位数", "Resolution median"), 12, b.dur},
		col{b.tr("解决时长 P90", "Resolution p90"), 12, b.dur}, col{b.tr("解决达标率", "Resolution SLA"), 11, b.pct},
		col{b.tr("重开率", "Reopen rate"), 10, b.pct}, col{b.tr("解决后满意度", "CSAT after resolution"), 12, b.pct})
}

// figures are the ComplaintFigures cells after the leading ones.
func figures(c ComplaintFigures) []any {
	return []any{c.FRTMedian, c.FRTP90, c.FRTCompliance(), c.ResMedian, c.ResP90, c.ResCompliance(),
		c.ReopenRate(), c.CSATAfterResolution()}
}

// complaintsSheet writes all complaints and each category, per 1,000 delivered.
func (b *book) complaintsSheet(stats *ComplaintStats, delivered int64) error {
	cols := b.complaintCols(col{b.tr("类别", "Category"), 24, b.text}, true)
	_, err := b.streamTable(b.sheet(SheetComplaints), cols, func(row func(...any) error) error {
		for i, c := range append([]ComplaintFigures{stats.Total}, stats.ByCategory...) {
			name := Label(b.lang, LabelCategory, c.Category)
			if i == 0 {
				name = b.tr("全部投诉", "All complaints")
			}
			vals := append([]any{name, c.Filed, c.Per1000(delivered), c.RepeatRate()}, figures(c)...)
			if err := row(vals...); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

func (b *book) agentsSheet(ctx context.Context, st *Store, p Period, f Filter) error {
	agents, err := st.Agents(ctx, p, f)
	if err != nil {
		return err
	}
	cols := b.complaintCols(col{b.tr("客服", "Agent"), 18, b.text}, false)
	_, err = b.streamTable(b.sheet(SheetAgents), cols, func(row func(...any) error) error {
		for _, a := range agents {
			if err := row(append([]any{a.Name, a.Filed}, figures(a.ComplaintFigures)...)...); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

func (b *book) rootCausesSheet(ctx context.Context, st *Store, p Period, f Filter) error {
	list, err := st.RootCauses(ctx, p, f)
	if err != nil {
		return err
	}
	cols := []col{{b.tr("根因", "Root cause"), 16, b.text}, {b.tr("责任部门", "Department"), 16, b.text},
		{b.tr("投诉数", "Complaints"), 11, b.count}, {b.tr("占比", "Share"), 10, b.pct}, {b.tr("累计占比", "Cumulative share"), 12, b.pct}}
	_, err = b.streamTable(b.sheet(SheetRootCauses), cols, func(row func(...any) error) error {
		for _, r := range list {
			if err := row(Label(b.lang, LabelCause, r.RootCause), r.Department, r.Complaints, r.Share, r.Cumulative); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(list) == 0 {
		return err
	}
	return b.paretoChart(len(list))
}
