package billing_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lcrm/billing"
)

func TestImportPayments(t *testing.T) {
	t.Parallel()
	f := newFixture(t, local(2026, 12, 2, 3))
	seed(f)
	f.close()
	// Chinese headers in another order; a payment split over two statements as two rows
	// with their own references; bad rows named by row and reason.
	file := "\ufeff付款流水号,发件商户编码,对账单号,金额分,付款时间\n" +
		"IMP-1,ACME,ACME-202610,6150,2026-12-01 10:00\n" +
		"IMP-2,ACME,ACME-202611,3000,2026-12-01T11:00:00+08:00\n" +
		"IMP-3,ACME,,abc,2026-12-01\n" +
		"IMP-4,NOPE,,100,2026-12-01\n" +
		"\n" +
		"IMP-5,ACME,ACME-202611,0,2026-12-01\n" +
		"IMP-6,ACME,ACME-202611,100,yesterday\n"
	rep, err := f.bill.ImportPayments(f.ctx, strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 6 || rep.Recorded != 2 || rep.Invalid != 4 || rep.Duplicates != 0 {
		t.Errorf("report = %+v, want 6 rows, 2 recorded, 4 invalid", rep)
	}
	want := map[int]string{4: "amount_fen", 5: "shipper_code", 7: "amount_fen", 8: "paid_at"}
	for _, e := range rep.Errors {
		if want[e.Row] != e.Column || e.Reason == "" {
			t.Errorf("error %+v not expected (want %v)", e, want)
		}
		delete(want, e.Row)
	}
	if len(want) > 0 {
		t.Errorf("errors missing for rows %v", want)
	}
	if s := f.statement("ACME", local(2026, 10, 1, 0)); s.Status != billing.StatusPaid {
		t.Errorf("Oct = %s, want paid", s.Status)
	}
	if s := f.statement("ACME", local(2026, 11, 1, 0)); s.Status != billing.StatusPartPaid || s.PaidFen != 3000 {
		t.Errorf("Nov = %s paid %d, want part_paid 3000", s.Status, s.PaidFen)
	}
	// Running the file again records nothing new.
	again, err := f.bill.ImportPayments(f.ctx, strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM payments`).Scan(&n); err != nil || n != 2 || again.Duplicates != 2 || again.Recorded != 0 {
		t.Errorf("re-run: %+v, %d payments (%v); want 2 duplicates, 2 payments", again, n, err)
	}
	// A reused reference with other content is a bad row.
	rep, err = f.bill.ImportPayments(f.ctx, strings.NewReader("reference,shipper_code,amount_fen,paid_at\nIMP-1,ACME,100,2026-12-01\n"))
	if err != nil || rep.Invalid != 1 || rep.Errors[0].Column != "reference" {
		t.Errorf("reused reference: %+v, %v", rep, err)
	}
	if _, err := f.bill.ImportPayments(f.ctx, strings.NewReader("reference,amount_fen\nX,1\n")); err == nil {
		t.Error("a header without shipper_code and paid_at was accepted")
	}
}

func TestStatementWorkbook(t *testing.T) {
	t.Parallel()
	f := newFixture(t, local(2026, 12, 2, 3))
	seed(f)
	f.close()
	s := f.statement("ACME", local(2026, 10, 1, 0))
	for _, tt := range []struct{ lang, sheet, header, total string }{
		{"zh", "对账单", "运单号", "应付合计（元）"},
		{"en", "Statement", "Tracking no.", "Total due (CNY)"},
	} {
		var buf bytes.Buffer
		if err := f.bill.WriteStatement(f.ctx, &buf, s, tt.lang); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows(tt.sheet)
		if err != nil {
			t.Fatalf("%s: %v", tt.lang, err)
		}
		var headerAt, totalRow = -1, -1
		for i, r := range rows {
			if len(r) > 0 && r[0] == tt.header {
				headerAt = i
			}
			if len(r) > 1 && r[0] == tt.total {
				totalRow = i
				if r[1] != "61.50" {
					t.Errorf("%s: total %q, want 61.50 (yuan, two decimals)", tt.lang, r[1])
				}
			}
		}
		if headerAt < 0 || totalRow < 0 {
			t.Fatalf("%s: header row %d, total row %d in %v", tt.lang, headerAt, totalRow, rows)
		}
		lines := rows[headerAt+1:]
		if int64(len(lines)) != s.Shipments {
			t.Errorf("%s: %d shipment rows, want %d", tt.lang, len(lines), s.Shipments)
		}
		if len(lines) > 0 && (lines[0][5] != "10.00" || lines[1][6] != "1.50") {
			t.Errorf("%s: first rows %v", tt.lang, lines)
		}
		x.Close()
	}
}
