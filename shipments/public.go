package shipments

import (
	"crypto/subtle"
	"time"

	"lcrm/customers"
)

// Addressee is the consignee as the shipper wrote it on one shipment. Consignees are one
// record per phone, shared by every shipper (one customer, one record, for staff); a
// shipper, and a visitor looking at one parcel, see only what that parcel's shipper sent,
// never what another shipper stored for the same phone.
type Addressee struct {
	Name, Phone, Email string
}

// ForShipper is the shipment as its shipper sees it: the consignee exactly as the shipper
// sent it (name, phone, email and this parcel's address), not the shared consignee record.
// Every shipper-facing view (shipper pages, exports, a shipper's API key) reads this.
func (d *Detail) ForShipper() *Detail {
	out := *d
	out.Consignee = customers.Consignee{Name: d.Addressee.Name, Phone: d.Addressee.Phone, Email: d.Addressee.Email, Address: d.Dest}
	return &out
}

// Public is what anyone holding a tracking number may see of a parcel: status, cities,
// times, and people masked. It is the one place the public masking rule is written; the
// tracking pages and the public JSON API both show it.
//
// The verify form asks for the last four digits of the consignee's or the shipper's phone,
// so nothing here may show any of them: phones keep only their first three digits
// (customers.MaskPhone), names their first and last character (customers.MaskName), the
// street is left out, and free text (event notes and locations) has the parcel's names,
// signer phrases and phone numbers masked (customers.MaskText).
type Public struct {
	TrackingNo     string
	Status         Code
	ServiceLevel   ServiceLevel
	OriginCity     string
	DestCity       string
	PromisedAt     time.Time
	Late           bool
	DeliveredAt    *time.Time
	SignedBy       string // customers.MaskSigner: a role ("本人", "快递柜") as is, a name masked
	ConsigneeName  string
	ConsigneePhone string
	ShipperName    string
	ShipperPhone   string
	Events         []Event // oldest first; Location and Note masked, SignedBy masked, no Key or PODURL
	// Estimate is the learned delivery window (nil when delivered or no model): times only.
	Estimate *Estimate
}

// Public masks d for a visitor who has not proved who they are, as of now (for Late).
func (d *Detail) Public(now time.Time) Public {
	names := []string{d.Addressee.Name, d.Consignee.Name, d.SignedBy, d.Shipper.ContactName}
	for _, e := range d.Events {
		names = append(names, e.SignedBy)
	}
	mask := customers.NewTextMask(names, []string{d.Addressee.Phone, d.Consignee.Phone, d.Shipper.Phone})
	p := Public{
		TrackingNo: d.TrackingNo, Status: d.Status, ServiceLevel: d.ServiceLevel,
		OriginCity: d.OriginCity, DestCity: d.Dest.City, PromisedAt: d.PromisedAt, Late: d.Late(now),
		DeliveredAt: d.DeliveredAt, SignedBy: customers.MaskSigner(d.SignedBy),
		ConsigneeName: customers.MaskName(d.Addressee.Name), ConsigneePhone: customers.MaskPhone(d.Addressee.Phone),
		ShipperName: customers.MaskName(d.Shipper.Name), ShipperPhone: customers.MaskPhone(d.Shipper.Phone),
		Events: make([]Event, len(d.Events)), Estimate: d.Estimate(now),
	}
	for i, e := range d.Events {
		p.Events[i] = Event{Code: e.Code, OccurredAt: e.OccurredAt, SignedBy: customers.MaskSigner(e.SignedBy),
			Location: mask.Mask(e.Location), Note: mask.Mask(e.Note)}
	}
	return p
}

// Answers reports whether last4 is the last four digits of a phone that may unlock this
// parcel's full detail: the consignee's as the shipper wrote it on the label, the shared
// consignee record's (they differ after a merge), or the shipper's. The comparison takes
// the same time whichever digit is wrong.
func (d *Detail) Answers(last4 string) bool {
	if len(last4) != 4 {
		return false
	}
	ok := 0
	for _, p := range []string{d.Addressee.Phone, d.Consignee.Phone, d.Shipper.Phone} {
		if want := customers.PhoneLast4(p); len(want) == 4 {
			ok |= subtle.ConstantTimeCompare([]byte(last4), []byte(want))
		}
	}
	return ok == 1
}
