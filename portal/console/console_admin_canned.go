package console

// Admin: canned replies per complaint category and locale, with placeholders
// ({tracking_no}, {name}, {ref}) that the complaint page fills in.

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"lcrm/complaints"
	"lcrm/internal/errs"
)

// cannedFilter reads the category and locale being shown (query or form).
func cannedFilter(c *fiber.Ctx) (complaints.Category, string) {
	cat := complaints.Category(c.FormValue("category", c.Query("category")))
	if cat != "" && !cat.Valid() {
		cat = ""
	}
	locale := c.FormValue("locale", c.Query("locale"))
	if locale != "en" {
		locale = "zh"
	}
	return cat, locale
}

// cannedListPath is the page showing a category and locale.
func cannedListPath(cat complaints.Category, locale string) string {
	return "/console/admin/canned?category=" + string(cat) + "&locale=" + locale
}

// cannedPage lists the replies of one category (with those for any category) in one
// locale, each editable in place, and a form for a new one.
func (s *handler) cannedPage(c *fiber.Ctx, status int, errKey string, form *complaints.CannedReply) error {
	cat, locale := cannedFilter(c)
	list, err := s.deps.Complaints.Canned(c.UserContext(), cat, locale)
	if err != nil {
		return err
	}
	if form == nil {
		form = &complaints.CannedReply{Category: cat, Locale: locale}
	}
	c.Status(status)
	return s.Render(c, "admin_canned", fiber.Map{"List": list, "Category": string(cat), "Locale": locale,
		"Categories": complaints.Categories, "Err": errKey, "Form": form, "Done": c.Query("done")})
}

// saveCanned creates (id empty) or edits a canned reply.
func (s *handler) saveCanned(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.FormValue("id"), 10, 64)
	r := complaints.CannedReply{ID: id, Category: complaints.Category(c.FormValue("reply_category")),
		Locale: c.FormValue("reply_locale"), Title: c.FormValue("title"), Body: c.FormValue("body")}
	saved, err := s.deps.Complaints.SaveCanned(c.UserContext(), r, s.adminActor(c))
	if err != nil {
		if key := cannedErrorKey(err); key != "" {
			return s.cannedPage(c, fiber.StatusUnprocessableEntity, key, &r)
		}
		return err
	}
	return c.Redirect(cannedListPath(saved.Category, saved.Locale)+"&done=saved", fiber.StatusSeeOther)
}

// deleteCanned removes a canned reply (already gone: nothing to do).
func (s *handler) deleteCanned(c *fiber.Ctx) error {
	id, err := adminUserID(c)
	if err != nil {
		return err
	}
	if err := s.deps.Complaints.DeleteCanned(c.UserContext(), id, s.adminActor(c)); err != nil {
		return err
	}
	cat, locale := cannedFilter(c)
	return c.Redirect(cannedListPath(cat, locale)+"&done=deleted", fiber.StatusSeeOther)
}

// cannedErrorKey returns the message for a refused save, or "" for other errors.
func cannedErrorKey(err error) string {
	var ve *errs.ValidationError
	switch {
	case errors.As(err, &ve):
		return "admin.err_canned"
	case errors.Is(err, complaints.ErrNotFound):
		return "admin.err_canned_gone"
	}
	return ""
}
