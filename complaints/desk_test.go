package complaints_test

import (
	"context"
	"testing"
	"time"

	"lcrm/complaints"
	"lcrm/customers"
)

// craft sets a complaint's clock fields directly (times relative to monday10).
func (f *fixture) craft(id int64, status complaints.Status, assignee int64, created, firstDue, resDue time.Duration, responded, paused *time.Duration) {
	f.t.Helper()
	at := func(d *time.Duration) *time.Time {
		if d == nil {
			return nil
		}
		t := monday10.Add(*d)
		return &t
	}
	var who *int64
	if assignee != 0 {
		who = &assignee
	}
	_, err := f.pool.Exec(context.Background(), `UPDATE complaints SET status = $2, assignee_id = $3, created_at = $4,
		clock_start = $4, first_response_due = $5, resolution_due = $6, first_responded_at = $7, paused_since = $8,
		resolved_at = CASE WHEN $2 IN ('resolved', 'closed') THEN $4::timestamptz END WHERE id = $1`,
		id, status, who, monday10.Add(created), monday10.Add(firstDue), monday10.Add(resDue), at(responded), at(paused))
	if err != nil {
		f.t.Fatal(err)
	}
}

func dur(d time.Duration) *time.Duration { return &d }

func TestWallboard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	agent := f.user("wb-agent", "agent", 0)
	other := f.user("wb-other", "agent", 0)
	h, m := time.Hour, time.Minute
	rows := []struct {
		status            complaints.Status
		assignee          int64
		created           time.Duration
		firstDue, resDue  time.Duration
		responded, paused *time.Duration
	}{
		// open, unassigned, unanswered, first response overdue: breached, waiting
		{complaints.StatusNew, 0, -h, -30 * m, 24 * h, nil, nil},
		// answered today after 40 minutes, resolution overdue and running: breached
		{complaints.StatusInProgress, agent.UserID, -h, -30 * m, -10 * m, dur(-20 * m), nil},
		// answered after 20 minutes, resolution past due but paused: not breached
		{complaints.StatusWaitingCustomer, agent.UserID, -h, -30 * m, -h, dur(-40 * m), dur(-30 * m)},
		// closed, answered today after 10 minutes: counts for the median only
		{complaints.StatusClosed, agent.UserID, -h, -30 * m, h, dur(-50 * m), nil},
		// resolved, answered yesterday: counts for nothing
		{complaints.StatusResolved, agent.UserID, -30 * h, -29 * h, h, dur(-25 * h), nil},
		// open since 08:00, unanswered, not yet due: the oldest waiting
		{complaints.StatusAcknowledged, other.UserID, -2 * h, h, 24 * h, nil, nil},
	}
	for _, r := range rows {
		c := f.file(complaints.Delayed, customers.TierRegular)
		f.craft(c.ID, r.status, r.assignee, r.created, r.firstDue, r.resDue, r.responded, r.paused)
	}
	shipper, err := customers.NewStore(f.pool).ShipperByCode(ctx, "Sregular")
	if err != nil {
		t.Fatal(err)
	}
	var shipperUser int64
	if err := f.pool.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, role, shipper_id)
		VALUES ('s@lcrm.test', 's', 'x', 'shipper', $1) RETURNING id`, shipper.ID).Scan(&shipperUser); err != nil {
		t.Fatal(err)
	}
	for i, s := range []struct {
		user int64
		seen time.Duration
	}{{agent.UserID, -5 * m}, {agent.UserID, -2 * m}, {other.UserID, -20 * m}, {shipperUser, -time.Minute}} {
		if _, err := f.pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4)`, []byte{byte(i)}, s.user, monday10.Add(s.seen), monday10.Add(h)); err != nil {
			t.Fatal(err)
		}
	}
	w, err := f.store.Wallboard(ctx, monday10)
	if err != nil {
		t.Fatal(err)
	}
	oldest := monday10.Add(-2 * h)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"open", w.Open, 4},
		{"unassigned", w.Unassigned, 1},
		{"waiting", w.Waiting, 2},
		{"oldest", w.Oldest != nil && w.Oldest.Equal(oldest), true},
		{"breached", w.Breached, 2},
		{"agents active", w.AgentsActive, 1},
		{"first responses today", w.FirstResponses, 3},
		{"first response median", w.FirstResponseMedian, 20 * m},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// An empty desk: zeros, no oldest.
	empty := newFixture(t)
	w, err = empty.store.Wallboard(ctx, monday10)
	if err != nil || w != (complaints.Wallboard{}) {
		t.Errorf("empty wallboard = %+v, %v", w, err)
	}
}

func TestChangedSince(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	me := f.user("desk-me", "agent", 0)
	boss := f.user("desk-boss", "supervisor", 0)
	mine := f.file(complaints.Damaged, customers.TierRegular)
	quiet := f.file(complaints.Lost, customers.TierRegular)
	notMine := f.file(complaints.Delayed, customers.TierRegular)
	for _, id := range []int64{mine.ID, quiet.ID} {
		if err := f.store.Claim(ctx, id, me); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := f.store.LastSeen(ctx, me.UserID); err != nil || !got.IsZero() {
		t.Fatalf("never looked: %v, %v", got, err)
	}
	seen := f.now
	if err := f.store.MarkSeen(ctx, me.UserID, seen); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	if err := f.store.AddCustomerMessage(ctx, mine.ID, "还没收到"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Reply(ctx, mine.ID, boss, "请尽快处理", false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Reply(ctx, quiet.ID, me, "我自己的备注", false); err != nil { // my own: not a change
		t.Fatal(err)
	}
	if _, err := f.store.Reply(ctx, notMine.ID, boss, "别人的", false); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.ChangedSince(ctx, me.UserID, seen)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != mine.ID || got[0].NewEntries != 2 || !got[0].LastAt.Equal(f.now) || got[0].ConsigneeName != "张小明" {
		t.Fatalf("changed = %+v", got)
	}
	// Looking again hides them; an older mark never moves the time back.
	if err := f.store.MarkSeen(ctx, me.UserID, f.now); err != nil {
		t.Fatal(err)
	}
	if err := f.store.MarkSeen(ctx, me.UserID, seen); err != nil {
		t.Fatal(err)
	}
	last, err := f.store.LastSeen(ctx, me.UserID)
	if err != nil || !last.Equal(f.now) {
		t.Fatalf("last seen = %v, %v", last, err)
	}
	if got, err := f.store.ChangedSince(ctx, me.UserID, last); err != nil || len(got) != 0 {
		t.Fatalf("after looking: %+v, %v", got, err)
	}
}

// The queue's SLA filter (narrowed in SQL) picks exactly the complaints SLAState puts in
// each state, edge cases included.
func TestQueueSLAMatchesState(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	agent := f.user("sla-agent", "agent", 0)
	h, m := time.Hour, time.Minute
	rows := []struct {
		status            complaints.Status
		created           time.Duration
		firstDue, resDue  time.Duration
		responded, paused *time.Duration
	}{
		{complaints.StatusNew, -h, -m, 24 * h, nil, nil},                                       // first response breached
		{complaints.StatusNew, -50 * m, 10 * m, 24 * h, nil, nil},                              // 83 % of the first window
		{complaints.StatusNew, -10 * m, 50 * m, 24 * h, nil, nil},                              // on track
		{complaints.StatusInProgress, -9 * h, -8 * h, h, dur(-8*h - 30*m), nil},                // answered; resolution 90 % used
		{complaints.StatusInProgress, -2 * h, -h, -m, dur(-90 * m), nil},                       // resolution breached
		{complaints.StatusWaitingCustomer, -10 * h, -9 * h, -h, dur(-9*h - 30*m), dur(-5 * h)}, // paused at 55 %
		{complaints.StatusResolved, -10 * h, -9 * h, -5 * h, dur(-9*h - 30*m), nil},            // resolved (at filing) on time
		{complaints.StatusInProgress, 0, 0, 0, nil, nil},                                       // windows of no length
		{complaints.StatusAcknowledged, -8 * h, 2 * h, 2 * h, nil, nil},                        // exactly 80 %
	}
	var all []int64
	for _, r := range rows {
		c := f.file(complaints.Delayed, customers.TierRegular)
		f.craft(c.ID, r.status, agent.UserID, r.created, r.firstDue, r.resDue, r.responded, r.paused)
		all = append(all, c.ID)
	}
	counts := map[string]int{}
	for _, state := range []string{complaints.SLAOk, complaints.SLADueSoon, complaints.SLABreached} {
		got, err := f.store.Queue(ctx, complaints.Filter{SLA: state})
		if err != nil {
			t.Fatal(err)
		}
		in := map[int64]bool{}
		for _, c := range got {
			in[c.ID] = true
		}
		for _, id := range all {
			c := f.get(id)
			want, _, _ := complaints.SLAState(c, f.now)
			if (want == state) != in[id] {
				t.Errorf("complaint %d (%s): SLAState %s, in the %s queue: %v", id, c.Status, want, state, in[id])
			}
			if want == state {
				counts[state]++
			}
		}
	}
	// The crafted rows cover every state more than once.
	for _, state := range []string{complaints.SLAOk, complaints.SLADueSoon, complaints.SLABreached} {
		if counts[state] < 2 {
			t.Errorf("only %d complaints %s: the data does not test the filter", counts[state], state)
		}
	}
}
