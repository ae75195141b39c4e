package web

import (
	"io"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/internal/xlsxstamp"
)

// SendStamped sends a written workbook as the download e.File, stamped with who downloads
// it and when (xlsxstamp), after its audit entry is stored (customers.RecordExport): no
// file leaves without its entry, and a failure is answered with an error page.
func (s *Core) SendStamped(c *fiber.Ctx, book io.Reader, e customers.Export, at time.Time) error {
	u := s.CurrentUser(c)
	e.By = customers.Viewer{UserID: u.ID, Name: u.Name}
	st := xlsxstamp.Stamp{By: u.Email, Name: u.Name, At: at, Zone: s.cfg.Zone, What: e.Name}
	body := c.Response().BodyWriter()
	if err := xlsxstamp.Restamp(body, book, st); err != nil {
		c.Response().ResetBody()
		return err
	}
	if err := s.deps.Customers.RecordExport(c.UserContext(), e, at); err != nil {
		c.Response().ResetBody()
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+e.File+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return nil
}
