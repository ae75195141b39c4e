package jobs

import (
	"context"
	"time"
)

// RunScheduled runs a job as cron would for slot (tests of the one-run-per-slot rule).
func RunScheduled(ctx context.Context, s *Scheduler, name string, slot time.Time) (Run, error) {
	return s.run(ctx, s.jobs[s.byName[name]], TriggerSchedule, &slot)
}
