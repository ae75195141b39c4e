package console

// Disruption mode (supervisor and up):
//
//	GET  /console/disruptions           the list (newest window first) and the declare form
//	POST /console/disruptions           declare (a nonce makes a double submit one disruption)
//	GET  /console/disruptions/:id       one disruption: its short report, the edit form, "end now"
//	POST /console/disruptions/:id       edit (audited with before and after)
//	POST /console/disruptions/:id/end   end now (audited)
//
// Times in the forms are local times of the configured zone (datetime-local inputs).

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
	"lcrm/disruptions"
	"lcrm/internal/errs"
	"lcrm/portal/web"
)

// disruptionForm is the declare / edit form as typed, kept to redraw it.
type disruptionForm struct {
	Provinces, Cities  string
	IncludeOrigin      bool
	StartsAt, EndsAt   string // "2006-01-02T15:04" in the zone
	Reason             string
	NoticeZH, NoticeEN string
	Nonce              string
}

const localMinute = "2006-01-02T15:04"

// formOf fills the form from a stored disruption (the edit page).
func (s *handler) formOf(d *disruptions.Disruption) disruptionForm {
	return disruptionForm{Provinces: strings.Join(d.Provinces, "、"), Cities: strings.Join(d.Cities, "、"),
		IncludeOrigin: d.IncludeOrigin, StartsAt: d.StartsAt.In(s.cfg.Zone).Format(localMinute),
		EndsAt: d.EndsAt.In(s.cfg.Zone).Format(localMinute), Reason: string(d.Reason), NoticeZH: d.NoticeZH, NoticeEN: d.NoticeEN}
}

// readDisruptionForm reads the posted form; times that are not times stay zero, so the
// store reports them as missing.
func (s *handler) readDisruptionForm(c *fiber.Ctx) (disruptionForm, disruptions.Input) {
	f := disruptionForm{Provinces: c.FormValue("provinces"), Cities: c.FormValue("cities"),
		IncludeOrigin: c.FormValue("include_origin") != "", StartsAt: strings.TrimSpace(c.FormValue("starts_at")),
		EndsAt: strings.TrimSpace(c.FormValue("ends_at")), Reason: c.FormValue("reason"),
		NoticeZH: c.FormValue("notice_zh"), NoticeEN: c.FormValue("notice_en"), Nonce: c.FormValue("nonce")}
	at := func(v string) time.Time {
		t, err := time.ParseInLocation(localMinute, v, s.cfg.Zone)
		if err != nil {
			return time.Time{}
		}
		return t
	}
	return f, disruptions.Input{Provinces: disruptions.SplitPlaces(f.Provinces), Cities: disruptions.SplitPlaces(f.Cities),
		IncludeOrigin: f.IncludeOrigin, StartsAt: at(f.StartsAt), EndsAt: at(f.EndsAt), Reason: disruptions.Reason(f.Reason),
		NoticeZH: f.NoticeZH, NoticeEN: f.NoticeEN, IdempotencyKey: f.Nonce}
}

// disruptionRow is one line of the list.
type disruptionRow struct {
	disruptions.Disruption
	State string
}

// disruptionsPage draws the list and the declare form (with the problems of a refused
// declaration, status 422).
func (s *handler) disruptionsPage(c *fiber.Ctx, status int, form *disruptionForm, fields []errs.FieldError) error {
	list, err := s.deps.Disruptions.List(c.UserContext())
	if err != nil {
		return err
	}
	now := s.Now(c)
	rows := make([]disruptionRow, len(list))
	for i, d := range list {
		rows[i] = disruptionRow{Disruption: d, State: d.State(now)}
	}
	if form == nil {
		l := now.In(s.cfg.Zone)
		form = &disruptionForm{StartsAt: l.Format(localMinute), EndsAt: l.Add(24 * time.Hour).Format(localMinute),
			Reason: string(disruptions.Weather)}
	}
	if form.Nonce == "" || status == fiber.StatusOK {
		form.Nonce = web.RandomToken()
	}
	c.Status(status)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "disruptions", fiber.Map{"Rows": rows, "Form": form, "Reasons": disruptions.Reasons, "Fields": fields})
}

// disruptionID reads :id.
func disruptionID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, web.Errorf(fiber.StatusNotFound, "not_found", "error.not_found")
	}
	return id, nil
}

// disruptionPage draws one disruption with its report and the edit form.
func (s *handler) disruptionPage(c *fiber.Ctx, status int, form *disruptionForm, fields []errs.FieldError, problem string) error {
	id, err := disruptionID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	d, err := s.deps.Disruptions.Get(ctx, id)
	if err != nil {
		return err
	}
	rep, err := s.deps.Disruptions.Report(ctx, id)
	if err != nil {
		return err
	}
	if form == nil {
		f := s.formOf(d)
		form = &f
	}
	c.Status(status)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "disruption", fiber.Map{"D": d, "State": d.State(s.Now(c)), "Report": rep, "Form": form,
		"Reasons": disruptions.Reasons, "Fields": fields, "Problem": problem, "Done": c.Query("done")})
}

func (s *handler) disruptionActor(c *fiber.Ctx) complaints.Actor {
	u := s.CurrentUser(c)
	return complaints.Actor{UserID: u.ID, Name: u.Email}
}

// declareDisruption is POST /console/disruptions.
func (s *handler) declareDisruption(c *fiber.Ctx) error {
	form, in := s.readDisruptionForm(c)
	res, err := s.deps.Disruptions.Declare(c.UserContext(), in, s.disruptionActor(c))
	var ve *errs.ValidationError
	if errors.As(err, &ve) {
		return s.disruptionsPage(c, fiber.StatusUnprocessableEntity, &form, ve.Fields)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/console/disruptions/"+strconv.FormatInt(res.Disruption.ID, 10)+"?done=declared", fiber.StatusSeeOther)
}

// editDisruption is POST /console/disruptions/:id.
func (s *handler) editDisruption(c *fiber.Ctx) error {
	id, err := disruptionID(c)
	if err != nil {
		return err
	}
	form, in := s.readDisruptionForm(c)
	_, err = s.deps.Disruptions.Update(c.UserContext(), id, in, s.disruptionActor(c))
	var ve *errs.ValidationError
	if errors.As(err, &ve) {
		return s.disruptionPage(c, fiber.StatusUnprocessableEntity, &form, ve.Fields, "")
	}
	if err != nil {
		return err
	}
	return c.Redirect("/console/disruptions/"+strconv.FormatInt(id, 10)+"?done=saved", fiber.StatusSeeOther)
}

// endDisruption is POST /console/disruptions/:id/end.
func (s *handler) endDisruption(c *fiber.Ctx) error {
	id, err := disruptionID(c)
	if err != nil {
		return err
	}
	_, err = s.deps.Disruptions.End(c.UserContext(), id, s.disruptionActor(c))
	if errors.Is(err, disruptions.ErrNotBegun) {
		return s.disruptionPage(c, fiber.StatusConflict, nil, nil, errs.KeyOf(err))
	}
	if err != nil {
		return err
	}
	return c.Redirect("/console/disruptions/"+strconv.FormatInt(id, 10)+"?done=ended", fiber.StatusSeeOther)
}

// queueBadge is what the queue shows of a complaint's disruption pauses: paused now (the
// clocks stand still) or tagged (a window that is over or to come).
type queueBadge struct {
	Paused bool
	Key    string
	Link   string
}

// queueBadges returns the badge of each complaint in list that a disruption tagged.
func (s *handler) queueBadges(c *fiber.Ctx, list []complaints.Complaint, now time.Time) (map[int64]*queueBadge, error) {
	ids := make([]int64, len(list))
	for i, cp := range list {
		ids[i] = cp.ID
	}
	ps, err := s.deps.Complaints.PausesOf(c.UserContext(), ids)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	out := make(map[int64]*queueBadge, len(ps))
	for id, list := range ps {
		b := &queueBadge{Key: list[0].Key}
		for _, p := range list {
			if !now.Before(p.From) && now.Before(p.To) {
				b.Paused, b.Key = true, p.Key
			}
		}
		if n, ok := strings.CutPrefix(b.Key, "disruption:"); ok {
			b.Link = "/console/disruptions/" + n
		}
		out[id] = b
	}
	return out, nil
}
