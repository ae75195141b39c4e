package jobs

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/complaints"
	"lcrm/notify"
)

// Deps is what the standard jobs need.
type Deps struct {
	Pool       *pgxpool.Pool
	Outbox     *notify.Outbox
	Complaints *complaints.Store
	// PublicURL is the site's address as customers see it (links in SMS).
	PublicURL string
	// Secret signs survey links (LCRM_SESSION_KEY); the portal must verify with the same.
	Secret []byte
	// Zone is the calendar of greetings and the "today" of daily jobs.
	Zone *time.Location
	Log  *slog.Logger
	// SurveyWithin bounds the survey job to parcels delivered this recently (default 3
	// days), so the first run after an upgrade does not text every customer ever served.
	SurveyWithin time.Duration
	// SurveyValid is how long after delivery a survey link works (default 30 days).
	SurveyValid time.Duration
	// FollowupWithin bounds the complaint follow-up to complaints resolved this recently
	// (default 72 hours).
	FollowupWithin time.Duration
}

func (d Deps) withDefaults() Deps {
	if d.Zone == nil {
		d.Zone = time.UTC
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.SurveyWithin <= 0 {
		d.SurveyWithin = 72 * time.Hour
	}
	if d.SurveyValid <= 0 {
		d.SurveyValid = 30 * 24 * time.Hour
	}
	if d.FollowupWithin <= 0 {
		d.FollowupWithin = 72 * time.Hour
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	return d
}

// Standard returns lcrm's scheduled jobs. cmd/lcrm appends other packages' jobs (the
// workbook exports) before building the Scheduler.
func Standard(d Deps) []Job {
	d = d.withDefaults()
	return []Job{
		{Name: "slow-signoff", Spec: "*/5 * * * *", Description: "flag parcels slow to be signed for; apologise, alert at twice the window",
			Run: func(ctx context.Context, now time.Time) (int, error) {
				r, err := FlagSlowSignoffs(ctx, d, now)
				return r.Items(), err
			}},
		{Name: "survey-sms", Spec: "*/10 * * * *", Description: "thank-you SMS with the survey link after delivery",
			Run: func(ctx context.Context, now time.Time) (int, error) { return SendSurveys(ctx, d, now) }},
		{Name: "complaint-followup", Spec: "*/10 * * * *", Description: "ask the customer to rate a resolved complaint",
			Run: func(ctx context.Context, now time.Time) (int, error) { return ComplaintFollowups(ctx, d, now) }},
		{Name: "winback", Spec: "0 8 * * *", Description: "win-back tasks for key shippers gone quiet",
			Run: func(ctx context.Context, now time.Time) (int, error) { return WinBackTasks(ctx, d, now) }},
		{Name: "holiday-greetings", Spec: "0 9 * * *", Description: "greetings to key shippers on the configured days",
			Run: func(ctx context.Context, now time.Time) (int, error) { return HolidayGreetings(ctx, d, now) }},
		{Name: "complaint-escalations", Spec: "* * * * *", Description: "escalate complaints past their deadlines",
			Run: d.Complaints.CheckEscalations},
		{Name: "complaint-autoclose", Spec: "7 * * * *", Description: "close complaints resolved 7 days ago",
			Run: d.Complaints.AutoClose},
	}
}

// smsLocale maps a stored locale (zh-CN, en-US, ...) to the outbox's "zh" or "en".
func smsLocale(l string) string {
	if strings.HasPrefix(strings.ToLower(l), "en") {
		return "en"
	}
	return "zh"
}
