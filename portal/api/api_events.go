package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/internal/errs"
	"lcrm/portal/web"
	"lcrm/shipments"
)

// eventIn is one tracking event as integrations send it.
type eventIn struct {
	TrackingNo string `json:"tracking_no"`
	EventID    string `json:"event_id"`
	Code       string `json:"code"`
	OccurredAt string `json:"occurred_at"`
	Location   string `json:"location"`
	Note       string `json:"note"`
	SignedBy   string `json:"signed_by"`
	PODURL     string `json:"pod_url"`
}

// apiRecordEvents handles POST /api/v1/events: {"events":[...]} of up to 1,000 events.
// Only staff keys may post events: a shipper's key cannot move parcels.
func (s *handler) apiRecordEvents(c *fiber.Ctx) error {
	if apiKey(c).ShipperID != 0 {
		return web.Errorf(fiber.StatusForbidden, "forbidden", "error.api_shipper_key_events")
	}
	ins, bad, _, err := decodeBatch[eventIn](c, "events")
	if err != nil {
		return err
	}
	res := make([]shipments.ItemResult, len(ins))
	var evs []shipments.NewEvent
	var at []int
	for i, in := range ins {
		if bad[i] != nil {
			res[i] = shipments.ItemResult{Index: i, TrackingNo: in.TrackingNo, EventID: in.EventID, Status: shipments.ResultInvalid,
				Fields: []errs.FieldError{*bad[i]}}
			continue
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(in.OccurredAt))
		if err != nil {
			res[i] = shipments.ItemResult{Index: i, TrackingNo: in.TrackingNo, EventID: in.EventID, Status: shipments.ResultInvalid,
				Fields: []errs.FieldError{errs.NewField("occurred_at", "field.api_occurred_at", nil)}}
			continue
		}
		evs = append(evs, shipments.NewEvent{TrackingNo: in.TrackingNo, Event: shipments.Event{
			Key: in.EventID, Code: shipments.Code(strings.TrimSpace(in.Code)), OccurredAt: t,
			Location: in.Location, Note: in.Note, SignedBy: in.SignedBy, PODURL: in.PODURL}})
		at = append(at, i)
	}
	if err := sendParsed(res, at, evs, func(b []shipments.NewEvent) ([]shipments.ItemResult, error) {
		return s.deps.Shipments.RecordEvents(c.UserContext(), b)
	}); err != nil {
		return err
	}
	out, counts := s.resultsOut(res)
	return c.JSON(fiber.Map{"results": out, "stored": counts[shipments.ResultStored], "duplicate": counts[shipments.ResultDuplicate],
		"unknown_tracking_no": counts[shipments.ResultUnknown], "invalid": counts[shipments.ResultInvalid]})
}
