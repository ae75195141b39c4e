package console

// The supervisor's notifications on my desk: paged, grouped by day or by complaint, each
// linking to what it is about; opening the link marks it read.
//
//	GET /console/desk?group=day|complaint&npage=N&nall=1   (part of my desk)
//	GET /console/notifications/:id                        mark read, go to its target

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
	"lcrm/portal/web"
)

// notifPageSize is how many notifications one page of my desk lists.
const notifPageSize = 20

// notifView is one notification as the desk lists it.
type notifView struct {
	complaints.Notification
	Href string // where it is about ("" for nothing in particular)
	Old  string // an old row's text in the viewer's language (no Data)
}

// notifGroup is notifications of one day or one complaint.
type notifGroup struct {
	Day   time.Time // grouping by day: the day (in the console's zone)
	Ref   string    // grouping by complaint: its reference ("" for the group of none)
	Href  string
	Items []notifView
}

// notifsView is the notifications section of my desk.
type notifsView struct {
	Groups     []notifGroup
	Group      string // "day" or "complaint"
	All        bool   // read ones too
	Page       int
	More       bool
	Unread     int
	Shown      int
	PrevURL    string
	NextURL    string
	DayURL     string
	ByComplURL string
	AllURL     string
}

// notifTarget is the console page a notification is about.
func notifTarget(n complaints.Notification) string {
	switch {
	case n.ComplaintID != 0:
		return "/console/complaints/" + strconv.FormatInt(n.ComplaintID, 10)
	case n.Kind == "slow_signoff":
		return "/console/watch"
	case n.Kind == "webhook_disabled":
		if code, ok := n.Data["shipper"].(string); ok {
			return "/console/customers?q=" + url.QueryEscape(code)
		}
	}
	return ""
}

// oldText is the text of a notification written before notifications carried data: those
// were "中文 / English" in one line; the viewer gets their half.
func oldText(text, lang string) string {
	zh, en, ok := strings.Cut(text, " / ")
	switch {
	case !ok:
		return text
	case lang == "en":
		return en
	}
	return zh
}

// notifications reads my desk's notifications section from the query (?group, ?npage, ?nall).
func (s *handler) notifications(c *fiber.Ctx, userID int64) (notifsView, error) {
	v := notifsView{Group: "day", All: c.Query("nall") == "1"}
	if c.Query("group") == "complaint" {
		v.Group = "complaint"
	}
	v.Page, _ = strconv.Atoi(c.Query("npage"))
	v.Page = max(v.Page, 0)
	p, err := s.deps.Complaints.NotificationsPage(c.UserContext(), userID, !v.All, v.Page, notifPageSize)
	if err != nil {
		return v, err
	}
	v.More, v.Unread, v.Shown = p.More, p.Unread, len(p.Items)
	link := func(group string, page int, all bool) string {
		q := url.Values{}
		if group != "day" {
			q.Set("group", group)
		}
		if page > 0 {
			q.Set("npage", strconv.Itoa(page))
		}
		if all {
			q.Set("nall", "1")
		}
		if len(q) == 0 {
			return "/console/desk#desk-notifications"
		}
		return "/console/desk?" + q.Encode() + "#desk-notifications"
	}
	if v.Page > 0 {
		v.PrevURL = link(v.Group, v.Page-1, v.All)
	}
	if v.More {
		v.NextURL = link(v.Group, v.Page+1, v.All)
	}
	v.DayURL, v.ByComplURL, v.AllURL = link("day", 0, v.All), link("complaint", 0, v.All), link(v.Group, 0, !v.All)
	lang, zone := s.Lang(c), s.Zone()
	index := map[string]int{}
	for _, n := range p.Items {
		nv := notifView{Notification: n, Href: notifTarget(n)}
		if len(n.Data) == 0 {
			nv.Old = oldText(n.Text, lang)
		}
		key, g := "", notifGroup{}
		if v.Group == "complaint" {
			key, g.Ref, g.Href = n.ComplaintRef, n.ComplaintRef, nv.Href
			if n.ComplaintID == 0 {
				key, g.Href = "", ""
			}
		} else {
			d := n.CreatedAt.In(zone)
			g.Day = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, zone)
			key = g.Day.Format(time.DateOnly)
		}
		i, ok := index[key]
		if !ok {
			i = len(v.Groups)
			index[key] = i
			v.Groups = append(v.Groups, g)
		}
		v.Groups[i].Items = append(v.Groups[i].Items, nv)
	}
	return v, nil
}

// openNotification is GET /console/notifications/:id: reading a notification is opening
// its link, so this marks it read (once; again is harmless) and goes where it is about.
// Another user's notification is a 404.
func (s *handler) openNotification(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return &web.Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "error.not_found"}
	}
	n, err := s.deps.Complaints.OpenNotification(c.UserContext(), s.CurrentUser(c).ID, id)
	if err != nil {
		return err
	}
	to := notifTarget(n)
	if to == "" {
		to = "/console/desk?done=read#desk-notifications"
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(to, fiber.StatusSeeOther)
}
