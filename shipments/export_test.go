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

// TestExportInReadersLanguage: the shipper's workbook is Chinese by default (sheet 运单,
// headers, 运输中 for in_transit, 标准快递, the declared value 12.34 yuan as a number with
// format 0.00) and English on request.
func TestExportInReadersLanguage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := shipments.NewStore(testdb.New(t))
	n := newShipment("SD500000000001", "13800138000")
	n.DeclaredValueFen = 1234
	n.ServiceLevel = shipments.Standard
	created := time.Now().Add(-3 * time.Hour)
	n.CreatedAt = &created
	if _, err := st.CreateShipments(ctx, []shipments.NewShipment{n}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordEvents(ctx, []shipments.NewEvent{{TrackingNo: n.TrackingNo, Event: shipments.Event{Key: "t",
		Code: shipments.InTransit, OccurredAt: time.Now().Add(-time.Hour), Location: "杭州"}}}); err != nil {
		t.Fatal(err)
	}
	d, err := st.Get(ctx, n.TrackingNo)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.ListForShipper(ctx, d.ShipperID, shipments.ListFilter{})
	if err != nil || len(rows) != 1 {
		t.Fatalf("list: %v, %d rows", err, len(rows))
	}
	for _, c := range []struct {
		lang, sheet, a1, b2, c2, j1, p2 string
	}{
		{"", "运单", "运单号", "运输中", "标准快递", "申报价值(元)", "否"},
		{"zh", "运单", "运单号", "运输中", "标准快递", "申报价值(元)", "否"},
		{"en", "Shipments", "Tracking number", "In transit", "Standard", "Declared value (yuan)", "no"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := shipments.WriteXLSX(&buf, rows, shipments.DefaultZone, time.Now(), c.lang); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.GetSheetList(); len(got) != 1 || got[0] != c.sheet || shipments.ExportSheet(c.lang) != c.sheet {
				t.Fatalf("sheets %v, want %s", got, c.sheet)
			}
			for cell, want := range map[string]string{"A1": c.a1, "A2": n.TrackingNo, "B2": c.b2, "C2": c.c2, "J1": c.j1, "P2": c.p2} {
				if got, _ := f.GetCellValue(c.sheet, cell); got != want {
					t.Errorf("%s = %q, want %q", cell, got, want)
				}
			}
			if raw, _ := f.GetCellValue(c.sheet, "J2", excelize.Options{RawCellValue: true}); raw != "12.34" {
				t.Errorf("J2 stores %q, want the number 12.34", raw)
			}
			id, _ := f.GetCellStyle(c.sheet, "J2")
			if s, err := f.GetStyle(id); err != nil || s.CustomNumFmt == nil || *s.CustomNumFmt != "0.00" {
				t.Errorf("J2 style %+v (%v), want number format 0.00", s, err)
			}
			if typ, _ := f.GetCellType(c.sheet, "J2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
				t.Errorf("J2 is text, want a number")
			}
		})
	}
}
