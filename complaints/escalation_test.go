package complaints_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"lcrm/complaints"
	"lcrm/customers"
)

// fakeAlerter records the alerts it is given.
type fakeAlerter struct {
	mu    sync.Mutex
	users []int64
}

func (a *fakeAlerter) Alert(_ context.Context, userID int64, _ string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.users = append(a.users, userID)
	return nil
}

func TestEscalationLadder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	alerter := &fakeAlerter{}
	f.store.Alerter = alerter
	director := f.user("director", "manager", 0)
	manager := f.user("manager", "manager", director.UserID)
	sup := f.user("supervisor", "supervisor", manager.UserID)
	agent := f.user("agent", "agent", sup.UserID)
	c := f.file(complaints.Lost, customers.TierKey) // P1 key: first response due 10:30, resolution 18:00
	if err := f.store.Assign(ctx, []int64{c.ID}, agent.UserID, sup); err != nil {
		t.Fatal(err)
	}
	due := c.FirstResponseDue
	for _, step := range []struct {
		name  string
		at    time.Time
		steps int
		who   []int64 // notified by this step
	}{
		{"before the deadline", due.Add(-time.Minute), 0, nil},
		{"first breach", due.Add(time.Minute), 1, []int64{sup.UserID, agent.UserID}},
		{"checked again", due.Add(2 * time.Minute), 0, nil},
		{"still within the interval", due.Add(119 * time.Minute), 0, nil},
		{"one interval on", due.Add(121 * time.Minute), 1, []int64{manager.UserID}},
		{"again", due.Add(122 * time.Minute), 0, nil},
		{"two intervals on", due.Add(241 * time.Minute), 1, []int64{director.UserID}},
		{"top of the chain", due.Add(361 * time.Minute), 0, nil},
	} {
		before := len(alerter.users)
		n, err := f.store.CheckEscalations(ctx, step.at)
		if err != nil {
			t.Fatal(err)
		}
		got := alerter.users[before:]
		if n != step.steps || len(got) != len(step.who) {
			t.Fatalf("%s: %d steps alerting %v, want %d alerting %v", step.name, n, got, step.steps, step.who)
		}
		for i := range got {
			if got[i] != step.who[i] {
				t.Fatalf("%s: alerted %v, want %v", step.name, got, step.who)
			}
		}
	}
	var entries, rows int
	_ = f.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM complaint_entries WHERE kind = 'escalation'),
		(SELECT count(*) FROM notifications)`).Scan(&entries, &rows)
	if entries != 3 || rows != 4 {
		t.Errorf("%d escalation entries, %d notifications; want 3, 4", entries, rows)
	}
	// Notifications of the supervisor: one, unread, then read.
	list, err := f.store.Notifications(ctx, sup.UserID, true)
	if err != nil || len(list) != 1 || list[0].ComplaintID != c.ID || list[0].Kind != "escalation" {
		t.Fatalf("notifications = %+v, %v", list, err)
	}
	if err := f.store.MarkRead(ctx, agent.UserID, list[0].ID); err != nil { // not the agent's
		t.Fatal(err)
	}
	if l, _ := f.store.Notifications(ctx, sup.UserID, true); len(l) != 1 {
		t.Error("another user marked the supervisor's notification read")
	}
	if err := f.store.MarkRead(ctx, sup.UserID); err != nil {
		t.Fatal(err)
	}
	unread, _ := f.store.Notifications(ctx, sup.UserID, true)
	all, _ := f.store.Notifications(ctx, sup.UserID, false)
	if len(unread) != 0 || len(all) != 1 || all[0].ReadAt == nil {
		t.Errorf("after mark read: unread %d, all %+v", len(unread), all)
	}
}

func TestEscalationUnassignedAndMet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	boss := f.user("boss", "manager", 0)
	s1 := f.user("s1", "supervisor", boss.UserID)
	s2 := f.user("s2", "supervisor", boss.UserID)
	gone := f.user("gone", "supervisor", 0)
	if _, err := f.pool.Exec(ctx, `UPDATE users SET active = false WHERE id = $1`, gone.UserID); err != nil {
		t.Fatal(err)
	}
	agent := f.user("agent", "agent", s1.UserID)
	open := f.file(complaints.Lost, customers.TierKey)
	answered := f.file(complaints.Lost, customers.TierKey)
	waiting := f.file(complaints.Lost, customers.TierKey)
	// A supervisor answers complaints nobody holds (complaints.MayWork).
	if _, err := f.store.Reply(ctx, answered.ID, s1, "在查", true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Reply(ctx, waiting.ID, s1, "请提供照片", true); err != nil {
		t.Fatal(err)
	}
	for _, to := range []complaints.Status{complaints.StatusInProgress, complaints.StatusWaitingCustomer} {
		if err := f.store.Transition(ctx, waiting.ID, to, s1); err != nil {
			t.Fatal(err)
		}
	}
	// 31 minutes on: only the unanswered complaint has missed a deadline.
	n, err := f.store.CheckEscalations(ctx, open.FirstResponseDue.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("steps = %d, %v; want 1", n, err)
	}
	for _, u := range []struct {
		who  complaints.Actor
		want int
	}{{s1, 1}, {s2, 1}, {gone, 0}, {boss, 0}, {agent, 0}} {
		if l, _ := f.store.Notifications(ctx, u.who.UserID, false); len(l) != u.want {
			t.Errorf("%s has %d notifications, want %d", u.who.Name, len(l), u.want)
		}
	}
	// Two instances checking at once take each step once between them.
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], _ = f.store.CheckEscalations(ctx, open.FirstResponseDue.Add(121*time.Minute))
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 {
		t.Errorf("concurrent checks took %v steps, want 1 in all", counts)
	}
	// That step was level 2 of the unassigned ladder: the supervisors' manager, alerted once.
	if n, _ := f.store.CheckEscalations(ctx, open.FirstResponseDue.Add(122*time.Minute)); n != 0 {
		t.Errorf("repeated level 2 steps = %d", n)
	}
	if l, _ := f.store.Notifications(ctx, boss.UserID, false); len(l) != 1 {
		t.Errorf("boss has %d notifications, want 1", len(l))
	}
	// Past the resolution deadline: the paused complaint does not escalate, the answered one does.
	late := answered.ResolutionDue.Add(time.Minute)
	if _, err := f.store.CheckEscalations(ctx, late); err != nil {
		t.Fatal(err)
	}
	var pausedSteps, answeredSteps int
	_ = f.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM complaint_escalations WHERE complaint_id = $1),
		(SELECT count(*) FROM complaint_escalations WHERE complaint_id = $2 AND deadline = 'resolution')`,
		waiting.ID, answered.ID).Scan(&pausedSteps, &answeredSteps)
	if pausedSteps != 0 || answeredSteps == 0 {
		t.Errorf("paused complaint steps %d (want 0), answered complaint resolution steps %d (want > 0)", pausedSteps, answeredSteps)
	}
}

func TestAutoClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	agent := f.user("agent", "supervisor", 0) // resolves complaints nobody holds (complaints.MayWork)
	old := f.file(complaints.Billing, customers.TierRegular)
	recent := f.file(complaints.Billing, customers.TierRegular)
	r := complaints.Resolution{RootCause: "system", Department: "财务部", Code: "refunded"}
	if err := f.store.Resolve(ctx, old.ID, agent, r); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(3 * 24 * time.Hour)
	if err := f.store.Resolve(ctx, recent.ID, agent, r); err != nil {
		t.Fatal(err)
	}
	at := monday10.Add(7*24*time.Hour + time.Minute)
	for i, want := range []int{1, 0} {
		n, err := f.store.AutoClose(ctx, at)
		if err != nil || n != want {
			t.Fatalf("run %d: closed %d, %v; want %d", i, n, err, want)
		}
	}
	if got := f.get(old.ID); got.Status != complaints.StatusClosed || got.ClosedAt == nil {
		t.Errorf("old: %s", got.Status)
	}
	if got := f.get(recent.ID); got.Status != complaints.StatusResolved {
		t.Errorf("recent: %s", got.Status)
	}
}
