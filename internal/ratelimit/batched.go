package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Batched is a Limiter for busy keys (public lookups): it counts in memory and adds the
// counts to PostgreSQL every interval in one round trip, so a busy key costs one write per
// interval per instance instead of one per request, and requests never queue on the
// counter row. Across instances a limit holds up to what the others counted during one
// interval. Use Limiter.Allow where every attempt must count exactly (wrong answers).
type Batched struct {
	l        *Limiter
	interval time.Duration
	flushing sync.Mutex // one Flush at a time
	mu       sync.Mutex
	pending  map[slot]int // counted here, not yet written
	writing  map[slot]int // counted here, being written by Flush
	shared   map[slot]int // the total in PostgreSQL after our last write
	stop     chan struct{}
	done     chan struct{}
}

type slot struct {
	key   string
	start time.Time
}

// Batched returns a batched limiter over l that writes every interval until Stop.
func (l *Limiter) Batched(interval time.Duration) *Batched {
	b := &Batched{l: l, interval: interval, pending: map[slot]int{}, writing: map[slot]int{}, shared: map[slot]int{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b
}

// Allow counts one attempt for key and reports whether it is within limit per window.
func (b *Batched) Allow(key string, limit int, window time.Duration) (bool, time.Duration) {
	return b.AllowN(key, 1, limit, window)
}

// AllowN counts n attempts at once for key (a lookup of n numbers) and reports whether
// all n fit within limit per window; when they do not, none is counted. The check and the
// count happen under one lock, so within an instance concurrent callers never pass the
// limit together.
func (b *Batched) AllowN(key string, n, limit int, window time.Duration) (bool, time.Duration) {
	now := b.l.Now()
	s := slot{key, now.Truncate(window)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shared[s]+b.writing[s]+b.pending[s]+n > limit {
		return false, s.start.Add(window).Sub(now)
	}
	b.pending[s] += n
	return true, 0
}

func (b *Batched) run() {
	defer close(b.done)
	t := time.NewTicker(b.interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			b.Flush(context.Background())
			return
		case <-t.C:
			b.Flush(context.Background())
		}
	}
}

// Flush writes the pending counts now and learns the shared totals. While they are being
// written they still count here (writing), so a burst during a flush cannot slip through
// in the moment between taking the counts and learning the new totals.
func (b *Batched) Flush(ctx context.Context) error {
	b.flushing.Lock()
	defer b.flushing.Unlock()
	b.mu.Lock()
	pending := b.pending
	b.pending, b.writing = map[slot]int{}, pending
	b.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	var batch pgx.Batch
	slots := make([]slot, 0, len(pending))
	for s, n := range pending {
		slots = append(slots, s)
		batch.Queue(`INSERT INTO rate_counters (key, window_start, count) VALUES ($1, $2, $3)
ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + EXCLUDED.count
RETURNING count`, s.key, s.start, n)
	}
	res := b.l.pool.SendBatch(ctx, &batch)
	defer res.Close()
	totals := make(map[slot]int, len(slots))
	for _, s := range slots {
		var n int
		if err := res.QueryRow().Scan(&n); err != nil {
			b.mu.Lock() // keep the counts for the next try
			for _, s := range slots {
				b.pending[s] += pending[s]
			}
			b.writing = map[slot]int{}
			b.mu.Unlock()
			return err
		}
		totals[s] = n
	}
	now := b.l.Now()
	b.mu.Lock()
	for s, n := range totals {
		b.shared[s] = n
	}
	b.writing = map[slot]int{}
	for s := range b.shared { // forget windows that ended more than an hour ago
		if s.start.Before(now.Add(-time.Hour)) {
			delete(b.shared, s)
		}
	}
	b.mu.Unlock()
	return nil
}

// Stop writes what is pending and ends the background writer.
func (b *Batched) Stop() {
	close(b.stop)
	<-b.done
}
