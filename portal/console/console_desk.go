package console

// The complaint desk of the staff console (agent and up, narrowed per action):
//
//	GET  /console/queue                     filtered queue, nearest deadline first
//	POST /console/queue/assign              bulk assign (supervisor+)
//	GET  /console/desk                      my open complaints, due soon, changes, notifications
//	POST /console/desk/seen                 "I have seen the changes" (stores the time)
//	POST /console/desk/read                 mark notifications read (one or all)
//	GET  /console/complaints/:id            detail with actions (console_desk_complaint.go)
//	GET  /console/wallboard                 figures for the wall screen (console_desk_wall.go)

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/portal/web"
)

// deadline is one SLA deadline as the console shows it.
type deadline struct {
	Due   time.Time
	Used  int    // percent of the window used (met deadlines: at the moment they were met)
	State string // "ok", "soon" (>= 80 %), "breached", "met", "late" (met after the deadline), "paused"
}

// deskRow is a complaint with its deadlines, ready for a list.
type deskRow struct {
	complaints.Complaint
	Masked                 string // the consignee's name, masked for lists
	SLA                    string // complaints.SLAState's overall state
	FirstDue, ResolveDue   deadline
	Mine, Unclaimed, Stale bool
	Appeal                 *complaints.Appeal // the regulator appeal, on the queue (markAppeals)
}

// running is the state of a deadline still running at share used.
func running(used float64) string {
	switch {
	case used >= 1:
		return "breached"
	case used >= complaints.DueSoonShare:
		return "soon"
	}
	return "ok"
}

// finished is the state of a deadline that stopped at share used.
func finished(used float64) string {
	if used >= 1 {
		return "late"
	}
	return "met"
}

// rowOf prepares a complaint for the queue and desk lists at now, for the viewer me.
func rowOf(c complaints.Complaint, now time.Time, me int64) deskRow {
	state, first, res := complaints.SLAState(&c, now)
	r := deskRow{Complaint: c, Masked: customers.MaskName(c.ConsigneeName), SLA: state,
		Mine: c.AssigneeID == me && me != 0, Unclaimed: c.AssigneeID == 0}
	r.FirstDue = deadline{Due: c.FirstResponseDue, Used: pct(first), State: running(first)}
	if c.FirstRespondedAt != nil || !c.Status.Open() {
		r.FirstDue.State = finished(first)
	}
	r.ResolveDue = deadline{Due: c.ResolutionDue, Used: pct(res), State: running(res)}
	switch {
	case !c.Status.Open():
		r.ResolveDue.State = finished(res)
	case c.PausedSince != nil:
		r.ResolveDue.State = "paused"
	}
	return r
}

// pct turns a share into a whole percent, from 0 to 999 (a complaint months overdue
// says "999 %" rather than a six-digit number).
func pct(share float64) int { return min(max(int(share*100), 0), 999) }

// openStatuses are the statuses of complaints still needing work.
var openStatuses = []complaints.Status{complaints.StatusNew, complaints.StatusAcknowledged,
	complaints.StatusInProgress, complaints.StatusWaitingCustomer, complaints.StatusReopened}

// queueForm is the queue's filter as typed (kept to redraw the form).
type queueForm struct {
	Status, Priority, Assignee, Category, SLA string
	Appeal                                    string // "1": regulator appeals only
	Q                                         string // the search box (complaints.Filter.Text)
}

// filter turns the form into a complaints.Filter for viewer me; unknown values are
// ignored (the form only offers known ones).
func (f queueForm) filter(me int64) complaints.Filter {
	var out complaints.Filter
	if st := complaints.Status(f.Status); st.Valid() {
		out.Status = []complaints.Status{st}
	} else if f.Status == "open" {
		out.Status = openStatuses
	}
	if p := complaints.Priority(f.Priority); p.Valid() {
		out.Priority = []complaints.Priority{p}
	}
	switch f.Assignee {
	case "me":
		out.AssigneeID = me
	case "unassigned":
		out.AssigneeID = -1
	default:
		if id, err := strconv.ParseInt(f.Assignee, 10, 64); err == nil && id > 0 {
			out.AssigneeID = id
		}
	}
	if cat := complaints.Category(f.Category); cat.Valid() {
		out.Category = cat
	}
	switch f.SLA {
	case complaints.SLAOk, complaints.SLADueSoon, complaints.SLABreached:
		out.SLA = f.SLA
	}
	out.Appeal = f.Appeal == "1"
	out.Text = f.Q
	out.Limit = queueLimit
	return out
}

// queueLimit is how many rows the queue page shows; past it the page asks for a narrower
// filter rather than drawing thousands of rows.
const queueLimit = 200

// queueView is the queue page's data.
type queueView struct {
	Form       queueForm
	Rows       []deskRow
	Staff      []accounts.User // for the assignee filter and bulk assign
	Statuses   []complaints.Status
	Priorities []complaints.Priority
	Categories []complaints.Category
	CanAssign  bool
	Full       bool // queueLimit rows: there may be more
	Done       string
	Badges     map[int64]*queueBadge // complaints a disruption tagged (console_disruptions.go)
}

// deskDone are the confirmations a redirect may ask a page to show (?done=).
var deskDone = map[string]bool{"claimed": true, "assigned": true, "status": true, "reply": true, "reply_sms": true,
	"resolved": true, "priority": true, "seen": true, "read": true,
	"appeal": true, "appeal_again": true, "formal_reply": true, "verdict": true}

// doneKey returns the message key of ?done=, or "".
func doneKey(c *fiber.Ctx) string {
	if d := c.Query("done"); deskDone[d] {
		return "desk.done_" + d
	}
	return ""
}

// staffList returns the active staff users (for assignee pickers).
func (s *handler) staffList(c *fiber.Ctx) ([]accounts.User, error) {
	all, err := s.deps.Accounts.ListUsers(c.UserContext())
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, u := range all {
		if u.Active && u.Role != accounts.RoleShipper {
			out = append(out, u)
		}
	}
	return out, nil
}

// deskQueue is GET /console/queue: one query for the rows (assignee, tracking number and
// customer come joined), the deadlines computed in Go.
func (s *handler) deskQueue(c *fiber.Ctx) error {
	me := s.CurrentUser(c)
	form := queueForm{Status: c.Query("status", "open"), Priority: c.Query("priority"), Assignee: c.Query("assignee"),
		Category: c.Query("category"), SLA: c.Query("sla"), Appeal: c.Query("appeal"), Q: limitText(c.Query("q"), 100)}
	list, err := s.deps.Complaints.Queue(c.UserContext(), form.filter(me.ID))
	if err != nil {
		return err
	}
	v := queueView{Form: form, Statuses: complaints.Statuses, Priorities: complaints.Priorities,
		Categories: complaints.Categories, CanAssign: me.Role.AtLeast(accounts.RoleSupervisor), Done: doneKey(c)}
	now := s.Now(c)
	for _, cp := range list {
		v.Rows = append(v.Rows, rowOf(cp, now, me.ID))
	}
	v.Full = len(v.Rows) >= queueLimit
	if err := s.markAppeals(c, v.Rows); err != nil {
		return err
	}
	if v.Badges, err = s.queueBadges(c, list, now); err != nil {
		return err
	}
	if v.Staff, err = s.staffList(c); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "desk_queue", v)
}

// limitText is s trimmed and cut to n characters (a search box's input).
func limitText(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n])
	}
	return s
}

// formIDs reads the repeated id fields of a form.
func formIDs(c *fiber.Ctx) []int64 {
	var ids []int64
	for _, raw := range c.Context().PostArgs().PeekMulti("id") {
		if id, err := strconv.ParseInt(string(raw), 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// actor is the logged-in user as a complaints.Actor.
func (s *handler) actor(c *fiber.Ctx) complaints.Actor {
	u := s.CurrentUser(c)
	return complaints.Actor{UserID: u.ID, Name: u.Name}
}

// deskBulkAssign is POST /console/queue/assign (supervisor+): the ticked complaints go to
// one staff user (0: nobody), all or none. Assigning again to the same user changes nothing.
func (s *handler) deskBulkAssign(c *fiber.Ctx) error {
	ids := formIDs(c)
	to, err := strconv.ParseInt(c.FormValue("assignee"), 10, 64)
	if err != nil || to < 0 || len(ids) == 0 {
		return &web.Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Message: "error.desk_assign"}
	}
	if err := s.deps.Complaints.Assign(c.UserContext(), ids, to, s.actor(c)); err != nil {
		return deskError(err)
	}
	return c.Redirect("/console/queue?done=assigned", fiber.StatusSeeOther)
}

// Yuan is the compensation in yuan with two decimals.
func (r deskRow) Yuan() string {
	return strconv.FormatInt(r.CompensationFen/100, 10) + "." + fmt.Sprintf("%02d", r.CompensationFen%100)
}
