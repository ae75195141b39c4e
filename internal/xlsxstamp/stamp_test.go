package xlsxstamp_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/internal/xlsxstamp"
)

// book writes a streamed workbook of n rows, like the exports do.
func book(t testing.TB, n int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Shipments")
	sw, err := f.NewStreamWriter("Shipments")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		if err := sw.SetRow(cell, []any{fmt.Sprintf("SD%012d", i), "张小明", "+8613800138000", "北京市", i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRestamp(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 12, 1, 13, 30, 0, 0, time.UTC)
	s := xlsxstamp.Stamp{By: "agent@demo.lcrm", Name: "王", At: at, Zone: cst, What: "shipper_shipments"}
	if got, want := s.Line(), "导出人 / Exported by: agent@demo.lcrm, 2026-12-01 21:30 CST"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
	for _, n := range []int{1, 100_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			src := book(t, n)
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			heap0, start := ms.TotalAlloc, time.Now()
			var out bytes.Buffer
			if err := xlsxstamp.Restamp(&out, bytes.NewReader(src), s); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&ms)
			t.Logf("%d rows: %d KB in, %d KB out, restamp %s, %d MB allocated", n, len(src)>>10, out.Len()>>10,
				time.Since(start).Round(time.Millisecond), (ms.TotalAlloc-heap0)>>20)
			f, err := excelize.OpenReader(&out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			p, _ := f.GetDocProps()
			if p.Creator != "agent@demo.lcrm" || p.Description != s.Line() || !strings.Contains(p.Keywords, "at=2026-12-01T13:30:00Z") {
				t.Errorf("doc props %+v", p)
			}
			if got := f.GetSheetList(); len(got) != 2 || got[0] != "Shipments" || got[1] != xlsxstamp.Sheet {
				t.Errorf("sheets %v", got)
			}
			if v, _ := f.GetCellValue(xlsxstamp.Sheet, "B2"); v != "2026-12-01 21:30:00 CST" {
				t.Errorf("exported at %q", v)
			}
			last, _ := excelize.CoordinatesToCellName(1, n)
			if v, _ := f.GetCellValue("Shipments", last); v != fmt.Sprintf("SD%012d", n) {
				t.Errorf("last row %q: data not intact", v)
			}
		})
	}
}
