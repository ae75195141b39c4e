package console

// The admin pages under /console/admin (the group already requires the admin role):
// users, SLA policies and calendar (console_admin_sla.go), canned replies
// (console_admin_canned.go) and the audit log. Every change is audited by the domain
// package that makes it; a refused change re-renders the page with a message (422).

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/accounts"
	"lcrm/audit"
	"lcrm/internal/errs"
	"lcrm/portal/web"
)

// adminRoles are the roles an admin gives staff, lowest first.
var adminRoles = []accounts.Role{accounts.RoleAgent, accounts.RoleSupervisor, accounts.RoleManager, accounts.RoleAdmin}

// userErrorKey returns the message key for a refused user change (the accounts
// package's admin refusals carry their admin.err_* key), or "" for other errors.
func userErrorKey(err error) string {
	if key := errs.KeyOf(err); strings.HasPrefix(key, "admin.err_") {
		return key
	}
	return ""
}

// usersPage lists the users with a create form; errKey and form redisplay a refused
// create or change.
func (s *handler) usersPage(c *fiber.Ctx, status int, errKey string, form *accounts.NewUser) error {
	users, err := s.deps.Accounts.ListUsers(c.UserContext())
	if err != nil {
		return err
	}
	names := map[int64]string{}
	var staff []accounts.User
	for _, u := range users {
		names[u.ID] = u.Name
		if u.Role.AtLeast(accounts.RoleAgent) && u.Active {
			staff = append(staff, u)
		}
	}
	if form == nil {
		form = &accounts.NewUser{Role: accounts.RoleAgent}
	}
	c.Status(status)
	return s.Render(c, "admin_users", fiber.Map{"Users": users, "Names": names, "Staff": staff, "Roles": adminRoles,
		"Err": errKey, "Form": form, "Done": c.Query("done")})
}

// createUser adds a staff member with an initial password (hashed by accounts).
func (s *handler) createUser(c *fiber.Ctx) error {
	managerID, _ := strconv.ParseInt(c.FormValue("manager_id"), 10, 64)
	in := accounts.NewUser{Email: c.FormValue("email"), Name: strings.TrimSpace(c.FormValue("name")),
		Role: accounts.Role(c.FormValue("role")), Phone: c.FormValue("phone"), ManagerID: managerID,
		Password: c.FormValue("password")}
	if _, err := s.deps.Accounts.CreateStaff(c.UserContext(), in, s.CurrentUser(c)); err != nil {
		if key := userErrorKey(err); key != "" {
			in.Password = ""
			return s.usersPage(c, fiber.StatusUnprocessableEntity, key, &in)
		}
		return err
	}
	return c.Redirect("/console/admin/users?done=created", fiber.StatusSeeOther)
}

// adminUserID reads :id.
func adminUserID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, web.Errorf(fiber.StatusNotFound, "not_found", "error.not_found")
	}
	return id, nil
}

// updateUser changes a user's role, manager and active flag.
func (s *handler) updateUser(c *fiber.Ctx) error {
	id, err := adminUserID(c)
	if err != nil {
		return err
	}
	managerID, _ := strconv.ParseInt(c.FormValue("manager_id"), 10, 64)
	ch := accounts.UserChange{Role: accounts.Role(c.FormValue("role")), ManagerID: managerID, Active: c.FormValue("active") == "1"}
	if err := s.deps.Accounts.UpdateUser(c.UserContext(), id, ch, s.CurrentUser(c)); err != nil {
		if key := userErrorKey(err); key != "" {
			return s.usersPage(c, fiber.StatusUnprocessableEntity, key, nil)
		}
		return err
	}
	return c.Redirect("/console/admin/users?done=updated", fiber.StatusSeeOther)
}

// resetPassword sets a new password for a user and logs them out everywhere.
func (s *handler) resetPassword(c *fiber.Ctx) error {
	id, err := adminUserID(c)
	if err != nil {
		return err
	}
	if err := s.deps.Accounts.ResetPassword(c.UserContext(), id, c.FormValue("password"), s.CurrentUser(c)); err != nil {
		if key := userErrorKey(err); key != "" {
			return s.usersPage(c, fiber.StatusUnprocessableEntity, key, nil)
		}
		return err
	}
	return c.Redirect("/console/admin/users?done=password", fiber.StatusSeeOther)
}

// auditPageSize is how many audit entries one page shows.
const auditPageSize = 50

// auditRow is an audit entry as the page shows it.
type auditRow struct {
	audit.Entry
	Before, After []auditField // the values for people (console_admin_audit.go)
	Ref           string       // a complaint's reference (Object "complaint")
}

// auditPage lists audit entries newest first, filtered by actor and entity (object), a
// page at a time: "before" and "before_id" are the time and id of the last entry shown
// (keyset paging, stable while new entries arrive and exact when entries share a time).
func (s *handler) auditPage(c *fiber.Ctx) error {
	f := audit.Filter{Object: strings.TrimSpace(c.Query("entity")), Action: strings.TrimSpace(c.Query("action")), Limit: auditPageSize + 1}
	f.ActorID, _ = strconv.ParseInt(c.Query("actor"), 10, 64)
	f.ObjectID, _ = strconv.ParseInt(c.Query("id"), 10, 64)
	if b := c.Query("before"); b != "" {
		t, err := time.Parse(time.RFC3339Nano, b)
		if err != nil {
			return web.Errorf(fiber.StatusBadRequest, "bad_request", "error.bad_request")
		}
		f.Until = t
		if id := c.Query("before_id"); id != "" {
			if f.BeforeID, err = strconv.ParseInt(id, 10, 64); err != nil || f.BeforeID <= 0 {
				return web.Errorf(fiber.StatusBadRequest, "bad_request", "error.bad_request")
			}
		}
	}
	entries, err := s.deps.Accounts.AuditLog(c.UserContext(), f)
	if err != nil {
		return err
	}
	users, err := s.deps.Accounts.ListUsers(c.UserContext())
	if err != nil {
		return err
	}
	var staff []accounts.User
	for _, u := range users {
		if u.Role.AtLeast(accounts.RoleAgent) {
			staff = append(staff, u)
		}
	}
	next, nextID := "", int64(0)
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		next = entries[len(entries)-1].At.UTC().Format(time.RFC3339Nano)
		nextID = entries[len(entries)-1].ID
	}
	var ids []int64
	for _, e := range entries {
		if e.Object == "complaint" && e.ObjectID != 0 {
			ids = append(ids, e.ObjectID)
		}
	}
	refs, err := s.deps.Complaints.Refs(c.UserContext(), ids)
	if err != nil {
		return err
	}
	names := auditNames(users)
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{Entry: e, Before: s.auditFields(e.Before, names), After: s.auditFields(e.After, names)}
		if e.Object == "complaint" {
			rows[i].Ref = refs[e.ObjectID]
		}
	}
	return s.Render(c, "admin_audit", fiber.Map{"Rows": rows, "Staff": staff, "Actor": f.ActorID, "Entity": f.Object,
		"ID": c.Query("id"), "Next": next, "NextID": nextID, "Action": f.Action, "Actions": accessActions,
		"Entities": []string{"user", "sla_policy", "business_hours", "holiday", "canned_reply", "complaint",
			"consignee", "shipper", "export", "report_file"}})
}
