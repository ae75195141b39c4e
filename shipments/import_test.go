package shipments_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/internal/testdb"
	"lcrm/shipments"
)

const shipmentsCSV = "\xEF\xBB\xBFtracking_no,shipper_code,shipper_name,service_level,origin_city,consignee_name,consignee_phone,province,city,street,weight_g\n" +
	"SD500000000001,ACME,杭州云裳服饰有限公司,express,杭州,张小明,138 0013 8000,北京市,北京,望京街10号,1200\n" +
	"SD500000000002,ACME,,standard,杭州,李娜,+86-139-0000-1111,上海市,上海,南京西路1号,800\n"

func importString(t *testing.T, st *shipments.Store, kind shipments.ImportKind, body string, skip bool) *shipments.ImportReport {
	t.Helper()
	rep, err := st.Import(context.Background(), kind, strings.NewReader(body), shipments.ImportOptions{Format: "csv", SkipInvalid: skip})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestImportCSV(t *testing.T) {
	t.Parallel()
	st := shipments.NewStore(testdb.New(t))
	rep := importString(t, st, shipments.ImportShipments, shipmentsCSV, false)
	if !rep.Committed || rep.Imported != 2 || rep.Rows != 2 || len(rep.Errors) != 0 {
		t.Fatalf("shipments: %+v", rep)
	}
	at := time.Now().Add(-5 * time.Hour)
	events := "运单号,事件编号,事件,发生时间,地点,签收人\n" // Chinese headers
	for i, code := range []string{"picked_up", "in_transit", "out_for_delivery", "delivered"} {
		signer := ""
		if code == "delivered" {
			signer = "本人"
		}
		events += fmt.Sprintf("sd500000000001,e%d,%s,%s,北京,%s\n", i, code, at.Add(time.Duration(i)*time.Hour).In(shipments.DefaultZone).Format("2006-01-02 15:04:05"), signer)
	}
	// The second parcel's scans (after its creation at import time) arrive out of order, one
	// of them twice in the same file.
	pick := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	late := pick.Add(20 * time.Minute).Format(time.RFC3339)
	events += "SD500000000002,,in_transit," + late + ",,\n" +
		"SD500000000002,,picked_up," + pick.Format(time.RFC3339) + ",,\n" +
		"SD500000000002,,in_transit," + late + ",,\n"
	rep = importString(t, st, shipments.ImportEvents, events, false)
	if !rep.Committed || rep.Rows != 7 || rep.Imported != 6 || rep.Duplicates != 1 {
		t.Fatalf("events: %+v", rep)
	}
	d, _ := st.Get(context.Background(), "SD500000000001")
	if d.Status != shipments.Delivered || d.SignedBy != "本人" || d.DeliveredAt == nil {
		t.Errorf("status after import = %s by %q", d.Status, d.SignedBy)
	}
	d, _ = st.Get(context.Background(), "SD500000000002")
	if d.Status != shipments.InTransit || d.PickedUpAt == nil || !d.PickedUpAt.Equal(pick) {
		t.Errorf("second parcel: status %s, picked up %v", d.Status, d.PickedUpAt)
	}
	// Re-running both files is harmless.
	again := importString(t, st, shipments.ImportShipments, shipmentsCSV, false)
	if !again.Committed || again.Imported != 0 || again.Duplicates != 2 {
		t.Errorf("re-import shipments: %+v", again)
	}
	again = importString(t, st, shipments.ImportEvents, events, false)
	if !again.Committed || again.Imported != 0 || again.Duplicates != 7 {
		t.Errorf("re-import events: %+v", again)
	}
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	header := "tracking_no,event_id,code,occurred_at\n"
	tests := []struct {
		name    string
		kind    shipments.ImportKind
		body    string
		row     int
		column  string
		reason  string
		invalid int
	}{
		{"empty file", shipments.ImportEvents, "", 1, "", "empty", 0},
		{"missing column", shipments.ImportEvents, "tracking_no,code\nSD500000000001,in_transit\n", 1, "occurred_at", "missing required column", 0},
		{"bad date", shipments.ImportEvents, header + "SD500000000001,a,in_transit,2026-13-01\n", 2, "occurred_at", "not a date", 1},
		{"unknown code", shipments.ImportEvents, header + "SD500000000001,a,in_transit,2026-11-01 08:00\nSD500000000001,b,teleported,2026-11-01 09:00\n", 3, "code", "unknown event code", 1},
		{"unknown tracking number", shipments.ImportEvents, header + "SD599999999999,a,in_transit,2026-11-01 08:00\n", 2, "tracking_no", "no shipment", 1},
		{"not UTF-8 (GBK)", shipments.ImportEvents, "tracking_no,event_id,code,occurred_at,location\nSD500000000001,a,in_transit,2026-11-01 08:00,\xb1\xb1\xbe\xa9\n", 2, "location", "UTF-8", 1},
		{"malformed CSV", shipments.ImportEvents, header + "SD500000000001,\"a,in_transit\n", 2, "", "malformed", 1},
		{"GBK column names", shipments.ImportEvents, "\xd4\xcb\xb5\xa5\xba\xc5,\xca\xc2\xbc\xfe,\xb7\xa2\xc9\xfa\xca\xb1\xbc\xe4\nSD500000000001,in_transit,2026-11-01 08:00\n", 1, "", "save the file as UTF-8", 0},
		{"only a byte-order mark", shipments.ImportShipments, "\xEF\xBB\xBF", 1, "", "empty", 0},
		{"missing Chinese columns", shipments.ImportShipments, "运单号,发件商户编码,始发城市,收件人,收件人电话,市\nSD500000000009,ACME,杭州,王五,13800138000,北京\n", 1, "weight_g", "missing required column (weight_g / 重量克)", 0},
		{"rows as a spreadsheet numbers them", shipments.ImportEvents, header + "\nSD500000000001,a,in_transit,2026-11-01 08:00,\"two\nlines\"\nSD500000000001,b,in_transit,2026-11-31 08:00\n", 4, "occurred_at", `"2026-11-31 08:00" is not a date (use`, 1},
		{"delivered without signer", shipments.ImportEvents, header + "SD500000000001,a,delivered,2026-11-01 08:00\n", 2, "signed_by", "required", 1},
		{"new shipper without name", shipments.ImportShipments, "tracking_no,shipper_code,origin_city,consignee_name,consignee_phone,city,weight_g\nSD500000000009,NEWCO,杭州,王五,13800138000,北京,100\n", 2, "shipper_name", "new shipper", 1},
		{"bad phone and weight", shipments.ImportShipments, "tracking_no,shipper_code,origin_city,consignee_name,consignee_phone,city,weight_g\nSD500000000009,ACME,杭州,王五,12345,北京,-3\n", 2, "consignee_phone", "not a valid phone", 1},
		{"bad number", shipments.ImportShipments, "tracking_no,shipper_code,origin_city,consignee_name,consignee_phone,city,weight_g\nSD500000000009,ACME,杭州,王五,13800138000,北京,heavy\n", 2, "weight_g", "not a whole number", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := shipments.NewStore(testdb.New(t))
			importString(t, st, shipments.ImportShipments, shipmentsCSV, false)
			rep := importString(t, st, tt.kind, tt.body, false)
			if rep.Committed || rep.Imported != 0 || rep.Invalid != tt.invalid {
				t.Errorf("report = %+v, want nothing committed and %d invalid", rep, tt.invalid)
			}
			found := false
			for _, e := range rep.Errors {
				if e.Row == tt.row && e.Column == tt.column && strings.Contains(e.Reason, tt.reason) {
					found = true
				}
			}
			if !found {
				t.Errorf("errors = %+v, want row %d column %q reason containing %q", rep.Errors, tt.row, tt.column, tt.reason)
			}
		})
	}
}

func TestImportAllOrNothingVersusSkip(t *testing.T) {
	t.Parallel()
	body := shipmentsCSV + "bad-number,ACME,,standard,杭州,王五,13800138000,北京市,北京,x,100\n"
	for _, skip := range []bool{false, true} {
		st := shipments.NewStore(testdb.New(t))
		rep := importString(t, st, shipments.ImportShipments, body, skip)
		_, err := st.Get(context.Background(), "SD500000000001")
		stored := err == nil
		if stored != skip || rep.Committed != skip || rep.Invalid != 1 || rep.Errors[0].Row != 4 || rep.Errors[0].Column != "tracking_no" {
			t.Errorf("skip=%v: report %+v, first row stored=%v", skip, rep, stored)
		}
		if skip && rep.Imported != 2 {
			t.Errorf("skip-invalid imported %d, want 2", rep.Imported)
		}
	}
}

// xlsxFile builds a workbook whose first sheet holds rows (a nil row is left out of the
// file, as Excel does with empty rows).
func xlsxFile(t *testing.T, date1904 bool, rows ...[]any) *bytes.Buffer {
	t.Helper()
	f := excelize.NewFile()
	if date1904 {
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range rows {
		if r == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func TestImportXLSX(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	header := []any{"运单号", "发件商户编码", "发件商户名称", "始发城市", "收件人", "收件人电话", "市", "重量克", "下单时间"}
	want := time.Date(2026, 11, 22, 12, 0, 0, 0, shipments.DefaultZone)
	tests := []struct {
		name     string
		date1904 bool
		serial   float64 // Excel's number for want
	}{
		{"1900 date system", false, 46348.5},
		{"1904 date system", true, 46348.5 - 1462},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := xlsxFile(t, tt.date1904, header,
				[]any{"SD500000000003", "ACME", "杭州云裳服饰有限公司", "杭州", "赵六", 13800138000, "北京", 500, tt.serial},
				[]any{"SD500000000004", "ACME", "", "杭州", "钱七", "13900001111", "上海", 700, "2026-11-21 09:30"},
				nil, // row 4 is empty
				[]any{"SD500000000005", "ACME", "", "杭州", "孙八", "13900002222", "上海", "heavy", "2026-11-21 09:30"},
				[]any{"SD500000000006", "ACME", "", "杭州", "周九", "13900003333", "上海", 900, "2026-11-21 25:00"})
			st := shipments.NewStore(testdb.New(t))
			rep, err := st.Import(ctx, shipments.ImportShipments, buf, shipments.ImportOptions{Format: "xlsx", SkipInvalid: true})
			if err != nil || !rep.Committed || rep.Rows != 4 || rep.Imported != 2 || rep.Invalid != 2 {
				t.Fatalf("xlsx import: %+v %v", rep, err)
			}
			if e := rep.Errors; len(e) != 2 || e[0].Row != 5 || e[0].Column != "weight_g" || e[1].Row != 6 || e[1].Column != "created_at" {
				t.Errorf("errors = %+v, want row 5 weight_g and row 6 created_at", e)
			}
			d, err := st.Get(ctx, "SD500000000003")
			if err != nil {
				t.Fatal(err)
			}
			if !d.CreatedAt.Equal(want) || d.Consignee.Phone != "+8613800138000" {
				t.Errorf("serial date = %v (want %v), phone %s", d.CreatedAt.In(shipments.DefaultZone), want, d.Consignee.Phone)
			}
			d, err = st.Get(ctx, "SD500000000004")
			if err != nil || !d.CreatedAt.Equal(time.Date(2026, 11, 21, 9, 30, 0, 0, shipments.DefaultZone)) {
				t.Errorf("text date: %v %v", d, err)
			}
		})
	}
	st := shipments.NewStore(testdb.New(t))
	bad, err := st.Import(ctx, shipments.ImportShipments, strings.NewReader("not a zip"), shipments.ImportOptions{Format: "xlsx"})
	if err != nil || bad.Committed || len(bad.Errors) != 1 || !strings.Contains(bad.Errors[0].Reason, "xlsx") {
		t.Errorf("broken xlsx: %+v %v", bad, err)
	}
	empty, err := st.Import(ctx, shipments.ImportShipments, xlsxFile(t, false), shipments.ImportOptions{Format: "xlsx"})
	if err != nil || empty.Committed || len(empty.Errors) != 1 || !strings.Contains(empty.Errors[0].Reason, "empty") {
		t.Errorf("empty xlsx: %+v %v", empty, err)
	}
}

// TestImportAcrossBatches: with tiny batches, a shipper introduced by name in an early batch
// is known to later ones even after a bad row has doomed an all-or-nothing import, so the
// report lists the one real problem; a malformed file is never committed, even when skipping.
func TestImportAcrossBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	head := "tracking_no,shipper_code,shipper_name,origin_city,consignee_name,consignee_phone,city,weight_g\n"
	body := head + "SD500000000011,NEWCO,新公司,杭州,王五,13800138000,北京,100\n" +
		"SD500000000012,NEWCO,,杭州,赵六,12345,北京,100\n" +
		"SD500000000013,NEWCO,,杭州,钱七,13900001111,北京,100\n"
	for _, skip := range []bool{false, true} {
		st := shipments.NewStore(testdb.New(t))
		rep, err := st.Import(ctx, shipments.ImportShipments, strings.NewReader(body), shipments.ImportOptions{Format: "csv", BatchSize: 1, SkipInvalid: skip})
		if err != nil || rep.Invalid != 1 || len(rep.Errors) != 1 || rep.Errors[0].Row != 3 || rep.Errors[0].Column != "consignee_phone" {
			t.Fatalf("skip=%v: %+v %v", skip, rep, err)
		}
		_, err = st.Get(ctx, "SD500000000013")
		if rep.Committed != skip || (err == nil) != skip || (skip && rep.Imported != 2) {
			t.Errorf("skip=%v: committed %v, imported %d, third row stored: %v", skip, rep.Committed, rep.Imported, err == nil)
		}
	}
	st := shipments.NewStore(testdb.New(t))
	rep, err := st.Import(ctx, shipments.ImportShipments, strings.NewReader(body+"SD500000000014,\"NEWCO\n"), shipments.ImportOptions{Format: "csv", SkipInvalid: true})
	if err != nil || rep.Committed || rep.Imported != 0 || rep.Errors[len(rep.Errors)-1].Row != 5 {
		t.Errorf("malformed tail with skip-invalid: %+v %v", rep, err)
	}
}

func TestImportMaxErrors(t *testing.T) {
	t.Parallel()
	body := "tracking_no,code,occurred_at\n" + strings.Repeat("SD500000000001,teleported,yesterday\n", 5)
	st := shipments.NewStore(testdb.New(t))
	rep, err := st.Import(context.Background(), shipments.ImportEvents, strings.NewReader(body), shipments.ImportOptions{Format: "csv", MaxErrors: 3})
	if err != nil || rep.Invalid != 5 || len(rep.Errors) != 3 || !rep.ErrorsTruncated || rep.Committed {
		t.Errorf("report = %+v %v, want 5 invalid, 3 errors kept, truncated", rep, err)
	}
}

// BenchmarkImportShipmentsCSV imports a generated file streamed through a pipe, so -benchmem
// shows the importer's own memory, not the file's.
func BenchmarkImportShipmentsCSV(b *testing.B) {
	st := shipments.NewStore(testdb.New(b))
	const rows = 20000
	for i := 0; i < b.N; i++ {
		pr, pw := io.Pipe()
		go func(run int) {
			fmt.Fprintln(pw, "tracking_no,shipper_code,shipper_name,origin_city,consignee_name,consignee_phone,city,weight_g")
			for r := 0; r < rows; r++ {
				fmt.Fprintf(pw, "BM%02d%010d,ACME,Acme,杭州,张三,+86138%08d,北京,1000\n", run, r, r%50000)
			}
			pw.Close()
		}(i)
		rep, err := st.Import(context.Background(), shipments.ImportShipments, pr, shipments.ImportOptions{Format: "csv"})
		if err != nil || rep.Imported != rows {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
