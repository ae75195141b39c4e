package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/robfig/cron/v3"

	"lcrm/internal/clock"
	"lcrm/internal/config"
)

// lockClass is the first key of every job's advisory lock (the second is the hash of the
// job's name), so job locks never collide with other advisory locks on the database.
const lockClass = 0x6c63726d // "lcrm"

// Scheduler runs jobs on their cron schedules in one time zone and records every run in
// job_runs. Any number of instances may run a Scheduler on one database:
//
//   - a run holds a transaction-level advisory lock on a connection of its own for as long
//     as it runs, so one job never runs twice at once anywhere (the lock dies with the
//     connection, so a crashed instance never leaves it taken);
//   - a scheduled run first claims its slot (the minute cron fired it for) with a row
//     unique on (job, slot), so instances whose clocks fire a moment apart run it once.
//
// A scheduled run that finds the job running elsewhere, or its slot already claimed, is
// not recorded: with N instances that is the normal case every minute and would only bury
// the history. A manual or CLI run that finds the job busy is recorded as skipped, so the
// person who asked sees why nothing happened. A panicking job is recovered and recorded as
// failed with the panic's message.
type Scheduler struct {
	pool     *pgxpool.Pool
	zone     *time.Location
	log      *slog.Logger
	jobs     []Job
	byName   map[string]int
	specs    map[string]cron.Schedule
	instance string
	// Now is the clock runs are given (clock.System from NewScheduler; a test sets it
	// before Start).
	Now clock.Clock

	mu      sync.Mutex
	cron    *cron.Cron
	base    context.Context
	cancel  context.CancelFunc
	running sync.WaitGroup
}

// NewScheduler checks the jobs (unique names, valid specs) and returns a scheduler that
// is not yet started; RunNow and History work without Start.
func NewScheduler(pool *pgxpool.Pool, zone *time.Location, jobs []Job, log *slog.Logger) (*Scheduler, error) {
	if zone == nil {
		zone = time.UTC
	}
	if log == nil {
		log = slog.Default()
	}
	host, _ := os.Hostname()
	s := &Scheduler{pool: pool, zone: zone, log: log, byName: map[string]int{}, specs: map[string]cron.Schedule{},
		instance: host + ":" + strconv.Itoa(os.Getpid()), Now: clock.System}
	for _, j := range jobs {
		if j.Name == "" || j.Run == nil {
			return nil, fmt.Errorf("jobs: a job needs a name and a Run function")
		}
		if _, dup := s.byName[j.Name]; dup {
			return nil, fmt.Errorf("jobs: job %q listed twice", j.Name)
		}
		sched, err := cron.ParseStandard(j.Spec)
		if err != nil {
			return nil, fmt.Errorf("jobs: job %q: schedule %q: %w", j.Name, j.Spec, err)
		}
		s.byName[j.Name] = len(s.jobs)
		s.specs[j.Name] = sched
		s.jobs = append(s.jobs, j)
	}
	return s, nil
}

// Info describes a job for lists: its definition and its next scheduled time.
type Info struct {
	Job
	Next time.Time // in the scheduler's zone
}

// List returns the jobs in name order with their next scheduled time after now.
func (s *Scheduler) List() []Info {
	now := s.Now().In(s.zone)
	out := make([]Info, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, Info{Job: j, Next: s.specs[j.Name].Next(now)})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// Start runs the jobs on their schedules until Stop.
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron != nil {
		return
	}
	logger := cronLogger{s.log}
	// Recover is a last resort (run recovers and records panics itself); SkipIfStillRunning
	// keeps one instance from queueing runs of a job that is slower than its schedule.
	s.cron = cron.New(cron.WithLocation(s.zone), cron.WithLogger(logger),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	s.base, s.cancel = context.WithCancel(context.Background())
	for _, j := range s.jobs {
		j := j
		s.cron.Schedule(s.specs[j.Name], cron.FuncJob(func() {
			s.running.Add(1)
			defer s.running.Done()
			slot := s.Now().Truncate(time.Minute)
			if _, err := s.run(s.base, j, TriggerSchedule, &slot); err != nil && !errors.Is(err, ErrBusy) {
				s.log.Error("job failed", "job", j.Name, "err", err)
			}
		}))
	}
	s.cron.Start()
	s.log.Info("scheduler started", "jobs", len(s.jobs), "zone", s.zone.String(), "instance", s.instance)
}

// Stop stops scheduling and waits for running jobs until ctx ends, then cancels them.
func (s *Scheduler) Stop(ctx context.Context) {
	s.mu.Lock()
	c := s.cron
	s.mu.Unlock()
	if c == nil {
		return
	}
	done := c.Stop().Done()
	select {
	case <-done:
	case <-ctx.Done():
		s.cancel()
		<-done
	}
	s.running.Wait()
	s.cancel()
}

// RunNow runs the named job at once (the console's button, the CLI) and returns its run.
// It returns ErrBusy, with the run recorded as skipped, when the job is running anywhere.
func (s *Scheduler) RunNow(ctx context.Context, name string, trigger Trigger) (Run, error) {
	i, ok := s.byName[name]
	if !ok {
		return Run{}, ErrUnknownJob
	}
	return s.run(ctx, s.jobs[i], trigger, nil)
}

// run takes the job's lock, claims the slot (scheduled runs), records the run, runs the job
// and records its outcome.
func (s *Scheduler) run(ctx context.Context, j Job, trigger Trigger, slot *time.Time) (Run, error) {
	r := Run{Job: j.Name, Trigger: trigger, Instance: s.instance}
	// A connection of its own, not one of the pool's: a long job must not hold a pool
	// connection its own queries (or other jobs) wait for.
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return r, fmt.Errorf("jobs: %s: lock connection: %w", j.Name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	lock, err := conn.Begin(ctx)
	if err != nil {
		return r, fmt.Errorf("jobs: %s: %w", j.Name, err)
	}
	defer lock.Rollback(context.WithoutCancel(ctx)) // ends the transaction and so frees the lock
	var got bool
	if err := lock.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, hashtext($2))`, lockClass, j.Name).Scan(&got); err != nil {
		return r, fmt.Errorf("jobs: %s: lock: %w", j.Name, err)
	}
	start := s.Now()
	if !got {
		r.Status = StatusSkipped
		if trigger == TriggerSchedule {
			return r, ErrBusy
		}
		r.Error = "already running"
		err := s.pool.QueryRow(ctx, `INSERT INTO job_runs (job, trigger, instance, started_at, finished_at, status, error)
			VALUES ($1, $2, $3, $4, $4, 'skipped', $5) RETURNING id`, j.Name, trigger, s.instance, start, r.Error).Scan(&r.ID)
		if err != nil {
			return r, fmt.Errorf("jobs: %s: record: %w", j.Name, err)
		}
		r.StartedAt, r.FinishedAt = start, &start
		return r, ErrBusy
	}
	// Holding the lock, nobody runs this job: a row still "running" is from an instance
	// that stopped mid-run.
	if _, err := s.pool.Exec(ctx, `UPDATE job_runs SET status = 'failed', finished_at = $2,
		error = 'interrupted: the instance stopped during the run' WHERE job = $1 AND status = 'running'`, j.Name, start); err != nil {
		return r, fmt.Errorf("jobs: %s: %w", j.Name, err)
	}
	err = s.pool.QueryRow(ctx, `INSERT INTO job_runs (job, trigger, instance, started_at, slot) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (job, slot) WHERE slot IS NOT NULL DO NOTHING RETURNING id`, j.Name, trigger, s.instance, start, slot).Scan(&r.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		r.Status = StatusSkipped
		return r, ErrBusy // another instance ran this slot already
	}
	if err != nil {
		return r, fmt.Errorf("jobs: %s: record: %w", j.Name, err)
	}
	r.StartedAt, r.Status = start, StatusRunning
	items, runErr := s.call(ctx, j, start)
	end := s.Now()
	r.FinishedAt, r.Items, r.Status = &end, items, StatusOK
	if runErr != nil {
		r.Status, r.Error = StatusFailed, runErr.Error()
	}
	// The outcome is written even when ctx was cancelled (shutdown) so the row is not left
	// "running".
	if _, err := s.pool.Exec(context.WithoutCancel(ctx), `UPDATE job_runs SET finished_at = $2, status = $3, items = $4, error = $5
		WHERE id = $1`, r.ID, end, r.Status, items, r.Error); err != nil {
		return r, fmt.Errorf("jobs: %s: record: %w", j.Name, err)
	}
	s.log.Info("job run", "job", j.Name, "trigger", trigger, "status", r.Status, "items", items,
		"took", end.Sub(start).Round(time.Millisecond), "err", r.Error)
	if runErr != nil {
		return r, fmt.Errorf("jobs: %s: %w", j.Name, runErr)
	}
	return r, nil
}

// call runs the job, turning a panic into an error that carries the panic's message.
func (s *Scheduler) call(ctx context.Context, j Job, now time.Time) (items int, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("job panicked", "job", j.Name, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return j.Run(ctx, now)
}

// History returns the latest runs, newest first: of one job, or of all when job is "".
func (s *Scheduler) History(ctx context.Context, job string, limit int) ([]Run, error) {
	if limit <= 0 || limit > config.MaxJobRunPage {
		limit = config.DefaultJobRunPage
	}
	rows, err := s.pool.Query(ctx, `SELECT `+runCols+` FROM job_runs WHERE ($1 = '' OR job = $1)
		ORDER BY started_at DESC, id DESC LIMIT $2`, job, limit)
	if err != nil {
		return nil, fmt.Errorf("jobs: history: %w", err)
	}
	return collectRuns(rows)
}

// LastRuns returns each job's latest run, by job name.
func (s *Scheduler) LastRuns(ctx context.Context) (map[string]Run, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (job) `+runCols+` FROM job_runs ORDER BY job, started_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("jobs: last runs: %w", err)
	}
	runs, err := collectRuns(rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Run, len(runs))
	for _, r := range runs {
		out[r.Job] = r
	}
	return out, nil
}

const runCols = `id, job, trigger, instance, started_at, finished_at, status, items, error`

func collectRuns(rows pgx.Rows) ([]Run, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Run, error) {
		var x Run
		return x, r.Scan(&x.ID, &x.Job, &x.Trigger, &x.Instance, &x.StartedAt, &x.FinishedAt, &x.Status, &x.Items, &x.Error)
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: runs: %w", err)
	}
	return out, nil
}

// cronLogger passes the cron library's messages to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
