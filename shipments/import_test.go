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
	rep = importString(t, st, shipments.ImportEvents, events, false)
	if !rep.Committed || rep.Imported != 4 {
		t.Fatalf("events: %+v", rep)
	}
	d, _ := st.Get(context.Background(), "SD500000000001")
	if d.Status != shipments.Delivered || d.SignedBy != "本人" {
		t.Errorf("status after import = %s by %q", d.Status, d.SignedBy)
	}
	// Re-running both files is harmless.
	again := importString(t, st, shipments.ImportShipments, shipmentsCSV, false)
	if !again.Committed || again.Imported != 0 || again.Duplicates != 2 {
		t.Errorf("re-import shipments: %+v", again)
	}
	again = importString(t, st, shipments.ImportEvents, events, false)
	if again.Imported != 0 || again.Duplicates != 4 {
		t.Errorf("re-import events: %+v", again)
	}
}

func TestImportErrors(t *testing.T) {
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
		{"bad phone and weight", shipments.ImportShipments, "tracking_no,shipper_code,origin_city,consignee_name,consignee_phone,city,weight_g\nSD500000000009,ACME,杭州,王五,12345,北京,-3\n", 2, "consignee_phone", "not a valid phone", 1},
		{"bad number", shipments.ImportShipments, "tracking_no,shipper_code,origin_city,consignee_name,consignee_phone,city,weight_g\nSD500000000009,ACME,杭州,王五,13800138000,北京,heavy\n", 2, "weight_g", "not a whole number", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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

func TestImportXLSX(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{
		{"运单号", "发件商户编码", "发件商户名称", "始发城市", "收件人", "收件人电话", "市", "重量克", "下单时间"},
		{"SD500000000003", "ACME", "杭州云裳服饰有限公司", "杭州", "赵六", 13800138000, "北京", 500, 46348.5}, // 2026-11-22 12:00
		{"SD500000000004", "ACME", "杭州云裳服饰有限公司", "杭州", "钱七", "13900001111", "上海", 700, "2026-11-21 09:30"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	st := shipments.NewStore(testdb.New(t))
	rep, err := st.Import(context.Background(), shipments.ImportShipments, &buf, shipments.ImportOptions{Format: "xlsx"})
	if err != nil || !rep.Committed || rep.Imported != 2 {
		t.Fatalf("xlsx import: %+v %v", rep, err)
	}
	d, _ := st.Get(context.Background(), "SD500000000003")
	want := time.Date(2026, 11, 22, 12, 0, 0, 0, shipments.DefaultZone)
	if !d.CreatedAt.Equal(want) || d.Consignee.Phone != "+8613800138000" {
		t.Errorf("serial date = %v (want %v), phone %s", d.CreatedAt.In(shipments.DefaultZone), want, d.Consignee.Phone)
	}
	bad, err := st.Import(context.Background(), shipments.ImportShipments, strings.NewReader("not a zip"), shipments.ImportOptions{Format: "xlsx"})
	if err != nil || bad.Committed || len(bad.Errors) != 1 || !strings.Contains(bad.Errors[0].Reason, "xlsx") {
		t.Errorf("broken xlsx: %+v %v", bad, err)
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
