package site

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/portal/web"
)

// wrongComplaintAnswers is how many wrong reference/phone answers one reference takes per
// hour before lookups of it are refused.
const wrongComplaintAnswers = 5

// complaintLookupPage is GET /complaint: reference plus the phone's last 4 digits.
func (s *handler) complaintLookupPage(c *fiber.Ctx) error {
	return s.Render(c, "complaint_lookup", fiber.Map{"Ref": strings.ToUpper(strings.TrimSpace(c.Query("ref")))})
}

// complaintLookup checks POST /complaint/lookup. A right answer lets this browser follow
// the complaint. Every answer is counted before it is checked, per reference and per client
// address (takeAnswer), and a right one is taken back; a wrong one never says which part
// was wrong, and an unknown reference answers exactly like a wrong phone. A reference that
// fails its check symbol is sent back at once as mistyped: it says nothing about any
// complaint, so it costs no answer.
func (s *handler) complaintLookup(c *fiber.Ctx) error {
	if err := s.LimitLookup(c, 1); err != nil {
		return err
	}
	ref, ok := complaints.ParseRef(c.FormValue("ref"))
	if !ok { // mistyped (length or check symbol): no complaint has it, nothing to count
		if len(ref) > 32 {
			ref = ref[:32]
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.Render(c, "complaint_lookup", fiber.Map{"Ref": ref, "RefTypo": true})
	}
	attempt, err := s.TakeAnswer(c, "complaint:"+ref, wrongComplaintAnswers)
	if err != nil {
		return err
	}
	guess := strings.TrimSpace(c.FormValue("last4"))
	cp, err := s.deps.Complaints.ByRef(c.UserContext(), ref)
	if err != nil && !errors.Is(err, complaints.ErrNotFound) {
		return err
	}
	if cp != nil && len(guess) == 4 && same(guess, customers.PhoneLast4(cp.ContactPhone)) {
		if err := s.RightAnswer(c, attempt); err != nil {
			return err
		}
		s.grantComplaint(c, cp.ID)
		return c.Redirect("/complaint/"+urlPathEscape(cp.Ref), fiber.StatusSeeOther)
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.Render(c, "complaint_lookup", fiber.Map{"Ref": ref, "Failed": true})
}

// errNotFollowing means this browser may not see the complaint, or there is no such
// reference (the two look the same to the visitor).
var errNotFollowing = &web.Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "error.forbidden"}

// followedComplaint loads the complaint of /complaint/:ref/... for a browser allowed to
// follow it, else errNotFollowing.
func (s *handler) followedComplaint(c *fiber.Ctx) (*complaints.Complaint, error) {
	cp, err := s.deps.Complaints.ByRef(c.UserContext(), strings.TrimSpace(c.Params("ref")))
	switch {
	case errors.Is(err, complaints.ErrNotFound):
		return nil, errNotFollowing
	case err != nil:
		return nil, err
	case !s.mayFollow(c, cp.ID):
		return nil, errNotFollowing
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return cp, nil
}

// toLookup sends a browser that may not follow a complaint to the lookup form.
func toLookup(c *fiber.Ctx) error {
	ref := strings.ToUpper(strings.TrimSpace(c.Params("ref")))
	return c.Redirect("/complaint?ref="+urlQueryEscape(ref), fiber.StatusSeeOther)
}

// complaintView is the progress page's data.
type complaintView struct {
	C                                 *complaints.Complaint
	Entries                           []complaints.Entry
	Photos                            []complaints.Photo
	CanMessage, CanConfirm, CanReopen bool
	CanRate                           bool
	Stars                             []choice  // the rating's radio buttons
	Done, Problem                     string    // message keys after an action
	Due                               time.Time // the promised resolution time, within opening hours (complaints.CustomerDue)
}

// complaintPage is GET /complaint/:ref: status history, staff's public replies, the
// expected resolution time (within the desk's opening hours), photos, and the customer's
// actions. Staff appear as "客服专员", never by name: a customer has no use for an
// agent's internal (often English) display name.
func (s *handler) complaintPage(c *fiber.Ctx) error {
	cp, err := s.followedComplaint(c)
	if err == errNotFollowing {
		return toLookup(c)
	} else if err != nil {
		return err
	}
	ctx := c.UserContext()
	v := complaintView{C: cp}
	if v.Entries, err = s.deps.Complaints.Timeline(ctx, cp.ID, false); err != nil {
		return err
	}
	if v.Photos, err = s.deps.Complaints.PhotoList(ctx, cp.ID); err != nil {
		return err
	}
	cal, err := s.deps.Complaints.Calendar(ctx)
	if err != nil {
		return err
	}
	v.Due = complaints.CustomerDue(cp.ResolutionDue, cal)
	finished := !cp.Status.Open()
	v.CanMessage = cp.Status != complaints.StatusClosed
	v.CanConfirm = cp.Status == complaints.StatusResolved
	// The domain enforces the window; the page only hides the form afterwards.
	v.CanReopen = finished && cp.ResolvedAt != nil && s.Now(c).Sub(*cp.ResolvedAt) < complaints.ReopenWindow
	v.CanRate = finished
	v.Stars = scale(1, 5, cp.Rating)
	if d := c.Query("done"); actionKeys[d] {
		v.Done = "complaint.done_" + d
	}
	if p := c.Query("err"); problemKeys[p] {
		v.Problem = "complaint.err_" + p
	}
	return s.Render(c, "complaint_view", v)
}

// complaintPhoto serves one photo of a complaint to a browser allowed to follow it.
func (s *handler) complaintPhoto(c *fiber.Ctx) error {
	cp, err := s.followedComplaint(c)
	if err != nil {
		return err
	}
	id, err := c.ParamsInt("id")
	if err != nil {
		return &web.Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "error.not_found"}
	}
	p, err := s.deps.Complaints.Photo(c.UserContext(), cp.ID, int64(id))
	if errors.Is(err, complaints.ErrNotFound) {
		return &web.Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "error.not_found"}
	} else if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, p.ContentType)
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return c.Send(p.Data)
}
