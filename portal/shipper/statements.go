package shipper

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"lcrm/portal/web"
)

// shipperStatements is GET /shipper/statements: the shipper's monthly statements, newest
// first, with status and a download link each.
func (s *handler) shipperStatements(c *fiber.Ctx) error {
	list, err := s.deps.Billing.Statements(c.UserContext(), s.CurrentUser(c).ShipperID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "shipper_statements", fiber.Map{"Rows": web.StatementRows(list, s.Zone())})
}

// shipperStatementFile is GET /shipper/statements/{id}/statement.xlsx: one of the shipper's
// own statements (another shipper's id is a 404, as an unknown one).
func (s *handler) shipperStatementFile(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return web.Errorf(fiber.StatusNotFound, "not_found", "error.not_found")
	}
	stmt, err := s.deps.Billing.Statement(c.UserContext(), id, s.CurrentUser(c).ShipperID)
	if err != nil {
		return err
	}
	return s.SendStatement(c, s.deps.Billing, stmt)
}
