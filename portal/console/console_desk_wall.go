package console

import (
	"net/url"
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
	Notifications notifsView
	Done          string
}

// deskHome is GET /console/desk. Changes stay listed until the user presses "seen"
// (POST /console/desk/seen): a reload never hides what they have not acted on.
func (s *handler) deskHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	me := s.CurrentUser(c)
	v := deskHomeView{Done: doneKey(c)}
	mine, err := s.deps.Complaints.Queue(ctx, complaints.Filter{Status: openStatuses, AssigneeID: me.ID, Limit: 200})
	if err != nil {
		return err
	}
	now := s.Now(c)
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
	if v.Notifications, err = s.notifications(c, me.ID); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "desk_home", v)
}

// deskSeen is POST /console/desk/seen: the changes listed up to the moment the page was
// drawn (form field "at", RFC 3339; now when missing) count as seen. Repeating it is
// harmless: the stored time never moves back.
func (s *handler) deskSeen(c *fiber.Ctx) error {
	at := s.Now(c)
	if t, err := time.Parse(time.RFC3339Nano, c.FormValue("at")); err == nil && t.Before(at) {
		at = t
	}
	if err := s.deps.Complaints.MarkSeen(c.UserContext(), s.CurrentUser(c).ID, at); err != nil {
		return err
	}
	return c.Redirect("/console/desk?done=seen", fiber.StatusSeeOther)
}

// deskRead is POST /console/desk/read: one notification (id) or all of mine read.
func (s *handler) deskRead(c *fiber.Ctx) error {
	ids := formIDs(c)
	if err := s.deps.Complaints.MarkRead(c.UserContext(), s.CurrentUser(c).ID, ids...); err != nil {
		return err
	}
	back := "/console/desk?done=read"
	for _, k := range []string{"group", "npage", "nall"} { // stay on the page and grouping read from
		if v := c.FormValue(k); v != "" {
			back += "&" + k + "=" + url.QueryEscape(v)
		}
	}
	return c.Redirect(back+"#desk-notifications", fiber.StatusSeeOther)
}

// wallView is the wallboard's data.
type wallView struct {
	complaints.Wallboard
	OldestAge *span // how long the oldest complaint awaiting a first response has waited
	Median    *span // today's median first response (nil when none yet)
	At        time.Time
	Appeals   complaints.AppealBoard // the regulator appeals' tile
}

// span is a duration in days, hours and minutes, for translated display.
type span struct{ Days, Hours, Minutes int }

// spanOf splits d, rounded to the minute.
func spanOf(d time.Duration) *span {
	m := int(d.Round(time.Minute) / time.Minute)
	return &span{Days: m / (24 * 60), Hours: m / 60 % 24, Minutes: m % 60}
}

// deskWallboard is GET /console/wallboard; the page reloads itself every 30 seconds (a
// Refresh header and <meta http-equiv>, no script needed).
func (s *handler) deskWallboard(c *fiber.Ctx) error {
	now := s.Now(c)
	w, err := s.deps.Complaints.Wallboard(c.UserContext(), now)
	if err != nil {
		return err
	}
	v := wallView{Wallboard: w, At: now}
	if v.Appeals, err = s.deps.Complaints.AppealBoard(c.UserContext(), now); err != nil {
		return err
	}
	if w.Oldest != nil {
		v.OldestAge = spanOf(now.Sub(*w.Oldest))
	}
	if w.FirstResponses > 0 {
		v.Median = spanOf(w.FirstResponseMedian)
	}
	c.Set("Refresh", "30")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "desk_wallboard", v)
}
