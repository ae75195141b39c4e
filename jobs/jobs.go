// Package jobs runs lcrm's scheduled work inside the service: a cron scheduler that runs
// each job on one instance at a time (PostgreSQL advisory lock) and records every run in
// job_runs, the only table it writes. A job is a few lines that call a domain function: the
// care rules (package care: slow sign-offs, care SMS, win-back tasks, holiday greetings),
// the complaint escalation check and auto-close (package complaints) and the KPI rollup and
// workbook exports (package reports).
//
// Every job is a plain function of (ctx, now) that can be run and tested without the
// scheduler, and is safe to run twice: its effects are keyed so a second run adds nothing.
package jobs

import (
	"context"
	"time"

	"lcrm/internal/errs"
)

// Job is one scheduled piece of work.
type Job struct {
	Name        string // unique, used in the run history, the CLI and the console
	Spec        string // cron spec (5 fields, or @every/@hourly/...), in the scheduler's zone
	Description string // one line for lists
	// Run does the work as of now and returns how many items it touched.
	Run func(ctx context.Context, now time.Time) (items int, err error)
}

// Trigger says what started a run.
type Trigger string

// Triggers of a run, as stored in job_runs.trigger.
const (
	TriggerSchedule Trigger = "schedule"
	TriggerManual   Trigger = "manual" // the console's "run now"
	TriggerCLI      Trigger = "cli"    // lcrm jobs run NAME
)

// Status is a run's outcome, as stored in job_runs.status.
type Status string

// Run outcomes.
const (
	StatusRunning Status = "running"
	StatusOK      Status = "ok"
	StatusFailed  Status = "failed"
	StatusSkipped Status = "skipped"
)

// Run is one row of the run history.
type Run struct {
	ID         int64
	Job        string
	Trigger    Trigger
	Instance   string
	StartedAt  time.Time
	FinishedAt *time.Time
	Status     Status
	Items      int
	Error      string
}

// Duration is how long a finished run took, to the millisecond (0 while running).
func (r Run) Duration() time.Duration {
	if r.FinishedAt == nil {
		return 0
	}
	return r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond)
}

// Errors of the scheduler.
var (
	// ErrUnknownJob means no job has that name.
	ErrUnknownJob = errs.New(errs.NotFound, errs.KeyNotFound, "jobs: no such job")
	// ErrBusy means the job is running elsewhere (another instance or goroutine) right now.
	ErrBusy = errs.New(errs.Conflict, "error.jobs.busy", "jobs: the job is already running")
)
