package ratelimit

import (
	"context"
	"sync"
	"testing"
	"time"

	"lcrm/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestAllow(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	clock := time.Date(2026, 11, 22, 10, 0, 30, 0, time.UTC)
	a, b := New(pool), New(pool) // two instances share the counters
	a.now = func() time.Time { return clock }
	b.now = a.now
	for i := 1; i <= 5; i++ {
		l := a
		if i%2 == 0 {
			l = b
		}
		if ok, _, err := l.Allow(ctx, "ip:1.2.3.4", 5, time.Minute); err != nil || !ok {
			t.Fatalf("attempt %d refused: %v", i, err)
		}
	}
	ok, retry, err := a.Allow(ctx, "ip:1.2.3.4", 5, time.Minute)
	if err != nil || ok || retry != 30*time.Second {
		t.Fatalf("6th attempt: ok=%v retry=%v err=%v; want refused, 30s", ok, retry, err)
	}
	if ok, _, _ := a.Allow(ctx, "ip:5.6.7.8", 5, time.Minute); !ok {
		t.Error("another key is limited too")
	}
	clock = clock.Add(time.Minute) // next window
	if ok, _, _ := a.Allow(ctx, "ip:1.2.3.4", 5, time.Minute); !ok {
		t.Error("the next window is still limited")
	}
	// Concurrent attempts are all counted.
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); a.Allow(ctx, "burst", 100, time.Minute) }()
	}
	wg.Wait()
	if n, _ := a.Count(ctx, "burst", time.Minute); n != 20 {
		t.Errorf("count after 20 concurrent attempts = %d", n)
	}
}

// Two instances share a limit through PostgreSQL, each counting locally between writes.
func TestBatched(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	l1, l2 := New(pool), New(pool)
	l1.now = func() time.Time { return clock }
	l2.now = l1.now
	a, b := l1.Batched(time.Hour), l2.Batched(time.Hour) // flushed by hand below
	defer a.Stop()
	defer b.Stop()
	for i := 0; i < 6; i++ {
		if ok, _ := a.Allow("ip:1", 10, time.Minute); !ok {
			t.Fatalf("a: attempt %d refused", i+1)
		}
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		b.Allow("ip:1", 10, time.Minute)
	}
	if err := b.Flush(ctx); err != nil { // b learns the shared total: 10
		t.Fatal(err)
	}
	if ok, retry := b.Allow("ip:1", 10, time.Minute); ok || retry != time.Minute {
		t.Errorf("b after the shared total reached 10: ok=%v retry=%v", ok, retry)
	}
	if n, _ := l1.Count(ctx, "ip:1", time.Minute); n != 10 {
		t.Errorf("stored count = %d, want 10", n)
	}
	// Locally, one instance alone stops at the limit without any write.
	for i := 0; i < 3; i++ {
		a.Allow("ip:2", 3, time.Minute)
	}
	if ok, _ := a.Allow("ip:2", 3, time.Minute); ok {
		t.Error("4th attempt with limit 3 allowed")
	}
}
