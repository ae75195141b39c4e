package jobs_test

import (
	"testing"
	"time"

	"lcrm/billing"
	"lcrm/jobs"
)

// statement-close, run twice through the scheduler at the run's instant (not the store's
// clock), closes November once: one statement for the one shipper, none the second time.
func TestStatementCloseJob(t *testing.T) {
	f := newFixture(t)
	reg := f.shipper("REG", "regular", "")
	f.parcels("000", reg, 3, true) // created 21 November
	st := billing.NewStore(f.deps.Pool, time.UTC)
	st.Now = func() time.Time { return now } // 23 November: the job must not use this
	s := newScheduler(t, f.deps.Pool, jobs.BillingJobs(st)...)
	s.Now = func() time.Time { return time.Date(2026, 12, 2, 2, 30, 0, 0, time.UTC) }
	if l := s.List(); len(l) != 1 || l[0].Name != "statement-close" || l[0].Spec != "30 2 * * *" {
		t.Fatalf("jobs = %+v", l)
	}
	for run, want := range []int{1, 0} {
		r, err := s.RunNow(f.ctx, "statement-close", jobs.TriggerManual)
		if err != nil || r.Status != jobs.StatusOK || r.Items != want {
			t.Errorf("run %d: %s, %d items, %v; want %d", run+1, r.Status, r.Items, err, want)
		}
	}
	if n := f.count(`SELECT count(*) FROM statements WHERE shipments = 3`); n != 1 {
		t.Errorf("%d statements of 3 shipments, want 1", n)
	}
}
