// Package care holds lcrm's customer-care rules and the tables they own: the slow sign-off
// detector (slow_signoffs), the care messages it and the other rules hand to the SMS outbox
// (care_sent: the survey thank-you, the complaint follow-up, holiday greetings to key
// shippers), the staff tasks they leave (staff_tasks: slow sign-off alerts, win-back) and the
// watch list the console reads (Store).
//
// Why a package of its own rather than shipments: every rule here reads shipments,
// shippers, consignees and complaints together and writes through notify (the SMS) and
// complaints (the supervisors' notifications). In shipments the detector would make the
// parcel model import notify and complaints and know SMS wording. care sits above those
// domains instead: it imports notify, customers and complaints, and is imported only by jobs
// (which schedules its functions), portal (the watch list) and cmd/lcrm (wiring).
//
// Every rule is a plain function of (ctx, Deps, now) that can be run and tested without the
// scheduler, and is safe to run twice: its effects are keyed so a second run adds nothing.
package care

import (
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/complaints"
	"lcrm/disruptions"
	"lcrm/internal/config"
	"lcrm/internal/events"
	"lcrm/notify"
)

// Deps is what the care rules need.
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
	// Events, when set, receives shipment.delayed for each new slow sign-off flag, in the
	// transaction that stores the flag (the webhook outbox; see lcrm/internal/events).
	Events events.Sink
	// Disruptions, when set, turns on disruption mode in the slow sign-off job: a parcel a
	// declared disruption affects gets the disruption's notice, once per consignee, instead
	// of the per-parcel apology and shipper notice, and no supervisor alert.
	Disruptions *disruptions.Store
}

func (d Deps) withDefaults() Deps {
	if d.Zone == nil {
		d.Zone = time.UTC
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.SurveyWithin <= 0 {
		d.SurveyWithin = config.DefaultSurveyWithin
	}
	if d.SurveyValid <= 0 {
		d.SurveyValid = config.DefaultSurveyValid
	}
	if d.FollowupWithin <= 0 {
		d.FollowupWithin = config.DefaultFollowupWithin
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	return d
}

// smsLocale maps a stored locale (zh-CN, en-US, ...) to the outbox's "zh" or "en".
func smsLocale(l string) string {
	if strings.HasPrefix(strings.ToLower(l), "en") {
		return "en"
	}
	return "zh"
}
