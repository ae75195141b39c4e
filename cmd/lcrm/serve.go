package main

import (
	"context"
	"flag"
	"os"
	"runtime/debug"
	"time"

	"lcrm/accounts"
	"lcrm/care"
	"lcrm/internal/replica"
	"lcrm/portal"
	"lcrm/reports"
	"lcrm/shipments"
)

func cmdServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "", "listen address (default LCRM_ADDR or :8080)")
	withDemo := fs.Bool("demo", false, "load demo data first when the database is empty")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	a, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	// The tracking read path allocates per request; a lazier GC buys about 9% throughput
	// and a lower p99 (BENCHMARKS.md). GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if *addr == "" {
		*addr = a.cfg.Addr
	}
	if *withDemo {
		if err := loadDemoIfEmpty(ctx, a, 3000, 1); err != nil {
			return err
		}
	}
	sms := smsOutbox(a)
	stopSMS := startSMS(ctx, a, sms)
	defer stopSMS()
	stopStatusSMS := startStatusSMS(ctx, a, sms)
	defer stopStatusSMS()
	webhooks := webhookStore(a)
	stopWebhooks := startWebhooks(ctx, a, webhooks)
	defer stopWebhooks()
	// The scheduler exists in every instance (the console's run-now and history use it);
	// it runs jobs on their schedules only where LCRM_JOBS is not false.
	sched, err := a.scheduler(sms)
	if err != nil {
		return err
	}
	if a.cfg.Jobs {
		sched.Start()
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			sched.Stop(stopCtx)
		}()
	} else {
		a.log.Info("scheduler off in this instance (LCRM_JOBS=false)")
	}
	secret, err := a.secret(ctx)
	if err != nil {
		return err
	}
	var tfa []accounts.Role
	for _, r := range a.cfg.TwoFactorRoles {
		tfa = append(tfa, accounts.Role(r))
	}
	if *withDemo && !a.cfg.TwoFactorRolesSet {
		// The README's demo logins work with the password alone; set
		// LCRM_2FA_REQUIRED_ROLES to try the requirement in the demo.
		tfa = nil
		a.log.Warn("demo: two-factor login is optional for every role (LCRM_2FA_REQUIRED_ROLES not set)")
	} else if len(tfa) > 0 {
		a.log.Info("two-factor login required", "roles", a.cfg.TwoFactorRoles)
	}
	// Read replicas: checked every second while serving; the public tracking reads and the
	// KPI and value pages go to a fresh one (see package replica).
	var trackReads *replica.Reads[*shipments.Store]
	var reportReads *replica.Reads[*reports.Store]
	if a.replicas != nil {
		go a.replicas.Run(ctx)
		trackReads = replica.NewReads(a.replicas, a.pool, a.shipmentsOver)
		reportReads = replica.NewReads(a.replicas, a.pool, a.reportsOver)
		a.log.Info("read replicas", "count", a.replicas.Len(), "max_lag", a.replicas.MaxLag())
	}
	watch := care.NewStore(a.pool)
	watch.Now = a.now
	complaintStore := a.complaints()
	srv := portal.New(portal.Deps{
		Shipments: a.shipments, Customers: a.customers, Accounts: a.accounts,
		Log: a.log, Ready: a.ready,
		Limiter:    a.limiter(),
		Complaints: complaintStore,
		Reports:    a.reports(),
		Jobs:       sched,
		Watch:      watch,
		Notify:     sms,
		Now:        a.now, // the one clock the stores have
		StatusSMS:  a.statusSMS(),
		Webhooks:   webhooks,
		Requests:   a.requests(sms),
		Billing:    a.billing(),
		// One store for the console and the pages: see app.disruptions.
		Disruptions: a.disruptions(complaintStore),
		Replicas:    a.replicas, TrackReads: trackReads, ReportReads: reportReads,
	}, portal.Config{TwilioAuthToken: a.cfg.TwilioAuthToken, PublicURL: a.cfg.PublicURL, Zone: a.cfg.Zone, Secret: secret,
		LookupsPerMinute: a.cfg.Lookups, TrustedProxies: a.cfg.TrustedProxies, TwoFactorRoles: tfa,
		MaxBodyBytes: a.cfg.MaxBodyBytes, MaxAPIBytes: a.cfg.MaxAPIBytes, MaxUploadBytes: a.cfg.MaxImportBytes,
		MetricsToken: a.cfg.MetricsToken, RequestTimeout: a.cfg.RequestTimeout, DownloadTimeout: a.cfg.DownloadTimeout})

	errc := make(chan error, 1)
	go func() { errc <- srv.App.Listen(*addr) }()
	// Once, so an operator sees what this instance believes (secrets shown as set or unset).
	a.log.Info("effective configuration", "config", a.cfg)
	a.log.Info("lcrm serving", "addr", *addr, "public_url", a.cfg.PublicURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	return srv.Shutdown(10 * time.Second)
}
