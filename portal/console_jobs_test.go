package portal_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"lcrm/accounts"
	"lcrm/care"
	"lcrm/complaints"
	"lcrm/internal/ratelimit"
	"lcrm/jobs"
	"lcrm/notify"
	"lcrm/portal"
)

// staffLogin creates a staff user and returns a browser logged in as them.
func staffLogin(t *testing.T, e *siteEnv, email string, role accounts.Role) *browser {
	t.Helper()
	if _, err := e.acc.CreateUser(context.Background(), accounts.NewUser{Email: email, Name: email, Password: "staff password 2026", Role: role}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.srv)
	b.do("GET", "/login", nil)
	if code, _, _ := b.do("POST", "/login", url.Values{"email": {email}, "password": {"staff password 2026"}}); code != 303 {
		t.Fatalf("login %s: %d", email, code)
	}
	return b
}

// The job console and the watch list: supervisors and up only; run now runs the job, the
// flag it raises is on the watch list, and a task can be marked done.
func TestConsoleJobsAndWatch(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	ctx := context.Background()
	pool := e.shp.Pool()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	deps := care.Deps{Pool: pool, Outbox: notify.New(pool, notify.Config{}), Complaints: complaints.NewStore(pool),
		PublicURL: "http://lcrm.test", Secret: []byte("test secret 0123456789abcdef0123"), Zone: time.UTC, Log: log}
	sched, err := jobs.NewScheduler(pool, time.UTC, jobs.Standard(deps), log)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Limiter: ratelimit.New(pool),
		Jobs: sched, Watch: care.NewStore(pool)}, portal.Config{PublicURL: "http://lcrm.test"})
	// SD100000000001 (key shipper, express: window 2 h) has been out for delivery 10 hours.
	if _, err := pool.Exec(ctx, `UPDATE shipments SET status = 'out_for_delivery', out_for_delivery_at = now() - interval '10 hours'
		WHERE tracking_no = 'SD100000000001'`); err != nil {
		t.Fatal(err)
	}
	agent := staffLogin(t, e, "agent@x.test", accounts.RoleAgent)
	sup := staffLogin(t, e, "sup@x.test", accounts.RoleSupervisor)
	mgr := staffLogin(t, e, "mgr@x.test", accounts.RoleManager)
	tests := []struct {
		who    string
		b      *browser
		method string
		path   string
		want   int
	}{
		{"agent", agent, "GET", "/console/jobs", 403},
		{"agent", agent, "GET", "/console/watch", 403},
		{"agent", agent, "POST", "/console/jobs/slow-signoff/run", 403},
		{"agent", agent, "POST", "/console/watch/tasks/1/done", 403},
		{"supervisor", sup, "GET", "/console/jobs", 200},
		{"supervisor", sup, "GET", "/console/watch", 200},
		{"manager", mgr, "GET", "/console/jobs", 200},
		{"manager", mgr, "GET", "/console/watch", 200},
		{"supervisor", sup, "POST", "/console/jobs/no-such-job/run", 404},
		{"visitor", newBrowser(t, e.srv), "GET", "/console/jobs", 303},
	}
	for _, tt := range tests {
		var form url.Values
		if tt.method == "POST" {
			tt.b.do("GET", "/", nil) // a CSRF cookie
			form = url.Values{}
		}
		if code, _, _ := tt.b.do(tt.method, tt.path, form); code != tt.want {
			t.Errorf("%s %s %s: %d, want %d", tt.who, tt.method, tt.path, code, tt.want)
		}
	}
	if n, _ := sched.History(ctx, "", 10); len(n) != 0 {
		t.Fatalf("refused requests ran jobs: %+v", n)
	}

	_, body, _ := sup.do("GET", "/console/jobs", nil)
	for _, w := range []string{"slow-signoff", "complaint-escalations", "立即运行", `name="_csrf"`, "还没有运行记录"} {
		if !strings.Contains(body, w) {
			t.Errorf("jobs page lacks %q", w)
		}
	}
	// Without the CSRF token the button does nothing.
	if code, _, _ := sup.do("POST", "/console/jobs/slow-signoff/run", url.Values{"_csrf": {"forged"}}); code != 403 {
		t.Errorf("forged run now: %d", code)
	}
	code, _, hdr := sup.do("POST", "/console/jobs/slow-signoff/run", url.Values{})
	if code != 303 || hdr.Get("Location") != "/console/jobs?ran=slow-signoff&outcome=ok" {
		t.Fatalf("run now: %d %s", code, hdr.Get("Location"))
	}
	h, err := sched.History(ctx, "slow-signoff", 10)
	if err != nil || len(h) != 1 || h[0].Trigger != jobs.TriggerManual || h[0].Status != jobs.StatusOK || h[0].Items != 2 {
		t.Fatalf("history after run now: %+v, %v", h, err) // one flag, one alert
	}
	_, body, _ = sup.do("GET", hdr.Get("Location"), nil)
	if !strings.Contains(body, "任务 slow-signoff 已运行") || !strings.Contains(body, "手动（控制台）") {
		t.Errorf("jobs page after the run lacks the outcome or the history row")
	}

	_, body, _ = sup.do("GET", "/console/watch", nil)
	for _, w := range []string{`href="/track/SD100000000001"`, "派送中超时", "超过两倍时限", "签收严重延误", "杭州云裳服饰有限公司", "10 小时 0 分"} {
		if !strings.Contains(body, w) {
			t.Errorf("watch page lacks %q", w)
		}
	}
	if strings.Contains(body, "SD100000000002") {
		t.Error("a parcel on time is on the watch list")
	}
	_, body, _ = sup.do("GET", "/console/watch?lang=en", nil)
	if !strings.Contains(body, "out for delivery too long") || !strings.Contains(body, "twice the window") {
		t.Error("English watch page")
	}
	tasks, _ := care.NewStore(pool).Tasks(ctx)
	if len(tasks) != 1 {
		t.Fatalf("%d tasks", len(tasks))
	}
	for range 2 { // a double submit is harmless
		if code, _, hdr := sup.do("POST", "/console/watch/tasks/"+itoa(tasks[0].ID)+"/done", url.Values{}); code != 303 || hdr.Get("Location") != "/console/watch" {
			t.Errorf("task done: %d %s", code, hdr.Get("Location"))
		}
	}
	if _, body, _ = sup.do("GET", "/console/watch?lang=zh", nil); !strings.Contains(body, "没有待办任务") {
		t.Error("finished task still listed")
	}
}
