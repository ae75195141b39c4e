package reports_test

import (
	"os"
	"strings"
	"testing"

	"lcrm/reports"
)

// TestREADMEDefinitions keeps the README's "KPI definitions" table word for word equal to
// reports.Definitions, which the workbook prints too.
func TestREADMEDefinitions(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if !strings.Contains(readme, "## KPI definitions") {
		t.Fatal("README has no KPI definitions section")
	}
	for _, d := range reports.Definitions {
		row := "| " + d.Name + " | " + d.Unit + " | " + d.Text + " |"
		if !strings.Contains(readme, row) {
			t.Errorf("README lacks the definition of %q as written in reports.Definitions", d.Name)
		}
	}
}
