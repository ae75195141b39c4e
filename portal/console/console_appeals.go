package console

// Regulator appeals on the complaint desk (complaints/appeal.go has the rules):
//
//	POST /console/complaints/:id/appeal              register the regulator's appeal (supervisor+)
//	POST /console/complaints/:id/appeal/reply        the formal reply to the regulator, with files
//	                                                 (the assignee or supervisor+)
//	POST /console/complaints/:id/appeal/verdict      the regulator's verdict (supervisor+)
//	GET  /console/complaints/:id/appeal/files/:fid   a file of a formal reply (staff)
//
// The appeal's section of the detail page, its queue badge and filter and its wallboard
// tile are drawn by the partial _desk_appeal.html. None of it is on the customer's pages.

import (
	"errors"
	"io"
	"mime/multipart"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/internal/errs"
	"lcrm/portal/web"
)

// appealView is the appeal section of the complaint detail page.
type appealView struct {
	Appeal       *complaints.Appeal // nil: not an appeal (yet)
	Replies      []complaints.FormalReply
	Sources      []complaints.AppealSource
	WindowDays   int // the default reply window, in days, for the form's hint
	Used         int // percent of the reply window used (at the first formal reply once there is one)
	State        string
	CanRegister  bool // supervisor+
	Nonce        string
	Form         appealForm
	ReplyText    string
	VerdictToday string // the verdict form's default day
}

// appealForm is the registration form as typed.
type appealForm struct {
	Source, No, ReceivedAt, ReplyDue string
}

// dayTime is how datetime-local inputs write a time.
const dayTime = "2006-01-02T15:04"

// appealSection fills v.Appeal for complaint cp.
func (s *handler) appealSection(c *fiber.Ctx, cp *complaints.Complaint, v *detailView) error {
	ctx := c.UserContext()
	me := s.CurrentUser(c)
	now := s.Now(c)
	zone := s.deps.Complaints.Location()
	a := &v.Appeal
	a.Sources, a.Nonce = complaints.AppealSources, web.RandomToken()
	a.WindowDays = int(s.deps.Complaints.ReplyWindow() / (24 * time.Hour))
	a.CanRegister = me.Role.AtLeast(accounts.RoleSupervisor)
	a.VerdictToday = now.In(zone).Format(time.DateOnly)
	if a.Form.ReceivedAt == "" {
		a.Form.ReceivedAt = now.In(zone).Format(dayTime)
	}
	got, err := s.deps.Complaints.AppealOf(ctx, cp.ID)
	if errors.Is(err, complaints.ErrNoAppeal) {
		return nil
	}
	if err != nil {
		return err
	}
	a.Appeal = got
	if a.Replies, err = s.deps.Complaints.FormalReplies(ctx, cp.ID); err != nil {
		return err
	}
	end := now
	if got.RepliedAt != nil {
		end = *got.RepliedAt
	}
	used := float64(end.Sub(got.ReceivedAt)) / float64(got.ReplyDue.Sub(got.ReceivedAt))
	a.Used = pct(used)
	switch {
	case got.RepliedAt != nil:
		a.State = finished(used)
	case used >= 0.5 && used < 1:
		a.State = "soon" // past half: a manager's
	default:
		a.State = running(used)
	}
	return nil
}

// appealFailed redraws the detail page with what went wrong: a field problem (422) or one
// of the appeal's refusals (its kind's status); anything else is the error handler's.
func (s *handler) appealFailed(c *fiber.Ctx, cp *complaints.Complaint, err error, v detailView) error {
	var ve *errs.ValidationError
	switch {
	case errors.As(err, &ve):
		v.Fields, v.Problem = ve.Fields, "desk.err_invalid"
		return s.showComplaint(c, cp, fiber.StatusUnprocessableEntity, &v)
	case errors.Is(err, complaints.ErrAppealNoTaken), errors.Is(err, complaints.ErrAppealExists):
		v.Problem = errs.KeyOf(err)
		return s.showComplaint(c, cp, fiber.StatusConflict, &v)
	}
	return deskError(err)
}

// appealTime reads a datetime-local field in the desk's zone ("" is the zero time).
func (s *handler) appealTime(field, value string) (time.Time, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(dayTime, value, s.deps.Complaints.Location())
	if err != nil {
		ve := &errs.ValidationError{}
		ve.AddKey(field, "field.appeals.time", nil)
		return t, ve
	}
	return t, nil
}

// appealRegister is POST /console/complaints/:id/appeal (supervisor+): the same appeal
// number again changes nothing and says so.
func (s *handler) appealRegister(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	f := appealForm{Source: c.FormValue("source"), No: c.FormValue("appeal_no"), ReceivedAt: c.FormValue("received_at"), ReplyDue: c.FormValue("reply_due")}
	v := detailView{Appeal: appealView{Form: f}}
	received, err := s.appealTime("received_at", f.ReceivedAt)
	if err != nil {
		return s.appealFailed(c, cp, err, v)
	}
	due, err := s.appealTime("reply_due", f.ReplyDue)
	if err != nil {
		return s.appealFailed(c, cp, err, v)
	}
	_, created, err := s.deps.Complaints.RegisterAppeal(c.UserContext(), cp.ID, s.actor(c), complaints.AppealRegistration{
		Source: complaints.AppealSource(f.Source), No: f.No, ReceivedAt: received, ReplyDue: due})
	if err != nil {
		return s.appealFailed(c, cp, err, v)
	}
	if !created {
		return backTo(c, cp.ID, "appeal_again")
	}
	return backTo(c, cp.ID, "appeal")
}

// appealReply is POST /console/complaints/:id/appeal/reply (multipart: text, files,
// nonce). The nonce makes a double submit one reply.
func (s *handler) appealReply(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	text := c.FormValue("text")
	v := detailView{Appeal: appealView{ReplyText: text}}
	var files []complaints.Photo
	if form, err := c.MultipartForm(); err == nil {
		if files, err = readAppealFiles(form.File["files"]); err != nil {
			return s.appealFailed(c, cp, err, v)
		}
	}
	_, err = s.deps.Complaints.AddFormalReply(c.UserContext(), cp.ID, s.actor(c), complaints.FormalReplyInput{
		Text: text, Files: files, IdempotencyKey: "console:" + c.FormValue("nonce")})
	if err != nil {
		return s.appealFailed(c, cp, err, v)
	}
	return backTo(c, cp.ID, "formal_reply")
}

// readAppealFiles reads the uploads of a formal reply; the domain checks their types.
// More than MaxAppealFiles, or one larger than MaxPhotoBytes, is refused before reading.
func readAppealFiles(fhs []*multipart.FileHeader) ([]complaints.Photo, error) {
	var out []complaints.Photo
	for _, fh := range fhs {
		if fh.Size == 0 && fh.Filename == "" {
			continue // the empty file input
		}
		ve := &errs.ValidationError{}
		if len(out) == complaints.MaxAppealFiles {
			ve.AddErr("files", complaints.ErrAppealFileCount)
			return nil, ve
		}
		if fh.Size > complaints.MaxPhotoBytes {
			ve.AddKey("files", "field.complaints.photo_large", map[string]any{"Name": fh.Filename, "MB": complaints.MaxPhotoBytes >> 20})
			return nil, ve
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, complaints.MaxPhotoBytes+1))
		_ = f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, complaints.Photo{Name: fh.Filename, Data: data})
	}
	return out, nil
}

// appealVerdict is POST /console/complaints/:id/appeal/verdict (supervisor+): effective
// (1 or 0) and the day of the ruling.
func (s *handler) appealVerdict(c *fiber.Ctx) error {
	cp, err := s.loadComplaint(c)
	if err != nil {
		return err
	}
	day, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(c.FormValue("verdict_on")), s.deps.Complaints.Location())
	effective := c.FormValue("effective")
	if err != nil || (effective != "1" && effective != "0") {
		ve := &errs.ValidationError{}
		ve.AddKey("verdict_on", "field.appeals.verdict", nil)
		return s.appealFailed(c, cp, ve, detailView{})
	}
	if err := s.deps.Complaints.SetVerdict(c.UserContext(), cp.ID, s.actor(c), effective == "1", day); err != nil {
		return s.appealFailed(c, cp, err, detailView{})
	}
	return backTo(c, cp.ID, "verdict")
}

// appealFile serves a file of a formal reply to staff, as a download (a PDF or image
// from outside is never rendered inline on the console's origin).
func (s *handler) appealFile(c *fiber.Ctx) error {
	id, err := complaintID(c)
	if err != nil {
		return err
	}
	fid, err := strconv.ParseInt(c.Params("fid"), 10, 64)
	if err != nil {
		return &web.Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "error.not_found"}
	}
	f, err := s.deps.Complaints.AppealFile(c.UserContext(), id, fid)
	if err != nil {
		return deskError(err)
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Attachment(f.Name)
	return c.Send(f.Data)
}

// markAppeals sets the Appeal of every row that has one (one query for the page).
func (s *handler) markAppeals(c *fiber.Ctx, rows []deskRow) error {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	m, err := s.deps.Complaints.AppealsOf(c.UserContext(), ids)
	if err != nil {
		return err
	}
	for i := range rows {
		if a, ok := m[rows[i].ID]; ok {
			rows[i].Appeal = &a
		}
	}
	return nil
}
