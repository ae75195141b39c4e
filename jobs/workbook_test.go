package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"lcrm/demo"
	"lcrm/internal/testdb"
	"lcrm/jobs"
	"lcrm/reports"
	"lcrm/shipments"
)

func TestReportJobs(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	z := shipments.DefaultZone
	st := reports.NewStore(pool)
	list := jobs.ReportJobs(st, z)
	if _, err := jobs.NewScheduler(pool, z, list, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("specs: %v", err)
	}
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, z) }
	cases := []struct {
		job      string
		now      time.Time
		kind     string
		from, to time.Time
	}{
		{"kpi-workbook-weekly", at(11, 2, 6), reports.KindWeekly, at(10, 26, 0), at(11, 2, 0)},  // Monday
		{"kpi-workbook-weekly", at(11, 8, 23), reports.KindWeekly, at(10, 26, 0), at(11, 2, 0)}, // Sunday: same week
		{"kpi-workbook-monthly", at(11, 1, 6), reports.KindMonthly, at(10, 1, 0), at(11, 1, 0)},
		{"kpi-workbook-monthly", at(1, 1, 6), reports.KindMonthly, time.Date(2025, 12, 1, 0, 0, 0, 0, z), at(1, 1, 0)},
	}
	for _, c := range cases {
		t.Run(c.job+" "+c.now.Format(time.DateOnly), func(t *testing.T) {
			var job *jobs.Job
			for i := range list {
				if list[i].Name == c.job {
					job = &list[i]
				}
			}
			if job == nil {
				t.Fatalf("no job %s", c.job)
			}
			n, err := job.Run(ctx, c.now)
			if err != nil || n != 1 {
				t.Fatalf("run = %d, %v", n, err)
			}
			files, err := st.ListWorkbooks(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range files {
				if f.Kind == c.kind && f.Period.From.Equal(c.from) && f.Period.To.Equal(c.to) {
					found = true
					if f.FileName != reports.FileName(reports.Period{From: c.from, To: c.to, Zone: z}) || f.Size == 0 {
						t.Errorf("file %+v", f)
					}
				}
			}
			if !found {
				t.Errorf("no %s file for %s..%s in %+v", c.kind, c.from, c.to, files)
			}
		})
	}
	files, err := st.ListWorkbooks(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 { // the two weekly runs made one file
		t.Errorf("files = %d, want 3", len(files))
	}
}

func TestRollupJob(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	z := shipments.DefaultZone
	now := time.Date(2026, 11, 21, 15, 4, 0, 0, z)
	if _, err := demo.Load(ctx, pool, demo.Options{Shipments: 300, Seed: 3, Now: now}); err != nil {
		t.Fatal(err)
	}
	var job *jobs.Job
	list := jobs.ReportJobs(reports.NewStore(pool), z)
	for i := range list {
		if list[i].Name == "kpi-rollup" {
			job = &list[i]
		}
	}
	if job == nil {
		t.Fatal("no kpi-rollup job")
	}
	// The demo spans about 90 days before now; all but today are closed.
	if n, err := job.Run(ctx, now); err != nil || n < 80 {
		t.Fatalf("first run = %d days, %v; want the closed days", n, err)
	}
	if n, err := job.Run(ctx, now); err != nil || n != 0 {
		t.Errorf("second run = %d days, %v; want nothing to do", n, err)
	}
	// After midnight, the day that closed is added.
	if n, err := job.Run(ctx, now.Add(12*time.Hour)); err != nil || n != 1 {
		t.Errorf("run after midnight = %d days, %v; want 1", n, err)
	}
}
