package reports_test

import (
	"context"
	"testing"

	"lcrm/reports"
)

// TestTeamFilter narrows the complaint figures to a supervisor's team: agent 0 reports to
// the supervisor, agent 1 to agent 0 (a chain of two), agent 2 to nobody. Every team is
// checked against the raw rows: totals, agents, root causes, escalations and the shipper
// complaint counts.
func TestTeamFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 600, false)
	agents := addComplaints(t, pool, 250)
	var sup, lonely int64
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, role)
		VALUES ('sup@example.com', '周主管', 'x', 'supervisor') RETURNING id`).Scan(&sup); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, role)
		VALUES ('lonely@example.com', '孤单', 'x', 'supervisor') RETURNING id`).Scan(&lonely); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, sup, agents[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, agents[0], agents[1]); err != nil {
		t.Fatal(err)
	}
	st := reports.NewStore(pool)
	r := readRaw(t, pool)
	byID := r.byID()
	all, escs := readComplaints(t, pool)
	month := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	cases := []struct {
		name    string
		team    int64
		members []int64
	}{
		{"supervisor sees both levels below", sup, []int64{agents[0], agents[1]}},
		{"middle agent sees self and report", agents[0], []int64{agents[0], agents[1]}},
		{"bottom agent sees self", agents[1], []int64{agents[1]}},
		{"agent without manager", agents[2], []int64{agents[2]}},
		{"supervisor without team", lonely, nil},
		{"no team filter", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := reports.Filter{Team: c.team}
			member := func(x rawComplaint) bool {
				if c.team == 0 {
					return true
				}
				for _, m := range c.members {
					if x.assignee != nil && *x.assignee == m {
						return true
					}
				}
				return false
			}
			var set, scope []rawComplaint
			for _, x := range all {
				if member(x) {
					scope = append(scope, x)
					if in(x.created, month.From, month.To) {
						set = append(set, x)
					}
				}
			}
			if c.team != 0 && len(c.members) > 0 && len(set) == 0 {
				t.Fatal("the team has no complaints: the case tests nothing")
			}
			stats, err := st.Complaints(ctx, month, f)
			if err != nil {
				t.Fatal(err)
			}
			checkFigures(t, "total", stats.Total, expectFigures(set, all, month.To))
			var wantEsc int64
			for _, e := range escs {
				for _, x := range scope {
					if x.id == e.complaint && in(e.at, month.From, month.To) {
						wantEsc++
					}
				}
			}
			sameInt(t, "escalations", stats.Escalations, wantEsc)
			checkAgents(t, st, month, f, set, all, agents)
			checkRootCauses(t, st, month, f, set)
			checkShipperComplaints(t, st, month, f, scope, byID)
			// Shipment figures are not narrowed.
			a, err := st.Summary(ctx, month, f)
			if err != nil {
				t.Fatal(err)
			}
			b, err := st.Summary(ctx, month, reports.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			sameInt(t, "delivered", a.Current.Delivered, b.Current.Delivered)
		})
	}
}
