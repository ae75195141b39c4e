package console

import (
	"context"

	"lcrm/reports"
)

// kpiAppeals is the KPI page's regulator appeal section (partial _kpi_appeals.html):
// appeals and effective appeals per million parcels delivered, the regulator's ranking
// figure, in total and by province, category and responsible department.
type kpiAppeals struct {
	Total                              kpiRow
	Provinces, Categories, Departments []kpiRow
}

// appealCells formats one group: name, appeals, effective, delivered, both per million.
func appealCells(name string, g reports.AppealGroup) kpiRow {
	return row(name, fmtCount(g.Appeals), fmtCount(g.Effective), fmtCount(g.Delivered),
		fmtScore(g.PerMillion()), fmtScore(g.EffectivePerMillion()))
}

// kpiAppealSection reads and formats the appeal figures of p under f for lang.
func (s *handler) kpiAppealSection(ctx context.Context, lang string, p reports.Period, f reports.Filter) (*kpiAppeals, error) {
	rep, err := s.deps.Reports.Appeals(ctx, p, f)
	if err != nil {
		return nil, err
	}
	named := func(key, prefix string) string { // a blank province or department: not recorded
		if key == "" {
			return s.Text(lang, "appeals.kpi_blank")
		}
		if prefix == "" {
			return key
		}
		return s.Text(lang, prefix+key)
	}
	v := &kpiAppeals{Total: appealCells(s.Text(lang, "appeals.kpi_total"), rep.Total)}
	for _, g := range rep.ByProvince {
		v.Provinces = append(v.Provinces, appealCells(named(g.Key, ""), g))
	}
	for _, g := range rep.ByCategory {
		v.Categories = append(v.Categories, appealCells(named(g.Key, "complaint.cat."), g))
	}
	for _, g := range rep.ByDepartment {
		v.Departments = append(v.Departments, appealCells(named(g.Key, ""), g))
	}
	return v, nil
}
