package jobs

import (
	"context"
	"time"

	"lcrm/billing"
	"lcrm/care"
)

// Standard returns lcrm's scheduled jobs: the care rules over d and the complaint
// escalation check and auto-close over d.Complaints. Each job only calls its domain
// function. cmd/lcrm appends other packages' jobs (the workbook exports) before building
// the Scheduler.
func Standard(d care.Deps) []Job {
	return []Job{
		{Name: "slow-signoff", Spec: "*/5 * * * *", Description: "flag parcels slow to be signed for; apologise, alert at twice the window",
			Run: func(ctx context.Context, now time.Time) (int, error) {
				r, err := care.FlagSlowSignoffs(ctx, d, now)
				return r.Items(), err
			}},
		{Name: "survey-sms", Spec: "*/10 * * * *", Description: "thank-you SMS with the survey link after delivery",
			Run: func(ctx context.Context, now time.Time) (int, error) { return care.SendSurveys(ctx, d, now) }},
		{Name: "complaint-followup", Spec: "*/10 * * * *", Description: "ask the customer to rate a resolved complaint",
			Run: func(ctx context.Context, now time.Time) (int, error) { return care.ComplaintFollowups(ctx, d, now) }},
		{Name: "winback", Spec: "0 8 * * *", Description: "win-back tasks for key shippers gone quiet",
			Run: func(ctx context.Context, now time.Time) (int, error) { return care.WinBackTasks(ctx, d, now) }},
		{Name: "holiday-greetings", Spec: "0 9 * * *", Description: "greetings to key shippers on the configured days",
			Run: func(ctx context.Context, now time.Time) (int, error) { return care.HolidayGreetings(ctx, d, now) }},
		{Name: "complaint-escalations", Spec: "* * * * *", Description: "escalate complaints past their deadlines",
			Run: d.Complaints.CheckEscalations},
		{Name: "complaint-autoclose", Spec: "7 * * * *", Description: "close complaints resolved 7 days ago",
			Run: d.Complaints.AutoClose},
	}
}

// BillingJobs are the money jobs: statement-close runs daily at 02:30 (the scheduler's
// zone) and closes every month that has ended and is not closed yet, one statement per
// shipper (billing.Store.CloseMonths; keyed by shipper and month, so a re-run closes
// nothing twice). Its item count is the number of statements written.
func BillingJobs(st *billing.Store) []Job {
	return []Job{
		{Name: "statement-close", Spec: "30 2 * * *", Description: "close the monthly statements of every month that has ended",
			Run: func(ctx context.Context, now time.Time) (int, error) {
				st := *st // the run's instant, not the store's clock
				st.Now = func() time.Time { return now }
				r, err := st.CloseMonths(ctx)
				return r.Statements, err
			}},
	}
}
