package billing_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"lcrm/billing"
	"lcrm/internal/errs"
)

// oracle computes a fresh month's figures straight from the raw rows.
type oracle struct{ shipments, unknown, freight, surcharge, compensation int64 }

func (f *fixture) oracle(code string, ps time.Time) oracle {
	f.t.Helper()
	pe := ps.AddDate(0, 1, 0)
	var o oracle
	err := f.pool.QueryRow(f.ctx, `SELECT count(*), count(*) FILTER (WHERE freight_fen IS NULL),
			COALESCE(sum(freight_fen), 0), COALESCE(sum(surcharge_fen), 0),
			(SELECT COALESCE(sum(compensation_fen), 0) FROM complaints c JOIN shippers sh ON sh.id = c.shipper_id
			 WHERE sh.code = $1 AND c.resolved_at >= $2 AND c.resolved_at < $3)
		FROM shipments s JOIN shippers sh ON sh.id = s.shipper_id
		WHERE sh.code = $1 AND s.created_at >= $2 AND s.created_at < $3`, code, ps, pe).
		Scan(&o.shipments, &o.unknown, &o.freight, &o.surcharge, &o.compensation)
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// seed is October and November 2026 for three shippers: ACME pays normally, NULLCO has
// shipments without charges, REFUND got compensation bigger than its month's revenue.
func seed(f *fixture) {
	oct, nov := local(2026, 10, 1, 0), local(2026, 11, 1, 0)
	f.shipment("ACME", oct.Add(time.Minute), fen(1000), nil)
	f.shipment("ACME", oct.Add(5*24*time.Hour), fen(2000), fen(150))
	f.shipment("ACME", nov.Add(-time.Minute), fen(3000), nil) // 23:59 on 31 Oct local
	f.shipment("ACME", nov, fen(4000), fen(50))               // 00:00 on 1 Nov local: November
	f.shipment("ACME", nov.Add(10*24*time.Hour), fen(5000), nil)
	f.shipment("NULLCO", oct.Add(2*24*time.Hour), nil, nil)
	f.shipment("NULLCO", oct.Add(3*24*time.Hour), nil, nil)
	tn := f.shipment("REFUND", oct.Add(24*time.Hour), fen(500), nil)
	f.complaint(tn, oct.Add(20*24*time.Hour), 2000)
	f.shipment("REFUND", nov.Add(24*time.Hour), fen(800), nil)
}

func TestCloseStatementsAgainstRawRows(t *testing.T) {
	t.Parallel()
	f := newFixture(t, local(2026, 12, 2, 3))
	seed(f)
	res := f.close()
	if res.Months != 2 || res.Statements != 5 { // Oct: ACME, NULLCO, REFUND; Nov: ACME, REFUND
		t.Fatalf("close = %+v, want 2 months, 5 statements", res)
	}
	oct, nov := local(2026, 10, 1, 0), local(2026, 11, 1, 0)
	var carried int64
	for _, tt := range []struct {
		code string
		ps   time.Time
	}{{"ACME", oct}, {"ACME", nov}, {"NULLCO", oct}, {"REFUND", oct}, {"REFUND", nov}} {
		s, o := f.statement(tt.code, tt.ps), f.oracle(tt.code, tt.ps)
		if s.Shipments != o.shipments || s.UnknownCharges != o.unknown || s.FreightFen != o.freight ||
			s.SurchargeFen != o.surcharge || s.CompensationFen != o.compensation {
			t.Errorf("%s %s: statement %+v, raw rows %+v", tt.code, tt.ps.Format("01"), s, o)
		}
		want := o.freight + o.surcharge - o.compensation
		if tt.code == "REFUND" && tt.ps.Equal(nov) {
			want -= carried
		}
		if s.TotalDueFen != want {
			t.Errorf("%s %s: total due %d, want %d", tt.code, tt.ps.Format("01"), s.TotalDueFen, want)
		}
		if tt.code == "REFUND" && tt.ps.Equal(oct) {
			carried = -s.TotalDueFen
		}
		wantDue := tt.ps.AddDate(0, 1, 30) // close date (1st of the next month) + 30 days
		if !s.DueAt.Equal(wantDue.AddDate(0, 0, 1)) || s.DueDate(zone) != wantDue.Format("2006-01-02") {
			t.Errorf("%s %s: due %v (%s), want through %s", tt.code, tt.ps.Format("01"), s.DueAt, s.DueDate(zone), wantDue.Format("2006-01-02"))
		}
	}
	// No charges: a statement of 0 with the shipments counted as unknown.
	if n := f.statement("NULLCO", oct); n.TotalDueFen != 0 || n.UnknownCharges != 2 || n.Shipments != 2 {
		t.Errorf("NULLCO = %+v, want 0 due, 2 of 2 unknown", n)
	}
	// A refund bigger than the month's revenue: a credit, carried into November.
	r10, r11 := f.statement("REFUND", oct), f.statement("REFUND", nov)
	if r10.TotalDueFen != -1500 || r10.Status != billing.StatusCredit || r10.OutstandingFen != 0 {
		t.Errorf("REFUND Oct = %d %s outstanding %d, want -1500 credit 0", r10.TotalDueFen, r10.Status, r10.OutstandingFen)
	}
	if r11.CarriedInFen != 1500 || r11.TotalDueFen != 800-1500 || r11.Status != billing.StatusCredit {
		t.Errorf("REFUND Nov = carried %d total %d %s, want 1500, -700, credit", r11.CarriedInFen, r11.TotalDueFen, r11.Status)
	}
	if a := f.statement("ACME", oct); a.Number != "ACME-202610" || a.TotalDueFen != 6150 {
		t.Errorf("ACME Oct = %s %d, want ACME-202610 6150 (23:59 local on 31 Oct counts in October)", a.Number, a.TotalDueFen)
	}
	// A re-run closes nothing again.
	if again := f.close(); again.Statements != 0 || again.Months != 0 {
		t.Errorf("re-run = %+v, want nothing", again)
	}
}

// Two instances closing the same month at once write one statement per shipper.
func TestCloseConcurrentOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, local(2026, 11, 2, 3))
	for i := 0; i < 20; i++ {
		f.shipment([]string{"A1", "B2", "C3", "D4"}[i%4], local(2026, 10, 1+i, 10), fen(int64(100*i)), nil)
	}
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			n, err := f.bill.CloseMonth(f.ctx, local(2026, 10, 1, 0), f.clock.Now())
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}(i)
	}
	wg.Wait()
	var statements, lines int
	if err := f.pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM statements), (SELECT count(*) FROM statement_lines)`).Scan(&statements, &lines); err != nil {
		t.Fatal(err)
	}
	if sum := counts[0] + counts[1] + counts[2] + counts[3]; statements != 4 || lines != 20 || sum != 4 {
		t.Errorf("4 concurrent closes wrote %d statements (reported %v), %d lines; want 4 and 20", statements, counts, lines)
	}
}

// A charge corrected after its month closed, a shipment imported into a closed month and a
// compensation changed after it was credited: the closed statement stays as it was, the
// differences are adjustments on the next one.
func TestLateChangesGoToNextStatement(t *testing.T) {
	t.Parallel()
	f := newFixture(t, local(2026, 11, 2, 3))
	oct, nov := local(2026, 10, 1, 0), local(2026, 11, 1, 0)
	tn := f.shipment("ACME", oct.Add(24*time.Hour), fen(1000), nil)
	other := f.shipment("ACME", oct.Add(48*time.Hour), fen(700), nil)
	cid := f.complaint(other, oct.Add(72*time.Hour), 300)
	f.close()
	before := f.statement("ACME", oct)
	if before.TotalDueFen != 1400 {
		t.Fatalf("Oct total %d, want 1400", before.TotalDueFen)
	}
	// After the close: freight corrected 1000 → 1250 plus a surcharge of 40, a late shipment
	// created in October, compensation raised 300 → 500, and a November shipment.
	if _, err := f.pool.Exec(f.ctx, `UPDATE shipments SET freight_fen = 1250, surcharge_fen = 40 WHERE tracking_no = $1`, tn); err != nil {
		t.Fatal(err)
	}
	f.shipment("ACME", oct.Add(10*24*time.Hour), fen(600), nil)
	if _, err := f.pool.Exec(f.ctx, `UPDATE complaints SET compensation_fen = 500 WHERE id = $1`, cid); err != nil {
		t.Fatal(err)
	}
	f.shipment("ACME", nov.Add(24*time.Hour), fen(2000), nil)
	f.clock.Set(local(2026, 12, 1, 1))
	f.close()
	after := f.statement("ACME", oct)
	if after.TotalDueFen != before.TotalDueFen || after.FreightFen != before.FreightFen {
		t.Errorf("closed statement changed: %+v → %+v", before, after)
	}
	n := f.statement("ACME", nov)
	if n.Shipments != 1 || n.FreightFen != 2000 || n.Adjustments != 2 || n.AdjustmentFen != 250+40+600 ||
		n.CompensationFen != 200 || n.TotalDueFen != 2000+890-200 {
		t.Errorf("Nov = shipments %d freight %d adjustments %d/%d compensation %d total %d; want 1, 2000, 2/890, 200, 2690",
			n.Shipments, n.FreightFen, n.Adjustments, n.AdjustmentFen, n.CompensationFen, n.TotalDueFen)
	}
	// Everything billed for the shipment adds up to its charges now.
	var billed int64
	if err := f.pool.QueryRow(f.ctx, `SELECT sum(l.freight_fen + l.surcharge_fen) FROM statement_lines l
		JOIN shipments s ON s.id = l.shipment_id WHERE s.tracking_no = $1`, tn).Scan(&billed); err != nil || billed != 1290 {
		t.Errorf("billed for %s = %d, %v; want 1290", tn, billed, err)
	}
	// A December close with no changes bills no further adjustment.
	f.clock.Set(local(2027, 1, 1, 1))
	f.close()
	var adj int64
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM statement_lines WHERE adjustment AND statement_id IN
		(SELECT id FROM statements WHERE period_start = $1)`, local(2026, 12, 1, 0)).Scan(&adj); err != nil || adj != 0 {
		t.Errorf("December adjustments = %d, %v; want 0", adj, err)
	}
}

func TestPayments(t *testing.T) {
	t.Parallel()
	f := newFixture(t, local(2026, 12, 2, 3))
	seed(f)
	f.close()
	oct, nov := local(2026, 10, 1, 0), local(2026, 11, 1, 0)
	paid := local(2026, 12, 2, 1)
	// Split: no statement named, 8000 pays October's 6150 and 1850 of November's 9050.
	p, err := f.bill.RecordPayment(f.ctx, billing.NewPayment{ShipperCode: "acme", AmountFen: 8000, PaidAt: paid, Reference: "BANK-1"}, billing.SourceAPI)
	if err != nil {
		t.Fatal(err)
	}
	want := []billing.Allocation{{Statement: "ACME-202610", AmountFen: 6150}, {Statement: "ACME-202611", AmountFen: 1850}}
	if len(p.Allocations) != 2 || p.Allocations[0] != want[0] || p.Allocations[1] != want[1] {
		t.Errorf("allocations = %+v, want %+v", p.Allocations, want)
	}
	if s := f.statement("ACME", oct); s.Status != billing.StatusPaid || s.OutstandingFen != 0 {
		t.Errorf("Oct = %s outstanding %d, want paid 0", s.Status, s.OutstandingFen)
	}
	if s := f.statement("ACME", nov); s.Status != billing.StatusPartPaid || s.OutstandingFen != 9050-1850 {
		t.Errorf("Nov = %s outstanding %d, want part_paid %d", s.Status, s.OutstandingFen, 9050-1850)
	}
	// The same payment sent twice is one payment.
	again, err := f.bill.RecordPayment(f.ctx, billing.NewPayment{ShipperCode: "ACME", AmountFen: 8000, PaidAt: paid, Reference: "BANK-1"}, billing.SourceAPI)
	if err != nil || !again.Existed || again.ID != p.ID || len(again.Allocations) != 2 {
		t.Errorf("again = %+v, %v; want the stored payment", again, err)
	}
	var count int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM payments`).Scan(&count); err != nil || count != 1 {
		t.Errorf("payments = %d, %v; want 1", count, err)
	}
	// Naming the statement: pays only that one.
	if _, err := f.bill.RecordPayment(f.ctx, billing.NewPayment{ShipperCode: "ACME", Statement: "acme-202611", AmountFen: 7200, PaidAt: paid, Reference: "BANK-2"}, billing.SourceAPI); err != nil {
		t.Fatal(err)
	}
	if s := f.statement("ACME", nov); s.Status != billing.StatusPaid {
		t.Errorf("Nov after BANK-2 = %s, want paid", s.Status)
	}
	for _, tt := range []struct {
		name  string
		p     billing.NewPayment
		field string
		kind  errs.Kind
	}{
		{"reference reused", billing.NewPayment{ShipperCode: "ACME", AmountFen: 7999, PaidAt: paid, Reference: "BANK-1"}, "", errs.Conflict},
		{"unknown shipper", billing.NewPayment{ShipperCode: "NOPE", AmountFen: 1, PaidAt: paid, Reference: "X1"}, "shipper_code", errs.Invalid},
		{"unknown statement", billing.NewPayment{ShipperCode: "ACME", Statement: "ACME-209901", AmountFen: 1, PaidAt: paid, Reference: "X2"}, "statement", errs.Invalid},
		{"another's statement", billing.NewPayment{ShipperCode: "NULLCO", Statement: "ACME-202611", AmountFen: 1, PaidAt: paid, Reference: "X3"}, "statement", errs.Invalid},
		{"zero amount", billing.NewPayment{ShipperCode: "ACME", AmountFen: 0, PaidAt: paid, Reference: "X4"}, "amount_fen", errs.Invalid},
		{"negative amount", billing.NewPayment{ShipperCode: "ACME", AmountFen: -5, PaidAt: paid, Reference: "X5"}, "amount_fen", errs.Invalid},
		{"nothing open", billing.NewPayment{ShipperCode: "ACME", AmountFen: 1, PaidAt: paid, Reference: "X6"}, "statement", errs.Invalid},
		{"more than outstanding", billing.NewPayment{ShipperCode: "REFUND", Statement: "REFUND-202610", AmountFen: 1, PaidAt: paid, Reference: "X7"}, "amount_fen", errs.Invalid},
		{"no reference", billing.NewPayment{ShipperCode: "ACME", AmountFen: 1, PaidAt: paid}, "reference", errs.Invalid},
		{"no time", billing.NewPayment{ShipperCode: "ACME", AmountFen: 1, Reference: "X8"}, "paid_at", errs.Invalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.bill.RecordPayment(f.ctx, tt.p, billing.SourceAPI)
			if errs.KindOf(err) != tt.kind {
				t.Fatalf("err = %v (kind %v), want kind %v", err, errs.KindOf(err), tt.kind)
			}
			if tt.kind == errs.Conflict && !errors.Is(err, billing.ErrReferenceReused) {
				t.Errorf("err = %v, want ErrReferenceReused", err)
			}
			if tt.field != "" {
				fs := errs.FieldsOf(err)
				if len(fs) != 1 || fs[0].Field != tt.field || fs[0].Key == "" {
					t.Errorf("fields = %+v, want one on %s with a key", fs, tt.field)
				}
			}
		})
	}
}

func TestAgeingAtChosenInstants(t *testing.T) {
	t.Parallel()
	f := newFixture(t, local(2026, 12, 1, 3))
	seed(f)
	f.close() // October and November closed; October due through 1 Dec, November through 31 Dec
	f.clock.Set(local(2027, 1, 10, 10))
	if _, err := f.bill.RecordPayment(f.ctx, billing.NewPayment{ShipperCode: "ACME", Statement: "ACME-202611",
		AmountFen: 1000, PaidAt: local(2027, 1, 10, 9), Reference: "LATE"}, billing.SourceAPI); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at                       time.Time
		cur, d30, d60, d90, over int64
		daysOverdue              int
	}{
		{local(2026, 11, 30, 23), 0, 0, 0, 0, 0, 0},       // nothing closed yet at that instant
		{local(2026, 12, 1, 23), 15200, 0, 0, 0, 0, 0},    // the due date itself: still current
		{local(2026, 12, 2, 3), 9050, 6150, 0, 0, 0, 1},   // 3 hours past due is 1 day overdue
		{local(2027, 1, 1, 0), 9050, 6150, 0, 0, 0, 30},   // November's due instant exactly: still current
		{local(2027, 2, 15, 12), 0, 0, 8050, 6150, 0, 76}, // 75.5 days past due counts 76
		{local(2027, 3, 20, 12), 0, 0, 0, 8050, 6150, 109},
	} {
		r, err := f.bill.ReceivablesAt(f.ctx, tt.at)
		if err != nil {
			t.Fatal(err)
		}
		var acme *billing.ShipperAgeing
		for i := range r.Shippers {
			if r.Shippers[i].Code == "ACME" {
				acme = &r.Shippers[i]
			}
		}
		if acme == nil {
			acme = &billing.ShipperAgeing{}
		}
		a := acme.Ageing
		name := tt.at.Format("2006-01-02 15h")
		if a.CurrentFen != tt.cur || a.D1To30Fen != tt.d30 || a.D31To60Fen != tt.d60 || a.D61To90Fen != tt.d90 || a.Over90Fen != tt.over {
			t.Errorf("%s: buckets %d/%d/%d/%d/%d, want %d/%d/%d/%d/%d", name, a.CurrentFen, a.D1To30Fen, a.D31To60Fen,
				a.D61To90Fen, a.Over90Fen, tt.cur, tt.d30, tt.d60, tt.d90, tt.over)
		}
		if a.BalanceFen != tt.cur+tt.d30+tt.d60+tt.d90+tt.over || a.DaysOverdue != tt.daysOverdue {
			t.Errorf("%s: balance %d days overdue %d, want %d and %d", name, a.BalanceFen, a.DaysOverdue,
				tt.cur+tt.d30+tt.d60+tt.d90+tt.over, tt.daysOverdue)
		}
		// DSO against the raw rows: balance ÷ revenue of the 90 days before × 90.
		var rev int64
		if err := f.pool.QueryRow(f.ctx, `SELECT COALESCE(sum(COALESCE(freight_fen,0) + COALESCE(surcharge_fen,0)), 0)
			FROM shipments s JOIN shippers sh ON sh.id = s.shipper_id WHERE sh.code = 'ACME'
			AND s.created_at >= $1 AND s.created_at < $2`, tt.at.Add(-90*24*time.Hour), tt.at).Scan(&rev); err != nil {
			t.Fatal(err)
		}
		dso, ok := a.DSO()
		if a.Revenue90 != rev || (rev > 0 && (!ok || dso != float64(a.BalanceFen)/float64(rev)*90)) || (rev == 0 && ok) {
			t.Errorf("%s: revenue90 %d (raw %d), DSO %v %v", name, a.Revenue90, rev, dso, ok)
		}
	}
	// Statement status follows the clock too.
	f.clock.Set(local(2027, 1, 5, 0))
	if s := f.statement("ACME", local(2026, 11, 1, 0)); s.Status != billing.StatusOverdue || s.DaysOverdue != 4 {
		t.Errorf("Nov on 5 Jan = %s, %d days; want overdue, 4", s.Status, s.DaysOverdue)
	}
}

func TestCreditLimitWarningAndAudit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, local(2026, 12, 2, 3))
	seed(f)
	f.close()
	id := f.shipperID("ACME")
	check := func(limit *int64, want bool) {
		t.Helper()
		if err := f.bill.SetTerms(f.ctx, id, billing.Terms{PaymentTermsDays: 45, CreditLimitFen: limit}, billing.Actor{ID: 0, Name: "经理"}); err != nil {
			t.Fatal(err)
		}
		r, err := f.bill.Receivables(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		over := r.OverLimit()
		if got := len(over) == 1 && over[0].Code == "ACME"; got != want {
			t.Errorf("limit %v: over limit %+v, want ACME over: %v (balance 15200)", limit, over, want)
		}
		cheap, err := f.bill.OverLimit(f.ctx)
		if err != nil || (len(cheap) == 1) != want {
			t.Errorf("limit %v: OverLimit = %+v, %v", limit, cheap, err)
		}
		a, err := f.bill.ShipperAgeing(f.ctx, id)
		if err != nil || a.OverLimit() != want {
			t.Errorf("limit %v: shipper ageing over %v, %v", limit, a.OverLimit(), err)
		}
	}
	check(nil, false)
	check(fen(20000), false)
	check(fen(15200), false) // equal is not over
	check(fen(15199), true)
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_log WHERE action = 'shipper.terms' AND object_id = $1`, id).Scan(&n); err != nil || n != 4 {
		t.Errorf("audit rows = %d, %v; want 4 (one per change)", n, err)
	}
	if err := f.bill.SetTerms(f.ctx, id, billing.Terms{PaymentTermsDays: 400}, billing.Actor{}); len(errs.FieldsOf(err)) != 1 {
		t.Errorf("400 days: %v, want a field error", err)
	}
}
