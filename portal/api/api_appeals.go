package api

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
	"lcrm/internal/errs"
)

// appealIn is the body of POST /api/v1/complaints/:ref/appeal.
type appealIn struct {
	Source     string `json:"source"`      // hotline_12305, web_12305, provincial_bureau
	AppealNo   string `json:"appeal_no"`   // the regulator's number
	ReceivedAt string `json:"received_at"` // RFC 3339
	ReplyDue   string `json:"reply_due"`   // RFC 3339; empty: received_at + LCRM_APPEAL_REPLY_WINDOW
}

// appealOut is an appeal as the API answers it.
type appealOut struct {
	ID          int64      `json:"id"`
	ComplaintID int64      `json:"complaint_id"`
	Ref         string     `json:"ref"`
	Source      string     `json:"source"`
	AppealNo    string     `json:"appeal_no"`
	ReceivedAt  time.Time  `json:"received_at"`
	ReplyDue    time.Time  `json:"reply_due"`
	EscalatedAt *time.Time `json:"escalated_at,omitempty"`
	RepliedAt   *time.Time `json:"replied_at,omitempty"`
	Verdict     string     `json:"verdict,omitempty"` // effective, not_effective
}

// apiRegisterAppeal handles POST /api/v1/complaints/:ref/appeal: a staff key (no shipper)
// registers the regulator's transfer of an appeal, as a supervisor does on the desk. A new
// appeal answers 201, the same appeal number again 200 with the appeal as stored.
func (s *handler) apiRegisterAppeal(c *fiber.Ctx) error {
	if apiKey(c).ShipperID != 0 {
		return complaints.ErrAppealRole
	}
	cp, err := s.deps.Complaints.ByRef(c.UserContext(), c.Params("ref"))
	if err != nil {
		return err
	}
	var in appealIn
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return badJSON("error.api_body_fields", nil, jsonProblem(err))
	}
	v := &errs.ValidationError{}
	received, due := parseTime(v, "received_at", in.ReceivedAt), parseTime(v, "reply_due", in.ReplyDue)
	if err := v.Err(); err != nil {
		return err
	}
	reg := complaints.AppealRegistration{Source: complaints.AppealSource(in.Source), No: in.AppealNo}
	if received != nil {
		reg.ReceivedAt = *received
	}
	if due != nil {
		reg.ReplyDue = *due
	}
	a, created, err := s.deps.Complaints.RegisterAppeal(c.UserContext(), cp.ID,
		complaints.Actor{Name: "api key " + apiKey(c).Name}, reg)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(appealOut{ID: a.ID, ComplaintID: a.ComplaintID, Ref: cp.Ref, Source: string(a.Source), AppealNo: a.No,
		ReceivedAt: a.ReceivedAt, ReplyDue: a.ReplyDue, EscalatedAt: a.EscalatedAt, RepliedAt: a.RepliedAt, Verdict: a.Verdict()})
}
