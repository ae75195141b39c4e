package reports_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lcrm/reports"
)

// Text that customers or shippers typed (survey comments, company names) reaches the
// workbook as text: no cell holds a formula, and formula-like text is neutralised with a
// leading apostrophe, so opening or re-saving the file never runs it.
func TestWorkbookNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 300, true)
	const formula = `=HYPERLINK("http://evil","x")`
	if _, err := pool.Exec(ctx, `UPDATE surveys SET comment = $1`, formula); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE shippers SET name = '@SUM(1+1)' || chr(8238) || id`); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	p := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	if err := reports.WriteWorkbook(ctx, &buf, reports.NewStore(pool), p, reports.Filter{}, "zh"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]int{}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if fm, _ := f.GetCellFormula(sheet, cell); fm != "" {
					t.Errorf("%s!%s holds formula %q", sheet, cell, fm)
				}
				for _, bad := range []string{"HYPERLINK", "@SUM"} {
					if strings.Contains(v, bad) {
						seen[bad]++
						if !strings.HasPrefix(v, "'") {
							t.Errorf("%s!%s = %q is not neutralised", sheet, cell, v)
						}
					}
				}
				if strings.ContainsRune(v, '\u202e') {
					t.Errorf("%s!%s = %q holds a bidi control", sheet, cell, v)
				}
			}
		}
	}
	if seen["HYPERLINK"] == 0 || seen["@SUM"] == 0 {
		t.Fatalf("formula-like text not found in the workbook: %v", seen)
	}
}
