package demo_test

import (
	"context"
	"testing"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/demo"
	"lcrm/internal/testdb"
)

// The demo appeals follow the domain's rules, stay in the past and after their complaint,
// mix waiting, replied and ruled ones, and a second run adds nothing.
func TestAppeals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	load(t, pool, 7, 4000)
	u, err := accounts.NewStore(pool).CreateUser(ctx, accounts.NewUser{Email: "a@demo.test", Name: "a", Role: accounts.RoleAgent, Password: "demo-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Care(ctx, pool, []complaints.Actor{{UserID: u.ID, Name: u.Name}}, 7, now); err != nil {
		t.Fatal(err)
	}
	n, err := demo.Appeals(ctx, pool, 7, now)
	if err != nil || n < 3 {
		t.Fatalf("appeals: %d, %v", n, err)
	}
	if again, err := demo.Appeals(ctx, pool, 7, now); err != nil || again != 0 {
		t.Fatalf("second run: %d, %v", again, err)
	}
	for _, c := range []struct {
		what, sql string
		want      int
	}{
		{"appeals in the future or before their complaint", `SELECT count(*) FROM appeals a JOIN complaints c ON c.id = a.complaint_id
			WHERE a.received_at > $1 OR a.received_at < c.created_at`, 0},
		{"appeals not P1", `SELECT count(*) FROM appeals a JOIN complaints c ON c.id = a.complaint_id WHERE c.priority <> 'P1' AND $1::timestamptz IS NOT NULL`, 0},
		{"public appeal entries", `SELECT count(*) FROM complaint_entries WHERE kind IN ('appeal', 'formal_reply') AND public AND at <= $1`, 0},
	} {
		var got int
		if err := pool.QueryRow(ctx, c.sql, now).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	var waiting, replied, ruled int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE replied_at IS NULL), count(*) FILTER (WHERE replied_at IS NOT NULL),
		count(*) FILTER (WHERE effective IS NOT NULL) FROM appeals`).Scan(&waiting, &replied, &ruled); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d appeals: %d waiting, %d replied, %d ruled", n, waiting, replied, ruled)
	if replied == 0 || ruled == 0 {
		t.Errorf("demo appeals lack replies or verdicts: %d replied, %d ruled", replied, ruled)
	}
}
