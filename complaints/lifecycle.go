package complaints

import (
	"context"
	"strconv"
	"time"
)

// move changes c's status to `to` inside the caller's transaction, keeping the clocks
// right, and writes the status entry (public, with text). The caller has locked c.
//
//   - entering waiting_customer pauses the resolution clock;
//   - leaving it adds the paused time (counted under the policy) to the clock's length;
//   - resolved and closed stamp their times; reopened starts a new resolution clock.
func (s *Store) move(ctx context.Context, q querier, c *Complaint, to Status, by Actor, name, text string, now time.Time) error {
	if err := checkMove(c.Status, to); err != nil {
		return err
	}
	if to == StatusReopened && c.Status == StatusClosed && !c.regulator && (c.ResolvedAt == nil || now.Sub(*c.ResolvedAt) > ReopenWindow) {
		return ErrReopenExpired
	}
	pol, cal, err := s.clock(ctx, q, c)
	if err != nil {
		return err
	}
	from := c.Status
	if c.PausedSince != nil {
		c.PausedMinutes += pol.elapsed(*c.PausedSince, now, cal)
		c.PausedSince = nil
		c.ResolutionDue = pol.ResolutionDue(c.ClockStart, c.PausedMinutes, cal)
	}
	switch to {
	case StatusWaitingCustomer:
		c.PausedSince = &now
	case StatusResolved:
		c.ResolvedAt, c.ClosedAt = &now, nil
	case StatusClosed:
		c.ClosedAt = &now
	case StatusReopened:
		c.ReopenCount++
		c.ResolvedAt, c.ClosedAt = nil, nil
		c.ClockStart, c.PausedMinutes = now, 0
		c.ResolutionDue = pol.ResolutionDue(now, 0, cal)
	}
	c.Status = to
	if err := save(ctx, q, c, now); err != nil {
		return err
	}
	e, err := addEntry(ctx, q, c.ID, by, name, Entry{At: now, Kind: KindStatus, Text: text, FromStatus: from, ToStatus: to, Public: true})
	if err != nil {
		return err
	}
	typ := EventUpdated
	if to == StatusResolved {
		typ = EventResolved
	}
	return s.emit(ctx, q, c, typ, "entry:"+strconv.FormatInt(e.ID, 10), from, now)
}

// recompute sets both deadlines of c from its priority's policy (after a priority change).
func (s *Store) recompute(ctx context.Context, q querier, c *Complaint) error {
	pol, cal, err := s.clock(ctx, q, c)
	if err != nil {
		return err
	}
	c.FirstResponseDue = pol.FirstResponseDue(c.CreatedAt, cal)
	c.ResolutionDue = pol.ResolutionDue(c.ClockStart, c.PausedMinutes, cal)
	return nil
}
