package clock_test

import (
	"sync"
	"testing"
	"time"

	"lcrm/internal/clock"
)

func TestSystemIsWallClock(t *testing.T) {
	t.Parallel()
	before := time.Now()
	got := clock.System()
	if got.Before(before) || got.After(time.Now()) {
		t.Fatalf("System() = %v, not between %v and now", got, before)
	}
}

func TestManual(t *testing.T) {
	t.Parallel()
	start := time.Date(2020, 2, 29, 23, 59, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		move func(m *clock.Manual)
		want time.Time
	}{
		{"stands still", func(*clock.Manual) {}, start},
		{"add", func(m *clock.Manual) { m.Add(2 * time.Minute) }, start.Add(2 * time.Minute)},
		{"add negative", func(m *clock.Manual) { m.Add(-48 * time.Hour) }, start.Add(-48 * time.Hour)},
		{"set", func(m *clock.Manual) { m.Set(start.AddDate(3, 0, 0)) }, start.AddDate(3, 0, 0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := clock.NewManual(start)
			c.move(m)
			var now clock.Clock = m.Now // assignable to a store's Now field
			if got := now(); !got.Equal(c.want) {
				t.Fatalf("Now() = %v, want %v", got, c.want)
			}
			if got := now(); !got.Equal(c.want) {
				t.Fatalf("second Now() = %v, want %v (a manual clock does not tick)", got, c.want)
			}
		})
	}
}

func TestManualConcurrent(t *testing.T) {
	t.Parallel()
	start := time.Unix(0, 0)
	m := clock.NewManual(start)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(2)
		go func() { defer wg.Done(); m.Add(time.Second) }()
		go func() { defer wg.Done(); _ = m.Now() }()
	}
	wg.Wait()
	if got := m.Now(); !got.Equal(start.Add(50 * time.Second)) {
		t.Fatalf("after 50 concurrent Add(1s): %v", got)
	}
}
