package reports_test

import (
	"archive/zip"
	"bytes"
	"context"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/reports"
)

func TestFileName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p    reports.Period
		want string
	}{
		{reports.Month(day(2026, 11, 15), nil), "lcrm-kpi-2026-11-01_2026-11-30.xlsx"},
		{reports.Period{From: day(2026, 11, 2), To: day(2026, 11, 3)}, "lcrm-kpi-2026-11-02_2026-11-02.xlsx"},
		{reports.Period{From: day(2026, 11, 2), To: day(2026, 11, 9)}, "lcrm-kpi-2026-11-02_2026-11-08.xlsx"},
	}
	for _, c := range cases {
		if got := reports.FileName(c.p); got != c.want {
			t.Errorf("FileName(%v) = %s, want %s", c.p.From, got, c.want)
		}
	}
}

// raw reads a cell's stored value.
func cellRaw(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// cellNum compares a numeric cell with want (nil: blank), to 1e-9 relative.
func cellNum(t *testing.T, f *excelize.File, sheet, cell string, want *float64) {
	t.Helper()
	v := cellRaw(t, f, sheet, cell)
	if want == nil {
		if v != "" {
			t.Errorf("%s!%s = %q, want blank", sheet, cell, v)
		}
		return
	}
	got, err := strconv.ParseFloat(v, 64)
	if err != nil || math.Abs(got-*want) > 1e-9*math.Max(1, math.Abs(*want)) {
		t.Errorf("%s!%s = %q, want %v", sheet, cell, v, *want)
	}
}

func num(v int64) *float64 { f := float64(v); return &f }

// hours is a duration as the workbook stores it.
func hours(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	f := d.Hours()
	return &f
}

func TestWorkbook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 2000, true)
	addComplaints(t, pool, 200)
	st := reports.NewStore(pool)
	p := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	var buf bytes.Buffer
	if err := reports.WriteWorkbook(ctx, &buf, st, p, reports.Filter{}, "en"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wantSheets := []string{"Summary", "Daily", "By shipper", "By province", "Complaints", "Root causes",
		"Appeals", "Agents", "Churn risk", "Customer value", "Survey comments", "Slow sign-offs", "Receivables", "Definitions"}
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(wantSheets, "|") {
		t.Fatalf("sheets = %v, want %v", got, wantSheets)
	}
	headers := []struct{ sheet, cell, want string }{
		{"Summary", "A5", "KPI"}, {"Summary", "D5", "Change"},
		{"Daily", "A1", "Date"}, {"Daily", "D1", "On-time rate"}, {"Daily", "E1", "Sign-off lag median"},
		{"By shipper", "A1", "Code"}, {"By shipper", "H1", "On-time rate"},
		{"By province", "A1", "Province"}, {"Churn risk", "D1", "Last 30 days"},
		{"Complaints", "A2", "All complaints"}, {"Complaints", "C1", "Per 1,000 delivered"},
		{"Root causes", "E1", "Cumulative share"}, {"Agents", "A1", "Agent"}, {"Agents", "J1", "CSAT after resolution"},
		{"Survey comments", "G1", "Comment"}, {"Slow sign-offs", "F1", "Reason"}, {"Definitions", "C1", "Definition"},
		{"Definitions", "A2", reports.Definitions[0].Name},
	}
	for _, h := range headers {
		if got := cellRaw(t, f, h.sheet, h.cell); got != h.want {
			t.Errorf("%s!%s = %q, want %q", h.sheet, h.cell, got, h.want)
		}
	}

	// The customer value sheet: one row per shipper of Value, in its order, money in yuan.
	val, err := st.Value(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(val.Shippers) < 3 {
		t.Fatalf("value: %d shippers", len(val.Shippers))
	}
	for i, s := range val.Shippers {
		row := strconv.Itoa(2 + i)
		if got := cellRaw(t, f, "Customer value", "A"+row); got != s.Code {
			t.Errorf("Customer value!A%s = %q, want %q", row, got, s.Code)
		}
		if got := cellRaw(t, f, "Customer value", "D"+row); got != s.Class {
			t.Errorf("Customer value!D%s = %q, want %q", row, got, s.Class)
		}
		rev, margin := float64(s.RevenueFen)/100, float64(s.MarginFen())/100
		cellNum(t, f, "Customer value", "K"+row, &rev)
		cellNum(t, f, "Customer value", "N"+row, &margin)
	}

	sum, err := st.Summary(ctx, p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for i, tile := range sum.Tiles() {
		row := strconv.Itoa(6 + i)
		if got := cellRaw(t, f, "Summary", "A"+row); !strings.HasPrefix(got, tile.Name) {
			t.Errorf("Summary!A%s = %q, want %q", row, got, tile.Name)
		}
		cur := tile.Current
		if tile.Unit == "duration" && cur != nil {
			v := *cur / 3600
			cur = &v
		}
		cellNum(t, f, "Summary", "B"+row, cur)
	}

	stats, err := st.Complaints(ctx, p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	row := strconv.Itoa(6 + len(sum.Tiles()))
	if got := cellRaw(t, f, "Summary", "A"+row); got != "Complaints" {
		t.Errorf("Summary!A%s = %q, want Complaints", row, got)
	}
	cellNum(t, f, "Summary", "B"+row, num(stats.Total.Filed))
	cellNum(t, f, "Complaints", "B2", num(stats.Total.Filed))
	cellNum(t, f, "Complaints", "C2", stats.Total.Per1000(sum.Current.Delivered))
	cellNum(t, f, "Complaints", "D2", stats.Total.RepeatRate())
	cellNum(t, f, "Complaints", "E2", hours(stats.Total.FRTMedian))
	causes, err := st.RootCauses(ctx, p, reports.Filter{})
	if err != nil || len(causes) == 0 {
		t.Fatalf("root causes: %v, %d bars", err, len(causes))
	}
	last := strconv.Itoa(len(causes) + 1)
	cellNum(t, f, "Root causes", "E"+last, &causes[len(causes)-1].Cumulative)

	daily, err := st.Daily(ctx, p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range daily {
		row := strconv.Itoa(i + 2)
		if got, _ := f.GetCellValue("Daily", "A"+row); got != d.Date.Format(time.DateOnly) {
			t.Errorf("Daily!A%s = %q, want %s", row, got, d.Date.Format(time.DateOnly))
		}
		cellNum(t, f, "Daily", "C"+row, num(d.Delivered))
		cellNum(t, f, "Daily", "D"+row, d.OnTimeRate())
		cellNum(t, f, "Daily", "E"+row, hours(d.LagMedian))
	}
	if got := cellRaw(t, f, "Daily", "A"+strconv.Itoa(len(daily)+2)); got != "" {
		t.Errorf("Daily has rows past the period: %q", got)
	}

	shippers, err := st.ByShipper(ctx, p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range shippers {
		row := strconv.Itoa(i + 2)
		if got := cellRaw(t, f, "By shipper", "B"+row); got != g.Name {
			t.Errorf("By shipper!B%s = %q, want %q", row, got, g.Name)
		}
		cellNum(t, f, "By shipper", "E"+row, num(g.Current.Delivered))
		cellNum(t, f, "By shipper", "H"+row, g.Current.OnTimeRate())
	}

	rows, err := f.GetRows("Survey comments")
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(rows)-1) != sum.Current.Surveys {
		t.Errorf("survey comment rows = %d, want %d", len(rows)-1, sum.Current.Surveys)
	}
	checkParts(t, buf.Bytes())
}

// checkParts looks inside the package: two charts with a drawing on the Summary sheet,
// frozen panes and autofilters on the table sheets.
func checkParts(t *testing.T, data []byte) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, zf := range z.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		parts[zf.Name] = html.UnescapeString(string(b))
	}
	for _, name := range []string{"xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml", "xl/drawings/drawing1.xml"} {
		if parts[name] == "" {
			t.Errorf("workbook has no %s", name)
		}
	}
	charts := parts["xl/charts/chart1.xml"] + parts["xl/charts/chart2.xml"] + parts["xl/charts/chart3.xml"]
	for _, want := range []string{"'Daily'!$C$2:$C$31", "'Daily'!$D$2:$D$31", "'Root causes'!$E$2", "barChart", "lineChart"} {
		if !strings.Contains(charts, want) {
			t.Errorf("no chart has %s", want)
		}
	}
	for i := 2; i <= 10; i++ {
		sheet := parts["xl/worksheets/sheet"+strconv.Itoa(i)+".xml"]
		if !strings.Contains(sheet, `state="frozen"`) || !strings.Contains(sheet, "<autoFilter") {
			t.Errorf("sheet%d lacks frozen panes or autofilter", i)
		}
	}
}

func TestWorkbookEmptyPeriod(t *testing.T) {
	t.Parallel()
	st := reports.NewStore(loadDemo(t, 200, false))
	p := reports.Period{From: day(2027, 1, 1), To: day(2027, 1, 2)}
	var buf bytes.Buffer
	if err := reports.WriteWorkbook(context.Background(), &buf, st, p, reports.Filter{}, "zh"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cellNum(t, f, "汇总", "B7", num(0)) // delivered
	cellNum(t, f, "汇总", "B8", nil)    // on-time rate: no deliveries, no value
	if got := cellRaw(t, f, "问卷评论", "A2"); got != "" {
		t.Errorf("survey comments in an empty period: %q", got)
	}
}
