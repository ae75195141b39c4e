package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/db"
	"lcrm/internal/testdb"
	"lcrm/jobs"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newScheduler(t *testing.T, pool *pgxpool.Pool, js ...jobs.Job) *jobs.Scheduler {
	t.Helper()
	s, err := jobs.NewScheduler(pool, time.UTC, js, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A run's outcome, items and error are recorded, panics included.
func TestRunOutcomes(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	s := newScheduler(t, pool,
		jobs.Job{Name: "good", Spec: "@every 1h", Run: func(context.Context, time.Time) (int, error) { return 3, nil }},
		jobs.Job{Name: "bad", Spec: "@every 1h", Run: func(context.Context, time.Time) (int, error) { return 1, errors.New("disk on fire") }},
		jobs.Job{Name: "mad", Spec: "@every 1h", Run: func(context.Context, time.Time) (int, error) { panic("nil map somewhere") }},
	)
	tests := []struct {
		job     string
		status  jobs.Status
		items   int
		errText string
	}{
		{"good", jobs.StatusOK, 3, ""},
		{"bad", jobs.StatusFailed, 1, "disk on fire"},
		{"mad", jobs.StatusFailed, 0, "panic: nil map somewhere"},
	}
	for _, tt := range tests {
		r, err := s.RunNow(ctx, tt.job, jobs.TriggerManual)
		if (err != nil) != (tt.errText != "") {
			t.Errorf("%s: err %v", tt.job, err)
		}
		h, err := s.History(ctx, tt.job, 10)
		if err != nil || len(h) != 1 {
			t.Fatalf("%s: history %v, %v", tt.job, h, err)
		}
		got := h[0]
		if got.ID != r.ID || got.Status != tt.status || got.Items != tt.items || got.Error != tt.errText ||
			got.Trigger != jobs.TriggerManual || got.FinishedAt == nil {
			t.Errorf("%s: recorded %+v, want %s %d %q", tt.job, got, tt.status, tt.items, tt.errText)
		}
	}
	if _, err := s.RunNow(ctx, "nope", jobs.TriggerCLI); !errors.Is(err, jobs.ErrUnknownJob) {
		t.Errorf("unknown job: %v", err)
	}
	last, err := s.LastRuns(ctx)
	if err != nil || len(last) != 3 || last["mad"].Status != jobs.StatusFailed {
		t.Errorf("last runs %v, %v", last, err)
	}
	if _, err := jobs.NewScheduler(pool, time.UTC, []jobs.Job{{Name: "x", Spec: "every day", Run: tests2}}, quiet); err == nil {
		t.Error("bad spec accepted")
	}
}

func tests2(context.Context, time.Time) (int, error) { return 0, nil }

// Two schedulers (two instances, two pools) on one database: a job triggered on both at
// once runs once, and its effect happens once.
func TestTwoInstancesRunOnce(t *testing.T) {
	t.Parallel()
	pool, url := testdb.NewWithURL(t)
	ctx := context.Background()
	other, err := db.Open(ctx, url, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE effects (n int)`); err != nil {
		t.Fatal(err)
	}
	// The job that got the lock holds it until the other instance has tried and given up
	// (release is closed when a trigger answers ErrBusy). Were both let in, each would wait
	// out the bound and the effect would happen twice.
	var release chan struct{}
	job := func(p *pgxpool.Pool) jobs.Job {
		return jobs.Job{Name: "slow", Spec: "* * * * *", Run: func(ctx context.Context, _ time.Time) (int, error) {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
			_, err := p.Exec(ctx, `INSERT INTO effects VALUES (1)`)
			return 1, err
		}}
	}
	a, b := newScheduler(t, pool, job(pool)), newScheduler(t, other, job(other))
	count := func(q string) int {
		var n int
		if err := pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		name    string
		trigger jobs.Trigger
		skipped int // recorded skipped rows
	}{
		{"scheduled", jobs.TriggerSchedule, 0},
		{"manual", jobs.TriggerManual, 1},
	}
	for _, tt := range tests {
		pool.Exec(ctx, `DELETE FROM effects; DELETE FROM job_runs`)
		release = make(chan struct{})
		var once sync.Once
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, s := range []*jobs.Scheduler{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if tt.trigger == jobs.TriggerSchedule {
					_, errs[i] = jobs.RunScheduled(ctx, s, "slow", time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
				} else {
					_, errs[i] = s.RunNow(ctx, "slow", tt.trigger)
				}
				if errors.Is(errs[i], jobs.ErrBusy) {
					once.Do(func() { close(release) })
				}
			}()
		}
		wg.Wait()
		busy := 0
		for _, err := range errs {
			if errors.Is(err, jobs.ErrBusy) {
				busy++
			} else if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
		if busy != 1 || count(`SELECT count(*) FROM effects`) != 1 ||
			count(`SELECT count(*) FROM job_runs WHERE status = 'ok'`) != 1 ||
			count(`SELECT count(*) FROM job_runs WHERE status = 'skipped'`) != tt.skipped {
			t.Errorf("%s: busy %d, effects %d, ok runs %d, skipped %d", tt.name, busy, count(`SELECT count(*) FROM effects`),
				count(`SELECT count(*) FROM job_runs WHERE status = 'ok'`), count(`SELECT count(*) FROM job_runs WHERE status = 'skipped'`))
		}
	}
	// The same slot fired a moment later on the other instance (lock already free) is
	// not run again; the next slot is.
	pool.Exec(ctx, `DELETE FROM effects; DELETE FROM job_runs`)
	release = make(chan struct{})
	close(release) // one run at a time from here: nothing to wait for
	slot := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	if _, err := jobs.RunScheduled(ctx, a, "slow", slot); err != nil {
		t.Errorf("slot: %v", err)
	}
	if _, err := jobs.RunScheduled(ctx, b, "slow", slot); !errors.Is(err, jobs.ErrBusy) {
		t.Errorf("same slot again: %v", err)
	}
	if _, err := jobs.RunScheduled(ctx, b, "slow", slot.Add(time.Minute)); err != nil {
		t.Errorf("next slot: %v", err)
	}
	if n := count(`SELECT count(*) FROM effects`); n != 2 {
		t.Errorf("effects after next slot = %d, want 2", n)
	}
}

// Started, the scheduler runs a job on its schedule and records it; Stop waits for it.
func TestStartStop(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ran := make(chan struct{}, 10)
	s := newScheduler(t, pool, jobs.Job{Name: "tick", Spec: "@every 1s", Run: func(context.Context, time.Time) (int, error) {
		ran <- struct{}{}
		return 1, nil
	}})
	s.Start()
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("the job did not run within 5 s")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Stop(ctx)
	h, err := s.History(context.Background(), "tick", 10)
	if err != nil || len(h) == 0 || h[0].Trigger != jobs.TriggerSchedule || h[0].Status != jobs.StatusOK {
		t.Errorf("history after start: %+v, %v", h, err)
	}
	if l := s.List(); len(l) != 1 || l[0].Next.IsZero() {
		t.Errorf("list %+v", l)
	}
}

// A run left "running" by an instance that stopped mid-run is marked failed (interrupted)
// by the next run of the job, which alone holds the lock.
func TestInterruptedRun(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO job_runs (job, trigger, instance, started_at) VALUES ('good', 'schedule', 'gone:1', now() - interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	s := newScheduler(t, pool, jobs.Job{Name: "good", Spec: "@hourly", Run: tests2})
	if _, err := s.RunNow(ctx, "good", jobs.TriggerCLI); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, "good", 10)
	if err != nil || len(h) != 2 {
		t.Fatalf("history %+v, %v", h, err)
	}
	if h[0].Status != jobs.StatusOK || h[1].Status != jobs.StatusFailed || h[1].FinishedAt == nil || h[1].Error == "" {
		t.Errorf("after the next run: %+v", h)
	}
}
