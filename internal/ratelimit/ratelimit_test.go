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
