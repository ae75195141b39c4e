package shipper

import (
	"bytes"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/shipments"
)

const pageSize = 50

// shipperFilter is the list form as typed, kept to re-fill the form.
type shipperFilter struct {
	Q, Status, From, To string
	Late                bool
	Page                int
}

// parseShipperFilter reads the filter form into the domain filter; a bad date is reported.
func (s *handler) parseShipperFilter(c *fiber.Ctx) (shipperFilter, shipments.ListFilter, string) {
	f := shipperFilter{Q: strings.TrimSpace(c.Query("q")), Status: c.Query("status"), From: c.Query("from"), To: c.Query("to"), Late: c.Query("late") == "1"}
	f.Page, _ = strconv.Atoi(c.Query("page"))
	f.Page = max(f.Page, 0)
	lf := shipments.ListFilter{LateOnly: f.Late, Limit: pageSize, Offset: f.Page * pageSize}
	if shipments.Code(f.Status).Valid() {
		lf.Status = shipments.Code(f.Status)
	}
	if f.Q != "" {
		if p, err := customers.NormalizePhone(f.Q, ""); err == nil {
			lf.Phone = p
		} else {
			lf.Query = f.Q // a malformed number matches nothing, and the list says so
		}
	}
	msg := ""
	for _, d := range []struct {
		in  string
		out *time.Time
		add int
	}{{f.From, &lf.From, 0}, {f.To, &lf.To, 1}} {
		if d.in == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.in, s.Zone())
		if err != nil {
			msg = "shipper.baddate"
			continue
		}
		*d.out = t.AddDate(0, 0, d.add) // "to" includes the whole day
	}
	return f, lf, msg
}

// shipperList is the shipper's home: own shipments with search, filters and paging.
func (s *handler) shipperList(c *fiber.Ctx) error {
	u := s.CurrentUser(c)
	f, lf, msg := s.parseShipperFilter(c)
	lf.Limit = pageSize + 1 // one more tells whether there is a next page
	rows, err := s.deps.Shipments.ListForShipper(c.UserContext(), u.ShipperID, lf)
	if err != nil {
		return err
	}
	sh, err := s.deps.Customers.ShipperByID(c.UserContext(), u.ShipperID)
	if err != nil {
		return err
	}
	page := func(n int) string {
		q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
		q.Set("page", strconv.Itoa(n))
		return "/shipper?" + q.Encode()
	}
	current, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	current.Del("page")
	data := fiber.Map{"ShipperName": sh.Name, "F": f, "Error": msg, "Statuses": shipments.Codes,
		// Re-encoded from parsed values, so it is safe to mark as a URL for the template.
		"Export": template.URL("/shipper/export.xlsx?" + current.Encode())}
	if len(rows) > pageSize {
		rows = rows[:pageSize]
		data["Next"] = page(f.Page + 1)
	}
	if f.Page > 0 {
		data["Prev"] = page(f.Page - 1)
	}
	now := s.Now(c)
	type row struct {
		shipments.ListRow
		Late bool
	}
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = row{r, r.Shipment.Late(now)}
	}
	data["Rows"] = out
	return s.Render(c, "shipper", data)
}

// shipperDetail shows one of the shipper's own shipments unmasked, the consignee as the
// shipper sent it (shipments.Detail.ForShipper); others' are 404.
func (s *handler) shipperDetail(c *fiber.Ctx) error {
	d, err := s.deps.Shipments.Get(c.UserContext(), c.Params("no"))
	if err != nil {
		return err
	}
	if d.ShipperID != s.CurrentUser(c).ShipperID {
		return shipments.ErrNotFound
	}
	return s.Render(c, "shipper_detail", struct {
		*shipments.Detail
		IsLate bool
	}{d.ForShipper(), d.Late(s.Now(c))})
}

// shipperExport sends the filtered list (up to 10,000 rows) as an .xlsx workbook, stamped
// with who downloaded it and when, and audited (sendStamped).
func (s *handler) shipperExport(c *fiber.Ctx) error {
	_, lf, _ := s.parseShipperFilter(c)
	lf.Limit, lf.Offset = 10000, 0
	rows, err := s.deps.Shipments.ListForShipper(c.UserContext(), s.CurrentUser(c).ShipperID, lf)
	if err != nil {
		return err
	}
	now := s.Now(c)
	name := "shipments-" + now.In(s.Zone()).Format("20060102-1504") + ".xlsx"
	var buf bytes.Buffer
	if err := shipments.WriteXLSX(&buf, rows, s.Zone(), now, s.Lang(c)); err != nil {
		return err
	}
	return s.SendStamped(c, &buf, customers.Export{Name: "shipper_shipments", File: name, Rows: len(rows),
		Filters: string(c.Request().URI().QueryString())}, now)
}

// shipperKeys lists the shipper's API keys and the form to make one.
func (s *handler) shipperKeys(c *fiber.Ctx) error {
	return s.renderKeys(c, "", "")
}

func (s *handler) renderKeys(c *fiber.Ctx, newKey, msg string) error {
	keys, err := s.deps.Accounts.ListAPIKeys(c.UserContext(), s.CurrentUser(c).ShipperID)
	if err != nil {
		return err
	}
	return s.Render(c, "shipper_keys", fiber.Map{"Keys": keys, "NewKey": newKey, "Error": msg})
}

// shipperCreateKey makes a key for the shipper and shows it once.
func (s *handler) shipperCreateKey(c *fiber.Ctx) error {
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || len(name) > 100 {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderKeys(c, "", "keys.bad")
	}
	key, _, err := s.deps.Accounts.CreateAPIKey(c.UserContext(), name, s.CurrentUser(c).ShipperID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.renderKeys(c, key, "")
}

// shipperRevokeKey revokes one of the shipper's own keys.
func (s *handler) shipperRevokeKey(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return accounts.ErrNotFound
	}
	if err := s.deps.Accounts.RevokeAPIKey(c.UserContext(), id, s.CurrentUser(c).ShipperID); err != nil {
		return err
	}
	return c.Redirect("/shipper/keys", fiber.StatusSeeOther)
}
