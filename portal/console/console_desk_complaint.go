package console

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/notify"
	"lcrm/portal/web"
	"lcrm/shipments"
)

// detailView is the complaint detail page's data.
type detailView struct {
	Row          deskRow
	Ship         *shipments.Detail
	Requests     []requestRow // the parcel's delivery requests (console_requests.go)
	Entries      []complaints.Entry
	Photos       []complaints.Photo
	Contacts     []customers.Contact // the contact log about this complaint
	SMS          []notify.Record     // the SMS about this complaint (with Deps.Notify)
	CanSMS       bool                // a public reply may also go by SMS (Deps.Notify set)
	Canned       []cannedOption
	CannedID     int64
	Reply        string // the reply box: what was typed, or a canned reply filled in
	ReplyPublic  bool
	Next         []complaints.Status // statuses the lifecycle allows next (resolving has its form)
	Staff        []accounts.User
	CanWork      bool // may reply publicly, change status, resolve (assignee or supervisor+)
	CanSupervise bool
	CanClaim     bool
	RootCauses   []string
	Codes        []string
	Priorities   []complaints.Priority
	Resolve      resolveForm
	Done         string
	// What went wrong with the last action: a message key, or one of the structured
	// problems below (shown with their data).
	Problem   string
	ClaimedBy string
	From, To  complaints.Status
	Fields    []errs.FieldError
	// The customer card's personal data, masked unless this user revealed it (console_reveal.go).
	Phone, ContactPhone, Address piiValue
	Appeal                       appealView // the regulator appeal's section (console_appeals.go)
	// Others are the other staff users who have this complaint open (complaints.Present);
	// Seen is the newest timeline entry drawn, carried by the reply form; Crossed are the
	// entries a reply would have crossed (it was not sent: the page asks again).
	Others  []complaints.Viewer
	Seen    int64
	Crossed []complaints.Entry
}

// cannedOption is a canned reply with its placeholders filled for this complaint.
type cannedOption struct {
	ID            int64
	Title, Filled string
}

// resolveForm is the resolve form as typed.
type resolveForm struct {
	RootCause, Department, Code, Compensation, Note string
}

// complaintID reads :id; a malformed one is a 404.
func complaintID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &web.Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "error.not_found"}
	}
	return id, nil
}

// deskError maps the complaints package's errors to what the console shows. Their kinds
// and keys say it (web's kinds and keys tables), except that resolving without a
// resolution is told as a refused status change.
func deskError(err error) error {
	if errors.Is(err, complaints.ErrNeedsResolution) {
		return &web.Error{Status: fiber.StatusConflict, Code: "illegal_transition", Message: "error.desk_transition"}
	}
	return err
}

// loadComplaint reads :id's complaint.
func (s *handler) loadComplaint(c *fiber.Ctx) (*complaints.Complaint, error) {
	id, err := complaintID(c)
	if err != nil {
		return nil, err
	}
	cp, err := s.deps.Complaints.ByID(c.UserContext(), id)
	if err != nil {
		return nil, deskError(err)
	}
	return cp, nil
}

// deskComplaint is GET /console/complaints/:id. ?canned=ID fills the reply box with that
// canned reply (the select works without JavaScript).
func (s *handler) deskComplaint(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	v := detailView{Done: doneKey(c)}
	if id, err := strconv.ParseInt(c.Query("canned"), 10, 64); err == nil {
		v.CannedID = id
	}
	return s.showComplaint(c, cp, fiber.StatusOK, &v)
}

// showComplaint draws the detail page of cp with v's messages and typed values.
func (s *handler) showComplaint(c *fiber.Ctx, cp *complaints.Complaint, status int, v *detailView) error {
	ctx := c.UserContext()
	me := s.CurrentUser(c)
	var err error
	if v.Ship, err = s.deps.Shipments.Get(ctx, cp.TrackingNo); err != nil {
		return err
	}
	if v.Requests, err = s.parcelRequests(c, v.Ship.ID); err != nil {
		return err
	}
	if v.Entries, err = s.deps.Complaints.Timeline(ctx, cp.ID, true); err != nil {
		return err
	}
	for _, e := range v.Entries {
		v.Seen = max(v.Seen, e.ID)
	}
	if v.Others, err = s.deps.Complaints.Present(ctx, cp.ID, me.ID); err != nil {
		return err
	}
	if v.Photos, err = s.deps.Complaints.PhotoList(ctx, cp.ID); err != nil {
		return err
	}
	if s.deps.Customers != nil {
		if v.Contacts, err = s.deps.Customers.Contacts(ctx, customers.ContactFilter{ComplaintID: cp.ID}, 20); err != nil {
			return err
		}
	}
	if v.SMS, err = s.smsHistory(c, cp.ID); err != nil {
		return err
	}
	if err := s.complaintPII(c, cp, v); err != nil {
		return err
	}
	if err := s.appealSection(c, cp, v); err != nil {
		return err
	}
	v.CanSMS = s.deps.Notify != nil
	canned, err := s.deps.Complaints.Canned(ctx, cp.Category, s.Lang(c))
	if err != nil {
		return err
	}
	vars := complaints.CannedVars(cp, v.Ship.Consignee.Name)
	for _, r := range canned {
		o := cannedOption{ID: r.ID, Title: r.Title, Filled: complaints.RenderCanned(r.Body, vars)}
		v.Canned = append(v.Canned, o)
		if r.ID == v.CannedID && v.Reply == "" {
			v.Reply = o.Filled
		}
	}
	v.Row = rowOf(*cp, s.Now(c), me.ID)
	v.CanWork, v.CanSupervise = complaints.MayWork(me.ID, me.Role, cp) == nil, me.Role.AtLeast(accounts.RoleSupervisor)
	v.CanClaim = cp.AssigneeID == 0
	for _, to := range complaints.Statuses {
		if to != complaints.StatusResolved && complaints.Can(cp.Status, to) {
			v.Next = append(v.Next, to)
		}
	}
	if v.CanSupervise {
		if v.Staff, err = s.staffList(c); err != nil {
			return err
		}
	}
	v.RootCauses, v.Codes, v.Priorities = complaints.RootCauses, complaints.ResolutionCodes, complaints.Priorities
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(status)
	return s.Render(c, "desk_complaint", v)
}

// actionFailed redraws the detail page with what went wrong: domain refusals a person can
// act on become a message on the page; anything else goes to the error handler.
func (s *handler) actionFailed(c *fiber.Ctx, cp *complaints.Complaint, err error, v detailView) error {
	var ve *errs.ValidationError
	var crossed *complaints.CrossedError
	status := fiber.StatusConflict
	switch {
	case errors.Is(err, complaints.ErrAlreadyClaimed):
		// Read again: the name of whoever holds it now.
		if now, rerr := s.deps.Complaints.ByID(c.UserContext(), cp.ID); rerr == nil {
			cp = now
		}
		v.ClaimedBy = cp.AssigneeName
	case errors.Is(err, complaints.ErrIllegalTransition):
		if now, rerr := s.deps.Complaints.ByID(c.UserContext(), cp.ID); rerr == nil {
			cp = now
		}
		v.From, v.To = cp.Status, complaints.Status(c.FormValue("to"))
		if v.To == "" {
			v.To = complaints.StatusResolved
		}
	case errors.Is(err, complaints.ErrReopenExpired):
		v.Problem = "desk.err_reopen_expired"
	case errors.Is(err, complaints.ErrNeedsResolution):
		v.Problem = errs.KeyOf(err)
	case errors.As(err, &crossed):
		v.Crossed = crossed.Entries
	case errors.As(err, &ve):
		status, v.Fields, v.Problem = fiber.StatusUnprocessableEntity, ve.Fields, "desk.err_invalid"
	default:
		return deskError(err)
	}
	return s.showComplaint(c, cp, status, &v)
}

// backTo is where an action returns: the detail page with a confirmation.
func backTo(c *fiber.Ctx, id int64, done string) error {
	return c.Redirect("/console/complaints/"+strconv.FormatInt(id, 10)+"?done="+done, fiber.StatusSeeOther)
}

// deskClaim is POST /console/complaints/:id/claim: of two agents claiming at once exactly
// one wins; the other sees who has it. Claiming one's own complaint again is fine.
func (s *handler) deskClaim(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	if err := s.deps.Complaints.Claim(c.UserContext(), cp.ID, s.actor(c)); err != nil {
		return s.actionFailed(c, cp, err, detailView{})
	}
	if c.FormValue("back") == "queue" {
		return c.Redirect("/console/queue?done=claimed", fiber.StatusSeeOther)
	}
	return backTo(c, cp.ID, "claimed")
}

// deskStatus is POST /console/complaints/:id/status (to=STATUS). Who may is the domain's
// rule (complaints.MayWork, 403 here), as is an unknown status (422).
func (s *handler) deskStatus(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	to := complaints.Status(c.FormValue("to"))
	if err := s.deps.Complaints.Transition(c.UserContext(), cp.ID, to, s.actor(c)); err != nil {
		return s.actionFailed(c, cp, err, detailView{})
	}
	return backTo(c, cp.ID, "status")
}

// deskReply is POST /console/complaints/:id/reply: an internal note (any staff) or a
// public reply (assignee or supervisor+: complaints.MayWork, 403 here), which the
// customer's progress page shows. When another agent replied (or the customer wrote)
// after the page was drawn, it answers 409 with the page showing what is new and the
// typed reply kept: sending again sends it.
func (s *handler) deskReply(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	public := c.FormValue("public") == "1"
	text := c.FormValue("text")
	// seen is the newest entry the page showed: a reply crossing someone else's since is
	// not sent but shown again with theirs (complaints.ReplyAfter). A form without it (an
	// old page, a script) is not checked.
	seen, err := strconv.ParseInt(c.FormValue("seen"), 10, 64)
	if err != nil || seen < 0 {
		seen = -1
	}
	e, err := s.deps.Complaints.ReplyAfter(c.UserContext(), cp.ID, s.actor(c), text, public, seen)
	if err != nil {
		return s.actionFailed(c, cp, err, detailView{Reply: text, ReplyPublic: public})
	}
	if public && c.FormValue("sms") == "1" && s.deps.Notify != nil {
		if err := s.smsReply(c, cp, e); err != nil {
			return err
		}
		return backTo(c, cp.ID, "reply_sms")
	}
	return backTo(c, cp.ID, "reply")
}

// parseYuan reads an amount in yuan ("12", "12.5", "12.50") as fen; "" is 0.
func parseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e9 || math.IsNaN(f) {
		return 0, false
	}
	return int64(math.Round(f * 100)), true
}

// deskResolve is POST /console/complaints/:id/resolve: root cause, department, resolution
// code and optional compensation are required by the domain; the note goes to the customer.
// Who may is the domain's rule (complaints.MayWork, 403 here).
func (s *handler) deskResolve(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	f := resolveForm{RootCause: c.FormValue("root_cause"), Department: c.FormValue("department"),
		Code: c.FormValue("code"), Compensation: c.FormValue("compensation"), Note: c.FormValue("note")}
	fen, ok := parseYuan(f.Compensation)
	if !ok {
		ve := &errs.ValidationError{}
		ve.AddKey("compensation", "field.desk_amount", nil)
		return s.actionFailed(c, cp, ve, detailView{Resolve: f})
	}
	r := complaints.Resolution{RootCause: f.RootCause, Department: f.Department, Code: f.Code, Note: f.Note, CompensationFen: fen}
	if err := s.deps.Complaints.Resolve(c.UserContext(), cp.ID, s.actor(c), r); err != nil {
		return s.actionFailed(c, cp, err, detailView{Resolve: f})
	}
	return backTo(c, cp.ID, "resolved")
}

// deskPriority is POST /console/complaints/:id/priority (supervisor+).
func (s *handler) deskPriority(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	if err := s.deps.Complaints.SetPriority(c.UserContext(), cp.ID, complaints.Priority(c.FormValue("priority")), s.actor(c)); err != nil {
		return s.actionFailed(c, cp, err, detailView{})
	}
	return backTo(c, cp.ID, "priority")
}

// deskAssign is POST /console/complaints/:id/assign (supervisor+; assignee 0: nobody).
func (s *handler) deskAssign(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	to, err := strconv.ParseInt(c.FormValue("assignee"), 10, 64)
	if err != nil || to < 0 {
		ve := &errs.ValidationError{}
		ve.AddKey("assignee", "field.desk_assignee", nil)
		return s.actionFailed(c, cp, ve, detailView{})
	}
	if err := s.deps.Complaints.Assign(c.UserContext(), []int64{cp.ID}, to, s.actor(c)); err != nil {
		return s.actionFailed(c, cp, err, detailView{})
	}
	return backTo(c, cp.ID, "assigned")
}

// deskPhoto serves a complaint's photo to staff.
func (s *handler) deskPhoto(c *fiber.Ctx) error {
	id, err := complaintID(c)
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(c.Params("pid"), 10, 64)
	if err != nil {
		return &web.Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "error.not_found"}
	}
	p, err := s.deps.Complaints.Photo(c.UserContext(), id, pid)
	if err != nil {
		return deskError(err)
	}
	c.Set(fiber.HeaderContentType, p.ContentType)
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return c.Send(p.Data)
}

// presenceJSON is GET /console/complaints/:id/presence: desk.js calls it every
// complaints.PresenceTTL/3 while the page is open, which keeps this user present and
// returns who else has the complaint open.
func (s *handler) presenceJSON(c *fiber.Ctx) error {
	id, err := complaintID(c)
	if err != nil {
		return err
	}
	others, err := s.deps.Complaints.Present(c.UserContext(), id, s.CurrentUser(c).ID)
	if err != nil {
		return err
	}
	names := make([]string, len(others))
	for i, o := range others {
		names[i] = o.Name
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"others": names})
}
