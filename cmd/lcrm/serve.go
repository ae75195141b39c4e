package main

import (
	"context"
	"flag"
	"os"
	"runtime/debug"
	"time"

	"lcrm/complaints"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
	"lcrm/reports"
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
	srv := portal.New(portal.Deps{
		Shipments: a.shipments, Customers: a.customers, Accounts: a.accounts,
		Log: a.log, Ready: a.ready,
		Limiter:    ratelimit.New(a.pool),
		Complaints: complaints.NewStore(a.pool),
		Reports:    reports.NewStore(a.pool),
		Notify:     sms,
	}, portal.Config{TwilioAuthToken: a.cfg.TwilioAuthToken, PublicURL: a.cfg.PublicURL, Zone: a.cfg.Zone, Secret: []byte(a.cfg.SessionKey),
		LookupsPerMinute: a.cfg.Lookups, TrustedProxies: a.cfg.TrustedProxies})

	errc := make(chan error, 1)
	go func() { errc <- srv.App.Listen(*addr) }()
	a.log.Info("lcrm serving", "addr", *addr, "public_url", a.cfg.PublicURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	return srv.Shutdown(10 * time.Second)
}
