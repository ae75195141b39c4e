package console

// Receivables and credit (supervisor and up read, manager and up change terms): the ageing
// page, the billing part of a shipper's customer view, staff statement downloads and the
// credit-limit warning on the desk.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/billing"
	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/portal/web"
)

// ageingRow is one line of the receivables page, money in yuan.
type ageingRow struct {
	billing.ShipperAgeing
	Current, D30, D60, D90, Over, Balance, Overdue, Credit, Revenue, Limit, DSO string
	Exceeded                                                                    bool
}

func ageingView(a billing.Ageing) ageingRow {
	r := ageingRow{ShipperAgeing: billing.ShipperAgeing{Ageing: a}, Current: billing.Yuan(a.CurrentFen), D30: billing.Yuan(a.D1To30Fen),
		D60: billing.Yuan(a.D31To60Fen), D90: billing.Yuan(a.D61To90Fen), Over: billing.Yuan(a.Over90Fen),
		Balance: billing.Yuan(a.BalanceFen), Overdue: billing.Yuan(a.OverdueFen), Credit: billing.Yuan(a.CreditFen),
		Revenue: billing.Yuan(a.Revenue90)}
	if d, ok := a.DSO(); ok {
		r.DSO = fmt.Sprintf("%.1f", d)
	}
	return r
}

func shipperAgeingView(s billing.ShipperAgeing) ageingRow {
	r := ageingView(s.Ageing)
	r.ShipperAgeing = s
	if s.CreditLimitFen != nil {
		r.Limit = billing.Yuan(*s.CreditLimitFen)
	}
	r.Exceeded = s.OverLimit()
	return r
}

// receivablesPage is GET /console/receivables: ageing buckets per shipper and in total,
// DSO, credit limits and who is over theirs.
func (s *handler) receivablesPage(c *fiber.Ctx) error {
	r, err := s.deps.Billing.Receivables(c.UserContext())
	if err != nil {
		return err
	}
	rows := make([]ageingRow, len(r.Shippers))
	over := 0
	for i, sh := range r.Shippers {
		rows[i] = shipperAgeingView(sh)
		if rows[i].Exceeded {
			over++
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "receivables", fiber.Map{"Rows": rows, "Total": ageingView(r.Total), "At": r.At, "OverLimit": over,
		"Window": billing.DSOWindow})
}

// c360Billing adds a shipper's balance, days overdue, credit limit and statements to its
// customer view (the "c360_billing" partial); nothing for consignees.
func (s *handler) c360Billing(c *fiber.Ctx, kind customers.Kind, id int64, data fiber.Map) error {
	if s.deps.Billing == nil || kind != customers.KindShipper {
		return nil
	}
	a, err := s.deps.Billing.ShipperAgeing(c.UserContext(), id)
	if err != nil {
		return err
	}
	list, err := s.deps.Billing.Statements(c.UserContext(), id)
	if err != nil {
		return err
	}
	if len(list) > 12 {
		list = list[:12]
	}
	data["Billing"] = fiber.Map{"A": shipperAgeingView(a), "Statements": web.StatementRows(list, s.Zone()),
		"Action": customerPath(kind, id) + "/terms", "Saved": c.Query("terms") == "saved"}
	return nil
}

// staffStatementFile is GET /console/statements/{id}/statement.xlsx: any shipper's statement.
func (s *handler) staffStatementFile(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return web.Errorf(fiber.StatusNotFound, "not_found", "error.not_found")
	}
	stmt, err := s.deps.Billing.Statement(c.UserContext(), id, 0)
	if err != nil {
		return err
	}
	return s.SendStatement(c, s.deps.Billing, stmt)
}

// saveTerms is POST /console/customers/shipper/{id}/terms (manager+): payment terms in days
// and the credit limit in yuan (empty: no limit), audited.
func (s *handler) saveTerms(c *fiber.Ctx) error {
	kind, id, err := customerRef(c)
	if err != nil || kind != customers.KindShipper {
		return web.Errorf(fiber.StatusNotFound, "not_found", "error.not_found")
	}
	v := &errs.ValidationError{}
	terms, err := strconv.Atoi(strings.TrimSpace(c.FormValue("payment_terms_days")))
	if err != nil {
		v.AddField(errs.FieldError{Field: "payment_terms_days", Key: "field.billing.terms", Message: "must be 0 to 365 days"})
	}
	var limit *int64
	if raw := strings.TrimSpace(c.FormValue("credit_limit_yuan")); raw != "" {
		fen, ok := parseYuan(raw) // the compensation form's reader
		if !ok {
			v.AddField(errs.FieldError{Field: "credit_limit_yuan", Key: "field.billing.yuan", Message: "must be an amount in yuan, e.g. 5000 or 5000.50"})
		}
		limit = &fen
	}
	if len(v.Fields) > 0 {
		return v
	}
	u := s.CurrentUser(c)
	if err := s.deps.Billing.SetTerms(c.UserContext(), id, billing.Terms{PaymentTermsDays: terms, CreditLimitFen: limit},
		billing.Actor{ID: u.ID, Name: u.Name}); err != nil {
		return err
	}
	return c.Redirect(customerPath(kind, id)+"?terms=saved#billing", fiber.StatusSeeOther)
}

// overLimit is the desk's small credit warning: shippers over their limit, for managers
// and supervisors (nil for agents, or when billing is not configured).
func (s *handler) overLimit(c *fiber.Ctx) ([]ageingRow, error) {
	if s.deps.Billing == nil || !s.CurrentUser(c).Role.AtLeast(accounts.RoleSupervisor) {
		return nil, nil
	}
	list, err := s.deps.Billing.OverLimit(c.UserContext())
	if err != nil {
		return nil, err
	}
	var out []ageingRow
	for _, sh := range list {
		out = append(out, shipperAgeingView(sh))
	}
	return out, nil
}
