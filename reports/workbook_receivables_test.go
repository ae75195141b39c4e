package reports_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/billing"
	"lcrm/customers"
	"lcrm/internal/testdb"
	"lcrm/reports"
	"lcrm/shipments"
)

// The Receivables sheet lists each shipper's ageing as billing computes it at the period's
// end, and a total row equal to the sum over shippers.
func TestWorkbookReceivables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	zone, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 12, 20, 12, 0, 0, 0, zone)
	shp := shipments.NewStore(pool)
	shp.Now = func() time.Time { return now }
	var batch []shipments.NewShipment
	for i := 0; i < 9; i++ {
		created := time.Date(2026, 10, 3+i*6, 10, 0, 0, 0, zone) // October and November
		freight := int64(1234 * (i + 1))
		batch = append(batch, shipments.NewShipment{TrackingNo: fmt.Sprintf("SD7000000000%02d", i),
			Shipper:    customers.Shipper{Code: []string{"ACME", "BETA", "GAMMA"}[i%3], Name: "寄件商家"},
			Consignee:  customers.Consignee{Name: "李雷", Phone: "13900139000", Address: customers.Address{City: "上海"}},
			OriginCity: "杭州", WeightG: 500, CreatedAt: &created, Charges: shipments.Charges{FreightFen: &freight}})
	}
	if _, err := shp.CreateShipments(ctx, batch); err != nil {
		t.Fatal(err)
	}
	bill := billing.NewStore(pool, zone)
	bill.Now = func() time.Time { return time.Date(2026, 12, 2, 3, 0, 0, 0, zone) } // the job's run
	if _, err := bill.CloseMonths(ctx); err != nil {
		t.Fatal(err)
	}
	st := reports.NewStore(pool)
	st.Now = func() time.Time { return now }
	p := reports.Period{From: time.Date(2026, 12, 1, 0, 0, 0, 0, zone), To: time.Date(2026, 12, 15, 0, 0, 0, 0, zone), Zone: zone}
	want, err := bill.ReceivablesAt(ctx, p.To)
	if err != nil {
		t.Fatal(err)
	}
	if want.Total.BalanceFen == 0 || want.Total.D1To30Fen == 0 || want.Total.CurrentFen == 0 {
		t.Fatalf("fixture has no current and overdue money: %+v", want.Total)
	}
	var buf bytes.Buffer
	if err := reports.WriteWorkbook(ctx, &buf, st, p, reports.Filter{}, "en"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(reports.SheetReceivables, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(want.Shippers)+1 || rows[0][10] != "Balance (CNY)" {
		t.Fatalf("%d rows (want header, %d shippers, total); header %v", len(rows), len(want.Shippers), rows[0])
	}
	yuan := func(s string) int64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return int64(v*100 + 0.5)
	}
	var sum int64
	for i, s := range want.Shippers {
		r := rows[1+i]
		if r[0] != s.Code || yuan(r[10]) != s.BalanceFen || yuan(r[5]) != s.CurrentFen || yuan(r[6]) != s.D1To30Fen {
			t.Errorf("row %v, want %s balance %d current %d 1-30 %d", r, s.Code, s.BalanceFen, s.CurrentFen, s.D1To30Fen)
		}
		sum += yuan(r[10])
	}
	total := rows[len(rows)-1]
	if total[0] != "Total" || yuan(total[10]) != sum || sum != want.Total.BalanceFen {
		t.Errorf("total row %v, sum of rows %d, billing total %d", total, sum, want.Total.BalanceFen)
	}
}
