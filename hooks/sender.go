package hooks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/config"
)

// SenderConfig tunes a Sender. Zero values take the defaults in internal/config.
type SenderConfig struct {
	Workers      int           // concurrent senders; default 4
	Batch        int           // deliveries claimed at once per worker; default 20
	Lease        time.Duration // how long a claim holds (POSTs start in its first half); default 60 s
	Timeout      time.Duration // one POST, connection included; default 10 s, at most Lease/3
	Backoff      time.Duration // first retry delay, doubling with ±20 % jitter; default 1 min
	MaxBackoff   time.Duration // longest retry delay; default 6 h
	DisableAfter time.Duration // an endpoint failing every attempt this long is disabled; default 72 h
	Poll         time.Duration // idle wait between empty claims; default 1 s
	// Feed, when set, moves new events into the outbox before each claim (lcrm serve:
	// the shipments status-change feed).
	Feed func(ctx context.Context) (int, error)
	Log  *slog.Logger
	// OnDisable, when set, is called inside the transaction that disables an endpoint
	// (lcrm serve: an in-app notification to the supervisors).
	OnDisable func(ctx context.Context, tx pgx.Tx, e DisabledEndpoint, at time.Time) error
	// Client posts the deliveries; default an http.Client with Timeout whose dialer refuses
	// private addresses unless the store allows them.
	Client *http.Client
}

func (c SenderConfig) withDefaults() SenderConfig {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.Workers <= 0 {
		c.Workers = config.DefaultWebhookWorkers
	}
	if c.Batch <= 0 {
		c.Batch = config.DefaultWebhookBatch
	}
	def(&c.Lease, config.DefaultWebhookLease)
	def(&c.Timeout, config.DefaultWebhookTimeout)
	def(&c.Backoff, config.DefaultWebhookBackoff)
	def(&c.MaxBackoff, config.DefaultWebhookMaxBackoff)
	def(&c.DisableAfter, config.DefaultWebhookDisableAfter)
	def(&c.Poll, config.DefaultWebhookPoll)
	if c.Timeout > c.Lease/3 {
		c.Timeout = c.Lease / 3 // see send: the outcome is recorded within the lease
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// Sender posts due deliveries. Several senders (in one process or many) can run at once:
// claims use FOR UPDATE SKIP LOCKED and a lease, and a claim whose sender died is taken
// again when its lease ends, so a delivery arrives at least once.
type Sender struct {
	s      *Store
	cfg    SenderConfig
	client *http.Client
}

// Sender returns a sender of this store's deliveries.
func (s *Store) Sender(cfg SenderConfig) *Sender {
	cfg = cfg.withDefaults()
	c := cfg.Client
	if c == nil {
		c = NewClient(cfg.Timeout, s.AllowPrivate)
	}
	return &Sender{s: s, cfg: cfg, client: c}
}

// NewClient is the HTTP client of deliveries: it gives up after timeout and, unless
// allowPrivate, refuses to connect to a private address whatever DNS answered (the check
// runs on the address being dialled, so a name that re-resolves to 127.0.0.1 after
// registration is still refused).
func NewClient(timeout time.Duration, allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: timeout}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip := net.ParseIP(host)
			if ip == nil || Private(ip) {
				return fmt.Errorf("hooks: refused to connect to private address %s", host)
			}
			return nil
		}
	}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: timeout, MaxIdleConnsPerHost: 16,
		IdleConnTimeout: 90 * time.Second, ResponseHeaderTimeout: timeout}
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Run sends until ctx ends, with cfg.Workers workers (and the feed, if any, in its own
// loop). A delivery being sent when ctx ends is finished and recorded.
func (d *Sender) Run(ctx context.Context) {
	var wg sync.WaitGroup
	loop := func(name string, once func(context.Context) (int, error)) {
		defer wg.Done()
		for ctx.Err() == nil {
			n, err := once(ctx)
			if err != nil && ctx.Err() == nil {
				d.cfg.Log.Error("webhooks "+name, "err", err)
			}
			if n == 0 || err != nil {
				select {
				case <-ctx.Done():
				case <-time.After(d.cfg.Poll):
				}
			}
		}
	}
	if d.cfg.Feed != nil {
		wg.Add(1)
		go loop("feed", d.cfg.Feed)
	}
	for i := 0; i < d.cfg.Workers; i++ {
		wg.Add(1)
		go loop("send", d.RunOnce)
	}
	wg.Wait()
}

type claim struct {
	id, endpoint int64
	eventID      string
	url, body    string
	secrets      []string
	attempts     int
	giveUp       time.Time
	at           time.Time
}

// RunOnce claims one batch of due deliveries and sends each; it returns how many it
// claimed. A delivery is due when its time has come and no earlier delivery of its order
// group to the same endpoint is still pending.
func (d *Sender) RunOnce(ctx context.Context) (int, error) {
	now := d.s.Now().UTC().Truncate(time.Microsecond)
	rows, err := d.s.pool.Query(ctx, `
		WITH c AS (
		    SELECT w.id FROM webhook_deliveries w JOIN webhook_endpoints e ON e.id = w.endpoint_id AND e.enabled
		    WHERE w.status IN ('pending', 'sending') AND w.next_attempt_at <= $1
		      AND (w.order_key = '' OR NOT EXISTS (SELECT 1 FROM webhook_deliveries p
		          WHERE p.endpoint_id = w.endpoint_id AND p.order_key = w.order_key AND p.id < w.id
		            AND p.status IN ('pending', 'sending')))
		    ORDER BY w.next_attempt_at, w.id LIMIT $2
		    FOR UPDATE OF w SKIP LOCKED)
		UPDATE webhook_deliveries o SET status = 'sending', attempts = o.attempts + 1, claimed_at = $1,
		    next_attempt_at = $3, updated_at = $1
		FROM c, webhook_endpoints e WHERE o.id = c.id AND e.id = o.endpoint_id
		RETURNING o.id, o.endpoint_id, o.event_id, e.url, o.body, e.secret,
		    CASE WHEN e.old_secret_until > $1 THEN e.old_secret ELSE '' END, o.attempts, o.give_up_after`,
		now, d.cfg.Batch, now.Add(d.cfg.Lease))
	if err != nil {
		return 0, fmt.Errorf("hooks: claim: %w", err)
	}
	batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claim, error) {
		c := claim{at: now}
		var sec, old string
		err := r.Scan(&c.id, &c.endpoint, &c.eventID, &c.url, &c.body, &sec, &old, &c.attempts, &c.giveUp)
		c.secrets = []string{sec}
		if old != "" {
			c.secrets = append(c.secrets, old)
		}
		return c, err
	})
	if err != nil {
		return 0, fmt.Errorf("hooks: claim: %w", err)
	}
	// Claimed rows are ordered by due time; within one order group only the first is due.
	wctx := context.WithoutCancel(ctx)
	for _, c := range batch {
		if err := d.send(wctx, c); err != nil {
			d.cfg.Log.Error("webhooks send", "delivery", c.id, "err", err)
		}
	}
	return len(batch), nil
}

// maxResponse is how much of an answer the delivery log keeps.
const maxResponse = 1024

// post makes one attempt: the HTTP status (0 when there was no answer), the first KiB of
// the answer and the transport error.
func (d *Sender) post(ctx context.Context, c claim) (int, string, error) {
	body := []byte(c.body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lcrm-webhooks/1")
	req.Header.Set("Lcrm-Event-Id", c.eventID)
	req.Header.Set("Lcrm-Signature", Signature(d.s.Now(), body, c.secrets...))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // reuse the connection
	return resp.StatusCode, validPrefix(b), nil
}

// validPrefix is b as text, cut back to whole UTF-8 characters.
func validPrefix(b []byte) string {
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func (d *Sender) send(ctx context.Context, c claim) error {
	if d.s.Now().After(c.at.Add(d.cfg.Lease / 2)) {
		// A POST starts only in the first half of its lease and lasts at most a third of
		// it (Timeout), so its outcome is recorded before another sender may take the
		// row over; a batch behind a slow endpoint would otherwise have its tail sent
		// twice. Later, the row goes back to be claimed afresh.
		_, err := d.s.pool.Exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', attempts = attempts - 1,
			next_attempt_at = $2, updated_at = $2 WHERE id = $1 AND claimed_at = $2 AND status = 'sending'`, c.id, c.at)
		if err != nil {
			return fmt.Errorf("hooks: hand back %d: %w", c.id, err)
		}
		return nil
	}
	start := time.Now()
	code, resp, perr := d.post(ctx, c)
	latency := time.Since(start)
	now := d.s.Now()
	ok := perr == nil && code >= 200 && code < 300
	errText := ""
	if perr != nil {
		errText = perr.Error()
	} else if !ok {
		errText = fmt.Sprintf("HTTP %d", code)
	}
	return pgx.BeginFunc(ctx, d.s.pool, func(tx pgx.Tx) error {
		// Only the claim that still owns the row records its outcome.
		var set string
		args := []any{c.id, c.at, now, code, errText}
		switch {
		case ok:
			set = `status = 'delivered', delivered_at = $3`
		case !now.Before(c.giveUp):
			set = `status = 'failed'`
		default:
			next := now.Add(d.backoff(c.attempts))
			if next.After(c.giveUp) {
				next = c.giveUp
			}
			set = `status = 'pending', next_attempt_at = $6`
			args = append(args, next)
		}
		tag, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET `+set+`, last_status_code = $4, last_error = $5,
			updated_at = $3 WHERE id = $1 AND claimed_at = $2 AND status = 'sending'`, args...)
		if err != nil {
			return fmt.Errorf("hooks: record %d: %w", c.id, err)
		}
		if tag.RowsAffected() == 0 {
			return nil // the lease ran out and another sender owns it now
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms, response, error)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.id, c.attempts, now, code, latency.Milliseconds(), resp, errText); err != nil {
			return fmt.Errorf("hooks: record %d: %w", c.id, err)
		}
		if ok {
			_, err = tx.Exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, c.endpoint)
			return err
		}
		return d.failing(ctx, tx, c.endpoint, now)
	})
}

// failing notes a failed attempt of endpoint; once it has failed every attempt for
// DisableAfter it is disabled and its pending deliveries are failed.
func (d *Sender) failing(ctx context.Context, tx pgx.Tx, endpoint int64, now time.Time) error {
	var since time.Time
	if err := tx.QueryRow(ctx, `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2)
		WHERE id = $1 RETURNING failing_since`, endpoint, now).Scan(&since); err != nil {
		return fmt.Errorf("hooks: note failure of endpoint %d: %w", endpoint, err)
	}
	if now.Sub(since) < d.cfg.DisableAfter {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET enabled = false, disabled_at = $2, disabled_reason = $3
		WHERE id = $1 AND enabled`, endpoint, now, ReasonFailing); err != nil {
		return fmt.Errorf("hooks: disable endpoint %d: %w", endpoint, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled', updated_at = $2
		WHERE endpoint_id = $1 AND status = 'pending'`, endpoint, now); err != nil {
		return fmt.Errorf("hooks: disable endpoint %d: %w", endpoint, err)
	}
	d.cfg.Log.Warn("webhook endpoint disabled: every delivery failed", "endpoint", endpoint, "since", since)
	if d.cfg.OnDisable == nil {
		return nil
	}
	var e DisabledEndpoint
	if err := tx.QueryRow(ctx, `SELECT e.id, e.shipper_id, e.url, e.events, e.enabled, e.old_secret_until, e.failing_since,
		e.disabled_at, e.disabled_reason, e.created_at, sh.code, sh.name
		FROM webhook_endpoints e JOIN shippers sh ON sh.id = e.shipper_id WHERE e.id = $1`, endpoint).Scan(
		&e.ID, &e.ShipperID, &e.URL, &e.Events, &e.Enabled, &e.OldSecretUntil, &e.FailingSince,
		&e.DisabledAt, &e.DisabledReason, &e.CreatedAt, &e.ShipperCode, &e.ShipperName); err != nil {
		return fmt.Errorf("hooks: disable endpoint %d: %w", endpoint, err)
	}
	return d.cfg.OnDisable(ctx, tx, e, now)
}

// backoff is the delay after the attempts-th failed attempt: Backoff doubling up to
// MaxBackoff, times a random factor in [0.8, 1.2) so failing receivers are not hit in step.
func (d *Sender) backoff(attempts int) time.Duration {
	b := d.cfg.Backoff
	for i := 1; i < attempts && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.cfg.MaxBackoff)
	return time.Duration(float64(b) * (0.8 + 0.4*rand.Float64()))
}
