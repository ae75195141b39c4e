package complaints_test

import (
	"testing"
	"time"

	"lcrm/complaints"
)

// The customer's promised time is always within opening hours, never before the deadline.
func TestCustomerDue(t *testing.T) {
	t.Parallel()
	cal := complaints.DefaultCalendar() // Mon-Fri 09:00-18:00 Asia/Shanghai
	cal.Holidays["2026-12-07"] = true   // a Monday off
	z := cal.Zone
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, z) }
	tests := []struct {
		name      string
		due, want time.Time
	}{
		{"within hours", at(2, 10, 30), at(2, 10, 30)},
		{"at closing", at(2, 18, 0), at(2, 18, 0)},
		{"at night", at(2, 23, 10), at(3, 9, 0)},
		{"before opening", at(3, 3, 0), at(3, 9, 0)},
		{"friday evening to monday", at(4, 19, 0), at(8, 9, 0)}, // Sat, Sun, and the holiday Monday closed
		{"sunday", at(6, 12, 0), at(8, 9, 0)},
		{"in UTC", at(2, 23, 10).UTC(), at(3, 9, 0).UTC()},
	}
	for _, tt := range tests {
		got := complaints.CustomerDue(tt.due, cal)
		if !got.Equal(tt.want) {
			t.Errorf("%s: CustomerDue(%v) = %v, want %v", tt.name, tt.due, got, tt.want)
		}
		if got.Before(tt.due) {
			t.Errorf("%s: promised %v before the deadline %v", tt.name, got, tt.due)
		}
	}
	closed := complaints.Calendar{Zone: z}
	if got := complaints.CustomerDue(at(2, 23, 0), closed); !got.Equal(at(2, 23, 0)) {
		t.Errorf("never-open calendar moved the deadline to %v", got)
	}
}
