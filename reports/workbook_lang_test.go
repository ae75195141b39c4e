package reports_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode"

	"github.com/xuri/excelize/v2"

	"lcrm/reports"
)

// hasHan reports whether s has a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestDefinitionsHaveChinese guards the Chinese workbook: every Definition, tile and
// sheet (including those added later) has its Chinese.
func TestDefinitionsHaveChinese(t *testing.T) {
	t.Parallel()
	for _, d := range reports.Definitions {
		zh := reports.DefinitionIn("zh", d)
		if !hasHan(zh.Name) || !hasHan(zh.Text) {
			t.Errorf("definition %q has no Chinese in definitionsZH", d.Name)
		}
		if en := reports.DefinitionIn("en", d); en != d {
			t.Errorf("English definition %q changed: %+v", d.Name, en)
		}
	}
	sum := &reports.Summary{}
	for _, tile := range append(sum.Tiles(), reports.ComplaintTiles(&reports.ComplaintStats{}, &reports.ComplaintStats{}, sum)...) {
		if !hasHan(reports.TileName("zh", tile.Name)) {
			t.Errorf("tile %q has no Chinese name", tile.Name)
		}
	}
	for _, s := range []string{reports.SheetSummary, reports.SheetDaily, reports.SheetByShipper, reports.SheetByProvince,
		reports.SheetComplaints, reports.SheetRootCauses, reports.SheetAgents, reports.SheetChurnRisk, reports.SheetComments,
		reports.SheetSlow, reports.SheetDefinitions} {
		if !hasHan(reports.SheetName("zh", s)) || reports.SheetName("en", s) != s {
			t.Errorf("sheet %q: zh %q, en %q", s, reports.SheetName("zh", s), reports.SheetName("en", s))
		}
	}
}

// numFmt is the custom number format of a cell.
func numFmt(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

// TestWorkbookInReadersLanguage reads the Chinese workbook (the default) back: Chinese
// sheet names and headers, human labels for codes (tier, category), durations as hours
// with the unit in the number format, rate changes in percentage points, the Chinese
// definitions and the month-to-date note; then the English one on request.
func TestWorkbookInReadersLanguage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, now := soFarFixture(t)
	p := reports.Month(now, nil).SoFar(now)
	read := func(lang string) *excelize.File {
		var buf bytes.Buffer
		if err := reports.WriteWorkbook(ctx, &buf, st, p, reports.Filter{}, lang); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	zh := read("")
	wantSheets := "汇总|每日|按寄件商家|按目的省份|投诉|投诉根因|申诉|客服|流失风险|客户价值|问卷评论|慢签收|应收账款|指标定义"
	if got := strings.Join(zh.GetSheetList(), "|"); got != wantSheets {
		t.Fatalf("sheets %s, want %s", got, wantSheets)
	}
	// Row 6 is Created, 7 Delivered, 9 Sign-off lag median (4 h for every parcel).
	for _, c := range []struct{ sheet, cell, want string }{
		{"汇总", "A1", "lcrm 经营指标"}, {"汇总", "A5", "指标"}, {"汇总", "D5", "变化"},
		{"汇总", "A6", "下单量"}, {"汇总", "A7", "签收量"}, {"汇总", "A9", "签收时长中位数"},
		{"每日", "A1", "日期"}, {"每日", "E1", "签收时长中位数"},
		{"按寄件商家", "A1", "编码"}, {"按寄件商家", "C2", "重点客户"}, {"按寄件商家", "J1", "准时率变化(百分点)"},
		{"投诉", "A2", "全部投诉"}, {"投诉", "A3", "延误"}, {"投诉", "E1", "首次响应中位数"},
		{"客服", "A2", "赵敏"}, {"指标定义", "A1", "指标"}, {"指标定义", "C1", "定义"},
		{"指标定义", "A2", "统计周期"}, {"指标定义", "A4", "下单量"}, {"指标定义", "B4", "件数"},
	} {
		if got := cellRaw(t, zh, c.sheet, c.cell); got != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.cell, got, c.want)
		}
	}
	if got := cellRaw(t, zh, "汇总", "A3"); !strings.Contains(got, "相同天数") || !strings.Contains(got, "2026-11-01 00:00 至 2026-11-03 00:00") {
		t.Errorf("汇总!A3 = %q, want the same days of November", got)
	}
	if got := cellRaw(t, zh, "汇总", "A2"); !strings.Contains(got, "全部运单") {
		t.Errorf("汇总!A2 = %q", got)
	}
	four := 4.0
	cellNum(t, zh, "汇总", "B9", &four)
	cellNum(t, zh, "每日", "E3", &four) // 2 December: the 1 December parcel
	for _, c := range []struct{ sheet, cell, want string }{
		{"汇总", "B9", `0.0" 小时"`}, {"汇总", "D9", `+0.0" 小时";-0.0" 小时";0.0" 小时"`}, {"每日", "E3", `0.0" 小时"`},
		{"汇总", "D8", "+0.0%;-0.0%;0.0%"},
	} {
		if got := numFmt(t, zh, c.sheet, c.cell); got != c.want {
			t.Errorf("%s!%s number format %q, want %q", c.sheet, c.cell, got, c.want)
		}
	}
	if got, _ := zh.GetCellValue("汇总", "B9"); got != "4.0 小时" {
		t.Errorf("汇总!B9 shows %q, want 4.0 小时", got)
	}
	rows, err := zh.GetRows("指标定义")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(reports.Definitions)+1 {
		t.Errorf("指标定义 has %d rows, want %d", len(rows), len(reports.Definitions)+1)
	}
	for _, r := range rows[1:] {
		if len(r) < 3 || !hasHan(r[0]) || !hasHan(r[2]) {
			t.Errorf("definition row not in Chinese: %q", r)
		}
	}

	en := read("en")
	if got := en.GetSheetList(); got[0] != "Summary" || got[len(got)-1] != "Definitions" {
		t.Errorf("English sheets %v", got)
	}
	for _, c := range []struct{ sheet, cell, want string }{
		{"Summary", "A5", "KPI"}, {"Summary", "A6", "Created"}, {"By shipper", "C2", "Key"},
		{"Complaints", "A3", "Delayed"}, {"Definitions", "A2", "Period"},
	} {
		if got := cellRaw(t, en, c.sheet, c.cell); got != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.cell, got, c.want)
		}
	}
	if got, _ := en.GetCellValue("Summary", "B9"); got != "4.0 h" {
		t.Errorf("Summary!B9 shows %q, want 4.0 h", got)
	}
}
