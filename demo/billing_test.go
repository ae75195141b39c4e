package demo_test

import (
	"context"
	"testing"
	"time"

	"lcrm/billing"
	"lcrm/demo"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// TestDemoBilling: after the demo's billing every past month has a statement for each
// shipper that shipped in it, closed when the job would have closed it; paid, part-paid and
// overdue statements all occur, some more than 60 days overdue; one shipper is over its
// credit limit; the demo shipper has a paid and an unpaid statement; no payment is in the
// future or before its statement; and a second run changes nothing.
func TestDemoBilling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	load(t, pool, 5, 3000)
	zone := shipments.DefaultZone
	sum, err := demo.Billing(ctx, pool, 5, now, zone)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Statements == 0 || sum.Payments == 0 {
		t.Fatalf("billing wrote %+v", sum)
	}
	fingerprint := func() string {
		var d string
		if err := pool.QueryRow(ctx, `SELECT concat_ws('/',
			(SELECT md5(string_agg(concat_ws(',', id, number, closed_at, due_at, total_due_fen), ';' ORDER BY id)) FROM statements),
			(SELECT md5(string_agg(concat_ws(',', id, reference, amount_fen, paid_at), ';' ORDER BY id)) FROM payments),
			(SELECT md5(string_agg(concat_ws(',', statement_id, amount_fen), ';' ORDER BY statement_id, amount_fen)) FROM payment_allocations),
			(SELECT count(*) FROM audit_log), (SELECT count(*) FROM billing_months))`).Scan(&d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := fingerprint()

	for _, c := range []struct {
		what, sql string
		want      int
	}{
		{"shipper-months without a statement", `SELECT count(*) FROM (
			SELECT DISTINCT shipper_id, date_trunc('month', created_at AT TIME ZONE $2) AS m FROM shipments) x
			WHERE (x.m + interval '1 month' + interval '2 hours 30 minutes') AT TIME ZONE $2 <= $1
			AND NOT EXISTS (SELECT 1 FROM statements st WHERE st.shipper_id = x.shipper_id AND st.period_start = x.m AT TIME ZONE $2)`, 0},
		{"statements not closed at the job's time", `SELECT count(*) FROM statements
			WHERE closed_at <> period_end + interval '2 hours 30 minutes' OR closed_at > $1 OR $2 = ''`, 0},
		{"payments in the future or before their statement", `SELECT count(*) FROM payment_allocations pa
			JOIN statements st ON st.id = pa.statement_id WHERE pa.paid_at > $1 OR pa.paid_at < st.closed_at OR $2 = ''`, 0},
		{"terms changes not audited as the demo", `SELECT 3 - count(*) FROM audit_log
			WHERE action = 'shipper.terms' AND actor = 'demo' AND at <= $1 AND $2 <> ''`, 0},
	} {
		var got int
		if err := pool.QueryRow(ctx, c.sql, now, zone.String()).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}

	st := billing.NewStore(pool, zone)
	st.Now = func() time.Time { return now }
	rows, err := pool.Query(ctx, `SELECT id FROM shippers ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if rows.Err() != nil || len(ids) < 4 {
		t.Fatalf("shippers: %d, %v", len(ids), rows.Err())
	}
	status := map[string]int{}
	over60 := 0
	for i, id := range ids {
		list, err := st.Statements(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		mine := map[string]int{}
		for _, s := range list {
			status[s.Status]++
			mine[s.Status]++
			if s.DaysOverdue > 60 {
				over60++
			}
		}
		if i == 0 && (mine[billing.StatusPaid] == 0 || mine[billing.StatusOpen]+mine[billing.StatusPartPaid]+mine[billing.StatusOverdue] == 0) {
			t.Errorf("the demo shipper's statements: %v, want a paid one and an unpaid one", mine)
		}
	}
	t.Logf("statements by status: %v; %d more than 60 days overdue", status, over60)
	for _, s := range []string{billing.StatusPaid, billing.StatusPartPaid, billing.StatusOverdue} {
		if status[s] == 0 {
			t.Errorf("no %s statement", s)
		}
	}
	if over60 == 0 {
		t.Error("no statement more than 60 days overdue")
	}
	r, err := st.Receivables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if over := r.OverLimit(); len(over) != 1 || over[0].ShipperID != ids[3] {
		t.Errorf("over their limit: %+v, want shipper %d", over, ids[3])
	}
	if r.Total.D61To90Fen+r.Total.Over90Fen == 0 || r.Total.D1To30Fen == 0 || r.Total.CurrentFen == 0 {
		t.Errorf("ageing buckets: %+v", r.Total)
	}
	if dso, ok := r.Total.DSO(); !ok || dso <= 0 || dso > 90 {
		t.Errorf("DSO %.1f (%v)", dso, ok)
	}

	again, err := demo.Billing(ctx, pool, 5, now, zone)
	if err != nil || again != (demo.BillingSummary{}) {
		t.Fatalf("second run: %+v, %v", again, err)
	}
	if after := fingerprint(); after != before {
		t.Errorf("second run changed the billing: %s, was %s", after, before)
	}
}
