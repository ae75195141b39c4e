//go:build load

package notify_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"lcrm/internal/testdb"
	"lcrm/notify"
)

// TestOutboxThroughput is a load run (built only with -tags load): it measures enqueueing
// and sending 20,000 messages (LCRM_LOAD_SIZE to change) against the fake with
// LCRM_LOAD_WORKERS workers (default 8) and no rate limit. Run:
//
//	go test -tags load ./notify -run 'TestOutboxThroughput$' -v
func TestOutboxThroughput(t *testing.T) {
	n := testdb.LoadSize(20_000)
	workers := 8
	if v, err := strconv.Atoi(os.Getenv("LCRM_LOAD_WORKERS")); err == nil && v > 0 {
		workers = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRig(t, notify.Config{DailyCap: -1})
	start := time.Now()
	enqueueMany(t, r.o, r.pool, n)
	enq := time.Since(start)
	d := r.o.Dispatcher(r.drv, notify.DispatchConfig{Workers: workers, Batch: 50, Poll: 20 * time.Millisecond})
	start = time.Now()
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	limit := 30 * time.Minute
	waitFor(t, limit, 20*time.Millisecond, "the fake got every message", func() bool { return len(r.fake.Messages()) >= n })
	waitFor(t, limit, 10*time.Millisecond, "every message recorded sent", func() bool {
		var left int
		if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM sms_outbox WHERE status <> 'sent'`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		return left == 0
	})
	took := time.Since(start)
	cancel()
	<-done
	t.Logf("enqueue: %d in %v (%.0f/s); send: %d in %v with %d workers = %.0f messages/s",
		n, enq.Round(time.Millisecond), float64(n)/enq.Seconds(), n, took.Round(time.Millisecond), workers, float64(n)/took.Seconds())
}
