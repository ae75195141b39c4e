package web

import (
	"bytes"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/billing"
)

// StatementRow is a statement as the shipper and console lists show it: money formatted
// in yuan, the period and due date as local dates.
type StatementRow struct {
	billing.Statement
	Period, Due                                 string
	Charges, Compensation, Total, Paid, Balance string
}

// StatementRows formats statements for a list in zone.
func StatementRows(list []billing.Statement, zone *time.Location) []StatementRow {
	out := make([]StatementRow, len(list))
	for i, s := range list {
		out[i] = StatementRow{Statement: s, Period: s.PeriodStart.In(zone).Format("2006-01"),
			Due: s.DueDate(zone), Charges: billing.Yuan(s.ChargesFen()),
			Compensation: billing.Yuan(s.CompensationFen + s.CarriedInFen), Total: billing.Yuan(s.TotalDueFen),
			Paid: billing.Yuan(s.PaidFen), Balance: billing.Yuan(max(s.OutstandingFen, 0))}
	}
	return out
}

// SendStatement answers with statement s as an Excel download in the viewer's language
// (Chinese headers by default, English for an English page). A statement holds no
// personal data (tracking numbers, cities, weights, money), so it is sent unstamped.
func (s *Core) SendStatement(c *fiber.Ctx, st *billing.Store, stmt billing.Statement) error {
	var buf bytes.Buffer
	if err := st.WriteStatement(c.UserContext(), &buf, stmt, s.Lang(c)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+billing.StatementFileName(stmt)+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}
