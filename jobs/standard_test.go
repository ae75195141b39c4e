package jobs_test

import (
	"testing"
	"time"

	"lcrm/jobs"
)

// The standard jobs have the names and schedules the console, the CLI and the README list,
// and each, run twice through the scheduler (as "run now" does), does its work once.
func TestStandardJobs(t *testing.T) {
	f := newFixture(t)
	key := f.shipper("KEY", "key", "+8613900000001")
	f.shipment(parcel{no: "SD0000000001", level: "standard", status: "out_for_delivery", shipper: key, promised: time.Hour, station: 20 * time.Hour, ofd: 5 * time.Hour})
	f.shipment(parcel{no: "SD0000000002", level: "standard", status: "delivered", shipper: key, delivered: time.Hour})
	s := newScheduler(t, f.pool, jobs.Standard(f.deps)...)
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
