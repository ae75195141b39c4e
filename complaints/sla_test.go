package complaints_test

import (
	"testing"
	"time"

	"lcrm/complaints"
)

func sh(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, complaints.DefaultZone)
}

func TestAddWorkingMinutes(t *testing.T) {
	t.Parallel()
	cal := complaints.DefaultCalendar()
	cal.Holidays["2026-11-26"] = true // Thursday
	for _, tc := range []struct {
		name    string
		start   time.Time
		minutes int
		want    time.Time
	}{
		{"within the day", sh(23, 10, 0), 30, sh(23, 10, 30)},
		{"zero", sh(23, 22, 0), 0, sh(23, 22, 0)},
		{"exactly to closing", sh(23, 17, 0), 60, sh(23, 18, 0)},
		{"over the night", sh(23, 17, 30), 60, sh(24, 9, 30)},
		{"filed at night", sh(23, 23, 0), 30, sh(24, 9, 30)},
		{"filed before opening", sh(24, 6, 0), 30, sh(24, 9, 30)},
		{"a full working day", sh(23, 9, 0), 540, sh(23, 18, 0)},
		{"two days", sh(23, 10, 0), 1080, sh(25, 10, 0)},
		{"over the holiday", sh(25, 17, 0), 120, sh(27, 10, 0)},
		{"friday evening to monday", sh(27, 17, 45), 30, sh(30, 9, 15)},
		{"filed on saturday", sh(28, 12, 0), 60, sh(30, 10, 0)},
		{"filed on the holiday", sh(26, 11, 0), 10, sh(27, 9, 10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := complaints.AddWorkingMinutes(tc.start, tc.minutes, cal); !got.Equal(tc.want) {
				t.Errorf("AddWorkingMinutes(%v, %d) = %v, want %v", tc.start, tc.minutes, got.In(complaints.DefaultZone), tc.want)
			}
		})
	}
	// A calendar that is never open counts around the clock instead of looping forever.
	closed := complaints.Calendar{Zone: complaints.DefaultZone}
	if got := complaints.AddWorkingMinutes(sh(23, 10, 0), 90, closed); !got.Equal(sh(23, 11, 30)) {
		t.Errorf("closed calendar: %v", got)
	}
	// The result keeps the caller's zone.
	if got := complaints.AddWorkingMinutes(sh(23, 10, 0).UTC(), 30, cal); got.Location() != time.UTC {
		t.Errorf("zone = %v, want UTC", got.Location())
	}
}

func TestWorkingMinutes(t *testing.T) {
	t.Parallel()
	cal := complaints.DefaultCalendar()
	cal.Holidays["2026-11-26"] = true
	for _, tc := range []struct {
		name string
		a, b time.Time
		want int
	}{
		{"same day", sh(23, 10, 0), sh(23, 11, 15), 75},
		{"backwards", sh(23, 11, 0), sh(23, 10, 0), 0},
		{"overnight", sh(23, 17, 0), sh(24, 10, 0), 120},
		{"all night only", sh(23, 19, 0), sh(24, 8, 0), 0},
		{"weekend", sh(27, 17, 0), sh(30, 9, 30), 90},
		{"holiday", sh(25, 17, 0), sh(27, 10, 0), 120},
	} {
		if got := complaints.WorkingMinutes(tc.a, tc.b, cal); got != tc.want {
			t.Errorf("%s: WorkingMinutes = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestSLAState(t *testing.T) {
	t.Parallel()
	created := sh(23, 10, 0)
	responded := sh(23, 10, 20)
	resolved := sh(23, 13, 0)
	paused := sh(23, 10, 30)
	base := complaints.Complaint{Status: complaints.StatusNew, CreatedAt: created, ClockStart: created,
		FirstResponseDue: sh(23, 11, 0), ResolutionDue: sh(23, 20, 0)}
	for _, tc := range []struct {
		name      string
		edit      func(c *complaints.Complaint)
		now       time.Time
		want      string
		wantFirst float64
	}{
		{"fresh", func(c *complaints.Complaint) {}, sh(23, 10, 30), complaints.SLAOk, 0.5},
		{"first response due soon", func(c *complaints.Complaint) {}, sh(23, 10, 48), complaints.SLADueSoon, 0.8},
		{"first response breached", func(c *complaints.Complaint) {}, sh(23, 11, 0), complaints.SLABreached, 1},
		{"answered in time", func(c *complaints.Complaint) { c.FirstRespondedAt = &responded }, sh(23, 12, 0), complaints.SLAOk, 1.0 / 3},
		{"resolution due soon", func(c *complaints.Complaint) { c.FirstRespondedAt = &responded }, sh(23, 18, 0), complaints.SLADueSoon, 1.0 / 3},
		{"resolution breached", func(c *complaints.Complaint) { c.FirstRespondedAt = &responded }, sh(23, 21, 0), complaints.SLABreached, 1.0 / 3},
		{"paused clock stands still", func(c *complaints.Complaint) {
			c.FirstRespondedAt, c.PausedSince, c.Status = &responded, &paused, complaints.StatusWaitingCustomer
		}, sh(24, 12, 0), complaints.SLAOk, 1.0 / 3},
		{"resolved in time", func(c *complaints.Complaint) {
			c.FirstRespondedAt, c.ResolvedAt, c.Status = &responded, &resolved, complaints.StatusResolved
		}, sh(30, 12, 0), complaints.SLAOk, 1.0 / 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			state, first, _ := complaints.SLAState(&c, tc.now)
			if state != tc.want || first < tc.wantFirst-0.001 || first > tc.wantFirst+0.001 {
				t.Errorf("SLAState = %s, %.3f; want %s, %.3f", state, first, tc.want, tc.wantFirst)
			}
		})
	}
}
