package accounts_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"lcrm/accounts"
	"lcrm/audit"
	"lcrm/customers"
	"lcrm/internal/testdb"
)

func TestAdminUserChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := accounts.NewStore(pool)
	admin, err := st.CreateUser(ctx, accounts.NewUser{Email: "root@x.test", Name: "Root", Password: "root password 1", Role: accounts.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role accounts.Role, manager int64) *accounts.User {
		u, err := st.CreateStaff(ctx, accounts.NewUser{Email: email, Name: email, Password: "twelve chars!", Role: role, ManagerID: manager}, admin)
		if err != nil {
			t.Fatalf("create %s: %v", email, err)
		}
		return u
	}
	mgr := mk("mgr@x.test", accounts.RoleManager, 0)
	sup := mk("sup@x.test", accounts.RoleSupervisor, mgr.ID)
	agent := mk("agent@x.test", accounts.RoleAgent, sup.ID)

	tests := []struct {
		name string
		id   int64
		ch   accounts.UserChange
		want error
	}{
		{"own manager", sup.ID, accounts.UserChange{Role: accounts.RoleSupervisor, ManagerID: sup.ID, Active: true}, accounts.ErrSelfManager},
		{"direct cycle", mgr.ID, accounts.UserChange{Role: accounts.RoleManager, ManagerID: sup.ID, Active: true}, accounts.ErrManagerCycle},
		{"two-step cycle", mgr.ID, accounts.UserChange{Role: accounts.RoleManager, ManagerID: agent.ID, Active: true}, accounts.ErrManagerCycle},
		{"unknown manager", agent.ID, accounts.UserChange{Role: accounts.RoleAgent, ManagerID: 99999, Active: true}, accounts.ErrBadManager},
		{"not staff", agent.ID, accounts.UserChange{Role: accounts.RoleShipper, Active: true}, accounts.ErrNotStaffRole},
		{"admin demotes self", admin.ID, accounts.UserChange{Role: accounts.RoleAgent, Active: true}, accounts.ErrSelfLockout},
		{"admin deactivates self", admin.ID, accounts.UserChange{Role: accounts.RoleAdmin, Active: false}, accounts.ErrSelfLockout},
		{"missing user", 99999, accounts.UserChange{Role: accounts.RoleAgent, Active: true}, accounts.ErrNotFound},
		{"promote and move", agent.ID, accounts.UserChange{Role: accounts.RoleSupervisor, ManagerID: mgr.ID, Active: true}, nil},
		{"same again", agent.ID, accounts.UserChange{Role: accounts.RoleSupervisor, ManagerID: mgr.ID, Active: true}, nil},
	}
	for _, tt := range tests {
		if err := st.UpdateUser(ctx, tt.id, tt.ch, admin); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	// A shipper user can be deactivated but stays a shipper user without a manager.
	sh, err := customers.NewStore(pool).CreateShipper(ctx, &customers.Shipper{Code: "ACME", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	shipUser, err := st.CreateUser(ctx, accounts.NewUser{Email: "ops@acme.test", Password: "shipper password", Role: accounts.RoleShipper, ShipperID: sh.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateUser(ctx, shipUser.ID, accounts.UserChange{Role: accounts.RoleAdmin, ManagerID: mgr.ID, Active: false}, admin); err != nil {
		t.Fatal(err)
	}
	if u, _ := st.UserByID(ctx, shipUser.ID); u.Role != accounts.RoleShipper || u.ManagerID != 0 || u.Active {
		t.Errorf("shipper user after an edit: %+v", u)
	}
	got, _ := st.UserByID(ctx, agent.ID)
	if got.Role != accounts.RoleSupervisor || got.ManagerID != mgr.ID {
		t.Errorf("after update: %+v", got)
	}
	entries, err := audit.List(ctx, pool, audit.Filter{Action: "user.update", ObjectID: agent.ID})
	if err != nil || len(entries) != 1 { // the repeat recorded nothing
		t.Fatalf("audit: %v %d entries", err, len(entries))
	}
	var before, after map[string]any
	json.Unmarshal(entries[0].Before.(json.RawMessage), &before)
	json.Unmarshal(entries[0].After.(json.RawMessage), &after)
	if before["role"] != "agent" || after["role"] != "supervisor" || int64(before["manager_id"].(float64)) != sup.ID ||
		entries[0].ActorID != admin.ID {
		t.Errorf("audit entry %+v: before %v after %v", entries[0], before, after)
	}

	if _, err := st.CreateStaff(ctx, accounts.NewUser{Email: "MGR@x.test", Password: "twelve chars!", Role: accounts.RoleAgent}, admin); !errors.Is(err, accounts.ErrEmailTaken) {
		t.Errorf("duplicate email: %v", err)
	}
	if _, err := st.CreateStaff(ctx, accounts.NewUser{Email: "new@x.test", Password: "eleven char", Role: accounts.RoleAgent}, admin); !errors.Is(err, accounts.ErrShortPassword) {
		t.Errorf("short password: %v", err)
	}
	if err := st.ResetPassword(ctx, sup.ID, "a brand new secret", admin); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Login(ctx, "sup@x.test", "a brand new secret"); err != nil {
		t.Errorf("login with reset password: %v", err)
	}
	if n, _ := audit.List(ctx, pool, audit.Filter{Action: "user.password_reset", ObjectID: sup.ID}); len(n) != 1 {
		t.Errorf("password reset audited %d times", len(n))
	}
}
