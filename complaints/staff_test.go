package complaints_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"lcrm/audit"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/errs"
)

func TestConcurrentClaim(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := f.file(complaints.Lost, customers.TierRegular)
	agents := []complaints.Actor{f.user("李雷", "agent", 0), f.user("韩梅梅", "agent", 0)}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range agents {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f.store.Claim(ctx, c.ID, agents[i]) }()
	}
	wg.Wait()
	winner, loser := 0, 1
	if errs[0] != nil {
		winner, loser = 1, 0
	}
	if errs[winner] != nil || !errors.Is(errs[loser], complaints.ErrAlreadyClaimed) ||
		!strings.Contains(errs[loser].Error(), agents[winner].Name) {
		t.Fatalf("claims: %v / %v", errs[0], errs[1])
	}
	got := f.get(c.ID)
	if got.AssigneeID != agents[winner].UserID || got.AssigneeName != agents[winner].Name || got.Status != complaints.StatusAcknowledged {
		t.Errorf("after claim: %d %q %s", got.AssigneeID, got.AssigneeName, got.Status)
	}
	// Claiming again is a retry; assignment entries stay one.
	if err := f.store.Claim(ctx, c.ID, agents[winner]); err != nil {
		t.Error(err)
	}
	var n int
	_ = f.pool.QueryRow(ctx, `SELECT count(*) FROM complaint_entries WHERE kind = 'assignment'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d assignment entries, want 1", n)
	}
	if err := f.store.Claim(ctx, c.ID+50, agents[0]); !errors.Is(err, complaints.ErrNotFound) {
		t.Errorf("claim missing: %v", err)
	}
}

func TestTransition(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	agent := f.user("李雷", "supervisor", 0) // works on complaints nobody holds (complaints.MayWork)
	c := f.file(complaints.Delayed, customers.TierRegular)
	for i, st := range []struct {
		to   complaints.Status
		want error
	}{
		{complaints.StatusWaitingCustomer, complaints.ErrIllegalTransition},
		{complaints.StatusInProgress, nil},
		{complaints.StatusInProgress, nil}, // already there: a retry
		{complaints.StatusWaitingCustomer, nil},
		{complaints.StatusClosed, complaints.ErrIllegalTransition},
		{complaints.StatusResolved, complaints.ErrNeedsResolution},
		{complaints.StatusInProgress, nil},
	} {
		err := f.store.Transition(ctx, c.ID, st.to, agent)
		if !errIs(err, st.want) {
			t.Fatalf("step %d to %s: %v, want %v", i, st.to, err, st.want)
		}
		if st.want == complaints.ErrIllegalTransition && !strings.Contains(err.Error(), string(st.to)) {
			t.Errorf("message %q does not name %s", err, st.to)
		}
	}
	tl, _ := f.store.Timeline(ctx, c.ID, true)
	if len(tl) != 4 { // new, in_progress, waiting_customer, in_progress
		t.Errorf("timeline = %+v", tl)
	}
	logged, _ := audit.List(ctx, f.pool, audit.Filter{Object: "complaint", ObjectID: c.ID})
	if len(logged) != 3 || logged[0].ActorID != agent.UserID || logged[0].Action != "complaint.status" {
		t.Errorf("audit = %+v", logged)
	}
}

func TestReplyAndResolve(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	agent := f.user("李雷", "supervisor", 0) // works on complaints nobody holds (complaints.MayWork)
	c := f.file(complaints.Damaged, customers.TierRegular)
	if _, err := f.store.Reply(ctx, c.ID, agent, "检查网点监控", false); err != nil {
		t.Fatal(err)
	}
	if f.get(c.ID).FirstRespondedAt != nil {
		t.Error("an internal note counted as the first response")
	}
	f.now = f.now.Add(20 * time.Minute)
	e1, err := f.store.Reply(ctx, c.ID, agent, "您好，我们正在核实", true)
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := f.store.Reply(ctx, c.ID, agent, "您好，我们正在核实", true)
	if e1.ID == 0 || e1.ID != e2.ID || e1.ActorName != agent.Name {
		t.Errorf("replies %+v / %+v, want one entry", e1, e2)
	}
	if got := f.get(c.ID).FirstRespondedAt; got == nil || !got.Equal(f.now) {
		t.Errorf("first responded at %v", got)
	}
	public, _ := f.store.Timeline(ctx, c.ID, false)
	all, _ := f.store.Timeline(ctx, c.ID, true)
	if len(public) != 2 || len(all) != 3 {
		t.Errorf("public %d / all %d entries, want 2 / 3", len(public), len(all))
	}
	var ve *errs.ValidationError
	bad := complaints.Resolution{RootCause: "gremlins", Code: "refunded"}
	if err := f.store.Resolve(ctx, c.ID, agent, bad); !errors.As(err, &ve) || len(ve.Fields) != 2 {
		t.Fatalf("bad resolution: %v", err)
	}
	r := complaints.Resolution{RootCause: "sorting_hub", Department: "上海转运中心", Code: "compensated", Note: "已赔付50元", CompensationFen: 5000}
	for range 2 {
		if err := f.store.Resolve(ctx, c.ID, agent, r); err != nil {
			t.Fatal(err)
		}
	}
	got := f.get(c.ID)
	if got.Status != complaints.StatusResolved || got.RootCause != "sorting_hub" || got.CompensationFen != 5000 || got.ResolvedAt == nil {
		t.Errorf("resolved: %+v", got)
	}
	logged, _ := audit.List(ctx, f.pool, audit.Filter{Action: "complaint.resolve"})
	if len(logged) != 1 {
		t.Errorf("%d resolve audit entries, want 1", len(logged))
	}
	public, _ = f.store.Timeline(ctx, c.ID, false)
	if last := public[len(public)-1]; last.ToStatus != complaints.StatusResolved || last.Text != "已赔付50元" {
		t.Errorf("last public entry %+v", last)
	}
}

func TestSetPriorityAndAssign(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	sup := f.user("王芳", "supervisor", 0)
	agent := f.user("李雷", "agent", sup.UserID)
	c := f.file(complaints.Billing, customers.TierRegular) // P4 regular: business hours
	if err := f.store.SetPriority(ctx, c.ID, complaints.P1, sup); err != nil {
		t.Fatal(err)
	}
	got := f.get(c.ID) // P1 regular: 30 min / 12 h around the clock
	if got.Priority != complaints.P1 || !got.FirstResponseDue.Equal(monday10.Add(30*time.Minute)) || !got.ResolutionDue.Equal(monday10.Add(12*time.Hour)) {
		t.Errorf("after P1: %s %v %v", got.Priority, got.FirstResponseDue, got.ResolutionDue)
	}
	if err := f.store.SetPriority(ctx, c.ID, "P9", sup); err == nil {
		t.Error("P9 accepted")
	}
	other := f.file(complaints.Lost, customers.TierKey)
	if err := f.store.Assign(ctx, []int64{c.ID, other.ID, c.ID}, agent.UserID, sup); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Assign(ctx, []int64{c.ID, 9999}, 0, sup); !errors.Is(err, complaints.ErrNotFound) {
		t.Errorf("assign with a missing id: %v", err)
	}
	if f.get(c.ID).AssigneeID != agent.UserID || f.get(other.ID).AssigneeName != agent.Name {
		t.Error("assignment did not stick (or a failed batch half-applied)")
	}
	logged, _ := audit.List(ctx, f.pool, audit.Filter{ActorID: sup.UserID})
	if len(logged) != 3 { // priority + two assignments
		t.Errorf("%d audit entries, want 3", len(logged))
	}
}

func TestQueue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	agent := f.user("李雷", "agent", 0)
	slow := f.file(complaints.Billing, customers.TierSmall) // P4: due last
	urgent := f.file(complaints.Lost, customers.TierKey)    // P1: due first
	mid := f.file(complaints.Delayed, customers.TierRegular)
	if err := f.store.Claim(ctx, mid.ID, agent); err != nil {
		t.Fatal(err)
	}
	f.now = monday10.Add(25 * time.Minute) // urgent's 30-minute first response is 83% used
	ids := func(cs []complaints.Complaint) []int64 {
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    complaints.Filter
		want []int64
	}{
		{"all by deadline", complaints.Filter{}, []int64{urgent.ID, mid.ID, slow.ID}},
		{"mine", complaints.Filter{AssigneeID: agent.UserID}, []int64{mid.ID}},
		{"unassigned", complaints.Filter{AssigneeID: -1}, []int64{urgent.ID, slow.ID}},
		{"P4", complaints.Filter{Priority: []complaints.Priority{complaints.P4}}, []int64{slow.ID}},
		{"category", complaints.Filter{Category: complaints.Lost}, []int64{urgent.ID}},
		{"acknowledged", complaints.Filter{Status: []complaints.Status{complaints.StatusAcknowledged}}, []int64{mid.ID}},
		{"due soon", complaints.Filter{SLA: complaints.SLADueSoon}, []int64{urgent.ID}},
		{"ok", complaints.Filter{SLA: complaints.SLAOk, Limit: 1}, []int64{mid.ID}},
		{"limit", complaints.Filter{Limit: 2}, []int64{urgent.ID, mid.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.store.Queue(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if g := ids(got); len(g) != len(tc.want) || (len(g) > 0 && (g[0] != tc.want[0] || g[len(g)-1] != tc.want[len(tc.want)-1])) {
				t.Errorf("ids = %v, want %v", g, tc.want)
			}
		})
	}
}
