package console

// Customer value (manager and up; supervisors read it, without the tier buttons):
//
//	GET  /console/value        per shipper over a period (preset 12m, 90d, ytd or custom
//	                           from/to, local days): revenue, cost, compensation, margin,
//	                           ABC class drawn as a Pareto, RFM scores and segment, tier advice
//	POST /console/value/tier   applies one tier change (manager+, CSRF), audited
//
// The figures are reports.Value; this file only reads the form and formats them.

import (
	"fmt"
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/reports"
)

// valueForm is the page's GET form as typed.
type valueForm struct {
	Period, From, To string
}

// valuePresets are the period presets, the default first.
var valuePresets = []string{"12m", "90d", "ytd", "custom"}

// parse turns the form into a period of local days in zone ending today (now).
func (f valueForm) parse(now time.Time, zone *time.Location) (reports.Period, error) {
	l := now.In(zone)
	tomorrow := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, zone)
	p := reports.Period{To: tomorrow, Zone: zone}
	switch f.Period {
	case "12m":
		p.From = tomorrow.AddDate(-1, 0, 0)
	case "90d":
		p.From = tomorrow.AddDate(0, 0, -90)
	case "ytd":
		p.From = time.Date(l.Year(), 1, 1, 0, 0, 0, 0, zone)
	case "custom":
		from, err1 := time.ParseInLocation(time.DateOnly, f.From, zone)
		to, err2 := time.ParseInLocation(time.DateOnly, f.To, zone)
		switch {
		case err1 != nil || err2 != nil:
			return p, kpiBad("error.kpi_bad_date")
		case to.Before(from):
			return p, kpiBad("error.kpi_from_after_to")
		case to.Sub(from) >= kpiMaxDays*24*time.Hour:
			return p, kpiBad("error.kpi_too_long")
		}
		p.From, p.To = from, to.AddDate(0, 0, 1)
	default:
		return p, kpiBad("error.kpi_bad_period")
	}
	return p, nil
}

// query is the form as a query string.
func (f valueForm) query() string {
	v := url.Values{"period": {f.Period}}
	if f.Period == "custom" {
		v.Set("from", f.From)
		v.Set("to", f.To)
	}
	return v.Encode()
}

// valueRow is one shipper as drawn.
type valueRow struct {
	ID                         int64
	Code, Name, Tier, Class    string
	Segment, SegmentCode       string
	RevenueFen                 int64 // for the chart's data attributes and tests
	Cells                      []string
	AdviceTo, AdviceFrom, Note string
}

// valueView is the page's data.
type valueView struct {
	Form       valueForm
	Presets    []string
	From, To   string
	Totals     [][2]string // label, value
	Rows       []valueRow
	Advice     []valueRow
	Pareto     template.HTML
	CanApply   bool
	Segments   []reports.Segment
	Applied    string // the code of the shipper whose tier was just changed
	ReturnPath string
}

// valuePage draws the customer-value page.
func (s *handler) valuePage(c *fiber.Ctx) error {
	form := valueForm{Period: strings.TrimSpace(c.Query("period", "12m")), From: strings.TrimSpace(c.Query("from")),
		To: strings.TrimSpace(c.Query("to"))}
	p, err := form.parse(s.Now(c), s.cfg.Zone)
	if err != nil {
		return err
	}
	var val *reports.Value
	err = s.readReports(c, func(st *reports.Store) (err error) {
		val, err = st.Value(c.UserContext(), p)
		return err
	})
	if err != nil {
		return err
	}
	lang := s.Lang(c)
	tr := func(k string) string { return s.Text(lang, k) }
	z := s.cfg.Zone
	v := &valueView{Form: form, Presets: valuePresets, From: p.From.In(z).Format(time.DateOnly),
		To: p.To.Add(-time.Nanosecond).In(z).Format(time.DateOnly), Segments: reports.Segments,
		CanApply: s.CurrentUser(c).Role.AtLeast(accounts.RoleManager), Applied: c.Query("applied"),
		ReturnPath: "/console/value?" + form.query()}
	v.Totals = [][2]string{
		{tr("value.col.revenue"), fmtYuan(val.RevenueFen)}, {tr("value.col.cost"), fmtYuan(val.CostFen)},
		{tr("value.col.compensation"), fmtYuan(val.CompensationFen)}, {tr("value.col.margin"), fmtYuan(val.MarginFen())},
		{tr("value.col.margin_pct"), fmtPct(ratioOf(val.MarginFen(), val.RevenueFen))},
		{tr("value.col.shipments"), fmtCount(val.Shipments)}, {tr("value.col.unknown_cost"), fmtCount(val.UnknownCost)},
	}
	for _, sv := range val.Shippers {
		r := valueRow{ID: sv.ShipperID, Code: sv.Code, Name: sv.Name, Tier: sv.Tier, Class: sv.Class, RevenueFen: sv.RevenueFen}
		rfm := none
		if seg := sv.RFM.Segment; seg != nil {
			r.SegmentCode, r.Segment = seg.Code, seg.ZH
			if lang == "en" {
				r.Segment = seg.EN
			}
			rfm = fmt.Sprintf("%d-%d-%d", sv.RFM.R, sv.RFM.F, sv.RFM.M)
		}
		r.Cells = []string{fmtYuan(sv.RevenueFen), fmtYuan(sv.CostFen), fmtYuan(sv.CompensationFen),
			fmtYuan(sv.MarginFen()), fmtPct(sv.MarginPct()), fmtCount(sv.Shipments), fmtYuanF(sv.RevenuePerShipment()),
			fmtScore(sv.ComplaintsPer1000()), fmtPct(sv.CSATShare()), fmtCount(sv.UnknownCost), rfm}
		if a := sv.Advice; a != nil {
			r.AdviceFrom, r.AdviceTo, r.Note = a.From, a.To, tr("value.advice."+a.Reason)
			v.Advice = append(v.Advice, r)
		}
		v.Rows = append(v.Rows, r)
	}
	v.Pareto = valuePareto(val.Shippers, tr("value.chart.revenue"), tr("kpi.chart.cumulative"))
	return s.Render(c, "value", v)
}

// valueApplyTier handles POST /console/value/tier: shipper, from, to (the tier it is on
// and the one advised), back (the page to return to).
func (s *handler) valueApplyTier(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.FormValue("shipper"), 10, 64)
	if err != nil || id <= 0 {
		return kpiBad("error.value_bad_shipper")
	}
	u := s.CurrentUser(c)
	if err := s.deps.Customers.SetTier(c.UserContext(), customers.Viewer{UserID: u.ID, Name: u.Name}, id,
		customers.Tier(c.FormValue("from")), customers.Tier(c.FormValue("to"))); err != nil {
		return err
	}
	back := c.FormValue("back")
	if !strings.HasPrefix(back, "/console/value?") {
		back = "/console/value?period=12m"
	}
	return c.Redirect(back+"&applied="+url.QueryEscape(strconv.FormatInt(id, 10)), fiber.StatusSeeOther)
}

// c360Value is the customer view's value block (a shipper's last 12 months).
type c360Value struct {
	Class, Segment, Revenue, Margin, MarginPct string
	Active                                     bool // shipments in the 12 months
}

// addC360Value adds the value block of a shipper to the customer view's data as
// "Value", for supervisors and up (the value page's readers) when reports are wired.
func (s *handler) addC360Value(c *fiber.Ctx, kind customers.Kind, id int64, data fiber.Map) error {
	if kind != customers.KindShipper || s.deps.Reports == nil || !s.CurrentUser(c).Role.AtLeast(accounts.RoleSupervisor) {
		return nil
	}
	p, err := valueForm{Period: "12m"}.parse(s.Now(c), s.cfg.Zone)
	if err != nil {
		return err
	}
	val, err := s.deps.Reports.Value(c.UserContext(), p)
	if err != nil {
		return err
	}
	v := &c360Value{Class: "C", Revenue: fmtYuan(0), Margin: fmtYuan(0), MarginPct: none, Segment: none}
	if sv := val.Shipper(id); sv != nil {
		v.Class, v.Revenue, v.Margin, v.MarginPct = sv.Class, fmtYuan(sv.RevenueFen), fmtYuan(sv.MarginFen()), fmtPct(sv.MarginPct())
		v.Active = sv.Shipments > 0
		if seg := sv.RFM.Segment; seg != nil {
			v.Segment = seg.ZH
			if s.Lang(c) == "en" {
				v.Segment = seg.EN
			}
		}
	}
	data["Value"] = v
	return nil
}

// ratioOf is num/den, nil when den is 0.
func ratioOf(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}

// fmtYuan writes fen as yuan with separators and two decimals: ¥12,345.67.
func fmtYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, fmtCount(fen/100), fen%100)
}

// fmtYuanF writes a fractional number of fen as yuan, — for nil.
func fmtYuanF(v *float64) string {
	if v == nil {
		return none
	}
	return fmtYuan(int64(*v + 0.5))
}

// Bar colours of the ABC classes.
var classColor = map[string]string{"A": "#0b5cad", "B": "#6a9fd4", "C": "#b8cde3"}

// valuePareto draws revenue per shipper as bars (largest first, coloured by class) with
// the cumulative share as a line and the 80 % and 95 % class boundaries. Every bar and
// point carries its shipper's code and figures as data attributes.
func valuePareto(ss []reports.ShipperValue, barsName, lineName string) template.HTML {
	var bars []reports.ShipperValue
	for _, sv := range ss {
		if sv.RevenueFen > 0 {
			bars = append(bars, sv)
		}
	}
	if len(bars) == 0 {
		return ""
	}
	scale := niceMax(float64(bars[0].RevenueFen) / 100)
	var b strings.Builder
	chartFrame(&b, "value-pareto", barsName+" / "+lineName, scale)
	w := (chartW - padL - padR) / float64(len(bars))
	y0, h := chartH-padB, chartH-padB-padT
	for _, cut := range []float64{0.8, 0.95} {
		y := y0 - h*cut
		fmt.Fprintf(&b, `<line class="abc-cut" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="4 3"/>`,
			padL, y, chartW-padR, y, lineColor)
	}
	var pts []string
	for i, sv := range bars {
		x := padL + w*float64(i)
		bh := h * float64(sv.RevenueFen) / 100 / scale
		fmt.Fprintf(&b, `<rect class="bar" data-code="%s" data-fen="%d" data-class="%s" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"><title>%s %s: %s</title></rect>`,
			html.EscapeString(sv.Code), sv.RevenueFen, sv.Class, x+w*0.1, y0-bh, w*0.8, bh, classColor[sv.Class],
			html.EscapeString(sv.Code), sv.Class, fmtYuan(sv.RevenueFen))
		px, py := x+w/2, y0-h*sv.CumShare
		pts = append(pts, fmt.Sprintf("%.2f,%.2f", px, py))
		fmt.Fprintf(&b, `<circle class="cum" data-code="%s" data-cum="%.6f" cx="%.2f" cy="%.2f" r="2" fill="%s"/>`,
			html.EscapeString(sv.Code), sv.CumShare, px, py, lineColor)
		if len(bars) <= 20 {
			b.WriteString(svgText(x+w/2, y0+14, "middle", sv.Code, ""))
		}
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), lineColor)
	chartLegend(&b, barsName, lineName)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
