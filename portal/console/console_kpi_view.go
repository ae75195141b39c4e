package console

// The KPI dashboard's view: figures formatted in Go and the two charts drawn as inline
// SVG (presentation attributes only: the CSP allows no inline styles or scripts).

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/reports"
)

// kpiTile is one tile as drawn: a translated name, the value, the previous value and the
// change, already formatted.
type kpiTile struct {
	Key, Name             string // Key is the reports tile name as a slug (tile ids, tests)
	Value, Previous, Diff string
	Trend                 string       // up, down, flat or none
	Link                  template.URL // the list behind a count ("" for rates and the like)
}

// kpiCell is one formatted cell of a table; Link, for a count, is the list behind it.
type kpiCell struct {
	Text string
	Link template.URL
}

// kpiRow is one row of a table, cells formatted.
type kpiRow struct {
	Cells []kpiCell
}

// row makes a table row of texts.
func row(texts ...string) kpiRow {
	r := kpiRow{Cells: make([]kpiCell, len(texts))}
	for i, t := range texts {
		r.Cells[i].Text = t
	}
	return r
}

// link makes cell i of r a link to u.
func (r kpiRow) link(i int, u template.URL) kpiRow {
	r.Cells[i].Link = u
	return r
}

// kpiView is the dashboard page's data.
type kpiView struct {
	Form                kpiForm
	From, To            string // first and last local day of the period
	PrevFrom, PrevTo    string
	Partial             bool // the period runs through today: its days so far vs the same days before
	Team                bool // the complaint figures are the viewer's team's only
	Tiles               []kpiTile
	Trend, Pareto       template.HTML
	Shippers, Provinces []kpiRow
	Agents, Churn       []kpiRow
	ShipperChoices      []customers.Shipper
	Tiers, Services     []string
	Periods             []string
	WorkbookURL         template.URL
	Appeals             *kpiAppeals // regulator appeals per million (console_kpi_appeals.go)
}

// kpiSlug turns a tile name into a catalogue key suffix: "CSAT (4–5 share)" → csat_4_5_share.
var kpiSlug = regexp.MustCompile(`[^a-z0-9]+`)

func tileKey(name string) string {
	return strings.Trim(kpiSlug.ReplaceAllString(strings.ToLower(name), "_"), "_")
}

// kpiDashboard draws the dashboard of the requested period and filters.
func (s *handler) kpiDashboard(c *fiber.Ctx) error {
	form, p, f, err := s.kpiRequest(c)
	if err != nil {
		return err
	}
	var v *kpiView
	err = s.readReports(c, func(st *reports.Store) (err error) {
		v, err = s.kpiData(c.UserContext(), st, s.Lang(c), form, p, f)
		return err
	})
	if err != nil {
		return err
	}
	if v.Appeals, err = s.kpiAppealSection(c.UserContext(), s.Lang(c), p, f); err != nil {
		return err
	}
	v.WorkbookURL = template.URL("/console/kpi/workbook.xlsx?" + form.query())
	if v.ShipperChoices, err = s.deps.Customers.ListShippers(c.UserContext()); err != nil {
		return err
	}
	return s.Render(c, "kpi_dashboard", v)
}

// kpiData runs the reports and formats them for lang; every count links to its list
// under the same form.
func (s *handler) kpiData(ctx context.Context, st *reports.Store, lang string, form kpiForm, p reports.Period, f reports.Filter) (*kpiView, error) {
	// The six reads are independent: run them at once, so the page takes as long as the
	// slowest (the dashboard statement) rather than their sum.
	var (
		d         *reports.Dashboard
		cur, prev *reports.ComplaintStats
		causes    []reports.RootCause
		agents    []reports.Agent
		churn     []reports.ChurnShipper
		wg        sync.WaitGroup
		errs      [6]error
	)
	for i, read := range []func() error{
		func() (err error) { d, err = st.Dashboard(ctx, p, f); return },
		func() (err error) { cur, err = st.Complaints(ctx, p, f); return },
		func() (err error) { prev, err = st.Complaints(ctx, p.Previous(), f); return },
		func() (err error) { causes, err = st.RootCauses(ctx, p, f); return },
		func() (err error) { agents, err = st.Agents(ctx, p, f); return },
		func() (err error) { churn, err = st.ChurnRisk(ctx, p, f); return },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = read()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	z := s.cfg.Zone
	day := func(t time.Time) string { return t.In(z).Format(time.DateOnly) }
	pp := p.Previous()
	v := &kpiView{Form: form, From: day(p.From), To: day(p.To.Add(-time.Nanosecond)), PrevFrom: day(pp.From),
		PrevTo: day(pp.To.Add(-time.Nanosecond)), Partial: p.Partial(), Team: f.Team != 0,
		Tiers:    []string{string(customers.TierKey), string(customers.TierRegular), string(customers.TierSmall)},
		Services: []string{"standard", "express", "same_day"}, Periods: []string{"day", "week", "month", "custom"}}
	u := s.kpiUnits(lang)
	for _, t := range append(d.Summary.Tiles(), reports.ComplaintTiles(cur, prev, d.Summary)...) {
		k := tileKey(t.Name)
		tile := kpiTile{Key: k, Name: s.Text(lang, "kpi.tile."+k),
			Value: u.unit(t.Unit, t.Current), Previous: u.unit(t.Unit, t.Previous),
			Diff: u.diff(t.Unit, t.Diff), Trend: trend(t.Diff)}
		if kind, ok := kpiListTiles[k]; ok {
			tile.Link = form.listURL(kind)
		}
		v.Tiles = append(v.Tiles, tile)
	}
	for _, g := range d.Shippers {
		v.Shippers = append(v.Shippers, row(g.Code, g.Name, s.Text(lang, "kpi.tier."+g.Tier),
			fmtCount(g.Current.Delivered), fmtSigned(g.DeliveredChange()), fmtPct(g.Current.OnTimeRate()),
			fmtPct(g.Current.CSATShare()), fmtCount(g.Complaints), fmtScore(g.ComplaintsPer1000())).
			link(3, form.listURL(reports.ListDelivered, "shipper", g.Key)).
			link(7, form.listURL(reports.ListComplaints, "shipper", g.Key)))
	}
	for _, g := range d.Provinces {
		r := row(g.Name, fmtCount(g.Current.Created),
			fmtCount(g.Current.Delivered), fmtSigned(g.DeliveredChange()), fmtPct(g.Current.OnTimeRate()),
			u.dur(g.Current.LagMedian), fmtPct(g.Current.CSATShare()))
		// Shipments without a province cannot be filtered to (an empty filter is none).
		if g.Key != "" {
			r = r.link(1, form.listURL(reports.ListCreated, "province", g.Key)).
				link(2, form.listURL(reports.ListDelivered, "province", g.Key))
		}
		v.Provinces = append(v.Provinces, r)
	}
	for _, a := range agents {
		v.Agents = append(v.Agents, row(a.Name, fmtCount(a.Filed), u.dur(a.FRTMedian),
			fmtPct(a.FRTCompliance()), u.dur(a.ResMedian), fmtPct(a.ResCompliance()), fmtPct(a.ReopenRate()),
			fmtPct(a.CSATAfterResolution())).
			link(1, form.listURL(reports.ListComplaints, "agent", strconv.FormatInt(a.UserID, 10))))
	}
	for _, ch := range churn {
		v.Churn = append(v.Churn, row(ch.Code, ch.Name, s.Text(lang, "kpi.tier."+ch.Tier),
			fmtCount(ch.Last30), strconv.FormatFloat(ch.Expected30, 'f', 1, 64), fmtCount(ch.Prev90),
			fmtYuan(ch.Revenue90Fen), fmtYuan(ch.Margin90Fen)))
	}
	v.Trend = trendChart(d.Days, z, s.Text(lang, "kpi.chart.delivered"), s.Text(lang, "kpi.chart.on_time"))
	v.Pareto = paretoChart(causes, func(rc string) string { return s.Text(lang, "desk.rc."+rc) },
		s.Text(lang, "kpi.chart.complaints"), s.Text(lang, "kpi.chart.cumulative"))
	return v, nil
}

// none is how a missing figure is shown.
const none = "—"

// fmtCount writes n with thousands separators: 12,345.
func fmtCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// fmtSigned writes n with its sign: +12, -3, 0.
func fmtSigned(n int64) string {
	if n > 0 {
		return "+" + fmtCount(n)
	}
	return fmtCount(n)
}

// fmtPct writes a share as a percentage with one decimal: 95.3 %.
func fmtPct(v *float64) string {
	if v == nil {
		return none
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + " %"
}

// fmtScore writes a score with one decimal.
func fmtScore(v *float64) string {
	if v == nil {
		return none
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// kpiUnits are the unit words of the viewer's language, for durations ("1 天 11 小时",
// "1 d 11 h") and rate changes (percentage points: "百分点", "pp").
type kpiUnits struct{ day, hour, min, pp string }

// kpiUnits reads the unit words of lang from the catalogue.
func (s *handler) kpiUnits(lang string) kpiUnits {
	return kpiUnits{day: s.Text(lang, "kpi.unit.day"), hour: s.Text(lang, "kpi.unit.hour"),
		min: s.Text(lang, "kpi.unit.min"), pp: s.Text(lang, "kpi.unit.pp")}
}

// dur writes a duration to the minute with units: "17 分钟", "2 小时 5 分钟", "1 天 11 小时".
func (u kpiUnits) dur(d *time.Duration) string {
	if d == nil {
		return none
	}
	return u.seconds(d.Seconds())
}

// seconds writes a number of seconds as dur does, negative with a minus. From a day on
// the minutes are left out: "1 天 11 小时".
func (u kpiUnits) seconds(sec float64) string {
	sign := ""
	if sec < 0 {
		sign, sec = "-", -sec
	}
	m := int64(math.Round(sec / 60))
	part := func(n int64, unit string) string { return strconv.FormatInt(n, 10) + " " + unit }
	var parts []string
	switch {
	case m >= 24*60:
		parts = append(parts, part(m/(24*60), u.day))
		if h := m % (24 * 60) / 60; h > 0 {
			parts = append(parts, part(h, u.hour))
		}
	case m >= 60:
		parts = append(parts, part(m/60, u.hour))
		if m%60 > 0 {
			parts = append(parts, part(m%60, u.min))
		}
	default:
		parts = append(parts, part(m, u.min))
	}
	return sign + strings.Join(parts, " ")
}

// unit writes a tile value of unit (count, %, duration in seconds, score).
func (u kpiUnits) unit(unit string, v *float64) string {
	if v == nil {
		return none
	}
	switch unit {
	case "count":
		return fmtCount(int64(math.Round(*v)))
	case "%":
		return fmtPct(v)
	case "duration":
		return u.seconds(*v)
	}
	return fmtScore(v)
}

// diff writes a tile's change with its sign; a rate's change is in percentage points
// ("+1.2 百分点", "+1.2 pp"), never in %.
func (u kpiUnits) diff(unit string, v *float64) string {
	if v == nil {
		return none
	}
	sign := ""
	if *v > 0 {
		sign = "+"
	}
	switch unit {
	case "count":
		return sign + fmtCount(int64(math.Round(*v)))
	case "%":
		return sign + strconv.FormatFloat(*v*100, 'f', 1, 64) + " " + u.pp
	case "duration":
		return sign + u.seconds(*v)
	}
	return sign + strconv.FormatFloat(*v, 'f', 1, 64)
}

// trend names the direction of a change for the tile's arrow.
func trend(v *float64) string {
	switch {
	case v == nil:
		return "none"
	case *v > 1e-9:
		return "up"
	case *v < -1e-9:
		return "down"
	}
	return "flat"
}

// Chart geometry shared by both charts (SVG user units).
const (
	chartW, chartH                 = 720.0, 260.0
	padL, padR, padT, padB         = 48.0, 48.0, 16.0, 56.0
	barColor, lineColor, axisColor = "#0b5cad", "#d9822b", "#8795a1"
	labelSize                      = "11"
)

// svgText is a <text> element with escaped content.
func svgText(x, y float64, anchor, text string, extra string) string {
	return fmt.Sprintf(`<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%s" fill="#1d2733"%s>%s</text>`,
		x, y, anchor, labelSize, extra, html.EscapeString(text))
}

// chartFrame opens the SVG with its title, the axes and the right-hand 0–100 % scale.
func chartFrame(b *strings.Builder, id, title string, maxLeft float64) {
	fmt.Fprintf(b, `<svg id="%s" class="kpi-chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"><title>%s</title>`,
		id, chartW, chartH, html.EscapeString(title), html.EscapeString(title))
	x0, x1, y0, y1 := padL, chartW-padR, chartH-padB, padT
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`, x0, y0, x1, y0, axisColor)
	for i := 0; i <= 4; i++ {
		y := y0 - (y0-y1)*float64(i)/4
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e8ee"/>`, x0, y, x1, y)
		b.WriteString(svgText(x0-4, y+4, "end", strconv.FormatFloat(maxLeft*float64(i)/4, 'f', 0, 64), ""))
		b.WriteString(svgText(x1+4, y+4, "start", strconv.Itoa(25*i)+"%", ""))
	}
}

// niceMax rounds a bar scale's top up to 1, 2 or 5 × 10ⁿ (at least 4, so the four grid
// steps are whole numbers).
func niceMax(v float64) float64 {
	if v <= 4 {
		return 4
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 4, 5, 8, 10} {
		if m*p >= v && math.Mod(m*p, 4) == 0 {
			return m * p
		}
	}
	return math.Ceil(v/4) * 4
}

// trendChart draws delivered shipments per day as bars and the on-time rate as a line.
func trendChart(days []reports.Day, z *time.Location, barsName, lineName string) template.HTML {
	if len(days) == 0 {
		return ""
	}
	var top int64
	for _, d := range days {
		top = max(top, d.Delivered)
	}
	scale := niceMax(float64(top))
	var b strings.Builder
	chartFrame(&b, "kpi-trend", barsName+" / "+lineName, scale)
	w := (chartW - padL - padR) / float64(len(days))
	y0, h := chartH-padB, chartH-padB-padT
	var pts []string
	every := max(1, len(days)/10)
	for i, d := range days {
		x := padL + w*float64(i)
		bh := h * float64(d.Delivered) / scale
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d</title></rect>`,
			x+w*0.15, y0-bh, w*0.7, bh, barColor, d.Date.In(z).Format(time.DateOnly), d.Delivered)
		if r := d.OnTimeRate(); r != nil {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x+w/2, y0-h**r))
		}
		if i%every == 0 {
			b.WriteString(svgText(x+w/2, y0+14, "middle", d.Date.In(z).Format("01-02"), ""))
		}
	}
	if len(pts) > 0 {
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), lineColor)
	}
	chartLegend(&b, barsName, lineName)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartLegend draws the two series' names under the chart.
func chartLegend(b *strings.Builder, barsName, lineName string) {
	y := chartH - 14
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="12" height="10" fill="%s"/>`, padL, y-9, barColor)
	b.WriteString(svgText(padL+16, y, "start", barsName, ""))
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`, padL+200, y-4, padL+220, y-4, lineColor)
	b.WriteString(svgText(padL+224, y, "start", lineName, ""))
}

// paretoChart draws the root causes as bars, most first, with the cumulative share as a
// line.
func paretoChart(causes []reports.RootCause, label func(string) string, barsName, lineName string) template.HTML {
	if len(causes) == 0 {
		return ""
	}
	scale := niceMax(float64(causes[0].Complaints))
	var b strings.Builder
	chartFrame(&b, "kpi-pareto", barsName+" / "+lineName, scale)
	w := (chartW - padL - padR) / float64(len(causes))
	y0, h := chartH-padB, chartH-padB-padT
	var pts []string
	for i, rc := range causes {
		x := padL + w*float64(i)
		bh := h * float64(rc.Complaints) / scale
		name := label(rc.RootCause)
		if rc.Department != "" {
			name += " · " + rc.Department
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d</title></rect>`,
			x+w*0.1, y0-bh, w*0.8, bh, barColor, html.EscapeString(name), rc.Complaints)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x+w/2, y0-h*rc.Cumulative))
		if len(causes) <= 12 {
			b.WriteString(svgText(x+w/2, y0+14, "middle", label(rc.RootCause), ""))
		}
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), lineColor)
	chartLegend(&b, barsName, lineName)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
