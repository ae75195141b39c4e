package billing

import (
	"testing"
	"time"
)

func TestYuan(t *testing.T) {
	for _, tt := range []struct {
		fen  int64
		want string
	}{{0, "0.00"}, {5, "0.05"}, {150, "1.50"}, {123456, "1,234.56"}, {100000000, "1,000,000.00"}, {-1500, "-15.00"}, {-99, "-0.99"}} {
		if got := Yuan(tt.fen); got != tt.want {
			t.Errorf("Yuan(%d) = %q, want %q", tt.fen, got, tt.want)
		}
	}
}

func TestDaysOverdue(t *testing.T) {
	due := mustTime("2026-12-01T00:00:00+08:00")
	for _, tt := range []struct {
		at   string
		want int
	}{{"2026-11-30T23:00:00+08:00", 0}, {"2026-12-01T00:00:00+08:00", 0}, {"2026-12-01T00:00:01+08:00", 1},
		{"2026-12-02T00:00:00+08:00", 1}, {"2026-12-02T00:00:01+08:00", 2}} {
		if got := daysOverdue(due, mustTime(tt.at)); got != tt.want {
			t.Errorf("daysOverdue(%s) = %d, want %d", tt.at, got, tt.want)
		}
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
