package complaints_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lcrm/audit"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/errs"
)

// Deadlines of filed complaints follow the stored policy, business hours and holidays.
func TestDeadlinesFromStoredCalendar(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user("admin", "admin", 0)
	pols, err := f.store.Policies(ctx)
	if err != nil || len(pols) != 12 || pols[0].Priority != complaints.P1 || pols[0].Tier != "key" {
		t.Fatalf("policies = %+v, %v", pols, err)
	}
	// P3 regular: 240 / 1620 working minutes. Filed Friday 16:00; Monday is a holiday and
	// Saturday works 10:00-12:00.
	if err := f.store.SetHoliday(ctx, sh(30, 0, 0), "公司假日", admin); err != nil {
		t.Fatal(err)
	}
	if err := f.store.SetBusinessHours(ctx, time.Saturday, complaints.Span{Opens: 10 * time.Hour, Closes: 12 * time.Hour}, admin); err != nil {
		t.Fatal(err)
	}
	f.now = sh(27, 16, 0)
	c := f.file(complaints.Delayed, customers.TierRegular)
	// 2 h Friday + 2 h Saturday = 240: first response due Saturday 12:00.
	if want := sh(28, 12, 0); !c.FirstResponseDue.Equal(want) {
		t.Errorf("first response due %v, want %v", c.FirstResponseDue.In(complaints.DefaultZone), want)
	}
	// 1620 = 120 + 120 + 540 (Tue) + 540 (Wed) + 300 (Thu 09:00-14:00).
	if want := time.Date(2026, 12, 3, 14, 0, 0, 0, complaints.DefaultZone); !c.ResolutionDue.Equal(want) {
		t.Errorf("resolution due %v, want %v", c.ResolutionDue.In(complaints.DefaultZone), want)
	}
	// A tighter policy applies to complaints whose priority is set afterwards.
	tight := complaints.Policy{Priority: complaints.P2, Tier: "regular", FirstResponseMinutes: 10, ResolutionMinutes: 60}
	if err := f.store.SavePolicy(ctx, tight, admin); err != nil {
		t.Fatal(err)
	}
	if err := f.store.SetPriority(ctx, c.ID, complaints.P2, admin); err != nil {
		t.Fatal(err)
	}
	if got := f.get(c.ID); !got.FirstResponseDue.Equal(sh(27, 16, 10)) || !got.ResolutionDue.Equal(sh(27, 17, 0)) {
		t.Errorf("after P2: %v / %v", got.FirstResponseDue, got.ResolutionDue)
	}
	var ve *errs.ValidationError
	if err := f.store.SavePolicy(ctx, complaints.Policy{Priority: "P0", Tier: "gold"}, admin); !errors.As(err, &ve) || len(ve.Fields) != 4 {
		t.Errorf("bad policy: %v", err)
	}
	// Removing the holiday and closing Saturday again is visible in the calendar.
	_ = f.store.SetHoliday(ctx, sh(30, 0, 0), "", admin)
	_ = f.store.SetBusinessHours(ctx, time.Saturday, complaints.Span{}, admin)
	cal, err := f.store.Calendar(ctx)
	if _, sat := cal.Hours[time.Saturday]; err != nil || sat || cal.Holidays["2026-11-30"] || cal.Hours[time.Monday].Opens != 9*time.Hour {
		t.Errorf("calendar = %+v, %v", cal, err)
	}
	logged, _ := audit.List(ctx, f.pool, audit.Filter{ActorID: admin.UserID})
	if len(logged) != 6 { // holiday, hours, policy, priority, holiday, hours
		t.Errorf("%d audit entries, want 6", len(logged))
	}
}

// Business hours are kept in the store's zone (LCRM_TIMEZONE), not always in Shanghai.
func TestDeadlinesInConfiguredZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	f.store.Zone = ny
	if got := f.store.Location(); got != ny {
		t.Fatalf("Location = %v", got)
	}
	cal, err := f.store.Calendar(context.Background())
	if err != nil || cal.Zone != ny {
		t.Fatalf("calendar zone = %v, %v", cal.Zone, err)
	}
	// P3 regular: 240 working minutes. Filed Friday 16:00 in New York (Saturday 05:00 in
	// Shanghai): 2 h on Friday, 2 h on Monday from 09:00 New York time.
	f.now = time.Date(2026, 11, 27, 16, 0, 0, 0, ny)
	c := f.file(complaints.Delayed, customers.TierRegular)
	if want := time.Date(2026, 11, 30, 11, 0, 0, 0, ny); !c.FirstResponseDue.Equal(want) {
		t.Errorf("first response due %v, want %v", c.FirstResponseDue.In(ny), want)
	}
}
