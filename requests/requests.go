// Package requests holds what a consignee asks of a parcel on the verified tracking page
// instead of calling: a delivery window in the next days (预约派送), a new address before
// the parcel is out for delivery (改地址), holding it at a pickup point (驿站/快递柜自提),
// refusing it (拒收退回) and "where is my parcel" on a late parcel (催件). Each request
// goes requested → accepted or declined (with a reason) → done, has an answer deadline on
// the service desk's calendar (the dispatch queue's SLA), sends one confirming SMS through
// the notify outbox and one with the answer, and emits the request.created webhook event.
//
// It also keeps the pickup points staff offer (stations and lockers per city) and each
// consignee's standing consent to locker or station delivery (投递前征得同意). The consent
// lives here, not on customers.Consignee: it is a delivery rule read by the delivery
// system and the tracking page, not part of who the consignee is, and keeping it in its
// own table leaves the consignee record, its merges and every query scanning it alone.
//
// The package owns the SQL of its tables and knows nothing of HTTP.
package requests

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"lcrm/customers"
	"lcrm/internal/errs"
)

// Kind is what the consignee asks for.
type Kind string

// The request kinds, in the order the tracking page offers them.
const (
	Window  Kind = "window"  // 预约派送: deliver within a chosen time window
	Address Kind = "address" // 改地址: deliver to another address (before out for delivery)
	Pickup  Kind = "pickup"  // 驿站/快递柜自提: hold at a pickup point
	Refuse  Kind = "refuse"  // 拒收退回: refuse and return to the sender
	Urge    Kind = "urge"    // 催件: where is my (late) parcel
)

// Kinds lists every kind in display order.
var Kinds = []Kind{Window, Address, Pickup, Refuse, Urge}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Status is where a request stands.
type Status string

// Request states: requested → accepted | declined; accepted → done.
const (
	Requested Status = "requested"
	Accepted  Status = "accepted"
	Declined  Status = "declined"
	Done      Status = "done"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{Requested, Accepted, Declined, Done}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Open reports whether a request in s still waits for dispatch (an answer, or the work).
func (s Status) Open() bool { return s == Requested || s == Accepted }

// Request is one delivery request as stored.
type Request struct {
	ID          int64
	ShipmentID  int64
	ShipperID   int64
	ConsigneeID int64
	TrackingNo  string
	Kind        Kind
	Status      Status
	// WindowFrom and WindowTo are the booked window (Window requests).
	WindowFrom, WindowTo *time.Time
	// NewAddress is where to deliver instead (Address requests).
	NewAddress customers.Address
	// Pickup is the chosen point (Pickup requests).
	Pickup *PickupPoint
	// Urges counts the "where is my parcel" presses that counted (Urge requests; 1 otherwise).
	Urges         int
	LastUrgedAt   time.Time
	Locale        string // "zh" or "en": the SMS language
	DeclineReason string
	// AnswerDue is the dispatch queue's deadline to accept or decline.
	AnswerDue  time.Time
	CreatedAt  time.Time
	AnsweredAt *time.Time
	AnsweredBy string
	DoneAt     *time.Time
	UpdatedAt  time.Time
}

// Overdue reports whether the request still waits for an answer past its deadline at now.
func (r *Request) Overdue(now time.Time) bool {
	return r.Status == Requested && now.After(r.AnswerDue)
}

// Errors of the package; each is a catalogue key in portal/web/i18n/requests.*.json.
var (
	ErrNotFound       = errs.New(errs.NotFound, "requests.error.not_found", "requests: no such request")
	ErrAlreadyOpen    = errs.New(errs.Conflict, "requests.error.already_open", "requests: a request of this kind is already open for the parcel")
	ErrOutForDelivery = errs.New(errs.Conflict, "requests.error.out_for_delivery", "requests: the parcel is already out for delivery: its address can no longer change")
	ErrFinished       = errs.New(errs.Conflict, "requests.error.finished", "requests: the parcel is already delivered or returned")
	ErrNotLate        = errs.New(errs.Conflict, "requests.error.not_late", "requests: the parcel is not late: nothing to urge yet")
	ErrBadWindow      = errs.New(errs.Invalid, "requests.error.bad_window", "requests: not one of the offered delivery windows")
	ErrBadPickup      = errs.New(errs.Invalid, "requests.error.bad_pickup", "requests: not a pickup point of the parcel's city")
	ErrBadKind        = errs.New(errs.Invalid, "requests.error.bad_kind", "requests: unknown request kind")
	ErrBadKey         = errs.New(errs.Invalid, "requests.error.bad_key", "requests: the form token is missing or too long")
	ErrTransition     = errs.New(errs.Conflict, "requests.error.transition", "requests: illegal status change")
	// ErrNeedReason's key is the field error on "reason" of a decline without one.
	ErrNeedReason = errs.New(errs.Invalid, "requests.error.need_reason", "requests: a decline needs a reason")
	ErrBadConsent = errs.New(errs.Invalid, "requests.error.bad_consent", "requests: unknown consent preference")
)

// transition returns an error naming both statuses when from cannot become to.
func transition(from, to Status) error {
	e := *ErrTransition
	e.Data = map[string]any{"From": string(from), "To": string(to)}
	e.Msg = fmt.Sprintf("requests: a %s request cannot become %s", from, to)
	e.Err = ErrTransition
	return &e
}

// Actor is who answers a request: a staff user, or an API key (UserID 0).
type Actor struct {
	UserID int64
	Name   string
}

// Description is the request in words, in locale ("zh" or "en"), for the confirming SMS
// and the queue: the kind and what was chosen. zone is where windows are shown.
func (r *Request) Description(locale string, zone *time.Location) string {
	en := locale == "en"
	name := kindNames[r.Kind][0]
	if en {
		name = kindNames[r.Kind][1]
	}
	switch {
	case r.Kind == Window && r.WindowFrom != nil && r.WindowTo != nil:
		return name + " " + WindowText(*r.WindowFrom, *r.WindowTo, locale, zone)
	case r.Kind == Address:
		return name + " " + strings.Join(nonEmpty(r.NewAddress.Province, r.NewAddress.City, r.NewAddress.District, r.NewAddress.Street), " ")
	case r.Kind == Pickup && r.Pickup != nil:
		return name + " " + r.Pickup.Name
	}
	return name
}

// kindNames are each kind's name in Chinese and English.
var kindNames = map[Kind][2]string{
	Window:  {"预约派送", "delivery window"},
	Address: {"改地址", "change of address"},
	Pickup:  {"驿站/快递柜自提", "hold for pickup at"},
	Refuse:  {"拒收退回", "refuse and return"},
	Urge:    {"催件", "where is my parcel"},
}

// WindowText writes a window as "12月3日 09:00-12:00" or "3 Dec 09:00-12:00" in zone.
func WindowText(from, to time.Time, locale string, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	f, t := from.In(zone), to.In(zone)
	day := fmt.Sprintf("%d月%d日", f.Month(), f.Day())
	if locale == "en" {
		day = f.Format("2 Jan")
	}
	return day + " " + f.Format("15:04") + "-" + t.Format("15:04")
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// WindowHours are the fixed delivery windows of a day, as [start, end) hours local time.
var WindowHours = [][2]int{{9, 12}, {12, 15}, {15, 18}, {18, 21}}

// Slot is one delivery window offered to the consignee.
type Slot struct {
	From, To time.Time
}

// Windows returns the windows that can be booked at now: those of WindowHours on the next
// days days (today included) in zone that have not started yet.
func Windows(now time.Time, days int, zone *time.Location) []Slot {
	if zone == nil {
		zone = time.UTC
	}
	local := now.In(zone)
	var out []Slot
	for d := 0; d < days; d++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+d, 0, 0, 0, 0, zone)
		for _, h := range WindowHours {
			from := day.Add(time.Duration(h[0]) * time.Hour)
			if !from.After(now) {
				continue
			}
			out = append(out, Slot{From: from, To: day.Add(time.Duration(h[1]) * time.Hour)})
		}
	}
	return out
}
