package portal

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
)

// deskHomeView is "my desk": my open complaints, the ones due soon, what others changed
// on mine since I last marked them seen, and my unread notifications.
type deskHomeView struct {
	Mine          []deskRow
	DueSoon       []deskRow
	Changes       []complaints.DeskChange
	Since         time.Time // zero: never marked
	Notifications []complaints.Notification
	Done          string
}

// deskHome is GET /console/desk. Changes stay listed until the user presses "seen"
// (POST /console/desk/seen): a reload never hides what they have not acted on.
func (s *Server) deskHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	me := s.currentUser(c)
	v := deskHomeView{Done: doneKey(c)}
	mine, err := s.deps.Complaints.Queue(ctx, complaints.Filter{Status: openStatuses, AssigneeID: me.ID, Limit: 200})
	if err != nil {
		return err
	}
	now := time.Now()
	for _, cp := range mine {
		r := rowOf(cp, now, me.ID)
		v.Mine = append(v.Mine, r)
		if r.SLA != complaints.SLAOk {
			v.DueSoon = append(v.DueSoon, r)
		}
	}
	if v.Since, err = s.deps.Complaints.LastSeen(ctx, me.ID); err != nil {
		return err
	}
	if v.Changes, err = s.deps.Complaints.ChangedSince(ctx, me.ID, v.Since); err != nil {
		return err
	}
	if v.Notifications, err = s.deps.Complaints.Notifications(ctx, me.ID, true); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, "desk_home", v)
}

// deskSeen is POST /console/desk/seen: the changes listed up to the moment the page was
// drawn (form field "at", RFC 3339; now when missing) count as seen. Repeating it is
// harmless: the stored time never moves back.
func (s *Server) deskSeen(c *fiber.Ctx) error {
	at := time.Now()
	if t, err := time.Parse(time.RFC3339Nano, c.FormValue("at")); err == nil && t.Before(at) {
		at = t
	}
	if err := s.deps.Complaints.MarkSeen(c.UserContext(), s.currentUser(c).ID, at); err != nil {
		return err
	}
	return c.Redirect("/console/desk?done=seen", fiber.StatusSeeOther)
}

// deskRead is POST /console/desk/read: one notification (id) or all of mine read.
func (s *Server) deskRead(c *fiber.Ctx) error {
	ids := formIDs(c)
	if err := s.deps.Complaints.MarkRead(c.UserContext(), s.currentUser(c).ID, ids...); err != nil {
		return err
	}
	return c.Redirect("/console/desk?done=read", fiber.StatusSeeOther)
}

// wallView is the wallboard's data.
type wallView struct {
	complaints.Wallboard
	OldestAge string // how long the oldest waiting complaint has waited ("3h 05m")
	Median    string
	At        time.Time
}

// span writes a duration as days, hours and minutes ("1d 3h", "2h 05m").
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if h >= 24 {
		return fmt.Sprintf("%dd %dh", h/24, h%24)
	}
	return fmt.Sprintf("%dh %02dm", h, m)
}

// deskWallboard is GET /console/wallboard; the page reloads itself every 30 seconds (a
// Refresh header and <meta http-equiv>, no script needed).
func (s *Server) deskWallboard(c *fiber.Ctx) error {
	now := time.Now()
	w, err := s.deps.Complaints.Wallboard(c.UserContext(), now)
	if err != nil {
		return err
	}
	v := wallView{Wallboard: w, At: now}
	if w.Oldest != nil {
		v.OldestAge = span(now.Sub(*w.Oldest))
	}
	if w.FirstResponses > 0 {
		v.Median = span(w.FirstResponseMedian)
	}
	c.Set("Refresh", "30")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, "desk_wallboard", v)
}
