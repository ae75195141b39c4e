package console

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/care"
	"lcrm/internal/config"
	"lcrm/jobs"
	"lcrm/portal/web"
)

// jobRow is one job on /console/jobs with its latest run.
type jobRow struct {
	jobs.Info
	Last *jobs.Run
	// DescKey is the catalogue key of the description when there is one; jobs of other
	// packages without one show their Go description.
	DescKey string
}

// jobsPage lists the jobs (schedule, next time, last run, a run-now button each) and the
// run history, of one job with ?job=.
func (s *handler) jobsPage(c *fiber.Ctx) error {
	sch := s.deps.Jobs
	ctx := c.UserContext()
	last, err := sch.LastRuns(ctx)
	if err != nil {
		return err
	}
	var rows []jobRow
	plain := s.Plain(s.Lang(c))
	for _, j := range sch.List() {
		r := jobRow{Info: j}
		if _, ok := plain["jobs.desc."+j.Name]; ok {
			r.DescKey = "jobs.desc." + j.Name
		}
		if l, ok := last[j.Name]; ok {
			r.Last = &l
		}
		rows = append(rows, r)
	}
	filter := c.Query("job")
	history, err := sch.History(ctx, filter, 100)
	if err != nil {
		return err
	}
	return s.Render(c, "console_jobs", fiber.Map{"Jobs": rows, "History": history, "Filter": filter,
		"Ran": c.Query("ran"), "Outcome": c.Query("outcome")})
}

// jobsRunNow runs one job at once and returns to the list with its outcome.
func (s *handler) jobsRunNow(c *fiber.Ctx) error {
	name := c.Params("name")
	ctx, cancel := context.WithTimeout(c.UserContext(), config.DefaultRunNowTimeout) // every standard job takes seconds
	defer cancel()
	run, err := s.deps.Jobs.RunNow(ctx, name, jobs.TriggerManual)
	switch {
	case errors.Is(err, jobs.ErrUnknownJob):
		return &web.Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "error.not_found"}
	case errors.Is(err, jobs.ErrBusy):
		run.Status = jobs.StatusSkipped
	case err != nil && run.ID == 0:
		return err // not even recorded: the database is unreachable
	}
	if err != nil {
		s.Logger(c).Warn("job run from the console failed", "job", name, "user", s.CurrentUser(c).Email, "err", err)
	}
	return c.Redirect("/console/jobs?ran="+url.QueryEscape(name)+"&outcome="+string(run.Status), fiber.StatusSeeOther)
}

// flagRow is a watch-list flag with its lag and window split for display.
type flagRow struct {
	care.Flag
	LagH, LagM, WinH, WinM int
}

func hm(d time.Duration) (int, int) {
	m := int(d / time.Minute)
	return m / 60, m % 60
}

// watchPageSize is how many slow sign-off flags one page of the watch list shows.
const watchPageSize = 50

// watchPage shows the open slow sign-off flags (oldest first, critical ones marked), a page
// of watchPageSize at a time (?page=N from 0), and the open staff tasks the jobs left.
func (s *handler) watchPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	page, _ := strconv.Atoi(c.Query("page"))
	page = max(page, 0)
	p, err := s.deps.Watch.FlagsPage(ctx, page, watchPageSize)
	if err != nil {
		return err
	}
	rows := make([]flagRow, len(p.Flags))
	for i, f := range p.Flags {
		rows[i] = flagRow{Flag: f}
		rows[i].LagH, rows[i].LagM = hm(f.Lag)
		rows[i].WinH, rows[i].WinM = hm(f.Window)
	}
	tasks, err := s.deps.Watch.Tasks(ctx)
	if err != nil {
		return err
	}
	v := fiber.Map{"Flags": rows, "Open": p.Open, "Critical": p.Critical, "Tasks": tasks, "Page": page}
	if page > 0 {
		v["Prev"] = "/console/watch?page=" + strconv.Itoa(page-1)
	}
	if p.More {
		v["Next"] = "/console/watch?page=" + strconv.Itoa(page+1)
	}
	return s.Render(c, "console_watch", v)
}

// watchTaskDone marks a staff task done by the viewer; a task already done is no error
// (a double submit), the list simply no longer shows it.
func (s *handler) watchTaskDone(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return &web.Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "error.not_found"}
	}
	err = s.deps.Watch.FinishTask(c.UserContext(), id, s.CurrentUser(c).ID)
	if err != nil && !errors.Is(err, care.ErrTaskNotFound) {
		return err
	}
	return c.Redirect("/console/watch", fiber.StatusSeeOther)
}
