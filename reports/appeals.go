package reports

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Regulator appeals per million parcels: the figure the postal regulator publishes and
// ranks couriers by. Definitions "Appeals", "Effective appeals" and "Appeals per million
// delivered" say exactly what is counted.

// AppealGroup is one line of the appeal figures: a province, a category, a department or
// the total.
type AppealGroup struct {
	Key       string // province, category or department; "" for the total and for "not recorded"
	Appeals   int64  // appeals received in the period
	Effective int64  // of those, ruled effective appeals (有效申诉)
	Delivered int64  // the denominator: parcels delivered in the period (the province's for a province)
}

// perMillion is n per million of d, nil when nothing was delivered.
func perMillion(n, d int64) *float64 {
	r := ratio(n, d)
	if r != nil {
		*r *= 1e6
	}
	return r
}

// PerMillion is Appeals ÷ Delivered × 1,000,000 (nil when nothing was delivered).
func (g AppealGroup) PerMillion() *float64 { return perMillion(g.Appeals, g.Delivered) }

// EffectivePerMillion is Effective ÷ Delivered × 1,000,000 (nil when nothing was delivered).
func (g AppealGroup) EffectivePerMillion() *float64 { return perMillion(g.Effective, g.Delivered) }

// AppealRow is one appeal of the period, for the workbook's list.
type AppealRow struct {
	No, Source, Ref, TrackingNo, Category, Department, Province string
	ReceivedAt, ReplyDue                                        time.Time
	RepliedAt                                                   *time.Time
	Effective                                                   *bool
	VerdictOn                                                   *time.Time
}

// AppealReport is the appeal figures of a period.
type AppealReport struct {
	Total        AppealGroup
	ByProvince   []AppealGroup // every destination province with deliveries or appeals, most appeals per million first
	ByCategory   []AppealGroup // categories with appeals, most first; Delivered is the total's
	ByDepartment []AppealGroup // responsible departments with appeals, most first; Delivered is the total's
	Appeals      []AppealRow   // received in the period, oldest first
}

// Appeals computes the appeal figures of p under f: appeals received in the period about
// shipments that pass the filters (and, with f.Team, complaints of that team), over the
// parcels delivered in the period. Three round trips whatever the period.
func (st *Store) Appeals(ctx context.Context, p Period, f Filter) (*AppealReport, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	cond, args := complaintFilterSQL(f, []any{p.From, p.To})
	rows, err := collect(ctx, st.pool, "appeals", `SELECT a.appeal_no, a.source, c.ref, s.tracking_no, c.category,
		c.department, s.dest_province, a.received_at, a.reply_due, a.replied_at, a.effective, a.verdict_on::timestamp
		FROM appeals a JOIN complaints c ON c.id = a.complaint_id JOIN shipments s ON s.id = c.shipment_id
		WHERE a.received_at >= $1 AND a.received_at < $2`+cond+`
		ORDER BY a.received_at, a.id`, args, func(r pgx.Rows) (AppealRow, error) {
		var a AppealRow
		err := r.Scan(&a.No, &a.Source, &a.Ref, &a.TrackingNo, &a.Category, &a.Department, &a.Province,
			&a.ReceivedAt, &a.ReplyDue, &a.RepliedAt, &a.Effective, &a.VerdictOn)
		return a, err
	})
	if err != nil {
		return nil, err
	}
	cond, args = filterSQL(f, []any{p.From, p.To})
	type delivered struct {
		province string
		n        int64
	}
	dels, err := collect(ctx, st.pool, "appeals: delivered", `SELECT s.dest_province, count(*) FROM shipments s
		WHERE s.delivered_at >= $1 AND s.delivered_at < $2`+cond+` GROUP BY 1`, args, func(r pgx.Rows) (delivered, error) {
		var d delivered
		return d, r.Scan(&d.province, &d.n)
	})
	if err != nil {
		return nil, err
	}
	rep := &AppealReport{Appeals: rows}
	prov, cat, dept := map[string]*AppealGroup{}, map[string]*AppealGroup{}, map[string]*AppealGroup{}
	group := func(m map[string]*AppealGroup, key string) *AppealGroup {
		g, ok := m[key]
		if !ok {
			g = &AppealGroup{Key: key}
			m[key] = g
		}
		return g
	}
	for _, d := range dels {
		rep.Total.Delivered += d.n
		group(prov, d.province).Delivered = d.n
	}
	for _, a := range rows {
		eff := int64(0)
		if a.Effective != nil && *a.Effective {
			eff = 1
		}
		for _, g := range []*AppealGroup{&rep.Total, group(prov, a.Province), group(cat, a.Category), group(dept, a.Department)} {
			g.Appeals += 1
			g.Effective += eff
		}
	}
	for _, m := range []map[string]*AppealGroup{cat, dept} {
		for _, g := range m {
			g.Delivered = rep.Total.Delivered
		}
	}
	rep.ByProvince = appealGroups(prov, func(a, b AppealGroup) int {
		// Most appeals per million first; a province with no deliveries after those with some.
		pa, pb := a.PerMillion(), b.PerMillion()
		switch {
		case pa == nil && pb == nil:
			return cmp.Compare(b.Appeals, a.Appeals)
		case pa == nil:
			return 1
		case pb == nil:
			return -1
		}
		return cmp.Compare(*pb, *pa)
	})
	byCount := func(a, b AppealGroup) int { return cmp.Compare(b.Appeals, a.Appeals) }
	rep.ByCategory, rep.ByDepartment = appealGroups(cat, byCount), appealGroups(dept, byCount)
	return rep, nil
}

// appealGroups lists m's groups by order, then by key.
func appealGroups(m map[string]*AppealGroup, order func(a, b AppealGroup) int) []AppealGroup {
	out := make([]AppealGroup, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, *m[k])
	}
	slices.SortStableFunc(out, order)
	return out
}
