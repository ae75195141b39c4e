package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/config"
	"lcrm/internal/db"
	"lcrm/internal/replica"
	"lcrm/shipments"
)

// app is what every subcommand shares: settings, logger, database and domain stores.
type app struct {
	cfg   *config.Config
	log   *slog.Logger
	pool  *pgxpool.Pool
	local *db.Local
	// now is the one clock every store is given (clock.System): cmd wires it, nothing
	// else reads the wall clock for a rule.
	now       clock.Clock
	shipments *shipments.Store
	customers *customers.Store
	accounts  *accounts.Store
	linkKey   []byte // the link-signing key, once secret has read it
	// replicas are the read replicas (LCRM_REPLICA_URL); nil without any.
	replicas *replica.Set
}

// notices is where open tells a person about the database it chose (stderr; tests swap it).
var notices io.Writer = os.Stderr

// open reads the settings, starts the private database when no DATABASE_URL is given,
// applies migrations and opens the pool.
func open(ctx context.Context) (*app, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: cfg.Logger(), now: clock.System}
	slog.SetDefault(a.log)
	url := cfg.DatabaseURL
	if url == "" {
		a.local, err = db.StartLocal(ctx, cfg.DataDir, "lcrm")
		if err != nil {
			return nil, fmt.Errorf("no DATABASE_URL, and the private PostgreSQL did not start: %w", err)
		}
		a.log.Info("private PostgreSQL running", "data_dir", a.local.Server.DataDir, "port", a.local.Server.Port)
		if a.local.Server.Created {
			// Said plainly, so nobody imports into an empty database from the wrong folder.
			fmt.Fprintf(notices, "lcrm: no database in %s: created a new, empty one (set DATABASE_URL or LCRM_DATA_DIR to use another)\n", cfg.DataDir)
		}
		url = a.local.URL
	}
	n, err := db.Migrate(ctx, url)
	if err != nil {
		a.close()
		return nil, err
	}
	if n > 0 {
		a.log.Info("migrations applied", "count", n, "version", db.LatestVersion())
	}
	if a.pool, err = db.Open(ctx, url, cfg.MaxConns); err != nil {
		a.close()
		return nil, err
	}
	if len(cfg.ReplicaURLs) > 0 {
		if a.replicas, err = replica.Open(ctx, a.pool, cfg.ReplicaURLs, cfg.ReplicaMaxLag, cfg.MaxConns); err != nil {
			a.close()
			return nil, err
		}
	}
	a.shipments = a.shipmentsOver(a.pool)
	a.customers = customers.NewStore(a.pool)
	a.customers.Now = a.now
	a.customers.Events = webhookStore(a).Sink() // survey.answered
	a.accounts = accounts.NewStore(a.pool)
	a.accounts.Now = a.now
	return a, nil
}

// shipmentsOver is the shipments store over pool (the primary's or a replica's) with
// the app's clock and time window.
func (a *app) shipmentsOver(pool *pgxpool.Pool) *shipments.Store {
	st := shipments.NewStore(pool)
	st.Now = a.now
	st.SetTimeWindow(shipments.TimeWindow{Past: a.cfg.TimePast, Future: a.cfg.TimeFuture})
	return st
}

// close releases the pools and stops the private server.
func (a *app) close() {
	if a.replicas != nil {
		a.replicas.Close()
	}
	if a.pool != nil {
		a.pool.Close()
	}
	if a.local != nil {
		a.local.Stop()
	}
}

// ready is /readyz's check: the database answers and its schema is the binary's.
func (a *app) ready(ctx context.Context) error {
	v, err := db.SchemaVersion(ctx, a.pool)
	if err != nil {
		return err
	}
	if v != db.LatestVersion() {
		return fmt.Errorf("schema version %d, binary expects %d", v, db.LatestVersion())
	}
	return nil
}
