package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// ShareDivisor sets the size of the share an instance reserves at once: a limit's
// 1/ShareDivisor (at least what the request needs).
const ShareDivisor = 20

// Batched is a Limiter for busy keys (public lookups): each instance reserves a share of a
// key's window from PostgreSQL in one atomic statement (the counter grows only while it
// stays within the limit) and then allows requests from its share in memory, so a busy
// key costs one write per share instead of one per request.
//
// Across any number of instances the requests allowed never exceed the limit, even in a
// burst: a share is taken before the requests it allows, never counted after them (the
// earlier design counted in memory and wrote every 250 ms, and three instances behind a
// load balancer let a burst through at up to three times the limit). What a share costs is
// the other side: a client may be refused while another instance still holds unused
// reserve, at most (instances-1) x (share-1) requests per window; one instance alone
// allows exactly the limit.
type Batched struct {
	l     *Limiter
	mu    sync.Mutex
	slots map[slot]*reserve
	calls int // AllowN calls since the last sweep of ended windows
}

type slot struct {
	key   string
	start time.Time
}

// reserve is what this instance holds of one key's window.
type reserve struct {
	mu     sync.Mutex // one reservation at a time per key, so a burst takes one share
	left   int        // reserved in PostgreSQL, not yet allowed here
	refuse int        // a reservation of this many failed: the window has less room (0: unknown)
	end    time.Time  // when the window ends
}

// Batched returns a sharing limiter over l.
func (l *Limiter) Batched() *Batched {
	return &Batched{l: l, slots: map[slot]*reserve{}}
}

// Allow counts one attempt for key and reports whether it is within limit per window.
func (b *Batched) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	return b.AllowN(ctx, key, 1, limit, window)
}

// AllowN counts n attempts at once for key (a lookup of n numbers) and reports whether
// all n fit within limit per window; when they do not, none is counted. When not,
// retryAfter is the time until the window ends.
func (b *Batched) AllowN(ctx context.Context, key string, n, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error) {
	now := b.l.Now()
	s := slot{key, now.Truncate(window)}
	retry := s.start.Add(window).Sub(now)
	if n > limit {
		return false, retry, nil
	}
	r := b.reserve(s, now, window)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.left >= n {
		r.left -= n
		return true, 0, nil
	}
	if r.refuse > 0 && n >= r.refuse {
		return false, retry, nil // counts grow within a window (but for shares a stopped instance gave back): no trip
	}
	// Take a share, or failing that just what this request needs.
	share := min(limit, max(n, (limit+ShareDivisor-1)/ShareDivisor))
	got, err := b.take(ctx, s, share, limit)
	if err == nil && !got && share > n {
		share = n
		got, err = b.take(ctx, s, share, limit)
	}
	if err != nil {
		return false, 0, err
	}
	if got {
		r.left += share - n
		return true, 0, nil
	}
	r.refuse = n
	return false, retry, nil
}

// reserve returns this instance's reserve for s, now and then forgetting ended windows.
func (b *Batched) reserve(s slot, now time.Time, window time.Duration) *reserve {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.calls++; b.calls >= 10000 {
		b.calls = 0
		for k, r := range b.slots {
			if !r.end.After(now) {
				delete(b.slots, k)
			}
		}
	}
	r, ok := b.slots[s]
	if !ok {
		r = &reserve{end: s.start.Add(window)}
		b.slots[s] = r
	}
	return r
}

// take adds want to the key's shared count if the count stays within limit, in one
// statement, and reports whether it did.
func (b *Batched) take(ctx context.Context, s slot, want, limit int) (bool, error) {
	var total int
	err := b.l.pool.QueryRow(ctx, `INSERT INTO rate_counters (key, window_start, count) VALUES ($1, $2, $3)
ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + EXCLUDED.count
WHERE rate_counters.count + EXCLUDED.count <= $4
RETURNING count`, s.key, s.start, want, limit).Scan(&total)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ratelimit: reserve: %w", err)
	}
	return true, nil
}

// Stop gives the unused reserve of windows still open back to PostgreSQL, so a stopped
// instance leaves the other instances the room it did not use.
func (b *Batched) Stop() {
	now := b.l.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var batch pgx.Batch
	for s, r := range b.slots {
		r.mu.Lock()
		if r.left > 0 && r.end.After(now) {
			batch.Queue(`UPDATE rate_counters SET count = GREATEST(count - $3, 0) WHERE key = $1 AND window_start = $2`,
				s.key, s.start, r.left)
			r.left = 0
		}
		r.mu.Unlock()
	}
	b.slots = map[slot]*reserve{}
	if batch.Len() > 0 {
		b.l.pool.SendBatch(ctx, &batch).Close()
	}
}
