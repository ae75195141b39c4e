package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/complaints"
	"lcrm/hooks"
)

// webhookStore is the outgoing webhook store on the app's clock and settings.
func webhookStore(a *app) *hooks.Store {
	st := hooks.NewStore(a.pool)
	st.Now = a.now
	st.AllowPrivate = a.cfg.WebhookAllowPrivate
	return st
}

// startWebhooks runs the webhook sender (and the status-change feed into its outbox)
// until the returned stop is called; it waits for the deliveries in hand to be recorded.
// With LCRM_WEBHOOK_SEND=false it runs nothing.
func startWebhooks(ctx context.Context, a *app, st *hooks.Store) (stop func()) {
	if !a.cfg.WebhookSend {
		a.log.Info("webhook sender off in this instance (LCRM_WEBHOOK_SEND=false)")
		return func() {}
	}
	cs := a.complaints()
	d := st.Sender(hooks.SenderConfig{Log: a.log, Lease: a.cfg.WebhookLease, // Timeout: at most a third of it
		Feed: func(ctx context.Context) (int, error) { return st.Feed(ctx, a.shipments, 500) },
		// Staff are told in the app (the desk's notifications, written from the data in
		// the reader's language); the shipper sees it on /shipper/webhooks.
		OnDisable: func(ctx context.Context, tx pgx.Tx, e hooks.DisabledEndpoint, at time.Time) error {
			text := fmt.Sprintf("%s's webhook endpoint %s was disabled after 3 days of failed deliveries", e.ShipperCode, e.URL)
			_, err := cs.NotifyRoleNotes(ctx, tx, "supervisor", "webhook_disabled",
				[]complaints.Note{{Text: text, Data: map[string]any{"shipper": e.ShipperCode, "url": e.URL}}}, at)
			return err
		}})
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.Run(dctx)
	}()
	a.log.Info("webhook sender running", "allow_private", a.cfg.WebhookAllowPrivate)
	return func() {
		cancel()
		wg.Wait()
	}
}
