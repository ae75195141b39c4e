package portal_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"lcrm/accounts"
	"lcrm/audit"
	"lcrm/complaints"
)

// adminRoutes is every admin page and action, with a form that would succeed for an admin.
func adminRoutes(e *c360Env) []struct {
	method, path string
	form         url.Values
} {
	agent := itoa(e.users[accounts.RoleAgent].ID)
	return []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/console/admin", nil},
		{"GET", "/console/admin/users", nil},
		{"POST", "/console/admin/users", url.Values{"email": {"x@staff.test"}, "name": {"X"}, "role": {"agent"}, "password": {"long enough pw"}}},
		{"POST", "/console/admin/users/" + agent, url.Values{"role": {"admin"}, "active": {"1"}}},
		{"POST", "/console/admin/users/" + agent + "/password", url.Values{"password": {"long enough pw"}}},
		{"GET", "/console/admin/sla", nil},
		{"POST", "/console/admin/sla/policy", url.Values{"priority": {"P1"}, "tier": {"key"}, "first_response_minutes": {"1"}, "resolution_minutes": {"2"}}},
		{"POST", "/console/admin/sla/hours", url.Values{"day": {"0"}, "opens": {"10:00"}, "closes": {"12:00"}}},
		{"POST", "/console/admin/sla/holiday", url.Values{"day": {"2027-01-01"}, "name": {"元旦"}}},
		{"GET", "/console/admin/canned", nil},
		{"POST", "/console/admin/canned", url.Values{"title": {"t"}, "body": {"b"}}},
		{"POST", "/console/admin/canned/1/delete", url.Values{}},
		{"GET", "/console/admin/audit", nil},
	}
}

func TestAdminForbiddenBelowAdmin(t *testing.T) {
	t.Parallel()
	e := newC360Env(t)
	for _, role := range []accounts.Role{accounts.RoleShipper, accounts.RoleAgent, accounts.RoleSupervisor, accounts.RoleManager} {
		b := e.login(t, role)
		for _, r := range adminRoutes(e) {
			if code, _, _ := b.do(r.method, r.path, r.form); code != 403 {
				t.Errorf("%s: %s %s = %d, want 403", role, r.method, r.path, code)
			}
		}
	}
	anon := newBrowser(t, e.srv)
	anon.do("GET", "/login", nil) // a CSRF cookie, so POSTs reach the role check
	for _, r := range adminRoutes(e) {
		if code, _, hdr := anon.do(r.method, r.path, r.form); code != 303 || !strings.HasPrefix(hdr.Get("Location"), "/login") {
			t.Errorf("visitor: %s %s = %d, want a redirect to login", r.method, r.path, code)
		}
	}
	// Nothing changed: no audit entries, the agent is still an agent.
	if n, _ := audit.List(context.Background(), e.pool, audit.Filter{}); len(n) != 0 {
		t.Errorf("%d audit entries after refused requests", len(n))
	}
	if u, _ := e.acc.UserByID(context.Background(), e.users[accounts.RoleAgent].ID); u.Role != accounts.RoleAgent {
		t.Errorf("agent became %s", u.Role)
	}
	// And every route answers an admin.
	admin := e.login(t, accounts.RoleAdmin)
	for _, r := range adminRoutes(e) {
		if code, _, _ := admin.do(r.method, r.path, r.form); code != 200 && code != 303 {
			t.Errorf("admin: %s %s = %d", r.method, r.path, code)
		}
	}
}

// lastAudit returns the newest audit entry of an action, with before and after decoded.
func lastAudit(t *testing.T, e *c360Env, action string) (audit.Entry, map[string]any, map[string]any) {
	t.Helper()
	list, err := audit.List(context.Background(), e.pool, audit.Filter{Action: action, Limit: 1})
	if err != nil || len(list) == 0 {
		t.Fatalf("no %s audit entry (%v)", action, err)
	}
	var before, after map[string]any
	if raw, ok := list[0].Before.(json.RawMessage); ok {
		json.Unmarshal(raw, &before)
	}
	if raw, ok := list[0].After.(json.RawMessage); ok {
		json.Unmarshal(raw, &after)
	}
	return list[0], before, after
}

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	e := newC360Env(t)
	ctx := context.Background()
	admin := e.login(t, accounts.RoleAdmin)
	adminUser := e.users[accounts.RoleAdmin]
	code, body, _ := admin.do("GET", "/console/admin/users", nil)
	if code != 200 || !strings.Contains(body, "agent@staff.test") || !strings.Contains(body, "ops@acme.test") {
		t.Fatalf("users page: %d", code)
	}
	// Create a staff member reporting to the supervisor.
	sup, mgr, agent := e.users[accounts.RoleSupervisor], e.users[accounts.RoleManager], e.users[accounts.RoleAgent]
	code, _, _ = admin.do("POST", "/console/admin/users", url.Values{"email": {"New@Staff.test"}, "name": {"新人"}, "role": {"agent"},
		"manager_id": {itoa(sup.ID)}, "phone": {"13700137000"}, "password": {"a good long password"}})
	if code != 303 {
		t.Fatalf("create: %d", code)
	}
	created, err := e.acc.UserByEmail(ctx, "new@staff.test")
	if err != nil || created.ManagerID != sup.ID || created.Role != accounts.RoleAgent {
		t.Fatalf("created %+v %v", created, err)
	}
	if _, err := e.acc.Login(ctx, "new@staff.test", "a good long password"); err != nil {
		t.Errorf("new user cannot log in: %v", err)
	}
	entry, _, after := lastAudit(t, e, "user.create")
	if entry.ActorID != adminUser.ID || entry.ObjectID != created.ID || after["email"] != "new@staff.test" {
		t.Errorf("create audit %+v %v", entry, after)
	}
	// Make sup report to mgr, then try to make mgr report to the new agent (mgr <- sup <- new): refused.
	if code, _, _ := admin.do("POST", "/console/admin/users/"+itoa(sup.ID), url.Values{"role": {"supervisor"}, "manager_id": {itoa(mgr.ID)}, "active": {"1"}}); code != 303 {
		t.Fatalf("set manager: %d", code)
	}
	entry, before, after := lastAudit(t, e, "user.update")
	if entry.ObjectID != sup.ID || before["manager_id"] != float64(0) || after["manager_id"] != float64(mgr.ID) {
		t.Errorf("update audit: %+v before %v after %v", entry, before, after)
	}
	refusals := []struct {
		name string
		path string
		form url.Values
		msg  string
	}{
		{"cycle", "/console/admin/users/" + itoa(mgr.ID), url.Values{"role": {"manager"}, "manager_id": {itoa(created.ID)}, "active": {"1"}}, "形成循环"},
		{"own manager", "/console/admin/users/" + itoa(agent.ID), url.Values{"role": {"agent"}, "manager_id": {itoa(agent.ID)}, "active": {"1"}}, "不能把用户设为自己的上级"},
		{"self demotion", "/console/admin/users/" + itoa(adminUser.ID), url.Values{"role": {"agent"}, "active": {"1"}}, "不能取消自己的管理员角色"},
		{"short password", "/console/admin/users/" + itoa(agent.ID) + "/password", url.Values{"password": {"short"}}, "至少需要 12 个字符"},
		{"taken email", "/console/admin/users", url.Values{"email": {"agent@staff.test"}, "name": {"X"}, "role": {"agent"}, "password": {"a good long password"}}, "该邮箱已有账号"},
		{"bad role", "/console/admin/users", url.Values{"email": {"y@staff.test"}, "name": {"Y"}, "role": {"shipper"}, "password": {"a good long password"}}, "请选择客服"},
	}
	for _, tt := range refusals {
		code, body, _ := admin.do("POST", tt.path, tt.form)
		if code != 422 || !strings.Contains(body, tt.msg) {
			t.Errorf("%s: %d, want 422 with %q", tt.name, code, tt.msg)
		}
	}
	if u, _ := e.acc.UserByID(ctx, mgr.ID); u.ManagerID != 0 {
		t.Errorf("cycle stored: manager of mgr = %d", u.ManagerID)
	}
	// Deactivate and reset: both audited; the agent's session ends.
	agentBrowser := e.login(t, accounts.RoleAgent)
	if code, _, _ := admin.do("POST", "/console/admin/users/"+itoa(agent.ID)+"/password", url.Values{"password": {"another long password"}}); code != 303 {
		t.Fatalf("reset: %d", code)
	}
	if entry, _, _ := lastAudit(t, e, "user.password_reset"); entry.ObjectID != agent.ID {
		t.Errorf("reset audit %+v", entry)
	}
	if code, _, _ := agentBrowser.do("GET", "/console/customers", nil); code != 303 {
		t.Errorf("agent still logged in after a reset: %d", code)
	}
	admin.do("POST", "/console/admin/users/"+itoa(agent.ID), url.Values{"role": {"agent"}})
	_, before, after = lastAudit(t, e, "user.update")
	if before["active"] != true || after["active"] != false {
		t.Errorf("deactivate audit: %v -> %v", before, after)
	}
	// A shipper user can be deactivated from the same page.
	shipUser := e.users[accounts.RoleShipper]
	if code, _, _ := admin.do("POST", "/console/admin/users/"+itoa(shipUser.ID), url.Values{"role": {"shipper"}}); code != 303 {
		t.Errorf("deactivate a shipper user: %d", code)
	}
	if u, _ := e.acc.UserByID(ctx, shipUser.ID); u.Active || u.Role != accounts.RoleShipper {
		t.Errorf("shipper user after deactivation: %+v", u)
	}
	// The audit page lists it, filtered by entity and actor.
	code, body, _ = admin.do("GET", "/console/admin/audit?entity=user&actor="+itoa(adminUser.ID), nil)
	if code != 200 || !strings.Contains(body, "user.password_reset") || !strings.Contains(body, "user.update") {
		t.Errorf("audit page: %d", code)
	}
	if _, body, _ = admin.do("GET", "/console/admin/audit?entity=canned_reply", nil); strings.Contains(body, "user.update") {
		t.Errorf("entity filter ignored")
	}
}

func TestAdminAuditPaging(t *testing.T) {
	t.Parallel()
	e := newC360Env(t)
	ctx := context.Background()
	t0 := time.Now().Add(-time.Hour)
	for i := 0; i < 60; i++ {
		audit.Record(ctx, e.pool, audit.Entry{Actor: "system", Action: "test.step" + itoa(int64(i)), Object: "complaint", ObjectID: int64(i + 1), At: t0.Add(time.Duration(i) * time.Second)})
	}
	admin := e.login(t, accounts.RoleAdmin)
	_, body, _ := admin.do("GET", "/console/admin/audit?entity=complaint", nil)
	if !strings.Contains(body, "test.step59<") || strings.Contains(body, "test.step9<") || !strings.Contains(body, `rel="next"`) {
		t.Fatalf("first page wrong")
	}
	next := body[strings.Index(body, `rel="next" href="`)+len(`rel="next" href="`):]
	next = strings.ReplaceAll(next[:strings.Index(next, `"`)], "&amp;", "&")
	_, body, _ = admin.do("GET", next, nil)
	if !strings.Contains(body, "test.step9<") || !strings.Contains(body, "test.step0<") || strings.Contains(body, "test.step10<") ||
		strings.Contains(body, `rel="next"`) {
		t.Errorf("second page wrong (%s)", next)
	}
}

func TestAdminSLAAndCanned(t *testing.T) {
	t.Parallel()
	e := newC360Env(t)
	ctx := context.Background()
	admin := e.login(t, accounts.RoleAdmin)
	if code, body, _ := admin.do("GET", "/console/admin/sla", nil); code != 200 || !strings.Contains(body, `name="first_response_minutes"`) {
		t.Fatalf("sla page: %d", code)
	}
	steps := []struct {
		name   string
		path   string
		form   url.Values
		code   int
		action string // audit action expected after a success
	}{
		{"policy", "/console/admin/sla/policy", url.Values{"priority": {"P2"}, "tier": {"regular"}, "first_response_minutes": {"45"}, "resolution_minutes": {"600"}, "business_hours_only": {"1"}}, 303, "sla.policy"},
		{"policy backwards", "/console/admin/sla/policy", url.Values{"priority": {"P2"}, "tier": {"regular"}, "first_response_minutes": {"60"}, "resolution_minutes": {"30"}}, 422, ""},
		{"policy not a number", "/console/admin/sla/policy", url.Values{"priority": {"P2"}, "tier": {"regular"}, "first_response_minutes": {"x"}, "resolution_minutes": {"30"}}, 422, ""},
		{"saturday hours", "/console/admin/sla/hours", url.Values{"day": {"6"}, "opens": {"10:00"}, "closes": {"16:30"}}, 303, "sla.hours"},
		{"hours backwards", "/console/admin/sla/hours", url.Values{"day": {"6"}, "opens": {"16:00"}, "closes": {"10:00"}}, 422, ""},
		{"holiday", "/console/admin/sla/holiday", url.Values{"day": {"2027-02-06"}, "name": {"春节"}}, 303, "sla.holiday"},
		{"holiday without a name", "/console/admin/sla/holiday", url.Values{"day": {"2027-02-07"}}, 422, ""},
		{"canned", "/console/admin/canned", url.Values{"reply_category": {"delayed"}, "reply_locale": {"zh"}, "title": {"延误致歉"}, "body": {"您好 {name}，运单 {tracking_no} 延误了"}}, 303, "canned.save"},
		{"canned empty", "/console/admin/canned", url.Values{"reply_category": {"delayed"}, "title": {""}, "body": {"x"}}, 422, ""},
	}
	for _, tt := range steps {
		code, body, _ := admin.do("POST", tt.path, tt.form)
		if code != tt.code {
			t.Errorf("%s: %d, want %d", tt.name, code, tt.code)
			continue
		}
		if code == 422 && !strings.Contains(body, `id="admin-error"`) {
			t.Errorf("%s: no message shown", tt.name)
		}
		if tt.action != "" {
			if entry, _, _ := lastAudit(t, e, tt.action); entry.ActorID != e.users[accounts.RoleAdmin].ID {
				t.Errorf("%s: audit actor %d", tt.name, entry.ActorID)
			}
		}
	}
	pols, _ := e.com.Policies(ctx)
	for _, p := range pols {
		if p.Priority == complaints.P2 && p.Tier == "regular" && (p.FirstResponseMinutes != 45 || p.ResolutionMinutes != 600) {
			t.Errorf("policy not stored: %+v", p)
		}
	}
	cal, _ := e.com.Calendar(ctx)
	if sp := cal.Hours[time.Saturday]; sp.Opens != 10*time.Hour || sp.Closes != 16*time.Hour+30*time.Minute || !cal.Holidays["2027-02-06"] {
		t.Errorf("calendar: %+v", cal)
	}
	_, body, _ := admin.do("GET", "/console/admin/sla", nil)
	if !strings.Contains(body, `value="10:00"`) || !strings.Contains(body, "2027-02-06") {
		t.Errorf("sla page does not show the saved hours and holiday")
	}
	admin.do("POST", "/console/admin/sla/holiday", url.Values{"day": {"2027-02-06"}, "remove": {"1"}})
	if cal, _ := e.com.Calendar(ctx); cal.Holidays["2027-02-06"] {
		t.Errorf("holiday not removed")
	}
	// Migrations seed some replies; ours is found by its title.
	find := func() *complaints.CannedReply {
		list, _ := e.com.Canned(ctx, "delayed", "zh")
		for _, r := range list {
			if r.Title == "延误致歉" {
				return &r
			}
		}
		return nil
	}
	mine := find()
	if mine == nil {
		t.Fatal("canned reply not stored")
	}
	_, body, _ = admin.do("GET", "/console/admin/canned?category=delayed&locale=zh", nil)
	if !strings.Contains(body, "{tracking_no} 延误了") {
		t.Errorf("canned page does not list the reply")
	}
	id := itoa(mine.ID)
	admin.do("POST", "/console/admin/canned", url.Values{"id": {id}, "reply_category": {"delayed"}, "reply_locale": {"zh"}, "title": {"延误致歉"}, "body": {"新的内容"}})
	if r := find(); r == nil || r.Body != "新的内容" || r.ID != mine.ID {
		t.Errorf("edit: %+v", r)
	}
	if code, _, _ := admin.do("POST", "/console/admin/canned/"+id+"/delete", url.Values{"category": {"delayed"}}); code != 303 {
		t.Errorf("delete: %d", code)
	}
	if r := find(); r != nil {
		t.Errorf("not deleted: %+v", r)
	}
	if entry, _, _ := lastAudit(t, e, "canned.delete"); itoa(entry.ObjectID) != id {
		t.Errorf("delete audit %+v", entry)
	}
}

// The audit filters take ids from the query string: a number that does not fit the
// database's integer (or overflows int64) is a filter that matches nothing, not a 500.
func TestAuditFiltersOutOfRangeIDs(t *testing.T) {
	e := newC360Env(t)
	admin := e.login(t, accounts.RoleAdmin)
	for _, tc := range []struct{ page, query string }{
		{"/console/admin/audit", "actor=3000000000"},
		{"/console/admin/audit", "actor=99999999999999999999999"},
		{"/console/admin/audit", "id=3000000000"},
		{"/console/admin/audit", "id=-99999999999999999999999"},
		{"/console/access", "actor=3000000000"},
		{"/console/access", "actor=99999999999999999999999"},
	} {
		if code, _, _ := admin.do("GET", tc.page+"?"+tc.query, nil); code != 200 {
			t.Errorf("%s?%s: %d, want 200", tc.page, tc.query, code)
		}
	}
}
