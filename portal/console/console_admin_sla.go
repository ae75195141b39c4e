package console

// Admin: the SLA policy table (priority x tier), business hours per weekday and holidays.
// The complaints package stores and audits every change; these handlers parse and render.

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/errs"
)

// adminActor is the logged-in admin as the complaints package records them.
func (s *handler) adminActor(c *fiber.Ctx) complaints.Actor {
	u := s.CurrentUser(c)
	return complaints.Actor{UserID: u.ID, Name: u.Name}
}

// hoursRow is one weekday's opening hours as the form shows them ("" = closed).
type hoursRow struct {
	Day           int
	Opens, Closes string
}

// adminClock formats an offset from midnight as HH:MM.
func adminClock(d time.Duration) string {
	return adminTwoDigits(int(d.Hours())) + ":" + adminTwoDigits(int(d.Minutes())%60)
}

func adminTwoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// adminParseClock reads "HH:MM" (as <input type="time"> sends it) as an offset from midnight.
func adminParseClock(s string) (time.Duration, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 {
		return 0, false
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}

// slaPage shows the policy table, the week's hours and the holidays.
func (s *handler) slaPage(c *fiber.Ctx, status int, errKey string) error {
	ctx := c.UserContext()
	policies, err := s.deps.Complaints.Policies(ctx)
	if err != nil {
		return err
	}
	cal, err := s.deps.Complaints.Calendar(ctx)
	if err != nil {
		return err
	}
	hours := make([]hoursRow, 0, 7)
	for i := 1; i <= 7; i++ { // Monday first, Sunday last
		d := time.Weekday(i % 7)
		row := hoursRow{Day: int(d)}
		if sp, ok := cal.Hours[d]; ok {
			row.Opens, row.Closes = adminClock(sp.Opens), adminClock(sp.Closes)
		}
		hours = append(hours, row)
	}
	holidays := make([]string, 0, len(cal.Holidays))
	for d := range cal.Holidays {
		holidays = append(holidays, d)
	}
	sort.Strings(holidays)
	c.Status(status)
	return s.Render(c, "admin_sla", fiber.Map{"Policies": policies, "Hours": hours, "Holidays": holidays,
		"Priorities": []complaints.Priority{complaints.P1, complaints.P2, complaints.P3, complaints.P4},
		"Tiers":      []customers.Tier{customers.TierKey, customers.TierRegular, customers.TierSmall},
		"Err":        errKey, "Done": c.Query("done")})
}

// errHolidayName is a holiday without a name or with one over 100 characters.
var errHolidayName = errs.New(errs.Invalid, "admin.err_holiday", "portal: a holiday needs a name of at most 100 characters")

// refused re-renders the SLA page for a validation error, or passes other errors on.
func (s *handler) slaRefused(c *fiber.Ctx, err error, key string) error {
	var ve *errs.ValidationError
	if errors.As(err, &ve) {
		return s.slaPage(c, fiber.StatusUnprocessableEntity, key)
	}
	return err
}

// savePolicy stores one cell of the policy table (upsert: a retry stores the same).
func (s *handler) savePolicy(c *fiber.Ctx) error {
	fr, err1 := strconv.Atoi(c.FormValue("first_response_minutes"))
	res, err2 := strconv.Atoi(c.FormValue("resolution_minutes"))
	if err1 != nil || err2 != nil {
		return s.slaPage(c, fiber.StatusUnprocessableEntity, "admin.err_policy")
	}
	p := complaints.Policy{Priority: complaints.Priority(c.FormValue("priority")), Tier: c.FormValue("tier"),
		FirstResponseMinutes: fr, ResolutionMinutes: res, BusinessHoursOnly: c.FormValue("business_hours_only") == "1"}
	if err := s.deps.Complaints.SavePolicy(c.UserContext(), p, s.adminActor(c)); err != nil {
		return s.slaRefused(c, err, "admin.err_policy")
	}
	return c.Redirect("/console/admin/sla?done=policy", fiber.StatusSeeOther)
}

// saveHours sets one weekday's opening hours; "closed" (or empty times) closes the day.
func (s *handler) saveHours(c *fiber.Ctx) error {
	day, err := strconv.Atoi(c.FormValue("day"))
	if err != nil || day < 0 || day > 6 {
		return s.slaPage(c, fiber.StatusUnprocessableEntity, "admin.err_hours")
	}
	var sp complaints.Span // zero: closed
	if c.FormValue("closed") != "1" {
		opens, ok1 := adminParseClock(c.FormValue("opens"))
		closes, ok2 := adminParseClock(c.FormValue("closes"))
		if !ok1 || !ok2 || closes <= opens {
			return s.slaPage(c, fiber.StatusUnprocessableEntity, "admin.err_hours")
		}
		sp = complaints.Span{Opens: opens, Closes: closes}
	}
	if err := s.deps.Complaints.SetBusinessHours(c.UserContext(), time.Weekday(day), sp, s.adminActor(c)); err != nil {
		return err
	}
	return c.Redirect("/console/admin/sla?done=hours", fiber.StatusSeeOther)
}

// saveHoliday adds (or renames) a holiday; remove=1 removes it.
func (s *handler) saveHoliday(c *fiber.Ctx) error {
	day, err := time.ParseInLocation(time.DateOnly, c.FormValue("day"), s.deps.Complaints.Location())
	name := strings.TrimSpace(c.FormValue("name"))
	if c.FormValue("remove") == "1" {
		name = ""
	} else if name == "" || len([]rune(name)) > 100 {
		err = errHolidayName
	}
	if err != nil {
		return s.slaPage(c, fiber.StatusUnprocessableEntity, "admin.err_holiday")
	}
	if err := s.deps.Complaints.SetHoliday(c.UserContext(), day, name, s.adminActor(c)); err != nil {
		return err
	}
	return c.Redirect("/console/admin/sla?done=holiday", fiber.StatusSeeOther)
}
