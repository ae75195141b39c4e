package main

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/complaints"
	"lcrm/internal/ratelimit"
	"lcrm/notify"
	"lcrm/reports"
	"lcrm/requests"
	"lcrm/statussms"
)

// smsOutbox builds the SMS outbox from the settings.
func smsOutbox(a *app) *notify.Outbox {
	dailyCap := a.cfg.SMSDailyCap
	if dailyCap == 0 {
		dailyCap = -1 // LCRM_SMS_DAILY_CAP=0 means no cap
	}
	o := notify.New(a.pool, notify.Config{Signature: a.cfg.SMSSignature, Zone: a.cfg.Zone,
		QuietStart: a.cfg.SMSQuietStart, QuietEnd: a.cfg.SMSQuietEnd, NoQuiet: a.cfg.SMSNoQuiet,
		DailyCap: dailyCap, MaxSegments: a.cfg.SMSMaxSegments})
	o.Now = a.now
	return o
}

// startSMS runs the dispatcher until the returned stop is called (it waits for the
// messages in hand to be recorded). With LCRM_SMS_DISPATCH=false it runs nothing.
func startSMS(ctx context.Context, a *app, out *notify.Outbox) (stop func()) {
	if !a.cfg.SMSDispatch {
		a.log.Info("sms dispatcher off in this instance (LCRM_SMS_DISPATCH=false)")
		return func() {}
	}
	drv := notify.NewDriver(notify.TwilioConfig{AccountSID: a.cfg.TwilioAccountSID, AuthToken: a.cfg.TwilioAuthToken,
		From: a.cfg.TwilioFrom, MessagingServiceSID: a.cfg.TwilioMessagingSID, APIBase: a.cfg.TwilioAPIBase,
		// A send lasts at most a third of its lease, so its outcome is recorded before
		// another instance may take the message over (notify.DispatchConfig.Lease).
		Timeout: min(10*time.Second, a.cfg.SMSLease/3)}, a.log)
	d := out.Dispatcher(drv, notify.DispatchConfig{Rate: a.cfg.SMSRate, Log: a.log, Lease: a.cfg.SMSLease,
		StatusCallback: a.cfg.PublicURL + "/webhooks/twilio/status"})
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.Run(dctx)
	}()
	a.log.Info("sms dispatcher running", "driver", drv.Name())
	return func() {
		cancel()
		wg.Wait()
	}
}

// alertingComplaints is a complaints store whose escalation alerts also go by SMS to the
// staff member's phone (users without a phone get the in-app notification only).
func alertingComplaints(a *app, sms *notify.Outbox) *complaints.Store {
	cs := a.complaints()
	cs.Alerter = notify.StaffAlerter{Outbox: sms, Link: a.cfg.PublicURL + "/console",
		PhoneOf: func(ctx context.Context, id int64) (string, error) {
			u, err := a.accounts.UserByID(ctx, id)
			if err != nil {
				return "", err
			}
			return u.Phone, nil
		}}
	return cs
}

// complaints is a complaints store in the configured zone (business hours, holidays).
func (a *app) complaints() *complaints.Store {
	cs := complaints.NewStore(a.pool)
	cs.Zone = a.cfg.Zone
	cs.Now = a.now
	cs.AppealReplyWindow = a.cfg.AppealReplyWindow
	cs.Events = webhookStore(a).Sink() // complaint.created, .updated, .resolved
	a.disruptions(cs)                  // complaints about affected parcels are tagged at filing
	return cs
}

// requests is the delivery request store: answer deadlines on the service desk's
// calendar, SMS through out, request.created through the webhook outbox.
func (a *app) requests(out *notify.Outbox) *requests.Store {
	rs := requests.NewStore(a.pool)
	rs.Now, rs.Zone, rs.Outbox, rs.PublicURL = a.now, a.cfg.Zone, out, a.cfg.PublicURL
	rs.Calendar = a.complaints().Calendar
	rs.Events = webhookStore(a).Sink() // request.created
	return rs
}

// reports is the KPI store on the app's clock.
func (a *app) reports() *reports.Store { return a.reportsOver(a.pool) }

// reportsOver is the reports store over pool (the primary's or a replica's).
func (a *app) reportsOver(pool *pgxpool.Pool) *reports.Store {
	st := reports.NewStore(pool)
	st.Now = a.now
	return st
}

// limiter is the rate limiter on the app's clock.
func (a *app) limiter() *ratelimit.Limiter {
	l := ratelimit.New(a.pool)
	l.Now = a.now
	return l
}

// startStatusSMS runs the status SMS rule every LCRM_STATUS_SMS_EVERY (default 2 s) until
// the returned stop is called: a status change is queued for its subscribers within that
// interval of its event. It runs with the scheduler (LCRM_JOBS); any number of instances
// may run it, they hand on disjoint changes.
func startStatusSMS(ctx context.Context, a *app, out *notify.Outbox) (stop func()) {
	if !a.cfg.Jobs {
		return func() {}
	}
	d := statussms.Deps{Pool: a.pool, Outbox: out, Shipments: a.shipments, PublicURL: a.cfg.PublicURL, Now: a.now, Log: a.log}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		statussms.Run(rctx, d, a.cfg.StatusSMSEvery)
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// statusSMS is the status SMS settings store on the app's clock.
func (a *app) statusSMS() *statussms.Store {
	st := statussms.NewStore(a.pool)
	st.Now = a.now
	return st
}
