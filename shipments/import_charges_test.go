package shipments_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// TestImportCharges: the charge columns (Chinese headers here) are optional per cell; an
// empty cell is "not known", a negative, too large or non-numeric one is the row number
// and the reason; the shipper's export carries freight and surcharge but never our cost.
func TestImportCharges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := shipments.NewStore(testdb.New(t))
	head := "运单号,发件商户编码,发件商户名称,始发城市,收件人,收件人电话,市,重量克,运费分,附加费分,成本分\n"
	body := head +
		"SD600000000001,ACME,杭州云裳,杭州,张小明,13800138000,北京,1200,1850,200,1100\n" +
		"SD600000000002,ACME,杭州云裳,杭州,李娜,13900001111,上海,800,900,,\n" +
		"SD600000000003,ACME,杭州云裳,杭州,王五,13700001111,上海,800,900,,-5\n" +
		"SD600000000004,ACME,杭州云裳,杭州,赵六,13600001111,上海,800,九百,,\n" +
		"SD600000000005,ACME,杭州云裳,杭州,钱七,13500001111,上海,800,,1000000001,\n"
	rep := importString(t, st, shipments.ImportShipments, body, false)
	if rep.Committed || rep.Invalid != 3 {
		t.Fatalf("report = %+v, want 3 invalid and nothing committed", rep)
	}
	want := map[int]string{4: "cost_fen", 5: "freight_fen", 6: "surcharge_fen"}
	for _, e := range rep.Errors {
		if want[e.Row] == e.Column && e.Reason != "" {
			delete(want, e.Row)
		}
	}
	if len(want) > 0 {
		t.Errorf("errors = %+v; missing row → column %v", rep.Errors, want)
	}
	rep = importString(t, st, shipments.ImportShipments, body, true)
	if !rep.Committed || rep.Imported != 2 {
		t.Fatalf("skip invalid: %+v", rep)
	}
	d, err := st.Get(ctx, "SD600000000001")
	if err != nil || d.FreightFen == nil || *d.FreightFen != 1850 || *d.SurchargeFen != 200 || *d.CostFen != 1100 {
		t.Fatalf("charges of row 2: %+v, %v", d.Charges, err)
	}
	d, _ = st.Get(ctx, "SD600000000002")
	if d.FreightFen == nil || *d.FreightFen != 900 || d.SurchargeFen != nil || d.CostFen != nil {
		t.Errorf("empty cells must be not known: %+v", d.Charges)
	}
	rows, err := st.ListForShipper(ctx, d.ShipperID, shipments.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := shipments.WriteXLSX(&buf, rows, shipments.DefaultZone, time.Now(), "en"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.GetRows("Shipments")
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range got[0] {
		col[h] = i
	}
	if _, ok := col["Cost (yuan)"]; ok || len(col) != 18 {
		t.Error("the shipper's export shows our cost")
	}
	cells := map[string][2]string{}
	for _, r := range got[1:] {
		r = append(r, "", "")
		cells[r[0]] = [2]string{r[col["Freight (yuan)"]], r[col["Surcharge (yuan)"]]}
	}
	if cells["SD600000000001"] != [2]string{"18.50", "2.00"} || cells["SD600000000002"] != [2]string{"9.00", ""} {
		t.Errorf("export charges = %v", cells)
	}
}
