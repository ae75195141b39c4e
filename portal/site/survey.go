package site

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/shipments"
)

// The survey pages are reached from a signed link in the thank-you SMS
// (customers.SurveyLink). The token in the path is the visitor's only credential: it names
// one shipment, expires, and cannot be forged without the server's secret. The form also
// carries the CSRF token like every other form.

// surveyForm is what the survey page shows and what the person typed.
type surveyForm struct {
	Token    string
	Parcel   string // the tracking number the survey is about
	CSAT     int    // 0: not chosen
	NPS      int    // -1: not chosen
	Comment  string
	Existing bool      // an earlier answer is being edited
	EditTill time.Time // end of the edit window, in the portal's zone
	Errors   map[string]string
}

// choice is one radio button of a scale.
type choice struct {
	N       int
	Checked bool
}

func scale(from, to, picked int) []choice {
	out := make([]choice, 0, to-from+1)
	for n := from; n <= to; n++ {
		out = append(out, choice{N: n, Checked: n == picked})
	}
	return out
}

// Stars are the CSAT radio buttons, 1 to 5.
func (f surveyForm) Stars() []choice { return scale(1, 5, f.CSAT) }

// Scores are the NPS radio buttons, 0 to 10.
func (f surveyForm) Scores() []choice { return scale(0, 10, f.NPS) }

// surveyRender renders a survey page with a status.
func (s *handler) surveyRender(c *fiber.Ctx, status int, page string, data any) error {
	c.Status(status)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, page, data)
}

// surveyShipment checks /survey/:token. A tampered or unknown link renders the friendly 404
// page, an expired one the 410 page; ok is false then and err is the render's result.
func (s *handler) surveyShipment(c *fiber.Ctx) (id int64, ok bool, err error) {
	id, err = customers.VerifySurveyToken(s.cfg.Secret, c.Params("token"), s.Now(c))
	switch {
	case errors.Is(err, customers.ErrSurveyTokenExpired):
		return 0, false, s.surveyRender(c, fiber.StatusGone, "survey_gone", fiber.Map{"Expired": true})
	case err != nil:
		return 0, false, s.surveyRender(c, fiber.StatusNotFound, "survey_gone", fiber.Map{"Expired": false})
	}
	return id, true, nil
}

// surveyPage shows the survey of one shipment: empty, or the earlier answer while it can
// still be changed, or a thank-you once the edit window has closed.
func (s *handler) surveyPage(c *fiber.Ctx) error {
	id, ok, err := s.surveyShipment(c)
	if !ok {
		return err
	}
	f := surveyForm{Token: c.Params("token"), NPS: -1}
	if f.Parcel, err = s.parcelOf(c, id); err != nil {
		return err
	}
	prev, err := s.deps.Customers.SurveyFor(c.UserContext(), id)
	switch {
	case errors.Is(err, customers.ErrNotFound):
	case err != nil:
		return err
	case !prev.Editable(s.Now(c)):
		return s.surveyRender(c, fiber.StatusOK, "survey_thanks", fiber.Map{"Closed": true})
	default:
		f.CSAT, f.NPS, f.Comment, f.Existing = prev.CSAT, prev.NPS, prev.Comment, true
		f.EditTill = prev.CreatedAt.Add(customers.SurveyEditWindow).In(s.cfg.Zone)
	}
	return s.surveyRender(c, fiber.StatusOK, "survey", f)
}

// surveySubmit stores an answer and redirects to the thank-you page; bad values re-render
// the form with what was typed and a message next to each field.
func (s *handler) surveySubmit(c *fiber.Ctx) error {
	id, ok, err := s.surveyShipment(c)
	if !ok {
		return err
	}
	f := surveyForm{Token: c.Params("token"), Comment: c.FormValue("comment")}
	if f.Parcel, err = s.parcelOf(c, id); err != nil {
		return err
	}
	f.CSAT = formInt(c, "csat", 0)
	f.NPS = formInt(c, "nps", -1)
	_, err = s.deps.Customers.SaveSurvey(c.UserContext(), customers.Survey{ShipmentID: id, CSAT: f.CSAT, NPS: f.NPS, Comment: f.Comment})
	var ve *errs.ValidationError
	switch {
	case errors.As(err, &ve):
		f.Errors = map[string]string{}
		for _, fe := range ve.Fields {
			switch fe.Field {
			case "csat":
				f.Errors["csat"] = "survey.invalid_csat"
			case "nps":
				f.Errors["nps"] = "survey.invalid_nps"
			case "comment":
				f.Errors["comment"] = "survey.invalid_comment"
			}
		}
		return s.surveyRender(c, fiber.StatusUnprocessableEntity, "survey", f)
	case errors.Is(err, customers.ErrSurveyClosed):
		return s.surveyRender(c, fiber.StatusConflict, "survey_thanks", fiber.Map{"Closed": true})
	case errors.Is(err, customers.ErrNotFound):
		return s.surveyRender(c, fiber.StatusNotFound, "survey_gone", fiber.Map{"Expired": false})
	case err != nil:
		return err
	}
	return c.Redirect("/survey/"+f.Token+"/thanks", fiber.StatusSeeOther)
}

// surveyThanks is the page after a saved answer.
func (s *handler) surveyThanks(c *fiber.Ctx) error {
	if _, ok, err := s.surveyShipment(c); !ok {
		return err
	}
	return s.surveyRender(c, fiber.StatusOK, "survey_thanks", fiber.Map{"Closed": false})
}

// parcelOf is the tracking number the survey of shipment id names ("" for a shipment
// since removed: the survey itself then answers as before).
func (s *handler) parcelOf(c *fiber.Ctx, id int64) (string, error) {
	tn, err := s.deps.Shipments.TrackingNoOf(c.UserContext(), id)
	if errors.Is(err, shipments.ErrNotFound) {
		return "", nil
	}
	return tn, err
}

// formInt reads a whole number from a form field, def when missing or not a number.
func formInt(c *fiber.Ctx, name string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(c.FormValue(name)))
	if err != nil {
		return def
	}
	return n
}
