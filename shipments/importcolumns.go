package shipments

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"lcrm/customers"
	"lcrm/internal/errs"
)

// column is one importable column: its accepted header names (English first, then the
// Chinese alias) and whether it must be present.
type column struct {
	aliases  []string
	required bool
}

// importColumns are the documented header names of each kind of file (README, "Bulk import").
var importColumns = map[ImportKind]map[string]column{
	ImportShipments: {
		"tracking_no":        {[]string{"tracking_no", "运单号"}, true},
		"shipper_code":       {[]string{"shipper_code", "发件商户编码"}, true},
		"shipper_name":       {[]string{"shipper_name", "发件商户名称"}, false},
		"service_level":      {[]string{"service_level", "服务类型"}, false},
		"origin_city":        {[]string{"origin_city", "始发城市"}, true},
		"consignee_name":     {[]string{"consignee_name", "收件人"}, true},
		"consignee_phone":    {[]string{"consignee_phone", "收件人电话"}, true},
		"consignee_email":    {[]string{"consignee_email", "收件人邮箱"}, false},
		"province":           {[]string{"province", "省"}, false},
		"city":               {[]string{"city", "市"}, true},
		"district":           {[]string{"district", "区"}, false},
		"street":             {[]string{"street", "详细地址"}, false},
		"postal_code":        {[]string{"postal_code", "邮编"}, false},
		"weight_g":           {[]string{"weight_g", "重量克"}, true},
		"declared_value_fen": {[]string{"declared_value_fen", "声明价值分"}, false},
		"promised_at":        {[]string{"promised_at", "承诺送达时间"}, false},
		"created_at":         {[]string{"created_at", "下单时间"}, false},
		"freight_fen":        {[]string{"freight_fen", "运费分"}, false},
		"surcharge_fen":      {[]string{"surcharge_fen", "附加费分"}, false},
		"cost_fen":           {[]string{"cost_fen", "成本分"}, false},
	},
	ImportEvents: {
		"tracking_no": {[]string{"tracking_no", "运单号"}, true},
		"event_id":    {[]string{"event_id", "事件编号"}, false},
		"code":        {[]string{"code", "事件"}, true},
		"occurred_at": {[]string{"occurred_at", "发生时间"}, true},
		"location":    {[]string{"location", "地点"}, false},
		"note":        {[]string{"note", "备注"}, false},
		"signed_by":   {[]string{"signed_by", "签收人"}, false},
	},
}

// ImportColumns lists the header names a file of kind may use, required ones first.
func ImportColumns(kind ImportKind) (required, optional []string) {
	for name, c := range importColumns[kind] {
		if c.required {
			required = append(required, name)
		} else {
			optional = append(optional, name)
		}
	}
	sort.Strings(required)
	sort.Strings(optional)
	return required, optional
}

// mapHeader finds each known column's position (case-insensitive, trimmed) and lists the
// required columns that are missing.
func mapHeader(header []string, cols map[string]column) (map[string]int, []string) {
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		for name, c := range cols {
			for _, a := range c.aliases {
				if h == a {
					idx[name] = i
				}
			}
		}
	}
	var missing []string
	for name, c := range cols {
		if _, ok := idx[name]; !ok && c.required {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	return idx, missing
}

func parseShipmentRow(row int, v map[string]string, date1904 bool) (NewShipment, []RowError) {
	var errs []RowError
	num := func(col string) int64 {
		if v[col] == "" {
			return 0
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(v[col], ",", ""), 10, 64)
		if err != nil {
			errs = append(errs, rowError(row, col, "import.not_whole_number", map[string]any{"Value": strconv.Quote(v[col])}))
		}
		return n
	}
	ns := NewShipment{
		TrackingNo:   v["tracking_no"],
		Shipper:      customers.Shipper{Code: v["shipper_code"], Name: v["shipper_name"]},
		ServiceLevel: ServiceLevel(strings.ToLower(v["service_level"])),
		OriginCity:   v["origin_city"],
		Consignee: customers.Consignee{Name: v["consignee_name"], Phone: v["consignee_phone"], Email: v["consignee_email"],
			Address: customers.Address{Province: v["province"], City: v["city"], District: v["district"], Street: v["street"], PostalCode: v["postal_code"]}},
		WeightG:          int(num("weight_g")),
		DeclaredValueFen: num("declared_value_fen"),
	}
	// Charges are optional: an empty cell is "not known" (NULL), not 0.
	for _, c := range []struct {
		col string
		dst **int64
	}{{"freight_fen", &ns.FreightFen}, {"surcharge_fen", &ns.SurchargeFen}, {"cost_fen", &ns.CostFen}} {
		if v[c.col] != "" {
			n := num(c.col)
			*c.dst = &n
		}
	}
	for _, col := range []string{"promised_at", "created_at"} {
		if v[col] == "" {
			continue
		}
		t, err := parseImportTime(v[col], date1904)
		if err != nil {
			errs = append(errs, rowErr(row, col, err))
			continue
		}
		if col == "promised_at" {
			ns.PromisedAt = &t
		} else {
			ns.CreatedAt = &t
		}
	}
	return ns, errs
}

func parseEventRow(row int, v map[string]string, date1904 bool) (NewEvent, []RowError) {
	ne := NewEvent{TrackingNo: v["tracking_no"], Event: Event{Key: v["event_id"], Code: Code(strings.ToLower(v["code"])),
		Location: v["location"], Note: v["note"], SignedBy: v["signed_by"]}}
	if v["occurred_at"] == "" {
		return ne, []RowError{rowError(row, "occurred_at", errs.KeyRequired, nil)}
	}
	t, err := parseImportTime(v["occurred_at"], date1904)
	if err != nil {
		return ne, []RowError{rowErr(row, "occurred_at", err)}
	}
	ne.OccurredAt = t
	return ne, nil
}

// fieldColumn maps a validation field name to the file's column name.
var fieldColumn = map[string]string{
	"shipper.code": "shipper_code", "shipper.name": "shipper_name",
	"consignee.name": "consignee_name", "consignee.phone": "consignee_phone", "dest_city": "city",
}

// fieldErrors turns a validation error into row errors naming the file's columns.
func fieldErrors(row int, err error) []RowError {
	if err == nil {
		return nil
	}
	var ve *errs.ValidationError
	if !errors.As(err, &ve) {
		return []RowError{rowErr(row, "", err)}
	}
	out := make([]RowError, 0, len(ve.Fields))
	for _, f := range ve.Fields {
		col := f.Field
		if c, ok := fieldColumn[col]; ok {
			col = c
		} else if i := strings.IndexByte(col, '.'); i >= 0 {
			col = strings.ReplaceAll(col, ".", "_")
		}
		out = append(out, RowError{Row: row, Column: col, Reason: f.Message, Key: f.Key, Data: f.Data})
	}
	return out
}

// parseImportTime reads RFC 3339, "2006-01-02 15:04[:05]" or "2006/01/02 15:04[:05]" in
// Asia/Shanghai, a date alone, or an Excel serial number (from .xlsx date cells, counted
// from 1904 in workbooks that say so).
func parseImportTime(s string, date1904 bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/01/02 15:04:05", "2006/01/02 15:04", "2006-01-02", "2006/01/02"} {
		if t, err := time.ParseInLocation(layout, s, DefaultZone); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 1 && f < 2958466 {
		t, err := excelize.ExcelDateToTime(f, date1904)
		if err == nil {
			// Excel serials carry no zone: they are wall-clock times in Asia/Shanghai.
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, DefaultZone), nil
		}
	}
	data := map[string]any{"Value": strconv.Quote(s)}
	return time.Time{}, &errs.Error{Kind: errs.Invalid, Key: "import.not_a_date", Data: data, Msg: errs.English("import.not_a_date", data)}
}
