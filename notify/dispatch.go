package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/config"
)

// DispatchConfig tunes a Dispatcher. Zero values take the defaults noted.
type DispatchConfig struct {
	Workers        int           // concurrent senders; default 4
	Batch          int           // rows claimed at once per worker; default 20
	Lease          time.Duration // how long a claim holds (sends start in its first half); default 60s
	MaxAttempts    int           // attempts before giving up; default 6
	Backoff        time.Duration // first retry delay, doubling; default 30s
	MaxBackoff     time.Duration // longest retry delay; default 1h
	Rate           float64       // messages per second over all workers; 0: no limit
	Poll           time.Duration // idle wait between empty claims; default 1s
	StatusCallback string        // receipts URL, e.g. PublicURL + "/webhooks/twilio/status"
	Log            *slog.Logger
}

func (c DispatchConfig) withDefaults() DispatchConfig {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.Workers <= 0 {
		c.Workers = config.DefaultDispatchWorkers
	}
	if c.Batch <= 0 {
		c.Batch = config.DefaultDispatchBatch
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = config.DefaultDispatchMaxAttempts
	}
	def(&c.Lease, config.DefaultDispatchLease)
	def(&c.Backoff, config.DefaultDispatchBackoff)
	def(&c.MaxBackoff, config.DefaultDispatchMaxBackoff)
	def(&c.Poll, config.DefaultDispatchPoll)
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// Dispatcher sends due outbox rows through a driver. Several dispatchers (in one process or
// many) can run at once: claims use FOR UPDATE SKIP LOCKED and a lease.
type Dispatcher struct {
	o     *Outbox
	pool  *pgxpool.Pool
	drv   Driver
	cfg   DispatchConfig
	limit *limiter
}

// Dispatcher returns a dispatcher of this outbox's messages through drv.
func (o *Outbox) Dispatcher(drv Driver, cfg DispatchConfig) *Dispatcher {
	cfg = cfg.withDefaults()
	return &Dispatcher{o: o, pool: o.pool, drv: drv, cfg: cfg, limit: newLimiter(cfg.Rate)}
}

// Run sends until ctx ends, with cfg.Workers workers. A message being sent when ctx ends
// is finished (its HTTP call and commit), so stopping never strands a known outcome.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < d.cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n, err := d.RunOnce(ctx)
				if err != nil && ctx.Err() == nil {
					d.cfg.Log.Error("sms dispatch", "err", err)
				}
				if n == 0 || err != nil {
					select {
					case <-ctx.Done():
					case <-time.After(d.cfg.Poll):
					}
				}
			}
		}()
	}
	wg.Wait()
}

type claimed struct {
	id               int64
	kind             Kind
	to, body         string
	attempts         int
	care             bool
	sendBy           *time.Time
	delivered, opted bool
	prevStatus       Status
	prevClaim, claim *time.Time
}

// RunOnce claims one batch of due messages and handles each; it returns how many it claimed.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	// PostgreSQL keeps microseconds: the claim time is compared with the stored one.
	now := d.o.Now().UTC().Truncate(time.Microsecond)
	// next_attempt_at doubles as the lease's end for 'sending' rows, so one index condition
	// finds both due and abandoned rows.
	rows, err := d.pool.Query(ctx, `
		WITH c AS (
		    SELECT id, status AS prev_status, claimed_at AS prev_claim FROM sms_outbox
		    WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1
		    ORDER BY next_attempt_at LIMIT $2
		    FOR UPDATE SKIP LOCKED)
		UPDATE sms_outbox o SET status = 'sending', attempts = o.attempts + 1,
		    claimed_at = $1, lease_until = $3, next_attempt_at = $3, updated_at = $1
		FROM c WHERE o.id = c.id
		RETURNING o.id, o.kind, o.to_phone, o.body, o.attempts, o.care, o.send_by,
		    EXISTS (SELECT 1 FROM shipments s WHERE s.id = o.shipment_id
		        AND (s.delivered_at IS NOT NULL OR s.signed_at IS NOT NULL)),
		    EXISTS (SELECT 1 FROM sms_optouts p WHERE p.phone = o.to_phone),
		    c.prev_status, c.prev_claim`,
		now, d.cfg.Batch, now.Add(d.cfg.Lease))
	if err != nil {
		return 0, fmt.Errorf("notify: claim: %w", err)
	}
	var batch []claimed
	for rows.Next() {
		c := claimed{claim: &now}
		if err := rows.Scan(&c.id, &c.kind, &c.to, &c.body, &c.attempts, &c.care, &c.sendBy,
			&c.delivered, &c.opted, &c.prevStatus, &c.prevClaim); err != nil {
			rows.Close()
			return 0, fmt.Errorf("notify: claim: %w", err)
		}
		batch = append(batch, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("notify: claim: %w", err)
	}
	// Each message is finished even if ctx ends meanwhile: an unrecorded outcome would
	// only cost a reconciliation later, but a recorded one costs nothing.
	wctx := context.WithoutCancel(ctx)
	for i, c := range batch {
		if ctx.Err() != nil {
			// Hand the rest back at once rather than waiting out their lease.
			for _, r := range batch[i:] {
				d.release(wctx, r)
			}
			break
		}
		if err := d.handle(wctx, c); err != nil {
			d.cfg.Log.Error("sms dispatch", "id", c.id, "err", err)
		}
	}
	return len(batch), nil
}

// release puts an untouched claim back as it was.
func (d *Dispatcher) release(ctx context.Context, c claimed) {
	_, err := d.pool.Exec(ctx, `UPDATE sms_outbox SET status = $2, claimed_at = $3,
		attempts = attempts - 1, next_attempt_at = $4, lease_until = NULL
		WHERE id = $1 AND claimed_at = $4 AND status = 'sending'`,
		c.id, string(c.prevStatus), c.prevClaim, *c.claim)
	if err != nil {
		d.cfg.Log.Error("sms release", "id", c.id, "err", err)
	}
}

func (d *Dispatcher) handle(ctx context.Context, c claimed) error {
	now := d.o.Now()
	if c.prevStatus == StatusSending && c.prevClaim != nil {
		// The last attempt's outcome is unknown (crash or network error): ask Twilio first.
		sid, found, err := d.reconcile(ctx, c)
		if err != nil {
			// Still unknown: keep the old claim time so the next try asks again.
			return d.finish(ctx, c, `status = 'sending', claimed_at = $3, next_attempt_at = $4,
				error_message = $5`, c.prevClaim, now.Add(d.backoff(c.attempts)), "reconcile: "+err.Error())
		}
		if found {
			return d.finish(ctx, c, `status = 'sent', provider_sid = $3, sent_at = $4, lease_until = NULL,
				error_message = ''`, sid, now)
		}
	}
	switch {
	case c.sendBy != nil && now.After(*c.sendBy):
		return d.finish(ctx, c, `status = 'expired', lease_until = NULL, suppressed_reason = 'send_by passed'`)
	case c.delivered && (c.kind == KindStatus || c.kind == KindStatusNow || c.kind == KindDelayApology):
		return d.finish(ctx, c, `status = 'expired', lease_until = NULL, suppressed_reason = 'shipment delivered'`)
	case c.care && c.opted:
		return d.finish(ctx, c, `status = 'suppressed', lease_until = NULL, suppressed_reason = 'opted_out'`)
	}
	if c.care && c.kind.Quiet() {
		if t := d.o.afterQuiet(c.to, now); t.After(now) {
			return d.finish(ctx, c, `status = 'queued', attempts = attempts - 1, next_attempt_at = $3,
				lease_until = NULL`, t)
		}
	}
	if err := d.limit.wait(ctx); err != nil {
		d.release(ctx, c)
		return err
	}
	if d.o.Now().After(c.claim.Add(d.cfg.Lease / 2)) {
		// A send starts only in the first half of its lease: with the driver's timeout at
		// most a third of the lease (cmd/lcrm sets it so), its outcome is recorded before
		// the lease ends. Started later (a slow provider, the rate limit), it could still
		// be on its way when another dispatcher takes the row over, finds no message at
		// the provider yet and sends it again. So the row goes back at once instead.
		d.release(ctx, c)
		return nil
	}
	sid, err := d.drv.Send(ctx, Outgoing{ID: c.id, To: c.to, Body: c.body, StatusCallback: d.cfg.StatusCallback})
	now = d.o.Now()
	if err == nil {
		return d.finish(ctx, c, `status = 'sent', provider_sid = $3, sent_at = $4, lease_until = NULL,
			error_code = 0, error_message = ''`, sid, now)
	}
	var se *SendError
	switch {
	case errors.As(err, &se) && se.Permanent:
		if se.Code == CodeUnsubscribed {
			if err := d.o.OptOut(ctx, d.pool, c.to, SourceTwilio); err != nil {
				return err
			}
		}
		return d.finish(ctx, c, `status = 'failed', lease_until = NULL, error_code = $3, error_message = $4`,
			se.Code, se.Message)
	case c.attempts >= d.cfg.MaxAttempts:
		code := 0
		if se != nil {
			code = se.Code
		}
		return d.finish(ctx, c, `status = 'failed', lease_until = NULL, error_code = $3, error_message = $4`,
			code, fmt.Sprintf("gave up after %d attempts: %v", c.attempts, err))
	}
	retry := now.Add(d.backoff(c.attempts))
	if c.care && c.kind.Quiet() {
		retry = d.o.afterQuiet(c.to, retry)
	}
	if se != nil {
		// Twilio answered (429, 5xx): it did not take the message, so a plain retry is safe.
		return d.finish(ctx, c, `status = 'queued', next_attempt_at = $3, lease_until = NULL,
			error_code = $4, error_message = $5`, retry, se.Code, se.Message)
	}
	// A network error may have come after Twilio took the message: keep the row 'sending'
	// with this attempt's claim time, so the retry reconciles before sending again.
	return d.finish(ctx, c, `next_attempt_at = $3, lease_until = $3, error_message = $4`, retry, err.Error())
}

// reconcile asks the driver whether c's last attempt reached the provider, and returns the
// newest matching message that no other row has adopted (two rows may carry the same body
// to the same phone).
func (d *Dispatcher) reconcile(ctx context.Context, c claimed) (string, bool, error) {
	sids, err := d.drv.Find(ctx, c.to, c.body, *c.prevClaim)
	if err != nil || len(sids) == 0 {
		return "", false, err
	}
	var taken []string
	rows, err := d.pool.Query(ctx, `SELECT provider_sid FROM sms_outbox
		WHERE provider_sid = ANY($1) AND id <> $2`, sids, c.id)
	if err != nil {
		return "", false, fmt.Errorf("notify: reconcile %d: %w", c.id, err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return "", false, fmt.Errorf("notify: reconcile %d: %w", c.id, err)
		}
		taken = append(taken, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", false, fmt.Errorf("notify: reconcile %d: %w", c.id, err)
	}
	for _, s := range sids {
		if !slices.Contains(taken, s) {
			return s, true, nil
		}
	}
	return "", false, nil
}

// finish applies set to the row if this claim still owns it ($1 id, $2 claim time, set's
// own arguments from $3; updated_at is the outbox clock's instant, the last parameter).
func (d *Dispatcher) finish(ctx context.Context, c claimed, set string, args ...any) error {
	_, err := d.pool.Exec(ctx, `UPDATE sms_outbox SET `+set+`, updated_at = $`+strconv.Itoa(len(args)+3)+`::timestamptz
		WHERE id = $1 AND claimed_at = $2 AND status = 'sending'`,
		append(append([]any{c.id, *c.claim}, args...), d.o.Now())...)
	if err != nil {
		return fmt.Errorf("notify: update %d: %w", c.id, err)
	}
	return nil
}

func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.cfg.Backoff
	for i := 1; i < attempts && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	if b > d.cfg.MaxBackoff {
		b = d.cfg.MaxBackoff
	}
	return b
}

// limiter spaces sends evenly at rate per second across workers (nil: no limit).
type limiter struct {
	mu    sync.Mutex
	every time.Duration
	next  time.Time
}

func newLimiter(rate float64) *limiter {
	if rate <= 0 {
		return nil
	}
	return &limiter{every: time.Duration(float64(time.Second) / rate)}
}

func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	at := l.next
	l.next = l.next.Add(l.every)
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
