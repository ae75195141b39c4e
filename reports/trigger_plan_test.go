package reports_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lcrm/internal/testdb"
)

// TestTriggerJoinsPlannedPerRun updates one shipment and then all of them on one connection
// and reads the plans auto_explain reports for the triggers' queries (migration 031): the
// old/new join of the big update must be planned for its rows (a hash or merge join), not
// run on the nested loop that was right for the one-row update before it. A plan kept from
// the first run made a 5,000-row update take seconds per trigger.
func TestTriggerJoinsPlannedPerRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 600, false)
	cfg, err := pgx.ParseConfig(testdb.AsAdmin(t, pool.Config().ConnConfig.ConnString()))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var plans []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		plans = append(plans, n.Message)
		mu.Unlock()
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "LOAD 'auto_explain'"); err != nil {
		// TEST_DATABASE_URL may name a server whose admin is not a superuser.
		t.Skipf("auto_explain cannot be loaded here: %v", err)
	}
	for _, q := range []string{
		"SET auto_explain.log_min_duration = 0",
		"SET auto_explain.log_nested_statements = on",
		"SET client_min_messages = log",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Moves a KPI column and a billed charge, so both the KPI and the billing trigger join.
	const move = `UPDATE shipments SET promised_at = promised_at + interval '1 second',
        freight_fen = COALESCE(freight_fen, 0) + 1`
	if _, err := conn.Exec(ctx, move+" WHERE id = (SELECT min(id) FROM shipments)"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	plans = nil
	mu.Unlock()
	tag, err := conn.Exec(ctx, move)
	if err != nil {
		t.Fatal(err)
	}
	if tag.RowsAffected() < 500 {
		t.Fatalf("updated %d shipments, want the demo's 600", tag.RowsAffected())
	}
	mu.Lock()
	defer mu.Unlock()
	for _, table := range []string{"kpi_deltas", "billing_changes"} {
		var plan string
		for _, p := range plans {
			if strings.Contains(p, "INSERT INTO "+table) && strings.Contains(p, "old_rows o JOIN new_rows n") {
				plan = p
			}
		}
		if plan == "" {
			t.Errorf("%s: auto_explain reported no plan of the trigger's join (%d plans)", table, len(plans))
			continue
		}
		if !strings.Contains(plan, "Hash Join") && !strings.Contains(plan, "Merge Join") {
			t.Errorf("%s: the big update's old/new join kept a plan for one row:\n%s", table, plan)
		}
	}
}
