// Package ratelimit counts events per key in fixed time windows kept in PostgreSQL, so a
// limit holds across every instance of the service (lookups per client address, wrong
// answers per parcel).
package ratelimit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/clock"
)

// Limiter checks and counts attempts.
type Limiter struct {
	pool *pgxpool.Pool
	// Now is the limiter's clock (clock.System from New): windows are cut from it, once per
	// call, and passed to SQL. Tests set it.
	Now clock.Clock
}

// New returns a Limiter over pool.
func New(pool *pgxpool.Pool) *Limiter { return &Limiter{pool: pool, Now: clock.System} }

// Allow counts one attempt for key in the current window and reports whether it is within
// limit; when not, retryAfter is the time until the window ends. One statement per call.
func (l *Limiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error) {
	now := l.Now()
	start := now.Truncate(window)
	var n int
	err = l.pool.QueryRow(ctx, `
INSERT INTO rate_counters (key, window_start, count) VALUES ($1, $2, 1)
ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1
RETURNING count`, key, start).Scan(&n)
	if err != nil {
		return false, 0, fmt.Errorf("ratelimit: %w", err)
	}
	l.sweep(ctx, now)
	if n > limit {
		return false, start.Add(window).Sub(now), nil
	}
	return true, 0, nil
}

// Count returns how many attempts key has in the current window, without counting one.
func (l *Limiter) Count(ctx context.Context, key string, window time.Duration) (int, error) {
	var n int
	err := l.pool.QueryRow(ctx, `SELECT COALESCE(sum(count), 0) FROM rate_counters WHERE key = $1 AND window_start = $2`,
		key, l.Now().Truncate(window)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("ratelimit: %w", err)
	}
	return n, nil
}

// sweep now and then drops windows that started more than a day before now (the
// limiter's clock, never SQL now(), so a test's clock and the database's cannot disagree).
func (l *Limiter) sweep(ctx context.Context, now time.Time) {
	if rand.IntN(1000) == 0 {
		l.pool.Exec(ctx, `DELETE FROM rate_counters WHERE window_start < $1`, now.Add(-24*time.Hour))
	}
}
