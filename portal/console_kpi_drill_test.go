package portal_test

import (
	"bytes"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var (
	drillLink = regexp.MustCompile(`<a class="kpi-drill" href="(/console/kpi/list\?[^"]*)">([^<]*)</a>`)
	listTotal = regexp.MustCompile(`id="kpi-list-total">(?:共 )?([0-9,]+)`)
	pctDiff   = regexp.MustCompile(`class="kpi-diff">[^<]*%</span>`)
)

// TestKPIDrillDown follows every count link of the dashboard (tiles, per-shipper,
// per-province and per-agent cells) as a manager and as a supervisor: each list says it
// has as many rows as the number it was opened from and shows them, and its workbook has
// them too, in Chinese; bad parameters get a 400 and agents a 403.
func TestKPIDrillDown(t *testing.T) {
	t.Parallel()
	e := newKPIEnv(t)
	for _, role := range []string{"manager", "supervisor"} {
		t.Run(role, func(t *testing.T) {
			code, body, _ := e.as(role).do("GET", "/console/kpi?"+e.query, nil)
			if code != 200 {
				t.Fatalf("dashboard %d", code)
			}
			links := drillLink.FindAllStringSubmatch(body, -1)
			kinds := map[string]int{}
			for _, l := range links {
				href, want := html.UnescapeString(l[1]), strings.ReplaceAll(l[2], ",", "")
				kinds[mustQuery(t, strings.SplitN(href, "?", 2)[1]).Get("show")]++
				code, list, _ := e.as(role).do("GET", href, nil)
				if code != 200 {
					t.Errorf("%s: status %d", href, code)
					continue
				}
				m := listTotal.FindStringSubmatch(list)
				if m == nil || strings.ReplaceAll(m[1], ",", "") != want {
					t.Errorf("%s: list total %v, the dashboard says %s", href, m, want)
				}
				if n, _ := strconv.Atoi(want); n <= 100 && strings.Count(list, `class="kpi-list-row"`) != n {
					t.Errorf("%s: %d rows shown, want %d", href, strings.Count(list, `class="kpi-list-row"`), n)
				}
			}
			// Tiles: created, delivered, slow, surveys, complaints; shipper: delivered and
			// complaints; province: created and delivered; agents: complaints.
			for _, k := range []string{"created", "delivered", "slow", "surveys", "complaints"} {
				if kinds[k] == 0 {
					t.Errorf("no link to the %s list (links %v)", k, kinds)
				}
			}
			if kinds["complaints"] < 3 || kinds["delivered"] < 3 {
				t.Errorf("table cells lack links: %v", kinds)
			}
		})
	}
	// The complaints list of the supervisor is the team's: 1 complaint, linked to its page.
	code, body, _ := e.as("supervisor").do("GET", "/console/kpi/list?"+e.query+"&show=complaints", nil)
	if m := listTotal.FindStringSubmatch(body); code != 200 || m == nil || m[1] != "1" || !strings.Contains(body, `href="/console/complaints/`) {
		t.Errorf("supervisor's complaints list: %d, %v", code, m)
	}
	// The export: every row, Chinese headers and labels.
	code, body, hdr := e.as("manager").do("GET", "/console/kpi/list.xlsx?"+e.query+"&show=delivered", nil)
	if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), "-delivered.xlsx") {
		t.Fatalf("export: %d %q", code, hdr.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("清单")
	if len(rows) != 4 || rows[0][0] != "运单号" || rows[1][3] != "标准快递" || rows[1][6] != "已签收" {
		t.Errorf("export rows %v", rows)
	}
	for _, c := range []struct {
		role, query string
		code        int
		text        string
	}{
		{"manager", "&show=everything", 400, "清单只能是"},
		{"manager", "&show=delivered&agent=3", 400, "客服参数无效"},
		{"manager", "&show=complaints&agent=x", 400, "客服参数无效"},
		{"manager", "&show=created&page=0", 400, "页码无效"},
		{"manager", "&show=created&lang=en", 200, "Shipments created"},
		{"manager", "&show=created&page=2", 200, `id="kpi-list-empty"`},
		{"agent", "&show=created", 403, ""},
	} {
		code, body, _ := e.as(c.role).do("GET", "/console/kpi/list?"+e.query+c.query, nil)
		if code != c.code || !strings.Contains(body, c.text) {
			t.Errorf("%s %s: %d, want %d with %q", c.role, c.query, code, c.code, c.text)
		}
	}
}

// TestKPILabels: units in the viewer's language — durations with units, rate changes in
// percentage points, the Created count named 下单量 (揽收 is the picked-up step).
func TestKPILabels(t *testing.T) {
	t.Parallel()
	e := newKPIEnv(t)
	for _, c := range []struct {
		lang, lag, diff, created string
	}{
		{"zh", "2 小时", "-33.3 百分点", "下单量"},
		{"en", "2 h", "-33.3 pp", "Created"},
	} {
		code, body, _ := e.as("manager").do("GET", "/console/kpi?"+e.query+"&lang="+c.lang, nil)
		if code != 200 {
			t.Fatalf("%s: %d", c.lang, code)
		}
		val, diff := tiles(body)
		if val["sign_off_lag_median"] != c.lag || diff["on_time_rate"] != c.diff {
			t.Errorf("%s: lag %q, on-time change %q; want %q, %q", c.lang, val["sign_off_lag_median"], diff["on_time_rate"], c.lag, c.diff)
		}
		if !strings.Contains(body, `id="tile-created"><h3>`+c.created+`</h3>`) || strings.Contains(body, "揽收量") {
			t.Errorf("%s: the Created tile is not named %s", c.lang, c.created)
		}
		if m := pctDiff.FindString(body); m != "" {
			t.Errorf("%s: a change is written in %%: %s", c.lang, m)
		}
	}
}
