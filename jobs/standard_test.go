package jobs_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/jobs"
	"lcrm/notify"
)

// The standard jobs have the names and schedules the console, the CLI and the README list,
// and each, run twice through the scheduler (as "run now" does), does its work once.
func TestStandardJobs(t *testing.T) {
	f := newFixture(t)
	key := f.shipper("KEY", "key", "+8613900000001")
	f.parcels("000", key, 1, false)
	f.parcels("001", key, 1, true)
	s := newScheduler(t, f.deps.Pool, jobs.Standard(f.deps)...)
	s.Now = func() time.Time { return now }
	tests := []struct {
		name, spec string
		first      int // items of the first run
	}{
		{"complaint-autoclose", "7 * * * *", 0},
		{"complaint-escalations", "* * * * *", 0},
		{"complaint-followup", "*/10 * * * *", 0},
		{"holiday-greetings", "0 9 * * *", 0},
		{"slow-signoff", "*/5 * * * *", 1},
		{"survey-sms", "*/10 * * * *", 1},
		{"winback", "0 8 * * *", 0},
	}
	list := s.List()
	if len(list) != len(tests) {
		t.Fatalf("%d jobs, want %d", len(list), len(tests))
	}
	for i, tt := range tests {
		if list[i].Name != tt.name || list[i].Spec != tt.spec {
			t.Errorf("job %d: %s %q, want %s %q", i, list[i].Name, list[i].Spec, tt.name, tt.spec)
		}
		for run := 1; run <= 2; run++ {
			r, err := s.RunNow(f.ctx, tt.name, jobs.TriggerManual)
			want := tt.first
			if run == 2 {
				want = 0
			}
			if err != nil || r.Status != jobs.StatusOK || r.Items != want {
				t.Errorf("%s run %d: %s, %d items, %v; want ok, %d", tt.name, run, r.Status, r.Items, err, want)
			}
		}
	}
	if n := f.outbox("delay-apology:"); n != 1 {
		t.Errorf("%d apologies, want 1", n)
	}
	if n := f.outbox("survey:"); n != 1 {
		t.Errorf("%d surveys, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM job_runs WHERE trigger = 'manual' AND status = 'ok'`); n != 2*len(tests) {
		t.Errorf("%d runs recorded, want %d", n, 2*len(tests))
	}
}

// Two instances (two schedulers, two pools) press "run now" on the detector at once: the
// second finds the lock taken (recorded skipped) or, if the first already finished, nothing
// left to do; the flags and apologies exist once.
func TestSlowSignoffsTwoInstances(t *testing.T) {
	f := newFixture(t)
	reg := f.shipper("REG", "regular", "")
	f.parcels("000", reg, 30, false)
	other, err := pgxpool.New(f.ctx, f.deps.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	d2 := f.deps
	d2.Pool, d2.Outbox = other, notify.New(other, notify.Config{})
	a := newScheduler(t, f.deps.Pool, jobs.Standard(f.deps)...)
	b := newScheduler(t, other, jobs.Standard(d2)...)
	a.Now = func() time.Time { return now }
	b.Now = a.Now
	var wg sync.WaitGroup
	for _, s := range []*jobs.Scheduler{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.RunNow(f.ctx, "slow-signoff", jobs.TriggerManual); err != nil && !errors.Is(err, jobs.ErrBusy) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ok := f.count(`SELECT count(*) FROM job_runs WHERE job = 'slow-signoff' AND status = 'ok'`)
	skipped := f.count(`SELECT count(*) FROM job_runs WHERE job = 'slow-signoff' AND status = 'skipped'`)
	items := f.count(`SELECT COALESCE(sum(items), 0) FROM job_runs WHERE job = 'slow-signoff'`)
	// Both may also run one after the other (the first finished before the second
	// asked): then the second finds nothing to do. Either way the effects exist once.
	if ok+skipped != 2 || ok < 1 || items != 30 {
		t.Errorf("runs: %d ok, %d skipped, %d items in all", ok, skipped, items)
	}
	if n := f.count(`SELECT count(*) FROM slow_signoffs`); n != 30 {
		t.Errorf("%d flags, want 30", n)
	}
	if n := f.outbox("delay-apology:"); n != 30 {
		t.Errorf("%d apologies, want 30", n)
	}
}
