package console

// SMS on the complaint page (needs Deps.Notify; without it the page has neither the "also
// send by SMS" box nor the SMS history): a public reply may also go to the customer's
// contact phone through the notify outbox, and the page lists the messages about the
// complaint.

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
	"lcrm/notify"
)

// smsReply enqueues a public reply as an SMS to the complaint's contact phone. The key is
// the reply's timeline entry, and Reply answers a repeated post with the entry it already
// stored, so a retried form sends one SMS.
func (s *handler) smsReply(c *fiber.Ctx, cp *complaints.Complaint, e complaints.Entry) error {
	link := strings.TrimRight(s.cfg.PublicURL, "/") + "/complaint?ref=" + url.QueryEscape(cp.Ref)
	_, _, err := s.deps.Notify.Enqueue(c.UserContext(), s.deps.Shipments.Pool(), notify.Message{
		Key:  fmt.Sprintf("complaint-reply:%d", e.ID),
		Kind: notify.KindComplaintReply, To: cp.ContactPhone, Locale: "zh",
		Vars:       map[string]string{"ref": cp.Ref, "text": e.Text, "link": link},
		ShipmentID: cp.ShipmentID, ConsigneeID: cp.ConsigneeID, ShipperID: cp.ShipperID, ComplaintID: cp.ID,
	})
	if err != nil {
		return fmt.Errorf("portal: sms reply: %w", err)
	}
	return nil
}

// smsHistory returns the SMS about a complaint, newest first (nil without Deps.Notify).
func (s *handler) smsHistory(c *fiber.Ctx, complaintID int64) ([]notify.Record, error) {
	if s.deps.Notify == nil {
		return nil, nil
	}
	return s.deps.Notify.History(c.UserContext(), notify.Filter{ComplaintID: complaintID}, 20)
}
