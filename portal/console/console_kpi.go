package console

// The managers' KPI dashboard (manager and up; a supervisor sees it too, with the
// complaint and agent figures narrowed to their team: agents whose manager chain leads
// to them):
//
//	GET /console/kpi                 tiles vs the previous period, trend and Pareto charts,
//	                                 tables by shipper (with churn risk), province, agent
//	GET /console/kpi/workbook.xlsx   the same period and filters as an Excel workbook
//	GET /console/kpi/files           workbooks kept by the weekly and monthly jobs (manager+:
//	GET /console/kpi/files/:id       they are unfiltered, so they hold every team's figures)
//
// Both take the same GET parameters: period (day, week, month, custom), date (the day
// the period contains, default today), from and to (custom: first and last local day),
// shipper (id), tier, service, province, disrupted (exclude: without the parcels a
// declared disruption affects, read live). Days are local days of the configured zone.

import (
	"bytes"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/portal/web"
	"lcrm/reports"
	"lcrm/shipments"
)

// kpiMaxDays bounds a custom period, so one request cannot scan years of rows.
const kpiMaxDays = 366

// kpiForm is the dashboard's GET form as typed, kept to redraw it and to build the
// workbook link.
type kpiForm struct {
	Period, Date, From, To           string
	Shipper, Tier, Service, Province string
	Disrupted                        string // "exclude": without the parcels a disruption affects
}

// kpiBad is a 400 page with the message key.
func kpiBad(key string) error { return web.Errorf(fiber.StatusBadRequest, "bad_request", key) }

// readKPIForm reads the form from the query string.
func readKPIForm(c *fiber.Ctx) kpiForm {
	q := func(k string) string { return strings.TrimSpace(c.Query(k)) }
	f := kpiForm{Period: q("period"), Date: q("date"), From: q("from"), To: q("to"),
		Shipper: q("shipper"), Tier: q("tier"), Service: q("service"), Province: q("province"), Disrupted: q("disrupted")}
	if f.Period == "" {
		f.Period = "month"
	}
	return f
}

// parse turns the form into a period in zone (now: the present) and a filter, or a 400
// error naming what is wrong.
func (f kpiForm) parse(now time.Time, zone *time.Location) (reports.Period, reports.Filter, error) {
	var p reports.Period
	var flt reports.Filter
	date := func(v string) (time.Time, error) {
		t, err := time.ParseInLocation(time.DateOnly, v, zone)
		if err != nil {
			return t, kpiBad("error.kpi_bad_date")
		}
		return t, nil
	}
	l := now.In(zone)
	anchor := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, zone)
	if f.Date != "" && f.Period != "custom" {
		t, err := date(f.Date)
		if err != nil {
			return p, flt, err
		}
		anchor = t
	}
	switch f.Period {
	case "day":
		p = reports.Period{From: anchor, To: anchor.AddDate(0, 0, 1)}
	case "week":
		from := anchor.AddDate(0, 0, -((int(anchor.Weekday()) + 6) % 7)) // Monday
		p = reports.Period{From: from, To: from.AddDate(0, 0, 7)}
	case "month":
		from := time.Date(anchor.Year(), anchor.Month(), 1, 0, 0, 0, 0, zone)
		p = reports.Period{From: from, To: from.AddDate(0, 1, 0)}
	case "custom":
		if f.From == "" || f.To == "" {
			return p, flt, kpiBad("error.kpi_custom_needs_dates")
		}
		from, err := date(f.From)
		if err != nil {
			return p, flt, err
		}
		to, err := date(f.To)
		if err != nil {
			return p, flt, err
		}
		if to.Before(from) {
			return p, flt, kpiBad("error.kpi_from_after_to")
		}
		if to.Sub(from) >= kpiMaxDays*24*time.Hour {
			return p, flt, kpiBad("error.kpi_too_long")
		}
		p = reports.Period{From: from, To: to.AddDate(0, 0, 1)}
	default:
		return p, flt, kpiBad("error.kpi_bad_period")
	}
	p.Zone = zone
	if f.Shipper != "" {
		id, err := strconv.ParseInt(f.Shipper, 10, 64)
		if err != nil || id <= 0 {
			return p, flt, kpiBad("error.kpi_bad_shipper")
		}
		flt.ShipperID = id
	}
	if f.Tier != "" {
		if !customers.Tier(f.Tier).Valid() {
			return p, flt, kpiBad("error.kpi_bad_tier")
		}
		flt.Tier = f.Tier
	}
	if f.Service != "" {
		if !shipments.ServiceLevel(f.Service).Valid() {
			return p, flt, kpiBad("error.kpi_bad_service")
		}
		flt.ServiceLevel = f.Service
	}
	if len(f.Province) > 60 {
		return p, flt, kpiBad("error.kpi_bad_province")
	}
	flt.DestProvince = f.Province
	flt.ExcludeDisrupted = f.Disrupted == "exclude"
	return p, flt, nil
}

// query is the form as a query string (for the workbook link), empty fields left out.
func (f kpiForm) query() string {
	v := url.Values{}
	for _, kv := range [][2]string{{"period", f.Period}, {"date", f.Date}, {"from", f.From}, {"to", f.To},
		{"shipper", f.Shipper}, {"tier", f.Tier}, {"service", f.Service}, {"province", f.Province}, {"disrupted", f.Disrupted}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v.Encode()
}

// kpiRequest reads the period and filter of a KPI request, as of the request's instant:
// a period that runs through today covers its days so far and compares with the same
// days of the previous one (reports.Period.SoFar). A supervisor's complaint figures are
// narrowed to their team.
func (s *handler) kpiRequest(c *fiber.Ctx) (kpiForm, reports.Period, reports.Filter, error) {
	form := readKPIForm(c)
	now := s.Now(c)
	p, f, err := form.parse(now, s.cfg.Zone)
	if err != nil {
		return form, p, f, err
	}
	p = p.SoFar(now)
	if u := s.CurrentUser(c); u != nil && !u.Role.AtLeast(accounts.RoleManager) {
		f.Team = u.ID
	}
	return form, p, f, nil
}

// kpiFileLimit is how many stored workbooks the files page lists.
const kpiFileLimit = 200

// kpiFiles lists the stored workbooks, newest period first.
func (s *handler) kpiFiles(c *fiber.Ctx) error {
	list, err := s.deps.Reports.ListWorkbooks(c.UserContext(), kpiFileLimit)
	if err != nil {
		return err
	}
	type row struct {
		reports.StoredWorkbook
		From, To, Size string
	}
	rows := make([]row, len(list))
	for i, w := range list {
		z := s.cfg.Zone
		rows[i] = row{StoredWorkbook: w, From: w.Period.From.In(z).Format(time.DateOnly),
			To: w.Period.To.Add(-time.Nanosecond).In(z).Format(time.DateOnly), Size: fmtCount(int64((w.Size+1023)/1024)) + " KB"}
	}
	return s.Render(c, "kpi_files", fiber.Map{"Files": rows})
}

// kpiFile sends one stored workbook.
func (s *handler) kpiFile(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return web.Errorf(fiber.StatusNotFound, "not_found", web.KeyAPINotFound)
	}
	w, content, err := s.deps.Reports.OpenWorkbook(c.UserContext(), id)
	if errors.Is(err, reports.ErrNoFile) {
		return web.Errorf(fiber.StatusNotFound, "not_found", web.KeyAPINotFound)
	}
	if err != nil {
		return err
	}
	return s.SendStamped(c, bytes.NewReader(content), customers.Export{Name: "kpi_file", File: w.FileName,
		Object: "report_file", ObjectID: w.ID}, s.Now(c))
}

// kpiWorkbook streams the workbook of the requested period and filters. WriteWorkbook
// runs every query before writing anything, so an error still becomes an error page.
func (s *handler) kpiWorkbook(c *fiber.Ctx) error {
	_, p, f, err := s.kpiRequest(c)
	if err != nil {
		return err
	}
	// Headers are set after success, so a failure is answered with an error page.
	var buf bytes.Buffer
	if err := reports.WriteWorkbook(c.UserContext(), &buf, s.deps.Reports, p, f, s.Lang(c)); err != nil {
		return err
	}
	return s.SendStamped(c, &buf, customers.Export{Name: "kpi_workbook", File: reports.FileName(p),
		Filters: string(c.Request().URI().QueryString())}, s.Now(c))
}
