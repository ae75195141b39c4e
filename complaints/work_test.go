package complaints_test

import (
	"context"
	"errors"
	"testing"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/customers"
)

// TestMayWork is the rule for working on a complaint for the customer, asked of the store
// (every caller: console, API, jobs) for every kind of viewer and every action: the
// assignee and supervisors and up may reply publicly, change the status and resolve; any
// staff user may write an internal note; nobody else may do the rest, whatever they claim.
func TestMayWork(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	me := f.user("李雷", "agent", 0)
	other := f.user("韩梅梅", "agent", 0)
	sup := f.user("王主管", "supervisor", 0)
	mgr := f.user("赵经理", "manager", 0)
	admin := f.user("管理员", "admin", 0)
	gone := f.user("离职主管", "supervisor", 0)
	if _, err := f.pool.Exec(ctx, `UPDATE users SET active = false WHERE id = $1`, gone.UserID); err != nil {
		t.Fatal(err)
	}
	actions := []struct {
		name string
		note bool // open to every staff user: the rule never refuses it
		do   func(c *complaints.Complaint, by complaints.Actor) error
	}{
		{"public reply", false, func(c *complaints.Complaint, by complaints.Actor) error {
			_, err := f.store.Reply(ctx, c.ID, by, "您好，我们正在核实", true)
			return err
		}},
		{"internal note", true, func(c *complaints.Complaint, by complaints.Actor) error {
			_, err := f.store.Reply(ctx, c.ID, by, "查监控", false)
			return err
		}},
		{"status", false, func(c *complaints.Complaint, by complaints.Actor) error {
			return f.store.Transition(ctx, c.ID, complaints.StatusInProgress, by)
		}},
		{"resolve", false, func(c *complaints.Complaint, by complaints.Actor) error {
			return f.store.Resolve(ctx, c.ID, by, complaints.Resolution{RootCause: "courier", Department: "派送部", Code: "explained"})
		}},
	}
	for _, tc := range []struct {
		name   string
		by     complaints.Actor
		role   accounts.Role
		holder complaints.Actor // zero: nobody holds the complaint
		may    bool
	}{
		{"agent assignee", me, accounts.RoleAgent, me, true},
		{"agent not assignee", me, accounts.RoleAgent, other, false},
		{"agent, unassigned", me, accounts.RoleAgent, complaints.Actor{}, false},
		{"supervisor", sup, accounts.RoleSupervisor, other, true},
		{"supervisor, unassigned", sup, accounts.RoleSupervisor, complaints.Actor{}, true},
		{"manager", mgr, accounts.RoleManager, other, true},
		{"admin", admin, accounts.RoleAdmin, other, true},
		{"inactive supervisor", gone, accounts.RoleSupervisor, other, false},
		{"unknown user", complaints.Actor{UserID: admin.UserID + 1000, Name: "ghost"}, accounts.RoleAdmin, other, false},
	} {
		for _, a := range actions {
			t.Run(tc.name+"/"+a.name, func(t *testing.T) {
				c := f.file(complaints.Damaged, customers.TierRegular)
				if tc.holder.UserID != 0 {
					if err := f.store.Assign(ctx, []int64{c.ID}, tc.holder.UserID, complaints.Actor{}); err != nil {
						t.Fatal(err)
					}
				}
				c = f.get(c.ID)
				// The pure rule, as pages ask it (with the role the viewer's session holds).
				if tc.by.UserID != gone.UserID && tc.by.Name != "ghost" {
					if got := complaints.MayWork(tc.by.UserID, tc.role, c) == nil; got != tc.may {
						t.Errorf("MayWork = %v, want %v", got, tc.may)
					}
				}
				err := a.do(c, tc.by)
				if a.note { // not this rule's to refuse
					if errors.Is(err, complaints.ErrNotYours) {
						t.Fatalf("note refused: %v", err)
					}
					return
				}
				want := tc.may
				if want && err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !want && !errors.Is(err, complaints.ErrNotYours) {
					t.Fatalf("err = %v, want ErrNotYours", err)
				}
				after := f.get(c.ID)
				if !want && (after.Status != c.Status || after.FirstRespondedAt != nil) {
					t.Errorf("refused action changed the complaint: %s -> %s, first response %v", c.Status, after.Status, after.FirstRespondedAt)
				}
			})
		}
	}
	// The refusal comes first: bad input from someone who may not is still ErrNotYours.
	c := f.file(complaints.Lost, customers.TierRegular)
	if err := f.store.Resolve(ctx, c.ID, me, complaints.Resolution{}); !errors.Is(err, complaints.ErrNotYours) {
		t.Errorf("bad resolution by a non-assignee: %v", err)
	}
	if err := f.store.Transition(ctx, c.ID, "nonsense", me); !errors.Is(err, complaints.ErrNotYours) {
		t.Errorf("bad status by a non-assignee: %v", err)
	}
	// The system (the zero Actor: jobs, the customer's side) is not a staff user.
	if _, err := f.store.Reply(ctx, c.ID, complaints.Actor{}, "系统通知", true); err != nil {
		t.Errorf("system reply: %v", err)
	}
}
