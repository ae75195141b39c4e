package complaints

import (
	"sort"
	"time"

	"lcrm/internal/config"
)

// DefaultZone is the service desk's zone when a Store has none set (config.DefaultZone).
var DefaultZone = config.DefaultZone

// Policy is one row of the SLA policy table: the deadlines for one priority and tier.
type Policy struct {
	Priority             Priority
	Tier                 string
	FirstResponseMinutes int
	ResolutionMinutes    int
	BusinessHoursOnly    bool // false: minutes count around the clock
}

// Span is one day's opening hours as offsets from midnight.
type Span struct{ Opens, Closes time.Duration }

// Calendar is when the service desk works: opening hours per weekday (a weekday missing
// is closed) and holidays (closed all day), in Zone.
type Calendar struct {
	Zone     *time.Location
	Hours    map[time.Weekday]Span
	Holidays map[string]bool // "2006-01-02" in Zone
	// Pauses are one complaint's stretches in which its SLA clocks stand still (a
	// disruption's window, see Pause). Policy's deadlines and elapsed time skip them;
	// AddWorkingMinutes and WorkingMinutes, which know only the desk's hours, do not.
	Pauses []Pause
}

// Pause is a stretch of time in which a complaint's SLA clocks stand still: the window of
// a disruption that affects its parcel (table complaint_pauses, key "disruption:<id>").
// A deadline is as far after its start as the policy's minutes of counted time, counted
// outside every pause; pauses may overlap.
type Pause struct {
	Key      string
	From, To time.Time
}

// merged returns the pauses sorted by start with overlapping or touching ones joined.
func merged(ps []Pause) []Pause {
	out := make([]Pause, 0, len(ps))
	for _, p := range ps {
		if p.To.After(p.From) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	n := 0
	for _, p := range out {
		if n > 0 && !p.From.After(out[n-1].To) {
			if p.To.After(out[n-1].To) {
				out[n-1].To = p.To
			}
			continue
		}
		out[n] = p
		n++
	}
	return out[:n]
}

// DefaultCalendar is Monday to Friday, 09:00-18:00 Asia/Shanghai, with no holidays.
func DefaultCalendar() Calendar {
	h := map[time.Weekday]Span{}
	for d := time.Monday; d <= time.Friday; d++ {
		h[d] = Span{9 * time.Hour, 18 * time.Hour}
	}
	return Calendar{Zone: DefaultZone, Hours: h, Holidays: map[string]bool{}}
}

// open returns the working span of the day that starts at midnight, if the desk works then.
func (cal Calendar) open(midnight time.Time) (from, to time.Time, ok bool) {
	if cal.Holidays[midnight.Format(time.DateOnly)] {
		return time.Time{}, time.Time{}, false
	}
	sp, ok := cal.Hours[midnight.Weekday()]
	if !ok || sp.Closes <= sp.Opens {
		return time.Time{}, time.Time{}, false
	}
	y, m, d := midnight.Date()
	at := func(off time.Duration) time.Time {
		return time.Date(y, m, d, 0, 0, 0, 0, midnight.Location()).Add(off)
	}
	return at(sp.Opens), at(sp.Closes), true
}

// maxDays bounds the walk over a calendar that is never open.
const maxDays = 3660

// midnight returns the start of t's day in the calendar's zone.
func (cal Calendar) midnight(t time.Time) time.Time {
	z := cal.Zone
	if z == nil {
		z = DefaultZone
	}
	t = t.In(z)
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, z)
}

// AddWorkingMinutes returns the moment when minutes of working time have passed after
// start: time outside the opening hours, on closed weekdays and on holidays does not count.
// A start outside hours counts from the next opening. A calendar that is never open counts
// around the clock.
func AddWorkingMinutes(start time.Time, minutes int, cal Calendar) time.Time {
	return addWorking(start, time.Duration(minutes)*time.Minute, cal)
}

// addWorking is AddWorkingMinutes for any duration.
func addWorking(start time.Time, left time.Duration, cal Calendar) time.Time {
	if left <= 0 {
		return start
	}
	total := left
	t := start
	day := cal.midnight(start)
	for i := 0; i < maxDays; i++ {
		from, to, ok := cal.open(day)
		next := day.AddDate(0, 0, 1)
		if ok && t.Before(to) {
			if t.Before(from) {
				t = from
			}
			if avail := to.Sub(t); left <= avail {
				return t.Add(left).In(start.Location())
			} else {
				left -= avail
			}
		}
		day = next
		t = next
	}
	return start.Add(total)
}

// WorkingMinutes returns the working time between a and b in whole minutes (0 when b is not
// after a).
func WorkingMinutes(a, b time.Time, cal Calendar) int {
	return int(working(a, b, cal) / time.Minute)
}

// working is the working time between a and b.
func working(a, b time.Time, cal Calendar) time.Duration {
	if !b.After(a) {
		return 0
	}
	var sum time.Duration
	day := cal.midnight(a)
	for i := 0; i < maxDays && day.Before(b); i++ {
		if from, to, ok := cal.open(day); ok {
			lo, hi := later(from, a), earlier(to, b)
			if hi.After(lo) {
				sum += hi.Sub(lo)
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return sum
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// add returns start plus minutes under the policy: working minutes on the calendar when the
// policy counts business hours only, else wall-clock minutes; time inside the calendar's
// pauses does not count either way.
func (p Policy) add(start time.Time, minutes int, cal Calendar) time.Time {
	left := time.Duration(minutes) * time.Minute
	t := start
	for _, ps := range merged(cal.Pauses) {
		if !ps.To.After(t) {
			continue
		}
		if ps.From.After(t) {
			if end := p.addCounted(t, left, cal); !end.After(ps.From) {
				return end
			}
			left -= p.counted(t, ps.From, cal)
		}
		t = ps.To
	}
	return p.addCounted(t, left, cal)
}

// addCounted is start plus d of time the policy counts (working or wall-clock), pauses aside.
func (p Policy) addCounted(start time.Time, d time.Duration, cal Calendar) time.Time {
	if p.BusinessHoursOnly {
		return addWorking(start, d, cal)
	}
	return start.Add(max(d, 0))
}

// counted is the time between a and b the policy counts, pauses aside.
func (p Policy) counted(a, b time.Time, cal Calendar) time.Duration {
	if !b.After(a) {
		return 0
	}
	if p.BusinessHoursOnly {
		return working(a, b, cal)
	}
	return b.Sub(a)
}

// elapsed returns the minutes between a and b that count under the policy, outside the
// calendar's pauses (so a wait on the customer inside a disruption is not counted twice).
func (p Policy) elapsed(a, b time.Time, cal Calendar) int {
	if !b.After(a) {
		return 0
	}
	var sum time.Duration
	t := a
	for _, ps := range merged(cal.Pauses) {
		if !ps.To.After(t) {
			continue
		}
		if !ps.From.Before(b) {
			break
		}
		sum += p.counted(t, ps.From, cal)
		t = ps.To
	}
	sum += p.counted(t, b, cal)
	return int(sum / time.Minute)
}

// FirstResponseDue is the first-response deadline of a complaint filed at created.
func (p Policy) FirstResponseDue(created time.Time, cal Calendar) time.Time {
	return p.add(created, p.FirstResponseMinutes, cal)
}

// ResolutionDue is the resolution deadline of a clock started at start that has been
// paused for pausedMinutes (counted under the policy).
func (p Policy) ResolutionDue(start time.Time, pausedMinutes int, cal Calendar) time.Time {
	return p.add(start, p.ResolutionMinutes+pausedMinutes, cal)
}

// SLA states for the console.
const (
	SLAOk       = "ok"
	SLADueSoon  = "due_soon" // at least DueSoonShare of a deadline's window used
	SLABreached = "breached"
)

// DueSoonShare is the share of a deadline's window after which it counts as due soon.
const DueSoonShare = 0.8

// SLAState tells the console how a complaint stands against its deadlines at now: the
// share of the first-response and resolution windows used (wall-clock time; 1 or more is
// past due; a met deadline is measured at the moment it was met, a paused clock at the
// pause), and the overall state of the clocks still running (for a resolved complaint,
// whether resolution came in time).
func SLAState(c *Complaint, now time.Time) (state string, firstUsed, resolutionUsed float64) {
	firstEnd := now
	if c.FirstRespondedAt != nil {
		firstEnd = *c.FirstRespondedAt
	}
	firstUsed = share(c.CreatedAt, c.FirstResponseDue, firstEnd)
	resEnd := now
	switch {
	case !c.Status.Open() && c.ResolvedAt != nil:
		resEnd = *c.ResolvedAt
	case c.PausedSince != nil:
		resEnd = *c.PausedSince
	}
	start := c.ClockStart
	if start.IsZero() {
		start = c.CreatedAt
	}
	resolutionUsed = share(start, c.ResolutionDue, resEnd)
	worst := resolutionUsed
	if c.FirstRespondedAt == nil && c.Status.Open() && firstUsed > worst {
		worst = firstUsed
	}
	switch {
	case worst >= 1:
		return SLABreached, firstUsed, resolutionUsed
	case worst >= DueSoonShare && c.Status.Open():
		return SLADueSoon, firstUsed, resolutionUsed
	}
	return SLAOk, firstUsed, resolutionUsed
}

// share is how much of the window start..due has passed at t.
func share(start, due, t time.Time) float64 {
	total := due.Sub(start)
	if total <= 0 {
		if t.Before(due) {
			return 0
		}
		return 1
	}
	return float64(t.Sub(start)) / float64(total)
}
