package shipments

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/internal/safetext"
)

// exportHeader is the first row of a shipment workbook.
var exportHeader = []any{"tracking_no", "status", "service_level", "origin_city", "dest_province", "dest_city",
	"consignee_name", "consignee_phone", "weight_g", "declared_value_fen", "created_at", "promised_at",
	"out_for_delivery_at", "delivered_at", "signed_by", "late", "freight_fen", "surcharge_fen"}

// The export is the shipper's own: it carries what the shipper pays (freight, surcharge;
// blank when not known), never what carrying it cost us.

// WriteXLSX writes shipments as a workbook (sheet "Shipments": a styled, frozen header row
// with an autofilter, times in zone) to w, streaming the rows so the size of the list does
// not grow memory.
func WriteXLSX(w io.Writer, rows []ListRow, zone *time.Location, now time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Shipments"
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("shipments: export: %w", err)
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	when, _ := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")})
	sw.SetColWidth(1, 1, 18)
	sw.SetColWidth(2, 10, 14)
	sw.SetColWidth(11, 14, 17)
	sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if err := sw.SetRow("A1", exportHeader, excelize.RowOpts{StyleID: bold}); err != nil {
		return fmt.Errorf("shipments: export: %w", err)
	}
	cellTime := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		local := t.In(zone)
		// Excel has no zones: write the wall-clock time of the viewer's zone.
		return excelize.Cell{StyleID: when, Value: time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, time.UTC)}
	}
	for i, r := range rows {
		s := r.Shipment
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		text := safetext.Cell // stored text never becomes a formula in the workbook
		err := sw.SetRow(cell, []any{s.TrackingNo, string(s.Status), string(s.ServiceLevel), text(s.OriginCity), text(s.Dest.Province), text(s.Dest.City),
			text(r.ConsigneeName), text(r.ConsigneePhone), s.WeightG, s.DeclaredValueFen, cellTime(&s.CreatedAt), cellTime(&s.PromisedAt),
			cellTime(s.OutForDeliveryAt), cellTime(s.DeliveredAt), text(s.SignedBy), s.Late(now), fen(s.FreightFen), fen(s.SurchargeFen)})
		if err != nil {
			return fmt.Errorf("shipments: export: %w", err)
		}
	}
	if err := sw.AddTable(&excelize.Table{Range: fmt.Sprintf("A1:R%d", max(len(rows)+1, 2)), StyleName: "TableStyleLight9"}); err != nil {
		return fmt.Errorf("shipments: export: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("shipments: export: %w", err)
	}
	return f.Write(w)
}

// fen is a charge cell: blank when not known.
func fen(v *int64) any {
	if v == nil {
		return nil
	}
	return *v
}

func ptr[T any](v T) *T { return &v }
