package api

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"lcrm/portal/web"
	"lcrm/shipments"
)

// apiImport handles POST /api/v1/import/{shipments|events}: a .csv or .xlsx file, either as
// the multipart field "file" or as the raw body with a CSV or XLSX content type. All or
// nothing unless ?skip_invalid=true. The answer is the import report with row-level errors;
// 422 when nothing was committed. Uploads are buffered by the server (LCRM upload limit);
// `lcrm import` streams files of any size from disk.
func (s *handler) apiImport(c *fiber.Ctx) error {
	kind := shipments.ImportKind(c.Params("kind"))
	if kind != shipments.ImportShipments && kind != shipments.ImportEvents {
		return web.Errorf(fiber.StatusNotFound, "not_found", "error.api_import_kind")
	}
	if kind == shipments.ImportEvents && apiKey(c).ShipperID != 0 {
		return web.Errorf(fiber.StatusForbidden, "forbidden", "error.api_events_staff_key")
	}
	if apiKey(c).ShipperID != 0 {
		return web.Errorf(fiber.StatusForbidden, "forbidden", "error.api_import_staff_key")
	}
	var r io.Reader
	var format string
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		r, format = f, formatFromName(fh.Filename)
	} else {
		r = bytes.NewReader(c.Body())
		ct := c.Get(fiber.HeaderContentType)
		switch {
		case strings.Contains(ct, "csv"):
			format = "csv"
		case strings.Contains(ct, "spreadsheetml"):
			format = "xlsx"
		}
	}
	if format == "" {
		return web.Errorf(fiber.StatusUnsupportedMediaType, "unsupported_format", "error.api_import_format")
	}
	rep, err := s.deps.Shipments.Import(c.UserContext(), kind, r, shipments.ImportOptions{Format: format, SkipInvalid: c.QueryBool("skip_invalid")})
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if !rep.Committed {
		status = fiber.StatusUnprocessableEntity
	}
	errs := make([]fiber.Map, len(rep.Errors))
	for i, e := range rep.Errors {
		errs[i] = fiber.Map{"row": e.Row, "column": e.Column, "reason": s.English(e.Key, e.Data, e.Reason)}
	}
	return c.Status(status).JSON(fiber.Map{"kind": rep.Kind, "rows": rep.Rows, "imported": rep.Imported,
		"duplicates": rep.Duplicates, "invalid": rep.Invalid, "committed": rep.Committed,
		"errors": errs, "errors_truncated": rep.ErrorsTruncated})
}

func formatFromName(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv"
	case ".xlsx":
		return "xlsx"
	}
	return ""
}
