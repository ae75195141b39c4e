package shipments

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/internal/safetext"
)

// exportLabels are the shipment workbook's words, {Chinese, English}.
var exportLabels = struct {
	sheet  [2]string
	header [][2]string
	status map[Code][2]string
	level  map[ServiceLevel][2]string
	yes    [2]string
	no     [2]string
}{
	sheet: [2]string{"运单", "Shipments"},
	header: [][2]string{{"运单号", "Tracking number"}, {"状态", "Status"}, {"服务类型", "Service level"},
		{"始发城市", "Origin city"}, {"目的省份", "Destination province"}, {"目的城市", "Destination city"},
		{"收件人", "Consignee"}, {"收件人电话", "Consignee phone"}, {"重量(克)", "Weight (g)"},
		{"申报价值(元)", "Declared value (yuan)"}, {"下单时间", "Created at"}, {"承诺送达", "Promised by"},
		{"派送时间", "Out for delivery at"}, {"签收时间", "Delivered at"}, {"签收人", "Signed by"}, {"延误", "Late"},
		{"运费(元)", "Freight (yuan)"}, {"附加费(元)", "Surcharge (yuan)"}},
	status: map[Code][2]string{Created: {"已下单", "Order placed"}, PickedUp: {"已揽收", "Picked up"},
		InTransit: {"运输中", "In transit"}, ArrivedAtStation: {"到达网点", "At delivery station"},
		OutForDelivery: {"派送中", "Out for delivery"}, DeliveryFailed: {"派送未成功", "Delivery attempt failed"},
		Delivered: {"已签收", "Delivered"}, Exception: {"异常", "Exception"}, Returned: {"已退回", "Returned"}},
	level: map[ServiceLevel][2]string{Standard: {"标准快递", "Standard"}, Express: {"特快", "Express"}, SameDay: {"当日达", "Same day"}},
	yes:   [2]string{"是", "yes"},
	no:    [2]string{"否", "no"},
}

// pick is the Chinese or, for lang "en", the English of a label pair.
func pick(lang string, l [2]string) string {
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// ExportSheet is the name of the shipment workbook's sheet for lang (运单, Shipments).
func ExportSheet(lang string) string { return pick(lang, exportLabels.sheet) }

// StatusLabel is the human name of a status in lang ("zh" default, "en"); an unknown
// code is shown as it is.
func StatusLabel(lang string, c Code) string {
	if l, ok := exportLabels.status[c]; ok {
		return pick(lang, l)
	}
	return string(c)
}

// ServiceLabel is the human name of a service level in lang.
func ServiceLabel(lang string, l ServiceLevel) string {
	if p, ok := exportLabels.level[l]; ok {
		return pick(lang, p)
	}
	return string(l)
}

// WriteXLSX writes shipments as a workbook for a reader of lang ("en" English, anything
// else Chinese): one sheet (运单 / Shipments) with a styled, frozen header row and a table,
// statuses and service levels as words, the declared value in yuan (a number with two
// decimals), times in zone. Rows are streamed so the size of the list does not grow
// memory.
func WriteXLSX(w io.Writer, rows []ListRow, zone *time.Location, now time.Time, lang string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := ExportSheet(lang)
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("shipments: export: %w", err)
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	when, _ := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")})
	yuan, _ := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("0.00")})
	sw.SetColWidth(1, 1, 18)
	sw.SetColWidth(2, 10, 14)
	sw.SetColWidth(11, 14, 17)
	sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	header := make([]any, len(exportLabels.header))
	for i, h := range exportLabels.header {
		header[i] = pick(lang, h)
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{StyleID: bold}); err != nil {
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
	late := func(v bool) string {
		if v {
			return pick(lang, exportLabels.yes)
		}
		return pick(lang, exportLabels.no)
	}
	for i, r := range rows {
		s := r.Shipment
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		text := safetext.Cell // stored text never becomes a formula in the workbook
		err := sw.SetRow(cell, []any{s.TrackingNo, StatusLabel(lang, s.Status), ServiceLabel(lang, s.ServiceLevel),
			text(s.OriginCity), text(s.Dest.Province), text(s.Dest.City), text(r.ConsigneeName), text(r.ConsigneePhone), s.WeightG,
			excelize.Cell{StyleID: yuan, Value: float64(s.DeclaredValueFen) / 100}, cellTime(&s.CreatedAt), cellTime(&s.PromisedAt),
			cellTime(s.OutForDeliveryAt), cellTime(s.DeliveredAt), text(s.SignedBy), late(s.Late(now)),
			money(yuan, s.FreightFen), money(yuan, s.SurchargeFen)})
		if err != nil {
			return fmt.Errorf("shipments: export: %w", err)
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(header), max(len(rows)+1, 2))
	if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, StyleName: "TableStyleLight9"}); err != nil {
		return fmt.Errorf("shipments: export: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("shipments: export: %w", err)
	}
	return f.Write(w)
}

func ptr[T any](v T) *T { return &v }

// money is a charge cell in yuan (fen / 100, two decimals): blank when not known. The
// export is the shipper's own: it carries what the shipper pays, never what carrying it
// cost us.
func money(style int, fen *int64) any {
	if fen == nil {
		return nil
	}
	return excelize.Cell{StyleID: style, Value: float64(*fen) / 100}
}
