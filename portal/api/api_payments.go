package api

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/billing"
	"lcrm/internal/errs"
	"lcrm/portal/web"
)

// paymentIn is the body of POST /api/v1/payments.
type paymentIn struct {
	ShipperCode string `json:"shipper_code"`
	Statement   string `json:"statement"`
	AmountFen   int64  `json:"amount_fen"`
	PaidAt      string `json:"paid_at"`
	Reference   string `json:"reference"`
}

// apiRecordPayment handles POST /api/v1/payments (staff keys only): 201 with the payment
// and how it was applied; the same reference with the same content again is 200 with
// "status": "exists" and nothing stored; with other content 409. Unknown shipper or
// statement, amount ≤ 0 or over what is outstanding are 422 naming the field.
func (s *handler) apiRecordPayment(c *fiber.Ctx) error {
	if apiKey(c).ShipperID != 0 {
		return web.Errorf(fiber.StatusForbidden, "forbidden", "billing.api.staff_only")
	}
	var in paymentIn
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return badJSON("billing.api.not_object", nil, jsonProblem(err))
	}
	p := billing.NewPayment{ShipperCode: in.ShipperCode, Statement: in.Statement, AmountFen: in.AmountFen, Reference: in.Reference}
	if v := strings.TrimSpace(in.PaidAt); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return &errs.ValidationError{Fields: []errs.FieldError{{Field: "paid_at", Key: "field.billing.paid_at_format",
				Message: "must be an RFC 3339 time, e.g. 2026-12-01T10:00:00+08:00"}}}
		}
		p.PaidAt = t
	}
	pay, err := s.deps.Billing.RecordPayment(c.UserContext(), p, billing.SourceAPI)
	if err != nil {
		return err
	}
	status, code := "created", fiber.StatusCreated
	if pay.Existed {
		status, code = "exists", fiber.StatusOK
	}
	return c.Status(code).JSON(fiber.Map{"id": pay.ID, "status": status, "reference": pay.Reference,
		"shipper_code": pay.ShipperCode, "statement": pay.Statement, "amount_fen": pay.AmountFen,
		"paid_at": pay.PaidAt.UTC().Format(time.RFC3339), "allocations": pay.Allocations})
}
