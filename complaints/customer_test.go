package complaints_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/errs"
)

// force sets a complaint's status and resolution time directly (a starting point for a test).
func (f *fixture) force(id int64, s complaints.Status, resolvedAgo time.Duration) {
	f.t.Helper()
	var resolved *time.Time
	if resolvedAgo > 0 {
		r := f.now.Add(-resolvedAgo)
		resolved = &r
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE complaints SET status = $2, resolved_at = $3 WHERE id = $1`, id, s, resolved); err != nil {
		f.t.Fatal(err)
	}
}

func TestCustomerMessageResumesClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := f.file(complaints.Delayed, customers.TierRegular) // P3 regular: 1620 working minutes
	if want := sh(26, 10, 0); !c.ResolutionDue.Equal(want) {
		t.Fatalf("resolution due %v, want %v", c.ResolutionDue, want)
	}
	_, err := f.pool.Exec(ctx, `UPDATE complaints SET status = 'waiting_customer', paused_since = $2 WHERE id = $1`, c.ID, sh(23, 11, 0))
	if err != nil {
		t.Fatal(err)
	}
	f.now = sh(24, 11, 0) // paused 7 + 2 working hours
	for range 2 {         // the second, identical message is a double submit
		if err := f.store.AddCustomerMessage(ctx, c.ID, " 我明天在家 "); err != nil {
			t.Fatal(err)
		}
	}
	got := f.get(c.ID)
	if got.Status != complaints.StatusInProgress || got.PausedSince != nil || got.PausedMinutes != 540 {
		t.Fatalf("after message: %s paused %v %d", got.Status, got.PausedSince, got.PausedMinutes)
	}
	if want := sh(27, 10, 0); !got.ResolutionDue.Equal(want) {
		t.Errorf("resolution due %v, want %v", got.ResolutionDue.In(complaints.DefaultZone), want)
	}
	tl, _ := f.store.Timeline(ctx, c.ID, false)
	if len(tl) != 3 || tl[1].Kind != complaints.KindCustomerMessage || tl[1].Text != "我明天在家" ||
		tl[2].FromStatus != complaints.StatusWaitingCustomer || tl[2].ToStatus != complaints.StatusInProgress {
		t.Errorf("timeline = %+v", tl)
	}
	var ve *errs.ValidationError
	if err := f.store.AddCustomerMessage(ctx, c.ID, "  "); !errors.As(err, &ve) {
		t.Errorf("blank message: %v", err)
	}
	f.force(c.ID, complaints.StatusClosed, time.Hour)
	if err := f.store.AddCustomerMessage(ctx, c.ID, "hello"); !errors.Is(err, complaints.ErrIllegalTransition) {
		t.Errorf("message on closed: %v", err)
	}
	if err := f.store.AddCustomerMessage(ctx, c.ID+99, "hello"); !errors.Is(err, complaints.ErrNotFound) {
		t.Errorf("message on missing: %v", err)
	}
}

func TestConfirmResolved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := f.file(complaints.Billing, customers.TierRegular)
	if err := f.store.ConfirmResolved(ctx, c.ID); !errors.Is(err, complaints.ErrIllegalTransition) {
		t.Errorf("confirm new: %v", err)
	}
	f.force(c.ID, complaints.StatusResolved, time.Hour)
	for range 2 {
		if err := f.store.ConfirmResolved(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	got := f.get(c.ID)
	if got.Status != complaints.StatusClosed || got.ClosedAt == nil || !got.ClosedAt.Equal(f.now) {
		t.Errorf("after confirm: %s %v", got.Status, got.ClosedAt)
	}
	if tl, _ := f.store.Timeline(ctx, c.ID, true); len(tl) != 2 {
		t.Errorf("timeline has %d entries, want 2", len(tl))
	}
}

func TestReopen(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	for _, tc := range []struct {
		name        string
		status      complaints.Status
		resolvedAgo time.Duration
		want        error
	}{
		{"resolved yesterday", complaints.StatusResolved, day, nil},
		{"closed 6 days 23 hours ago", complaints.StatusClosed, 7*day - time.Hour, nil},
		{"closed 8 days ago", complaints.StatusClosed, 8 * day, complaints.ErrReopenExpired},
		{"resolved 7 days and a minute ago", complaints.StatusResolved, 7*day + time.Minute, complaints.ErrReopenExpired},
		{"still new", complaints.StatusNew, 0, complaints.ErrIllegalTransition},
		{"in progress", complaints.StatusInProgress, 0, complaints.ErrIllegalTransition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c := f.file(complaints.Damaged, customers.TierRegular)
			f.now = f.now.Add(10 * day)
			f.force(c.ID, tc.status, tc.resolvedAgo)
			err := f.store.Reopen(context.Background(), c.ID, "还是没收到")
			if !errIs(err, tc.want) {
				t.Fatalf("Reopen = %v, want %v", err, tc.want)
			}
			got := f.get(c.ID)
			if tc.want != nil {
				if got.Status != tc.status {
					t.Errorf("status changed to %s", got.Status)
				}
				return
			}
			if got.Status != complaints.StatusReopened || got.ReopenCount != 1 || got.ResolvedAt != nil || !got.ClockStart.Equal(f.now) ||
				!got.ResolutionDue.After(f.now) {
				t.Errorf("after reopen: %+v", got)
			}
			// Reopening again is a retry: nothing changes.
			if err := f.store.Reopen(context.Background(), c.ID, "还是没收到"); err != nil || f.get(c.ID).ReopenCount != 1 {
				t.Errorf("second reopen: %v", err)
			}
		})
	}
}

func TestRate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := f.file(complaints.Billing, customers.TierRegular)
	var ve *errs.ValidationError
	steps := []struct {
		status complaints.Status
		stars  int
		check  func(error) bool
		want   int
	}{
		{complaints.StatusInProgress, 5, func(err error) bool { return errors.Is(err, complaints.ErrNotResolved) }, 0},
		{complaints.StatusResolved, 0, func(err error) bool { return errors.As(err, &ve) }, 0},
		{complaints.StatusResolved, 6, func(err error) bool { return errors.As(err, &ve) }, 0},
		{complaints.StatusResolved, 4, func(err error) bool { return err == nil }, 4},
		{complaints.StatusClosed, 2, func(err error) bool { return err == nil }, 2},
		{complaints.StatusClosed, 2, func(err error) bool { return err == nil }, 2},
		{complaints.StatusReopened, 5, func(err error) bool { return errors.Is(err, complaints.ErrNotResolved) }, 2},
	}
	for i, st := range steps {
		f.force(c.ID, st.status, time.Hour)
		if err := f.store.Rate(ctx, c.ID, st.stars); !st.check(err) {
			t.Errorf("step %d: Rate(%d) on %s = %v", i, st.stars, st.status, err)
		}
		if got := f.get(c.ID).Rating; got != st.want {
			t.Errorf("step %d: rating %d, want %d", i, got, st.want)
		}
	}
	var ratings int
	_ = f.pool.QueryRow(ctx, `SELECT count(*) FROM complaint_entries WHERE kind = 'rating'`).Scan(&ratings)
	if ratings != 2 {
		t.Errorf("%d rating entries, want 2", ratings)
	}
}
