package complaints_test

import (
	"testing"
	"time"

	"lcrm/complaints"
)

// TestPausedDeadlines is the deadline arithmetic with disruption pauses: the paused
// stretches do not count, on the wall clock and on the business calendar (Mon–Fri
// 09:00–18:00), and overlapping pauses count once.
func TestPausedDeadlines(t *testing.T) {
	t.Parallel()
	wall := complaints.Policy{FirstResponseMinutes: 120, ResolutionMinutes: 1440}
	biz := complaints.Policy{FirstResponseMinutes: 60, ResolutionMinutes: 540, BusinessHoursOnly: true}
	pause := func(a, b time.Time) complaints.Pause { return complaints.Pause{Key: "disruption:1", From: a, To: b} }
	for _, tc := range []struct {
		name   string
		pol    complaints.Policy
		start  time.Time
		pauses []complaints.Pause
		want   time.Time // resolution deadline
	}{
		{"wall: no pause", wall, sh(23, 10, 0), nil, sh(24, 10, 0)},
		{"wall: pause before the start", wall, sh(23, 10, 0), []complaints.Pause{pause(sh(22, 8, 0), sh(22, 20, 0))}, sh(24, 10, 0)},
		{"wall: pause inside the window", wall, sh(23, 10, 0), []complaints.Pause{pause(sh(23, 12, 0), sh(23, 18, 0))}, sh(24, 16, 0)},
		{"wall: filed inside a pause", wall, sh(23, 10, 0), []complaints.Pause{pause(sh(23, 8, 0), sh(23, 14, 0))}, sh(24, 14, 0)},
		{"wall: pause after the deadline", wall, sh(23, 10, 0), []complaints.Pause{pause(sh(25, 8, 0), sh(25, 20, 0))}, sh(24, 10, 0)},
		{"wall: pause starting at the deadline", wall, sh(23, 10, 0), []complaints.Pause{pause(sh(24, 10, 0), sh(24, 12, 0))}, sh(24, 10, 0)},
		{"wall: pause a minute before the deadline", wall, sh(23, 10, 0), []complaints.Pause{pause(sh(24, 9, 59), sh(24, 12, 0))}, sh(24, 12, 1)},
		{"wall: overlapping pauses count once", wall, sh(23, 10, 0), []complaints.Pause{pause(sh(23, 12, 0), sh(23, 15, 0)), pause(sh(23, 14, 0), sh(23, 18, 0))}, sh(24, 16, 0)},
		{"wall: two pauses", wall, sh(23, 10, 0), []complaints.Pause{pause(sh(23, 20, 0), sh(23, 22, 0)), pause(sh(23, 12, 0), sh(23, 13, 0))}, sh(24, 13, 0)},
		{"wall: seconds are kept", wall, sh(23, 10, 0).Add(20 * time.Second), []complaints.Pause{pause(sh(23, 10, 30), sh(23, 11, 0))}, sh(24, 10, 30).Add(20 * time.Second)},
		{"business: no pause", biz, sh(23, 10, 0), nil, sh(24, 10, 0)},
		{"business: pause over a working day", biz, sh(23, 10, 0), []complaints.Pause{pause(sh(23, 12, 0), sh(24, 12, 0))}, sh(25, 10, 0)},
		{"business: pause over the night only", biz, sh(23, 10, 0), []complaints.Pause{pause(sh(23, 18, 0), sh(24, 9, 0))}, sh(24, 10, 0)},
		{"business: pause into the weekend", biz, sh(27, 14, 0), []complaints.Pause{pause(sh(27, 16, 0), sh(30, 11, 0))}, sh(30, 18, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cal := complaints.DefaultCalendar()
			cal.Pauses = tc.pauses
			if got := tc.pol.ResolutionDue(tc.start, 0, cal); !got.Equal(tc.want) {
				t.Errorf("ResolutionDue = %v, want %v", got.In(complaints.DefaultZone), tc.want)
			}
			// The time counted from the start to the deadline is the policy's length, whatever the pauses.
			if got := complaints.PolicyElapsed(tc.pol, tc.start, tc.want, cal); got != tc.pol.ResolutionMinutes {
				t.Errorf("elapsed to the deadline = %d min, want %d", got, tc.pol.ResolutionMinutes)
			}
		})
	}
	// The first-response clock skips the pause too.
	cal := complaints.DefaultCalendar()
	cal.Pauses = []complaints.Pause{pause(sh(23, 11, 0), sh(23, 13, 0))}
	if got := wall.FirstResponseDue(sh(23, 10, 0), cal); !got.Equal(sh(23, 14, 0)) {
		t.Errorf("FirstResponseDue = %v, want 14:00", got.In(complaints.DefaultZone))
	}
}
