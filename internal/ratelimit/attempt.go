package ratelimit

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// Rule is one limit: at most Limit attempts per Window for Key.
type Rule struct {
	Key    string
	Limit  int
	Window time.Duration
}

// Attempt is one attempt counted against several rules by Limiter.Take: OK when it is
// within every rule. Refund takes it back.
type Attempt struct {
	OK bool
	// RetryAfter is, when not OK, the time until the longest refusing window ends.
	RetryAfter time.Duration
	keys       []string
	starts     []time.Time
}

// Take counts one attempt against every rule in one statement and reports whether it is
// within all of them: increment first, then decide, so concurrent attempts can never all
// see room that only one of them has. An attempt refused by one rule still counts against
// the others (a refused guess is no free guess). Use it for answers that must be counted
// exactly (wrong last-4 digits): check the answer only when the attempt is OK.
func (l *Limiter) Take(ctx context.Context, rules ...Rule) (Attempt, error) {
	now := l.Now()
	limits := map[string]Rule{}
	for _, r := range rules {
		limits[r.Key] = r // a key given twice counts once
	}
	a := Attempt{OK: true}
	for k := range limits {
		a.keys = append(a.keys, k)
	}
	// One lock order for every caller, so two statements over the same keys never deadlock.
	sort.Strings(a.keys)
	for _, k := range a.keys {
		a.starts = append(a.starts, now.Truncate(limits[k].Window))
	}
	rows, err := l.pool.Query(ctx, `
INSERT INTO rate_counters (key, window_start, count)
SELECT k, w, 1 FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS t(k, w, i) ORDER BY i
ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1
RETURNING key, count`, a.keys, a.starts)
	if err != nil {
		return Attempt{}, fmt.Errorf("ratelimit: take: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return Attempt{}, fmt.Errorf("ratelimit: take: %w", err)
		}
		if r := limits[key]; n > r.Limit {
			a.OK = false
			a.RetryAfter = max(a.RetryAfter, now.Truncate(r.Window).Add(r.Window).Sub(now))
		}
	}
	if err := rows.Err(); err != nil {
		return Attempt{}, fmt.Errorf("ratelimit: take: %w", err)
	}
	l.sweep(ctx, now)
	return a, nil
}

// Refund takes a counted attempt back from every rule it was counted against, in the
// windows it was counted in (a right answer is not held against anyone). Refunding more
// than was counted cannot take a counter below zero.
func (l *Limiter) Refund(ctx context.Context, a Attempt) error {
	if len(a.keys) == 0 {
		return nil
	}
	// One statement per key, in Take's key order, so the row locks are taken in the same
	// order as Take takes them.
	var b pgx.Batch
	for i := range a.keys {
		b.Queue(`UPDATE rate_counters SET count = count - 1 WHERE key = $1 AND window_start = $2 AND count > 0`,
			a.keys[i], a.starts[i])
	}
	if err := l.pool.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("ratelimit: refund: %w", err)
	}
	return nil
}
