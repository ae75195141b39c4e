// Package complaints is the complaint domain: filing from the portal, the lifecycle
// (new -> acknowledged -> in_progress -> waiting_customer -> resolved -> closed, with
// reopened), priorities from category and shipper tier, SLA deadlines on a business-hours
// calendar with a clock that pauses while waiting on the customer, the escalation ladder up
// the manager chain, root-cause recording, canned replies and in-app notifications.
//
// It knows nothing of HTTP; the portal and the console call the Store.
package complaints

import (
	"fmt"
	"time"

	"lcrm/internal/errs"
)

// Category is what the customer complains about.
type Category string

// The complaint categories, in the order forms show them.
const (
	Delayed              Category = "delayed"
	Damaged              Category = "damaged"
	Lost                 Category = "lost"
	NotReceivedButSigned Category = "not_received_but_signed"
	CourierAttitude      Category = "courier_attitude"
	WrongAddress         Category = "wrong_address"
	Billing              Category = "billing"
	// UnconsentedLocker: the parcel was put in a locker or station without the recipient's
	// consent (not allowed; see package requests for the consent a consignee records).
	UnconsentedLocker Category = "unconsented_locker"
	Other             Category = "other"
)

// Categories lists every category in display order.
var Categories = []Category{Delayed, Damaged, Lost, NotReceivedButSigned, CourierAttitude, WrongAddress, Billing, UnconsentedLocker, Other}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// Status is where a complaint is in its lifecycle.
type Status string

// The complaint statuses.
const (
	StatusNew             Status = "new"
	StatusAcknowledged    Status = "acknowledged"
	StatusInProgress      Status = "in_progress"
	StatusWaitingCustomer Status = "waiting_customer"
	StatusResolved        Status = "resolved"
	StatusClosed          Status = "closed"
	StatusReopened        Status = "reopened"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusNew, StatusAcknowledged, StatusInProgress, StatusWaitingCustomer, StatusResolved, StatusClosed, StatusReopened}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := transitions[s]; return ok }

// Open reports whether the complaint still needs work (not resolved, not closed).
func (s Status) Open() bool { return s != StatusResolved && s != StatusClosed }

// transitions is the lifecycle: the statuses each status may move to. closed -> reopened
// is further limited to ReopenWindow after resolution (checked by the store).
var transitions = map[Status][]Status{
	StatusNew:             {StatusAcknowledged, StatusInProgress, StatusResolved},
	StatusAcknowledged:    {StatusInProgress, StatusWaitingCustomer, StatusResolved},
	StatusInProgress:      {StatusWaitingCustomer, StatusResolved},
	StatusWaitingCustomer: {StatusInProgress, StatusResolved},
	StatusResolved:        {StatusClosed, StatusReopened},
	StatusClosed:          {StatusReopened},
	StatusReopened:        {StatusInProgress, StatusWaitingCustomer, StatusResolved},
}

// Can reports whether the lifecycle allows moving from one status to another.
func Can(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// checkMove returns nil when from -> to is allowed, else an error wrapping
// ErrIllegalTransition that names both statuses.
func checkMove(from, to Status) error {
	if Can(from, to) {
		return nil
	}
	return fmt.Errorf("%w: a %s complaint cannot become %s", ErrIllegalTransition, from, to)
}

// ReopenWindow is how long after resolution the customer may reopen, and after which a
// resolved complaint closes by itself.
const ReopenWindow = 7 * 24 * time.Hour

// Errors callers tell apart.
var (
	ErrNotFound          = errs.New(errs.NotFound, errs.KeyNotFound, "complaints: not found")
	ErrAlreadyClaimed    = errs.New(errs.Conflict, "error.desk_claimed", "complaints: already claimed")
	ErrIllegalTransition = errs.New(errs.Conflict, "error.desk_transition", "complaints: illegal status change")
	ErrReopenExpired     = errs.New(errs.Conflict, "complaint.err_reopen_expired", "complaints: the reopen window of 7 days has passed")
	ErrNotResolved       = errs.New(errs.Conflict, "complaint.err_not_resolved", "complaints: not resolved yet")
	// ErrNeedsResolution means a complaint can only become resolved through Resolve, which
	// records the root cause.
	ErrNeedsResolution = errs.New(errs.Invalid, "desk.err_needs_resolution", "complaints: resolving needs a root cause: use Resolve")
)

// Priority orders complaints by urgency: P1 is the most urgent.
type Priority string

// The priorities.
const (
	P1 Priority = "P1"
	P2 Priority = "P2"
	P3 Priority = "P3"
	P4 Priority = "P4"
)

// Priorities lists every priority, most urgent first.
var Priorities = []Priority{P1, P2, P3, P4}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p == P1 || p == P2 || p == P3 || p == P4 }

// basePriority is the priority of each category for a regular shipper. Lost parcels,
// parcels signed for but not received and damage cost the customer goods, so they come
// first; delay, address and courier conduct next; billing and the rest last.
var basePriority = map[Category]Priority{
	Lost:                 P2,
	NotReceivedButSigned: P2,
	Damaged:              P2,
	Delayed:              P3,
	WrongAddress:         P3,
	CourierAttitude:      P3,
	UnconsentedLocker:    P3,
	Billing:              P4,
	Other:                P4,
}

// PriorityFor returns the starting priority of a complaint: the category's base priority,
// one level more urgent for a key shipper, one level less for a small one (within P1..P4).
func PriorityFor(c Category, tier string) Priority {
	p, ok := basePriority[c]
	if !ok {
		p = P4
	}
	n := int(p[1] - '0')
	switch tier {
	case "key":
		n--
	case "small":
		n++
	}
	n = min(max(n, 1), 4)
	return Priority(fmt.Sprintf("P%d", n))
}

// Actor is a staff user acting on a complaint; the zero Actor is the customer or the system.
type Actor struct {
	UserID int64
	Name   string
}

// Names written in the timeline for actions without a staff user.
const (
	ActorCustomer = "customer"
	ActorSystem   = "system"
)

// Complaint is one customer complaint about one shipment.
type Complaint struct {
	ID               int64
	Ref              string // "C-4K7-M9Q-XDZ" (random, see newRef); before December 2026 "C2611-000123"
	ShipmentID       int64
	ShipperID        int64
	ConsigneeID      int64
	TrackingNo       string
	Category         Category
	Description      string
	ContactPhone     string // E.164
	Status           Status
	Priority         Priority
	AssigneeID       int64 // 0 = nobody
	AssigneeName     string
	FirstResponseDue time.Time
	ResolutionDue    time.Time // also the customer's "expected resolution time"
	FirstRespondedAt *time.Time
	ResolvedAt       *time.Time
	ClosedAt         *time.Time
	PausedSince      *time.Time // set while waiting_customer: the resolution clock is paused
	Rating           int        // 0 = not rated, else 1-5
	RootCause        string
	Department       string
	ResolutionCode   string
	CompensationFen  int64
	ShipperTier      string    // the shipper's tier, which with Priority picks the SLA policy
	ClockStart       time.Time // when the resolution clock started: filing or the last reopen
	PausedMinutes    int       // minutes (counted under the policy) the clock has been paused since ClockStart
	ReopenCount      int
	CreatedAt        time.Time
	UpdatedAt        time.Time
	ConsigneeName    string // the consignee's name (the console masks it in lists)
	// regulator is set while an appeal is registered: the regulator's transfer reopens a
	// closed complaint however long ago it was resolved (ReopenWindow is the customer's).
	regulator bool
}

// Photo is a picture attached to a complaint at filing.
type Photo struct {
	ID          int64
	Name        string
	ContentType string
	Data        []byte
}

// Filing is what the customer submits on the portal.
type Filing struct {
	ShipmentID     int64
	Category       Category
	Description    string
	ContactPhone   string
	Photos         []Photo
	IdempotencyKey string // a random token from the form: the same key files one complaint
	// PerDay, when above 0, refuses the filing (ErrTooManyFilings) when the parcel already
	// has that many complaints filed in the last 24 hours. The public form sets
	// MaxFilingsPerDay; staff tools and the demo file without it.
	PerDay int
}

// Entry is one line of a complaint's timeline.
type Entry struct {
	ID         int64
	At         time.Time
	Kind       string // see the Kind constants
	ActorName  string
	Text       string // as written (English for system lines): the fallback when Code is ""
	FromStatus Status
	ToStatus   Status
	Public     bool
	// Code names a system line (one of the Entry codes) and Data its values, so the
	// console writes it in the viewer's language; "" for people's words and old rows.
	Code string
	Data map[string]any
}

// Entry codes: the system lines of the timeline, rendered from the catalogue
// (desk.tl.CODE with Data) by the console.
const (
	CodeClaimed    = "claimed"    // Data: name
	CodeAssigned   = "assigned"   // Data: name ("" for nobody)
	CodePriority   = "priority"   // Data: from, to
	CodeResolution = "resolution" // Data: root_cause, department, code, yuan
	CodeEscalated  = "escalated"  // Data: deadline (first_response|resolution), level, names
	CodeAutoClosed = "auto_closed"
)

// Timeline entry kinds.
const (
	KindStatus          = "status"
	KindPublicReply     = "public_reply"
	KindInternalNote    = "internal_note"
	KindCustomerMessage = "customer_message"
	KindAssignment      = "assignment"
	KindEscalation      = "escalation"
	KindPriority        = "priority"
	KindRating          = "rating"
	KindResolution      = "resolution"
)
