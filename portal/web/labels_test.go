package web

import (
	"path/filepath"
	"strings"
	"testing"

	"lcrm/reports"
	"lcrm/shipments"
)

// allCatalogues merges every catalogue file of lang.
func allCatalogues(t *testing.T, lang string) map[string]string {
	t.Helper()
	files, err := filepath.Glob("i18n/*." + lang + ".json")
	if err != nil || len(files) == 0 {
		t.Fatalf("catalogues of %s: %v", lang, err)
	}
	all := map[string]string{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), "."+lang+".json")
		for k, v := range readCatalogue(t, name, lang) {
			all[k] = v
		}
	}
	return all
}

// TestExportLabelsMatchPages: the workbooks (reports, shipments) name every code with the
// words the pages use, so a reader sees one name for a thing on screen and on paper.
func TestExportLabelsMatchPages(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"zh", "en"} {
		cat := allCatalogues(t, lang)
		for kind, prefix := range map[string]string{reports.LabelTier: "kpi.tier.", reports.LabelService: "service.",
			reports.LabelCategory: "complaint.cat.", reports.LabelCause: "desk.rc.", reports.LabelReason: "watch.reason."} {
			for _, code := range reports.LabelCodes(kind) {
				if got, want := reports.Label(lang, kind, code), cat[prefix+code]; got != want {
					t.Errorf("%s %s %s: workbook %q, pages %q", lang, kind, code, got, want)
				}
			}
		}
		for _, c := range shipments.Codes {
			if got, want := shipments.StatusLabel(lang, c), cat["status."+string(c)]; got != want {
				t.Errorf("%s status %s: export %q, pages %q", lang, c, got, want)
			}
		}
		for _, l := range []shipments.ServiceLevel{shipments.Standard, shipments.Express, shipments.SameDay} {
			if got, want := shipments.ServiceLabel(lang, l), cat["service."+string(l)]; got != want {
				t.Errorf("%s service %s: export %q, pages %q", lang, l, got, want)
			}
		}
	}
}
