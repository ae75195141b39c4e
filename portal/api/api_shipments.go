package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/portal/web"
	"lcrm/shipments"
)

// maxBatch bounds one API batch.
const maxBatch = 1000

// shipmentIn is one shipment as integrations send it.
type shipmentIn struct {
	TrackingNo       string      `json:"tracking_no"`
	Shipper          shipperIn   `json:"shipper"`
	ShipperCode      string      `json:"shipper_code"`
	Consignee        consigneeIn `json:"consignee"`
	ServiceLevel     string      `json:"service_level"`
	OriginCity       string      `json:"origin_city"`
	DestCity         string      `json:"dest_city"`
	WeightG          int         `json:"weight_g"`
	DeclaredValueFen int64       `json:"declared_value_fen"`
	PromisedAt       string      `json:"promised_at"`
	CreatedAt        string      `json:"created_at"`
	// Charges in fen, optional: absent or null is "not known", which is not 0.
	FreightFen   *int64 `json:"freight_fen"`
	SurchargeFen *int64 `json:"surcharge_fen"`
	CostFen      *int64 `json:"cost_fen"`
}

type shipperIn struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	ContactName string `json:"contact_name"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
	Tier        string `json:"tier"`
	TimeZone    string `json:"time_zone"`
	Locale      string `json:"locale"`
}

type consigneeIn struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Email      string `json:"email"`
	Province   string `json:"province"`
	City       string `json:"city"`
	District   string `json:"district"`
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
}

// parseTime reads an optional RFC 3339 time; a bad one is a field error.
func parseTime(v *errs.ValidationError, field, s string) *time.Time {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		v.AddKey(field, "field.api_time", map[string]any{"Value": strconv.Quote(s)})
		return nil
	}
	return &t
}

func (in shipmentIn) domain() (shipments.NewShipment, error) {
	var v errs.ValidationError
	code := in.Shipper.Code
	if code == "" {
		code = in.ShipperCode
	}
	ns := shipments.NewShipment{
		TrackingNo: in.TrackingNo,
		Shipper: customers.Shipper{Code: code, Name: in.Shipper.Name, ContactName: in.Shipper.ContactName,
			Phone: in.Shipper.Phone, Email: in.Shipper.Email, Tier: customers.Tier(in.Shipper.Tier),
			TimeZone: in.Shipper.TimeZone, Locale: in.Shipper.Locale},
		Consignee: customers.Consignee{Name: in.Consignee.Name, Phone: in.Consignee.Phone, Email: in.Consignee.Email,
			Address: customers.Address{Province: in.Consignee.Province, City: in.Consignee.City,
				District: in.Consignee.District, Street: in.Consignee.Street, PostalCode: in.Consignee.PostalCode}},
		ServiceLevel: shipments.ServiceLevel(in.ServiceLevel), OriginCity: in.OriginCity, DestCity: in.DestCity,
		WeightG: in.WeightG, DeclaredValueFen: in.DeclaredValueFen,
		Charges:    shipments.Charges{FreightFen: in.FreightFen, SurchargeFen: in.SurchargeFen, CostFen: in.CostFen},
		PromisedAt: parseTime(&v, "promised_at", in.PromisedAt),
		CreatedAt:  parseTime(&v, "created_at", in.CreatedAt),
	}
	return ns, v.Err()
}

// itemOut is one item's outcome in a batch response.
type itemOut struct {
	Index      int             `json:"index"`
	TrackingNo string          `json:"tracking_no,omitempty"`
	EventID    string          `json:"event_id,omitempty"`
	Status     string          `json:"status"`
	Errors     []web.FieldJSON `json:"errors,omitempty"`
}

func (s *handler) resultsOut(res []shipments.ItemResult) ([]itemOut, map[string]int) {
	out := make([]itemOut, len(res))
	counts := map[string]int{}
	for i, r := range res {
		out[i] = itemOut{Index: r.Index, TrackingNo: r.TrackingNo, EventID: r.EventID, Status: r.Status}
		if len(r.Fields) > 0 {
			out[i].Errors = s.FieldsJSON(r.Fields)
		}
		counts[r.Status]++
	}
	return out, counts
}

// sendParsed hands the items that parsed to the store in one batch and puts each result
// back at its position in the request (at[k] is the request index of items[k]).
func sendParsed[T any](res []shipments.ItemResult, at []int, items []T, store func([]T) ([]shipments.ItemResult, error)) error {
	if len(items) == 0 {
		return nil
	}
	stored, err := store(items)
	if err != nil {
		return err
	}
	for k, r := range stored {
		r.Index = at[k]
		res[at[k]] = r
	}
	return nil
}

// decodeBatch reads either one item or {"<key>": [...]} (at most maxBatch items). In a
// list, each item decodes on its own: an item of the wrong shape is reported in bad (at
// its index) and the others go on; a single item of the wrong shape is a 400 naming the
// field.
func decodeBatch[T any](c *fiber.Ctx, key string) (items []T, bad []*errs.FieldError, single bool, err error) {
	body := c.Body()
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, nil, false, badJSON("error.api_not_object", nil, jsonProblem(err))
	}
	if raw, ok := probe[key]; ok {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, nil, false, badJSON("error.api_not_list", map[string]any{"Key": key}, errs.NewField(key, "field.api_not_list", nil))
		}
		if len(list) == 0 || len(list) > maxBatch {
			return nil, nil, false, web.Errorf(fiber.StatusRequestEntityTooLarge, "batch_size", "error.api_batch_size")
		}
		items, bad = make([]T, len(list)), make([]*errs.FieldError, len(list))
		for i, r := range list {
			if err := json.Unmarshal(r, &items[i]); err != nil {
				p := jsonProblem(err)
				bad[i] = &p
			}
		}
		return items, bad, false, nil
	}
	var one T
	if err := json.Unmarshal(body, &one); err != nil {
		return nil, nil, false, badJSON("error.api_body_fields", nil, jsonProblem(err))
	}
	return []T{one}, make([]*errs.FieldError, 1), true, nil
}

// badJSON is the 400 answer for a body that does not decode, naming the field: key and
// data are its message in the catalogue.
func badJSON(key string, data map[string]any, f errs.FieldError) *web.Error {
	return &web.Error{Status: fiber.StatusBadRequest, Code: "bad_json", Message: key, Data: data, Fields: []errs.FieldError{f}}
}

// apiCreateShipments handles POST /api/v1/shipments: one shipment or {"shipments":[...]}.
// A key that belongs to a shipper always creates that shipper's shipments.
func (s *handler) apiCreateShipments(c *fiber.Ctx) error {
	ins, bad, single, err := decodeBatch[shipmentIn](c, "shipments")
	if err != nil {
		return err
	}
	var own *customers.Shipper
	if k := apiKey(c); k.ShipperID != 0 {
		if own, err = s.deps.Customers.ShipperByID(c.UserContext(), k.ShipperID); err != nil {
			return err
		}
	}
	// Items whose times do not parse never reach the store; the rest go in one batch.
	res := make([]shipments.ItemResult, len(ins))
	var items []shipments.NewShipment
	var at []int
	for i, in := range ins {
		if bad[i] != nil {
			res[i] = shipments.ItemResult{Index: i, TrackingNo: in.TrackingNo, Status: shipments.ResultInvalid,
				Fields: []errs.FieldError{*bad[i]}}
			continue
		}
		item, err := in.domain()
		if err != nil {
			res[i] = shipments.ItemResult{Index: i, TrackingNo: in.TrackingNo, Status: shipments.ResultInvalid,
				Fields: err.(*errs.ValidationError).Fields}
			continue
		}
		if own != nil {
			item.Shipper = *own
		}
		items = append(items, item)
		at = append(at, i)
	}
	if err := sendParsed(res, at, items, func(b []shipments.NewShipment) ([]shipments.ItemResult, error) {
		return s.deps.Shipments.CreateShipments(c.UserContext(), b)
	}); err != nil {
		return err
	}
	out, counts := s.resultsOut(res)
	if single {
		status := fiber.StatusCreated
		switch out[0].Status {
		case shipments.ResultExists:
			status = fiber.StatusOK
		case shipments.ResultInvalid:
			return &web.Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Message: "error.api_shipment_invalid", Fields: res[0].Fields}
		}
		return c.Status(status).JSON(out[0])
	}
	return c.JSON(fiber.Map{"results": out, "created": counts[shipments.ResultCreated],
		"exists": counts[shipments.ResultExists], "invalid": counts[shipments.ResultInvalid]})
}
