package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"lcrm/care"
	"lcrm/internal/db"
	"lcrm/jobs"
	"lcrm/notify"
)

// secret is the key that signs links (survey links) and grant cookies: LCRM_SESSION_KEY, or
// else the one kept in the database (made by the first start), so restarts and every
// instance agree and links already texted keep working. Read once per process, so the
// portal and the jobs sign with the same key.
func (a *app) secret(ctx context.Context) ([]byte, error) {
	if a.linkKey == nil {
		if a.cfg.SessionKey != "" {
			a.linkKey = []byte(a.cfg.SessionKey)
		} else {
			k, err := db.Secret(ctx, a.pool, "link_key", 32)
			if err != nil {
				return nil, err
			}
			a.linkKey = k
		}
	}
	return a.linkKey, nil
}

// scheduler builds the scheduler with every job: the standard ones and other packages'
// (the KPI rollup and workbook exports are appended here).
func (a *app) scheduler(sms *notify.Outbox) (*jobs.Scheduler, error) {
	secret, err := a.secret(context.Background())
	if err != nil {
		return nil, err
	}
	cs := alertingComplaints(a, sms)
	list := jobs.Standard(care.Deps{
		Pool: a.pool, Outbox: sms, Complaints: cs,
		PublicURL: a.cfg.PublicURL, Secret: secret, Zone: a.cfg.Zone, Log: a.log,
		Events:      webhookStore(a).Sink(), // shipment.delayed
		Disruptions: a.disruptions(cs),      // disruption mode in the slow sign-off job
	})
	// Other packages' jobs: append them here.
	list = append(list, jobs.ReportJobs(a.reports(), a.cfg.Zone)...)
	list = append(list, jobs.BillingJobs(a.billing())...)
	list = append(list, jobs.Job{Name: "delivery-estimate", Spec: "*/15 * * * *",
		Description: "fold new deliveries into the delivery estimate's quantiles",
		Run:         a.shipments.RefreshEstimates})
	// tracking_events partitions ahead of new parcels (migration 029); daily, idempotent.
	list = append(list, jobs.Job{Name: "event-partitions", Spec: "17 3 * * *",
		Description: "create the tracking_events partitions the next parcels need",
		Run:         a.shipments.AddEventPartitions})
	s, err := jobs.NewScheduler(a.pool, a.cfg.Zone, list, a.log)
	if err != nil {
		return nil, err
	}
	s.Now = a.now // runs get their instant from the one clock
	return s, nil
}

const jobsUsage = `usage: lcrm jobs list | lcrm jobs run NAME`

// cmdJobs lists the jobs with their last run, or runs one now (trigger "cli"); a run that
// fails exits non-zero.
func cmdJobs(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] == "run" && len(args) != 2) || (args[0] != "run" && args[0] != "list") {
		return usageError{jobsUsage}
	}
	a, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	s, err := a.scheduler(smsOutbox(a))
	if err != nil {
		return err
	}
	if args[0] == "run" {
		r, err := s.RunNow(ctx, args[1], jobs.TriggerCLI)
		if err == jobs.ErrUnknownJob {
			return usageError{fmt.Sprintf("no job %q (lcrm jobs list)", args[1])}
		}
		fmt.Printf("%s: %s, %d items, %s\n", args[1], r.Status, r.Items, r.Duration())
		return err
	}
	last, err := s.LastRuns(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "JOB\tSCHEDULE\tNEXT\tLAST RUN\tSTATUS\tITEMS\tERROR")
	for _, j := range s.List() {
		lastRun, status, items, errText := "never", "", "", ""
		if r, ok := last[j.Name]; ok {
			lastRun, status, items, errText = r.StartedAt.In(a.cfg.Zone).Format(time.DateTime), string(r.Status), fmt.Sprint(r.Items), r.Error
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, j.Spec, j.Next.Format(time.DateTime), lastRun, status, items, errText)
	}
	return w.Flush()
}
