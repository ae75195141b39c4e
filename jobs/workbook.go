package jobs

import (
	"context"
	"time"

	"lcrm/reports"
)

// ReportJobs are the KPI jobs. kpi-rollup folds closed days and changed days into the
// KPI rollup every ten minutes, which keeps the dashboard fast (never correct: it is
// correct without). The workbook exports run every Monday at 06:00 for the previous
// week and on the 1st of every month at 06:00 for the previous month, both unfiltered
// and kept in report_files (the console lists them under /console/kpi/files) for
// reports.Retention periods. Periods are local weeks (Monday to Monday) and months in
// zone. A re-run replaces the file.
func ReportJobs(st *reports.Store, zone *time.Location) []Job {
	save := func(kind string, period func(now time.Time) reports.Period) func(context.Context, time.Time) (int, error) {
		return func(ctx context.Context, now time.Time) (int, error) {
			if _, err := st.SaveWorkbook(ctx, kind, period(now)); err != nil {
				return 0, err
			}
			if _, err := st.PruneWorkbooks(ctx, kind, reports.Retention[kind]); err != nil {
				return 0, err
			}
			return 1, nil
		}
	}
	return []Job{
		{Name: "kpi-rollup", Spec: "*/10 * * * *", Description: "KPI rollup: add the days closed and recompute the days changed since the last run",
			Run: func(ctx context.Context, now time.Time) (int, error) {
				res, err := st.Refresh(ctx, zone, now)
				return res.Days, err
			}},
		{Name: "kpi-workbook-weekly", Spec: "0 6 * * 1", Description: "KPI workbook of the previous week (Monday to Sunday), kept for download",
			Run: save(reports.KindWeekly, func(now time.Time) reports.Period { return PreviousWeek(now, zone) })},
		{Name: "kpi-workbook-monthly", Spec: "0 6 1 * *", Description: "KPI workbook of the previous month, kept for download",
			Run: save(reports.KindMonthly, func(now time.Time) reports.Period { return PreviousMonth(now, zone) })},
	}
}

// PreviousWeek is the local week (Monday to Monday, in zone) before the one containing now.
func PreviousWeek(now time.Time, zone *time.Location) reports.Period {
	w := reports.Week(now, zone)
	return reports.Week(w.From.AddDate(0, 0, -1), zone)
}

// PreviousMonth is the local month (in zone) before the one containing now.
func PreviousMonth(now time.Time, zone *time.Location) reports.Period {
	m := reports.Month(now, zone)
	return reports.Month(m.From.AddDate(0, 0, -1), zone)
}
