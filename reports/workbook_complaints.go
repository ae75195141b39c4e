package reports

import "context"

// complaintCols are the columns shared by the Complaints and Agents sheets after their
// leading name column.
func (b *book) complaintCols(first col, per1000 bool) []col {
	cols := []col{first, {"Complaints", 11, b.count}}
	if per1000 {
		cols = append(cols, col{"Per 1,000 delivered", 11, b.score}, col{"Repeat-complaint rate", 11, b.pct})
	}
	return append(cols, col{"First-response median", 12, b.dur}, col{"First-response p90", 12, b.dur},
		col{"First-response SLA", 11, b.pct}, col{"Resolution median", 12, b.dur}, col{"Resolution p90", 12, b.dur},
		col{"Resolution SLA", 11, b.pct}, col{"Reopen rate", 10, b.pct}, col{"CSAT after resolution", 12, b.pct})
}

// figures are the ComplaintFigures cells after the leading ones.
func figures(c ComplaintFigures) []any {
	return []any{c.FRTMedian, c.FRTP90, c.FRTCompliance(), c.ResMedian, c.ResP90, c.ResCompliance(),
		c.ReopenRate(), c.CSATAfterResolution()}
}

// complaintsSheet writes all complaints and each category, per 1,000 delivered.
func (b *book) complaintsSheet(stats *ComplaintStats, delivered int64) error {
	cols := b.complaintCols(col{"Category", 24, b.text}, true)
	_, err := b.streamTable(SheetComplaints, cols, func(row func(...any) error) error {
		for i, c := range append([]ComplaintFigures{stats.Total}, stats.ByCategory...) {
			name := c.Category
			if i == 0 {
				name = "All complaints"
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
	cols := b.complaintCols(col{"Agent", 18, b.text}, false)
	_, err = b.streamTable(SheetAgents, cols, func(row func(...any) error) error {
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
	cols := []col{{"Root cause", 16, b.text}, {"Department", 16, b.text}, {"Complaints", 11, b.count},
		{"Share", 10, b.pct}, {"Cumulative share", 12, b.pct}}
	_, err = b.streamTable(SheetRootCauses, cols, func(row func(...any) error) error {
		for _, r := range list {
			if err := row(r.RootCause, r.Department, r.Complaints, r.Share, r.Cumulative); err != nil {
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
