package console

// The KPI drill-down (supervisor and up, narrowed to the team as the dashboard is):
//
//	GET /console/kpi/list        the parcels or complaints behind one count of the
//	                             dashboard, 100 a page
//	GET /console/kpi/list.xlsx   the whole list as a workbook in the viewer's language
//
// Both take the dashboard's parameters (period, date, from, to, shipper, tier, service,
// province) plus show (created, delivered, slow, surveys, complaints), agent (a user id,
// complaints only) and page.

import (
	"bytes"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/reports"
	"lcrm/shipments"
)

// kpiListPage is how many rows a list page shows.
const kpiListPage = 100

// kpiListTiles maps the count tiles to the list behind them.
var kpiListTiles = map[string]string{"created": reports.ListCreated, "delivered": reports.ListDelivered,
	"slow_sign_offs": reports.ListSlow, "surveys": reports.ListSurveys, "complaints": reports.ListComplaints}

// listURL is the address of list kind for the dashboard form f with extra parameters
// (name, value pairs) on top.
func (f kpiForm) listURL(kind string, extra ...string) template.URL {
	v, _ := url.ParseQuery(f.query())
	v.Set("show", kind)
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return template.URL("/console/kpi/list?" + v.Encode())
}

// kpiDrill reads a list request: the dashboard's period and filter, the list and agent.
func (s *handler) kpiDrill(c *fiber.Ctx) (kpiForm, reports.Drill, error) {
	form, p, f, err := s.kpiRequest(c)
	if err != nil {
		return form, reports.Drill{}, err
	}
	d := reports.Drill{Period: p, Filter: f, Kind: c.Query("show")}
	known := false
	for _, k := range reports.ListKinds {
		known = known || k == d.Kind
	}
	if !known {
		return form, d, kpiBad("error.kpi_bad_list")
	}
	if a := c.Query("agent"); a != "" {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 || !d.Complaints() {
			return form, d, kpiBad("error.kpi_bad_agent")
		}
		d.Assignee = id
	}
	return form, d, nil
}

// kpiListRow is one row of a list page, formatted; Link (complaints) opens the complaint.
type kpiListRow struct {
	Cells []string
	Link  string
}

// kpiList draws one page of a drill-down list.
func (s *handler) kpiList(c *fiber.Ctx) error {
	form, d, err := s.kpiDrill(c)
	if err != nil {
		return err
	}
	page, err := strconv.Atoi(c.Query("page", "1"))
	if err != nil || page < 1 || page > 100000 {
		return kpiBad("error.kpi_bad_page")
	}
	lang, z := s.Lang(c), s.cfg.Zone
	stamp := func(t *time.Time) string {
		if t == nil {
			return none
		}
		return t.In(z).Format("2006-01-02 15:04")
	}
	var rows []kpiListRow
	var total int64
	var heads []string
	offset := (page - 1) * kpiListPage
	if d.Complaints() {
		heads = []string{"ref", "tracking_no", "shipper", "category", "status", "agent", "filed", "first_response", "resolved"}
		list, n, err := s.deps.Reports.ComplaintList(c.UserContext(), d, kpiListPage, offset)
		if err != nil {
			return err
		}
		total = n
		for _, r := range list {
			rows = append(rows, kpiListRow{Link: "/console/complaints/" + strconv.FormatInt(r.ID, 10), Cells: []string{
				r.Ref, r.TrackingNo, r.ShipperName, s.Text(lang, "complaint.cat."+r.Category), reports.Label(lang, reports.LabelState, r.Status),
				r.Assignee, stamp(&r.CreatedAt), stamp(r.FirstRespondedAt), stamp(r.ResolvedAt)}})
		}
	} else {
		heads = []string{"tracking_no", "shipper", "service", "province", "city", "status", "created", "delivered", "on_time", "csat"}
		list, n, err := s.deps.Reports.Parcels(c.UserContext(), d, kpiListPage, offset)
		if err != nil {
			return err
		}
		total = n
		for _, r := range list {
			onTime, csat := none, none
			if r.OnTime != nil {
				onTime = s.Text(lang, "kpi.list.no")
				if *r.OnTime {
					onTime = s.Text(lang, "kpi.list.yes")
				}
			}
			if r.CSAT != nil {
				csat = strconv.Itoa(*r.CSAT)
			}
			rows = append(rows, kpiListRow{Cells: []string{r.TrackingNo, r.ShipperCode + " " + r.ShipperName,
				s.Text(lang, "service."+r.ServiceLevel), r.DestProvince, r.DestCity,
				shipments.StatusLabel(lang, shipments.Code(r.Status)), stamp(&r.CreatedAt), stamp(r.DeliveredAt), onTime, csat}})
		}
	}
	day := func(t time.Time) string { return t.In(z).Format(time.DateOnly) }
	extra := []string{}
	if d.Assignee != 0 {
		extra = append(extra, "agent", strconv.FormatInt(d.Assignee, 10))
	}
	pageURL := func(n int) template.URL {
		return form.listURL(d.Kind, append(extra, "page", strconv.Itoa(n))...)
	}
	v := fiber.Map{"Kind": d.Kind, "Heads": heads, "Rows": rows, "Total": fmtCount(total), "Page": page,
		"From": day(d.Period.From), "To": day(d.Period.To.Add(-time.Nanosecond)), "Filter": s.kpiFilterText(lang, d),
		"Back": template.URL("/console/kpi?" + form.query()), "Team": d.Filter.Team != 0,
		"Export": template.URL(strings.Replace(string(form.listURL(d.Kind, extra...)), "/list?", "/list.xlsx?", 1))}
	if page > 1 {
		v["Prev"] = pageURL(page - 1)
	}
	if int64(offset+len(rows)) < total {
		v["Next"] = pageURL(page + 1)
	}
	return s.Render(c, "kpi_list", v)
}

// kpiFilterText says in lang what the list is narrowed to ("" for nothing).
func (s *handler) kpiFilterText(lang string, d reports.Drill) string {
	f := d.Filter
	var parts []string
	add := func(key, val string) { parts = append(parts, s.Text(lang, key)+": "+val) }
	if f.ShipperID != 0 {
		add("kpi.shipper", "#"+strconv.FormatInt(f.ShipperID, 10))
	}
	if f.Tier != "" {
		add("kpi.tier", s.Text(lang, "kpi.tier."+f.Tier))
	}
	if f.ServiceLevel != "" {
		add("kpi.service", s.Text(lang, "service."+f.ServiceLevel))
	}
	if f.DestProvince != "" {
		add("kpi.province", f.DestProvince)
	}
	if d.Assignee != 0 {
		add("kpi.col.agent", "#"+strconv.FormatInt(d.Assignee, 10))
	}
	return strings.Join(parts, " · ")
}

// kpiListWorkbook sends the whole list as a workbook, stamped and audited like every export.
func (s *handler) kpiListWorkbook(c *fiber.Ctx) error {
	_, d, err := s.kpiDrill(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	n, err := reports.WriteList(c.UserContext(), &buf, s.deps.Reports, d, s.Lang(c))
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(reports.FileName(d.Period), ".xlsx") + "-" + d.Kind + ".xlsx"
	return s.SendStamped(c, &buf, customers.Export{Name: "kpi_list", File: name, Rows: n,
		Filters: string(c.Request().URI().QueryString())}, s.Now(c))
}
