package complaints_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// count runs a count query.
func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// appealOf registers a 12305 appeal received at f.now, with the default deadline.
func (f *fixture) appealOf(c *complaints.Complaint, no string, by complaints.Actor) *complaints.Appeal {
	f.t.Helper()
	a, _, err := f.store.RegisterAppeal(context.Background(), c.ID, by, complaints.AppealRegistration{
		Source: complaints.SourceHotline12305, No: no, ReceivedAt: f.now})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func TestRegisterAppealIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	sup := f.user("sup", "supervisor", 0)
	agent := f.user("agent", "agent", 0)
	c := f.file(complaints.Delayed, customers.TierRegular)
	other := f.file(complaints.Damaged, customers.TierRegular)
	reg := complaints.AppealRegistration{Source: complaints.SourceWeb12305, No: " sd-2026 1123 ", ReceivedAt: f.now.Add(-time.Hour)}

	first, created, err := f.store.RegisterAppeal(ctx, c.ID, sup, reg)
	if err != nil || !created {
		t.Fatalf("first registration: %+v created=%v %v", first, created, err)
	}
	if first.No != "SD-20261123" || !first.ReplyDue.Equal(reg.ReceivedAt.Add(config.DefaultAppealReplyWindow)) {
		t.Errorf("number %q, reply due %s: want SD-20261123 and received + 7 days", first.No, first.ReplyDue)
	}
	for _, step := range []struct {
		name    string
		id      int64
		by      complaints.Actor
		reg     complaints.AppealRegistration
		want    error
		created bool
	}{
		{"same number again (typed another way)", c.ID, sup, complaints.AppealRegistration{Source: complaints.SourceHotline12305, No: "sd-20261123", ReceivedAt: f.now}, nil, false},
		{"same number on another complaint", other.ID, sup, reg, complaints.ErrAppealNoTaken, false},
		{"another number on the same complaint", c.ID, sup, complaints.AppealRegistration{Source: complaints.SourceWeb12305, No: "SD-9", ReceivedAt: f.now}, complaints.ErrAppealExists, false},
		{"an agent", other.ID, agent, complaints.AppealRegistration{Source: complaints.SourceWeb12305, No: "SD-10", ReceivedAt: f.now}, complaints.ErrAppealRole, false},
	} {
		a, created, err := f.store.RegisterAppeal(ctx, step.id, step.by, step.reg)
		if !errors.Is(err, step.want) || created != step.created {
			t.Errorf("%s: created=%v err=%v, want err %v", step.name, created, err, step.want)
		}
		if step.want == nil && (a == nil || a.ID != first.ID || !a.ReceivedAt.Equal(first.ReceivedAt)) {
			t.Errorf("%s: got %+v, want the first appeal unchanged", step.name, a)
		}
	}
	if n := f.count(`SELECT count(*) FROM appeals`); n != 1 {
		t.Errorf("%d appeals, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM complaint_entries WHERE kind = 'appeal'`); n != 1 {
		t.Errorf("%d appeal entries, want 1", n)
	}
	// Bad input: every field told, nothing stored.
	_, _, err = f.store.RegisterAppeal(ctx, other.ID, sup, complaints.AppealRegistration{Source: "fax", No: " ",
		ReceivedAt: f.now.Add(24 * time.Hour)})
	var ve *errs.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 3 {
		t.Fatalf("bad registration: %v", err)
	}
	_, _, err = f.store.RegisterAppeal(ctx, other.ID, sup, complaints.AppealRegistration{Source: complaints.SourceProvincialBureau,
		No: "X1", ReceivedAt: f.now, ReplyDue: f.now.Add(-time.Hour)})
	if !errors.As(err, &ve) || errs.KeyOf(err) != errs.KeyInvalid || ve.Fields[0].Key != "appeals.err_due" {
		t.Fatalf("deadline before receipt: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM appeals`); n != 1 {
		t.Errorf("%d appeals after bad input, want 1", n)
	}
}

func TestAppealTakesTopPriority(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	sup := f.user("sup", "supervisor", 0)
	for _, tc := range []struct {
		name   string
		settle bool // resolve and close it, weeks before the appeal
		want   complaints.Status
	}{
		{"open complaint", false, complaints.StatusNew},
		{"closed long ago", true, complaints.StatusReopened},
	} {
		c := f.file(complaints.Billing, customers.TierSmall) // P4
		if c.Priority != complaints.P4 {
			t.Fatalf("%s: filed as %s", tc.name, c.Priority)
		}
		if tc.settle {
			if err := f.store.Resolve(ctx, c.ID, sup, complaints.Resolution{RootCause: "system", Department: "客服部", Code: "explained"}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.store.AutoClose(ctx, f.now.Add(8*24*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		f.now = f.now.Add(30 * 24 * time.Hour)
		f.appealOf(c, "P-"+tc.name, sup)
		got := f.get(c.ID)
		if got.Priority != complaints.P1 || got.Status != tc.want {
			t.Errorf("%s: %s %s after the appeal, want P1 %s", tc.name, got.Priority, got.Status, tc.want)
		}
		if tc.settle && !got.ResolutionDue.After(f.now) {
			t.Errorf("%s: resolution due %s, want a new clock after %s", tc.name, got.ResolutionDue, f.now)
		}
	}
}

func TestAutoCloseSkipsAppeals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	sup := f.user("sup", "supervisor", 0)
	plain := f.file(complaints.Delayed, customers.TierRegular)
	appealed := f.file(complaints.Delayed, customers.TierRegular)
	f.appealOf(appealed, "AC-1", sup)
	for _, c := range []*complaints.Complaint{plain, appealed} {
		if err := f.store.Resolve(ctx, c.ID, sup, complaints.Resolution{RootCause: "linehaul", Department: "干线运输部", Code: "explained"}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.store.AutoClose(ctx, f.now.Add(complaints.ReopenWindow+time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("auto close: %d, %v; want 1", n, err)
	}
	if got := f.get(plain.ID).Status; got != complaints.StatusClosed {
		t.Errorf("plain complaint %s, want closed", got)
	}
	if got := f.get(appealed.ID).Status; got != complaints.StatusResolved {
		t.Errorf("appeal %s, want still resolved", got)
	}
	// A person may still close it.
	if err := f.store.Transition(ctx, appealed.ID, complaints.StatusClosed, sup); err != nil {
		t.Errorf("closing the appeal by hand: %v", err)
	}
}

func TestAppealHalfDeadlineReachesManager(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	alerter := &fakeAlerter{}
	f.store.Alerter = alerter
	director := f.user("director", "manager", 0)
	manager := f.user("manager", "manager", director.UserID)
	sup := f.user("sup", "supervisor", manager.UserID)
	agent := f.user("agent", "agent", sup.UserID)
	c := f.file(complaints.Lost, customers.TierRegular)
	if err := f.store.Assign(ctx, []int64{c.ID}, agent.UserID, sup); err != nil {
		t.Fatal(err)
	}
	a, _, err := f.store.RegisterAppeal(ctx, c.ID, sup, complaints.AppealRegistration{Source: complaints.SourceHotline12305,
		No: "HALF-1", ReceivedAt: f.now, ReplyDue: f.now.Add(4 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// A second appeal answered in time never goes to a manager.
	answered := f.file(complaints.Damaged, customers.TierRegular)
	f.appealOf(answered, "HALF-2", sup)
	if _, err := f.store.AddFormalReply(ctx, answered.ID, sup, complaints.FormalReplyInput{Text: "已核实并赔付", IdempotencyKey: "k1"}); err != nil {
		t.Fatal(err)
	}
	half := a.HalfDue()
	if !half.Equal(f.now.Add(48 * time.Hour)) {
		t.Fatalf("half due %s", half)
	}
	appealNotes := `SELECT count(*) FROM notifications WHERE kind = 'appeal' AND user_id = $1 AND complaint_id = $2`
	for _, step := range []struct {
		name     string
		at       time.Time
		notified int // appeal notifications of the manager so far
		assignee int64
	}{
		{"before half", half.Add(-time.Minute), 0, agent.UserID},
		{"at half", half, 1, manager.UserID},
		{"checked again", half.Add(time.Minute), 1, manager.UserID},
		{"past the deadline", half.Add(72 * time.Hour), 1, manager.UserID},
	} {
		f.now = step.at
		if _, err := f.store.CheckEscalations(ctx, step.at); err != nil {
			t.Fatal(err)
		}
		if n := f.count(appealNotes, manager.UserID, c.ID); n != step.notified {
			t.Errorf("%s: %d notifications of the manager, want %d", step.name, n, step.notified)
		}
		if got := f.get(c.ID).AssigneeID; got != step.assignee {
			t.Errorf("%s: assignee %d, want %d", step.name, got, step.assignee)
		}
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE kind = 'appeal'`); n != 1 {
		t.Errorf("%d appeal notifications in all, want 1 (the answered appeal none)", n)
	}
	got, err := f.store.AppealOf(ctx, c.ID)
	if err != nil || got.EscalatedTo != manager.UserID || got.EscalatedToName != "manager" || got.EscalatedAt == nil || !got.EscalatedAt.Equal(half) {
		t.Errorf("appeal after hand-over: %+v %v", got, err)
	}
	list, err := f.store.Notifications(ctx, manager.UserID, true)
	if err != nil || len(list) == 0 || !strings.Contains(list[0].Text, "HALF-1") {
		t.Errorf("manager's notifications: %+v %v", list, err)
	}
	var alerted bool
	for _, u := range alerter.users {
		alerted = alerted || u == manager.UserID
	}
	if !alerted {
		t.Errorf("the alerter was not told about the manager (alerted %v)", alerter.users)
	}
}

// Without a manager up the chain the appeal goes to the manager with the least open work.
func TestAppealManagerOutsideTheChain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	busy := f.user("busy", "manager", 0)
	free := f.user("free", "manager", 0)
	sup := f.user("sup", "supervisor", 0)
	work := f.file(complaints.Other, customers.TierRegular)
	if err := f.store.Assign(ctx, []int64{work.ID}, busy.UserID, sup); err != nil {
		t.Fatal(err)
	}
	c := f.file(complaints.Lost, customers.TierRegular)
	a := f.appealOf(c, "FREE-1", sup)
	if _, err := f.store.CheckEscalations(ctx, a.HalfDue()); err != nil {
		t.Fatal(err)
	}
	if got := f.get(c.ID).AssigneeID; got != free.UserID {
		t.Errorf("assigned to %d, want the free manager %d", got, free.UserID)
	}
}

func TestFormalReplyAndVerdict(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	sup := f.user("sup", "supervisor", 0)
	agent := f.user("agent", "agent", 0)
	c := f.file(complaints.Lost, customers.TierRegular)
	plain := f.file(complaints.Lost, customers.TierRegular)
	if _, err := f.store.AddFormalReply(ctx, plain.ID, sup, complaints.FormalReplyInput{Text: "x"}); !errors.Is(err, complaints.ErrNoAppeal) {
		t.Errorf("formal reply without an appeal: %v", err)
	}
	f.appealOf(c, "FR-1", sup)
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
	const secret = "致邮政管理局：经核实，快递员未按址投递，已赔付并处理责任人。"
	in := complaints.FormalReplyInput{Text: secret, IdempotencyKey: "nonce-1", Files: []complaints.Photo{{Name: "../回复函.pdf", Data: pdf}}}
	if _, err := f.store.AddFormalReply(ctx, c.ID, agent, in); !errors.Is(err, complaints.ErrNotYours) {
		t.Errorf("an agent not holding it: %v", err)
	}
	r1, err := f.store.AddFormalReply(ctx, c.ID, sup, in)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.store.AddFormalReply(ctx, c.ID, sup, in) // a double submit
	if err != nil || r2.ID != r1.ID {
		t.Fatalf("retry: %+v %v, want reply %d", r2, err, r1.ID)
	}
	if len(r1.Files) != 1 || r1.Files[0].Name != "回复函.pdf" || r1.Files[0].ContentType != "application/pdf" {
		t.Errorf("files %+v", r1.Files)
	}
	if n := f.count(`SELECT count(*) FROM appeal_replies`); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
	if _, err := f.store.AppealFile(ctx, plain.ID, r1.Files[0].ID); !errors.Is(err, complaints.ErrNotFound) {
		t.Errorf("file through another complaint: %v", err)
	}
	if file, err := f.store.AppealFile(ctx, c.ID, r1.Files[0].ID); err != nil || string(file.Data) != string(pdf) {
		t.Errorf("file: %v", err)
	}
	_, err = f.store.AddFormalReply(ctx, c.ID, sup, complaints.FormalReplyInput{Text: "y", Files: []complaints.Photo{{Name: "a.exe", Data: []byte("MZ\x90\x00")}}})
	if errs.KeyOf(err) != errs.KeyInvalid {
		t.Errorf("an executable attached: %v", err)
	}
	// The customer's view of the timeline never has it; the staff view has it, internal.
	public, err := f.store.Timeline(ctx, c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range public {
		if strings.Contains(e.Text, "核实") || e.Kind == complaints.KindFormalReply || e.Kind == complaints.KindAppeal {
			t.Errorf("public timeline shows %+v", e)
		}
	}
	staff, _ := f.store.Timeline(ctx, c.ID, true)
	var seen bool
	for _, e := range staff {
		seen = seen || (e.Kind == complaints.KindFormalReply && strings.Contains(e.Text, secret) && !e.Public)
	}
	if !seen {
		t.Error("staff timeline lacks the formal reply")
	}
	// Verdict: stored, repeated as a no-op, changed with a new entry.
	day := time.Date(2026, 12, 20, 0, 0, 0, 0, complaints.DefaultZone)
	if err := f.store.SetVerdict(ctx, c.ID, agent, true, day); !errors.Is(err, complaints.ErrAppealRole) {
		t.Errorf("verdict by an agent: %v", err)
	}
	for _, v := range []struct {
		effective bool
		entries   int
	}{{true, 2}, {true, 2}, {false, 3}} {
		if err := f.store.SetVerdict(ctx, c.ID, sup, v.effective, day); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT count(*) FROM complaint_entries WHERE kind = 'appeal' AND complaint_id = $1`, c.ID); n != v.entries {
			t.Errorf("verdict %v: %d appeal entries, want %d", v.effective, n, v.entries)
		}
	}
	a, _ := f.store.AppealOf(ctx, c.ID)
	if a.Effective == nil || *a.Effective || a.VerdictOn.Format(time.DateOnly) != "2026-12-20" || a.RepliedAt == nil {
		t.Errorf("appeal after verdict: %+v", a)
	}
}
