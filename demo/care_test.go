package demo_test

import (
	"context"
	"testing"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/demo"
	"lcrm/internal/testdb"
)

// Care's history follows the domain's rules, stays in the past, and a second run adds
// nothing.
func TestCare(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	load(t, pool, 7, 4000)
	acc := accounts.NewStore(pool)
	var agents []complaints.Actor
	for _, email := range []string{"a1@demo.test", "a2@demo.test"} {
		u, err := acc.CreateUser(ctx, accounts.NewUser{Email: email, Name: email, Role: accounts.RoleAgent, Password: "demo-password-1"})
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, complaints.Actor{UserID: u.ID, Name: u.Name})
	}
	sum, err := demo.Care(ctx, pool, agents, 7, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *sum)
	if sum.Surveys < 100 || sum.Complaints < 20 || sum.Resolved < 5 {
		t.Fatalf("too little history: %+v", sum)
	}
	checks := []struct {
		what, sql string
		want      int
		agents    bool // the query takes the agents' ids as $2
	}{
		{"surveys on undelivered or old parcels, or answered before delivery or after now",
			`SELECT count(*) FROM surveys v JOIN shipments s ON s.id = v.shipment_id
			 WHERE s.delivered_at IS NULL OR s.delivered_at < $1::timestamptz - interval '60 days'
			    OR v.created_at < s.delivered_at OR v.created_at > $1`, 0, false},
		{"complaint entries after now", `SELECT count(*) FROM complaint_entries WHERE at > $1`, 0, false},
		{"complaints filed after now", `SELECT count(*) FROM complaints WHERE created_at > $1`, 0, false},
		{"resolved or closed without a root cause", `SELECT count(*) FROM complaints
			 WHERE status IN ('resolved', 'closed') AND (root_cause IS NULL OR root_cause = '') AND $1::timestamptz IS NOT NULL`, 0, false},
		{"assigned to someone other than the agents", `SELECT count(*) FROM complaints
			 WHERE assignee_id IS NOT NULL AND assignee_id <> ALL($2) AND $1::timestamptz IS NOT NULL`, 0, true},
		{"open complaints never claimed (the queue has work)", `SELECT least(count(*), 1) FROM complaints
			 WHERE status = 'new' AND assignee_id IS NULL AND created_at <= $1`, 1, false},
	}
	ids := []int64{agents[0].UserID, agents[1].UserID}
	for _, c := range checks {
		var n int
		args := []any{now}
		if c.agents {
			args = append(args, ids)
		}
		if err := pool.QueryRow(ctx, c.sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if n != c.want {
			t.Errorf("%s: %d, want %d", c.what, n, c.want)
		}
	}
	again, err := demo.Care(ctx, pool, agents, 7, now)
	if err != nil {
		t.Fatal(err)
	}
	if again.Surveys != 0 || again.Complaints != 0 {
		t.Errorf("second run added %+v", again)
	}
}
