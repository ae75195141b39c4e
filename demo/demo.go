// Package demo fills a database with realistic, deterministic demo data: shipper
// companies, consignees across fifteen provinces, and shipments with their tracking events
// over the last few months, so the portal, the console, the jobs and the KPI reports have
// something true-to-life to show.
//
// Unlike the rest of lcrm, this package writes SQL itself: it is a bulk loader, and going
// through the domain stores one shipment at a time would take hours for a million
// parcels. It streams rows with COPY and assigns ids itself, but it follows the domain's
// rules rather than copying them: a shipment's status and key times are computed by
// shipments.Derive from the very events loaded with it, promises by
// ServiceLevel.PromisedAt, S10 check digits by shipments.S10CheckDigit, and phone numbers
// are valid E.164 mainland mobiles.
//
// The same Seed and Now give exactly the same rows on an empty database: every record is
// drawn from its own PCG stream keyed by the seed and its number, and nothing that reaches
// the database depends on map order or on how the rows are batched.
package demo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options says how much demo data to make and from what.
type Options struct {
	Shipments int       // number of shipments; 0 means 10,000
	Seed      int64     // the same seed (and Now) gives the same data
	Now       time.Time // the demo's present: no event happens after it; zero means time.Now()
	Days      int       // shipments are created over the Days before Now; 0 means 90
	// Progress, when set, is called after each committed batch with the number of
	// shipments loaded so far.
	Progress func(done int)
}

// Summary counts the rows Load wrote.
type Summary struct {
	Shippers, Consignees, Shipments, Events int
}

// batchSize is the number of shipments (with their events) per transaction, and workers
// the number of batches loaded at once (each on its own connection).
const (
	batchSize = 50_000
	workers   = 2
)

// Load writes demo shippers, consignees, shipments and tracking events. It is meant for an
// empty database; on one that has data it adds its rows after the highest existing ids
// (tracking numbers and phones are derived from ids, so they do not collide with earlier
// demo loads). Shippers and consignees are committed first, then shipments with their
// events in batches of 50,000, two batches at a time; on error the batches already
// committed stay, and the returned Summary counts them. Load should not run while other
// writers insert into the same tables.
func Load(ctx context.Context, pool *pgxpool.Pool, opt Options) (*Summary, error) {
	if opt.Shipments < 0 || opt.Days < 0 {
		return nil, errors.New("demo: shipments and days must not be negative")
	}
	if opt.Shipments == 0 {
		opt.Shipments = 10_000
	}
	if opt.Days == 0 {
		opt.Days = 90
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.Round(0) // drop the monotonic clock reading
	b, err := reserveIDs(ctx, pool, len(shipperList), consigneeCount(opt.Shipments), opt.Shipments)
	if err != nil {
		return nil, err
	}
	g := newGenerator(opt, b)
	sum := &Summary{}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"shippers"}, shipperColumns, &shipperSource{g: g})
		if err != nil {
			return fmt.Errorf("copy shippers: %w", err)
		}
		sum.Shippers = int(n)
		n, err = tx.CopyFrom(ctx, pgx.Identifier{"consignees"}, consigneeColumns, &consigneeSource{g: g})
		sum.Consignees = int(n)
		if err != nil {
			return fmt.Errorf("copy consignees: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	err = loadShipments(ctx, pool, opt, b, sum)
	return sum, err
}

// loadShipments loads the shipments and their events in batches, each in its own
// transaction, a few batches at a time. Every worker has its own generator; they make the
// same rows, since a shipment depends only on its number.
func loadShipments(ctx context.Context, pool *pgxpool.Pool, opt Options, b bases, sum *Summary) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		next     int
		firstErr error
		wg       sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newGenerator(opt, b)
			for {
				mu.Lock()
				from := next
				next += batchSize
				mu.Unlock()
				if from >= g.shipments || ctx.Err() != nil {
					return
				}
				to := min(from+batchSize, g.shipments)
				var events int64
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
						return err
					}
					var err error
					events, err = copyParcels(ctx, tx, g, from, to)
					return err
				})
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("demo: shipments %d-%d: %w", from+1, to, err)
					}
					cancel()
				} else {
					sum.Shipments += to - from
					sum.Events += int(events)
					if opt.Progress != nil {
						opt.Progress(sum.Shipments)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// reserveIDs reads the highest id in use in each table (or handed out by its sequence)
// and moves the sequence past the ids Load is about to use, so the application's own
// inserts continue after the demo rows even if Load stops halfway.
func reserveIDs(ctx context.Context, pool *pgxpool.Pool, shippers, consignees, shipments int) (bases, error) {
	var b bases
	for _, t := range []struct {
		table string
		n     int
		base  *int64
	}{{"shippers", shippers, &b.shippers}, {"consignees", consignees, &b.consignees}, {"shipments", shipments, &b.shipments}} {
		var seq string
		if err := pool.QueryRow(ctx, "SELECT pg_get_serial_sequence($1, 'id')", t.table).Scan(&seq); err != nil {
			return b, fmt.Errorf("demo: sequence of %s: %w", t.table, err)
		}
		err := pool.QueryRow(ctx, fmt.Sprintf(`
SELECT GREATEST((SELECT COALESCE(max(id), 0) FROM %s),
                (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM %s))`, t.table, seq)).Scan(t.base)
		if err != nil {
			return b, fmt.Errorf("demo: max id of %s: %w", t.table, err)
		}
		if *t.base+int64(t.n) > 0 {
			if _, err := pool.Exec(ctx, "SELECT setval($1, $2)", seq, *t.base+int64(t.n)); err != nil {
				return b, fmt.Errorf("demo: reserve ids of %s: %w", t.table, err)
			}
		}
	}
	return b, nil
}

// Empty reports whether the database has no shipments yet, which is when `lcrm serve`
// offers to load demo data.
func Empty(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM shipments)").Scan(&exists); err != nil {
		return false, fmt.Errorf("demo: empty: %w", err)
	}
	return !exists, nil
}
