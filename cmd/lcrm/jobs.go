package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"lcrm/jobs"
	"lcrm/notify"
	"lcrm/reports"
)

// linkKey is the process's link-signing key once secret has chosen it.
var linkKey []byte

// secret is the key that signs links (survey links): LCRM_SESSION_KEY, or a random one
// for this process, made once so the portal and the jobs sign with the same key.
func (a *app) secret() []byte {
	if linkKey == nil {
		linkKey = []byte(a.cfg.SessionKey)
		if len(linkKey) == 0 {
			linkKey = make([]byte, 32)
			if _, err := rand.Read(linkKey); err != nil {
				panic(err)
			}
		}
	}
	return linkKey
}

// scheduler builds the scheduler with every job: the standard ones and other packages'
// (the KPI rollup and workbook exports are appended here).
func (a *app) scheduler(sms *notify.Outbox) (*jobs.Scheduler, error) {
	list := jobs.Standard(jobs.Deps{
		Pool: a.pool, Outbox: sms, Complaints: alertingComplaints(a, sms),
		PublicURL: a.cfg.PublicURL, Secret: a.secret(), Zone: a.cfg.Zone, Log: a.log,
	})
	// Other packages' jobs: append them here.
	list = append(list, jobs.ReportJobs(reports.NewStore(a.pool), a.cfg.Zone)...)
	return jobs.NewScheduler(a.pool, a.cfg.Zone, list, a.log)
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
	if a.cfg.SessionKey == "" {
		// A random key would sign survey links the server cannot check.
		a.log.Warn("LCRM_SESSION_KEY is not set: survey links sent by this run will not verify on the server")
	}
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
