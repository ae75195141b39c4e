package site

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
	"lcrm/internal/errs"
	"lcrm/portal/web"
	"lcrm/shipments"
)

// complaintForm is the filing form: what the page shows and what the person typed.
type complaintForm struct {
	Number      string
	Categories  []complaints.Category
	Category    string
	Description string
	Phone       string
	Idem        string // idempotency token: one filing however often the form is sent (scoped to the parcel)
	Expired     bool   // the browser's verification ran out (or never was): the form asks for it again
	Errors      map[string]string
}

// complaintNew shows the filing form of a verified parcel, the phone prefilled with the
// consignee's, and a fresh idempotency token. A browser whose verification has run out
// (30 minutes) is sent to the tracking page with a notice saying so, and after verifying
// comes back here.
func (s *handler) complaintNew(c *fiber.Ctx) error {
	number := trackingParam(c)
	d, err := s.deps.Shipments.Get(c.UserContext(), number)
	switch {
	case errors.Is(err, shipments.ErrNotFound):
	case err != nil:
		return err
	case s.IsVerified(c, d.ID):
		c.Set(fiber.HeaderCacheControl, "no-store")
		return s.Render(c, "complaint_new", complaintForm{Number: d.TrackingNo, Categories: complaints.Categories,
			Phone: d.Addressee.Phone, Idem: web.RandomToken()})
	}
	return c.Redirect("/track/"+urlPathEscape(number)+"?need=complaint#v-"+urlPathEscape(number), fiber.StatusSeeOther)
}

// complaintShipment is the parcel a complaint is filed for: verified by this browser, or
// verified now by the last 4 digits typed into the form (counted like verify). Otherwise
// the form comes back with what was typed and a notice that the verification has expired,
// so nothing typed is lost; a known and an unknown number look the same.
func (s *handler) complaintShipment(c *fiber.Ctx, f *complaintForm) (*shipments.Detail, bool, error) {
	number := trackingParam(c)
	d, err := s.deps.Shipments.Get(c.UserContext(), number)
	if err != nil && !errors.Is(err, shipments.ErrNotFound) {
		return nil, false, err
	}
	if d != nil && s.IsVerified(c, d.ID) {
		return d, true, nil
	}
	f.Number, f.Expired = number, true
	if last4 := strings.TrimSpace(c.FormValue("last4")); last4 != "" {
		attempt, err := s.TakeAnswer(c, "verify:"+number, wrongAnswersLimit)
		if err != nil {
			return nil, false, err
		}
		if d != nil && d.Answers(last4) {
			if err := s.RightAnswer(c, attempt); err != nil {
				return nil, false, err
			}
			s.GrantVerified(c, d.ID)
			f.Number, f.Expired = d.TrackingNo, false
			return d, true, nil
		}
		f.Errors["last4"] = "verify.failed"
	}
	c.Status(fiber.StatusForbidden)
	return nil, false, s.Render(c, "complaint_new", f)
}

// trackingParam is the :no of a tracking path, upper-cased and cut to a length no tracking
// number has (it also keys the answer limits).
func trackingParam(c *fiber.Ctx) string {
	number := strings.ToUpper(strings.TrimSpace(c.Params("no")))
	if len(number) > 40 {
		number = number[:40]
	}
	return number
}

// complaintFile files the complaint of POST /track/:no/complaint and redirects to the
// page showing its reference. The form's idempotency token makes a double click or a
// refresh file one complaint. Bad input re-renders the form with what was typed.
func (s *handler) complaintFile(c *fiber.Ctx) error {
	f := complaintForm{Categories: complaints.Categories, Category: c.FormValue("category"),
		Description: c.FormValue("description"), Phone: strings.TrimSpace(c.FormValue("phone")),
		Idem: strings.TrimSpace(c.FormValue("idem")), Errors: map[string]string{}}
	if len(f.Idem) < 16 || len(f.Idem) > 100 {
		f.Idem = web.RandomToken() // a form without its token: file once from here on
	}
	d, ok, err := s.complaintShipment(c, &f)
	if !ok {
		return err
	}
	f.Number = d.TrackingNo
	var photos []complaints.Photo
	if form, err := c.MultipartForm(); err == nil {
		var problem string
		if photos, problem, err = readPhotos(form); err != nil {
			return err
		} else if problem != "" {
			f.Errors["photos"] = problem
		}
	}
	if len(f.Errors) == 0 {
		cp, err := s.deps.Complaints.File(c.UserContext(), complaints.Filing{ShipmentID: d.ID,
			Category: complaints.Category(f.Category), Description: f.Description, ContactPhone: f.Phone,
			Photos: photos, IdempotencyKey: fmt.Sprintf("web:%d:%s", d.ID, f.Idem), PerDay: complaints.MaxFilingsPerDay})
		var ve *errs.ValidationError
		switch {
		case errors.As(err, &ve):
			for _, fe := range ve.Fields {
				f.Errors[complaintField(fe.Field)] = "complaint.invalid_" + complaintField(fe.Field)
			}
		case errors.Is(err, complaints.ErrTooManyFilings):
			f.Errors["form"] = errs.KeyOf(err)
			c.Status(fiber.StatusTooManyRequests)
			return s.Render(c, "complaint_new", f)
		case err != nil:
			return err
		case cp.ShipmentID != d.ID: // a key is scoped to its parcel; never grant another's
			return &web.Error{Status: fiber.StatusConflict, Code: "conflict", Message: "error.bad_request"}
		default:
			s.grantComplaint(c, cp.ID)
			return c.Redirect("/complaint/"+urlPathEscape(cp.Ref)+"/filed", fiber.StatusSeeOther)
		}
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.Render(c, "complaint_new", f)
}

// complaintField maps the domain's field names to the form's.
func complaintField(field string) string {
	switch {
	case strings.Contains(field, "phone"):
		return "phone"
	case strings.Contains(field, "categor"):
		return "category"
	case strings.Contains(field, "descr"):
		return "description"
	case strings.Contains(field, "photo"):
		return "photos"
	}
	return "form"
}

// complaintFiled is the success page: the reference and a link to its progress.
func (s *handler) complaintFiled(c *fiber.Ctx) error {
	cp, err := s.followedComplaint(c)
	if err == errNotFollowing {
		return toLookup(c)
	} else if err != nil {
		return err
	}
	return s.Render(c, "complaint_filed", cp)
}
