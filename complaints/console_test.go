package complaints_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"lcrm/audit"
	"lcrm/complaints"
	"lcrm/customers"
)

// Two agents open one complaint: each sees the other while the other's view is younger
// than PresenceTTL, never themselves, and nobody after it.
func TestPresence(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.user("pr-a", "agent", 0), f.user("pr-b", "agent", 0)
	c := f.file(complaints.Lost, customers.TierRegular)
	names := func(vs []complaints.Viewer) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Name)
		}
		return out
	}
	steps := []struct {
		name    string
		advance time.Duration
		who     complaints.Actor
		want    []string
	}{
		{"a alone", 0, a, nil},
		{"b sees a", 10 * time.Second, b, []string{"pr-a"}},
		{"a sees b", 10 * time.Second, a, []string{"pr-b"}},
		{"b's view expired", complaints.PresenceTTL + time.Second, a, nil},
		{"b back sees a, who looked just now", 0, b, []string{"pr-a"}},
	}
	for _, s := range steps {
		f.now = f.now.Add(s.advance)
		got, err := f.store.Present(ctx, c.ID, s.who.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if g := names(got); len(g) != len(s.want) || (len(g) > 0 && g[0] != s.want[0]) {
			t.Errorf("%s: others %v, want %v", s.name, g, s.want)
		}
	}
	if got, err := f.store.Present(ctx, 999999, a.UserID); err != nil || len(got) != 0 {
		t.Errorf("presence on a missing complaint: %v, %v", got, err)
	}
}

// A reply written on a page older than another agent's reply is refused with what it
// would cross; sent again from the fresher page it goes through. One's own entries and
// system lines do not count.
func TestReplyAfterCrossing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.user("cr-a", "agent", 0), f.user("cr-b", "agent", 0)
	c := f.file(complaints.Lost, customers.TierRegular)
	if err := f.store.Claim(ctx, c.ID, a); err != nil {
		t.Fatal(err)
	}
	seenBy := func() int64 {
		tl, err := f.store.Timeline(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		return tl[len(tl)-1].ID
	}
	page := seenBy() // both open the page now
	f.now = f.now.Add(time.Minute)
	if _, err := f.store.ReplyAfter(ctx, c.ID, a, "我们已联系网点", true, page); err != nil {
		t.Fatalf("first reply: %v", err)
	}
	f.now = f.now.Add(time.Minute)
	_, err := f.store.ReplyAfter(ctx, c.ID, b, "内部:已催促", false, page)
	var crossed *complaints.CrossedError
	if !errors.As(err, &crossed) || !errors.Is(err, complaints.ErrCrossed) {
		t.Fatalf("b's reply from the old page: %v, want a CrossedError", err)
	}
	if len(crossed.Entries) != 1 || crossed.Entries[0].Text != "我们已联系网点" || crossed.Entries[0].ActorName != "cr-a" {
		t.Errorf("crossed entries %+v", crossed.Entries)
	}
	if tl, _ := f.store.Timeline(ctx, c.ID, true); tl[len(tl)-1].Text == "内部:已催促" {
		t.Error("the crossing note was stored")
	}
	// a's own reply after its own does not warn a; b from a fresh page goes through.
	if _, err := f.store.ReplyAfter(ctx, c.ID, a, "补充说明", true, page); err != nil {
		t.Errorf("a crossing only its own reply: %v", err)
	}
	if _, err := f.store.ReplyAfter(ctx, c.ID, b, "内部:已催促", false, seenBy()); err != nil {
		t.Errorf("b from the fresh page: %v", err)
	}
	// The customer's message counts too.
	page = seenBy()
	if err := f.store.AddCustomerMessage(ctx, c.ID, "还没收到"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.ReplyAfter(ctx, c.ID, a, "稍等", true, page); !errors.Is(err, complaints.ErrCrossed) {
		t.Errorf("a reply crossing the customer's message: %v", err)
	}
}

// Notifications are paged newest first with the unread count and their complaint's
// reference; opening one marks it read once and returns it; another user's is not found.
func TestNotificationsPageAndOpen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	sup, other := f.user("np-sup", "supervisor", 0), f.user("np-other", "supervisor", 0)
	c := f.file(complaints.Lost, customers.TierRegular)
	for i := range 5 {
		var cid any
		if i%2 == 0 {
			cid = c.ID
		}
		if _, err := f.pool.Exec(ctx, `INSERT INTO notifications (user_id, complaint_id, kind, text, created_at)
			VALUES ($1, $2, 'escalation', $3, $4)`, sup.UserID, cid, "n"+string(rune('0'+i)), monday10.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	p0, err := f.store.NotificationsPage(ctx, sup.UserID, true, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p0.Items) != 2 || !p0.More || p0.Unread != 5 || p0.Items[0].Text != "n4" || p0.Items[0].ComplaintRef != c.Ref || p0.Items[1].ComplaintRef != "" {
		t.Fatalf("page 0: %+v", p0)
	}
	p2, err := f.store.NotificationsPage(ctx, sup.UserID, true, 2, 2)
	if err != nil || len(p2.Items) != 1 || p2.More || p2.Items[0].Text != "n0" {
		t.Fatalf("page 2: %+v %v", p2, err)
	}
	if _, err := f.store.OpenNotification(ctx, other.UserID, p0.Items[0].ID); !errors.Is(err, complaints.ErrNotFound) {
		t.Errorf("opening another user's notification: %v", err)
	}
	n, err := f.store.OpenNotification(ctx, sup.UserID, p0.Items[0].ID)
	if err != nil || n.ReadAt == nil || !n.ReadAt.Equal(monday10) || n.ComplaintID != c.ID {
		t.Fatalf("open: %+v %v", n, err)
	}
	f.now = f.now.Add(time.Hour)
	if n, _ := f.store.OpenNotification(ctx, sup.UserID, n.ID); n.ReadAt == nil || !n.ReadAt.Equal(monday10) {
		t.Errorf("opening again moved the read time: %v", n.ReadAt)
	}
	if p, _ := f.store.NotificationsPage(ctx, sup.UserID, true, 0, 10); p.Unread != 4 || len(p.Items) != 4 {
		t.Errorf("after opening one: %d unread, %d listed", p.Unread, len(p.Items))
	}
	if p, _ := f.store.NotificationsPage(ctx, sup.UserID, false, 0, 10); len(p.Items) != 5 {
		t.Errorf("with read ones: %d listed", len(p.Items))
	}
}

// Timeline system lines carry codes and data; old rows' English text is decoded into the
// same codes, and words people wrote keep no code.
func TestTimelineCodes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := f.user("tc-agent", "agent", 0)
	c := f.file(complaints.Lost, customers.TierRegular)
	if err := f.store.Claim(ctx, c.ID, a); err != nil {
		t.Fatal(err)
	}
	if err := f.store.SetPriority(ctx, c.ID, complaints.P1, a); err != nil {
		t.Fatal(err)
	}
	old := []string{"assignment|assigned to nobody", "assignment|assigned to 王五", "priority|P3 -> P2",
		"status|closed automatically 7 days after resolution", "escalation|first response deadline missed: level 2, alerted 甲, 乙",
		"resolution|root cause courier, department 网点 A, code compensated, compensation 12.50 CNY", "public_reply|claimed by nobody"}
	for _, o := range old {
		kind, text, _ := cut(o)
		if _, err := f.pool.Exec(ctx, `INSERT INTO complaint_entries (complaint_id, kind, actor, text, public, at)
			VALUES ($1, $2, 'system', $3, false, $4)`, c.ID, kind, text, monday10.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	tl, err := f.store.Timeline(ctx, c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ code, key, val string }{
		{"", "", ""}, // filed
		{"claimed", "name", "tc-agent"},
		{"", "", ""}, // acknowledged
		{"priority", "to", "P1"},
		{"assigned", "name", ""},
		{"assigned", "name", "王五"},
		{"priority", "to", "P2"},
		{"auto_closed", "", ""},
		{"escalated", "deadline", "first_response"},
		{"resolution", "yuan", "12.50"},
		{"", "", ""}, // a reply is people's words, whatever it says
	}
	if len(tl) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(tl), len(want), tl)
	}
	for i, w := range want {
		e := tl[i]
		if e.Code != w.code || (w.key != "" && e.Data[w.key] != w.val) {
			t.Errorf("entry %d (%s %q): code %q data %v, want %q %s=%q", i, e.Kind, e.Text, e.Code, e.Data, w.code, w.key, w.val)
		}
	}
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '|' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// Every audited change records the value before it: SLA policies, business hours,
// holidays, canned replies, and a priority change's deadlines.
func TestAuditBeforeValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user("ab-admin", "admin", 0)
	last := func(action string) (before, after map[string]any) {
		t.Helper()
		es, err := audit.List(ctx, f.pool, audit.Filter{Action: action, Limit: 1})
		if err != nil || len(es) == 0 {
			t.Fatalf("%s: %v %v", action, es, err)
		}
		dec := func(v any) map[string]any {
			raw, _ := v.(json.RawMessage)
			if len(raw) == 0 {
				return nil
			}
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("%s: %s: %v", action, raw, err)
			}
			return m
		}
		return dec(es[0].Before), dec(es[0].After)
	}
	pols, err := f.store.Policies(ctx)
	if err != nil || len(pols) == 0 {
		t.Fatal(pols, err)
	}
	p := pols[0]
	was := p.FirstResponseMinutes
	p.FirstResponseMinutes = was + 7
	if err := f.store.SavePolicy(ctx, p, admin); err != nil {
		t.Fatal(err)
	}
	if b, a := last("sla.policy"); b == nil || b["FirstResponseMinutes"] != float64(was) || a["FirstResponseMinutes"] != float64(was+7) {
		t.Errorf("sla.policy before %v after %v", b, a)
	}
	cal, err := f.store.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mon := cal.Hours[time.Monday]
	if err := f.store.SetBusinessHours(ctx, time.Monday, complaints.Span{Opens: 8 * time.Hour, Closes: 20*time.Hour + 30*time.Minute}, admin); err != nil {
		t.Fatal(err)
	}
	b, a := last("sla.hours")
	if b == nil || b["opens"] != clockOf(mon.Opens) || a["opens"] != "08:00" || a["closes"] != "20:30" {
		t.Errorf("sla.hours before %v after %v (Monday was %v)", b, a, mon)
	}
	if err := f.store.SetBusinessHours(ctx, time.Monday, complaints.Span{}, admin); err != nil {
		t.Fatal(err)
	}
	if b, a := last("sla.hours"); b["opens"] != "08:00" || a != nil {
		t.Errorf("closing Monday: before %v after %v", b, a)
	}
	day := time.Date(2026, 12, 15, 0, 0, 0, 0, complaints.DefaultZone)
	for i, name := range []string{"公司年会", "年会", ""} {
		if err := f.store.SetHoliday(ctx, day, name, admin); err != nil {
			t.Fatal(err)
		}
		b, a := last("sla.holiday")
		switch i {
		case 0:
			if b != nil || a["name"] != "公司年会" {
				t.Errorf("new holiday: before %v after %v", b, a)
			}
		case 1:
			if b["name"] != "公司年会" || a["name"] != "年会" {
				t.Errorf("renamed holiday: before %v after %v", b, a)
			}
		case 2:
			if b["name"] != "年会" || a != nil {
				t.Errorf("removed holiday: before %v after %v", b, a)
			}
		}
	}
	r, err := f.store.SaveCanned(ctx, complaints.CannedReply{Title: "问候", Body: "您好", Locale: "zh"}, admin)
	if err != nil {
		t.Fatal(err)
	}
	r.Body = "您好,{name}"
	if _, err := f.store.SaveCanned(ctx, r, admin); err != nil {
		t.Fatal(err)
	}
	if b, a := last("canned.save"); b["body"] != "您好" || a["body"] != "您好,{name}" {
		t.Errorf("canned.save before %v after %v", b, a)
	}
	if err := f.store.DeleteCanned(ctx, r.ID, admin); err != nil {
		t.Fatal(err)
	}
	if b, a := last("canned.delete"); b["body"] != "您好,{name}" || a != nil {
		t.Errorf("canned.delete before %v after %v", b, a)
	}
	c := f.file(complaints.Lost, customers.TierRegular)
	if err := f.store.SetPriority(ctx, c.ID, complaints.P1, admin); err != nil {
		t.Fatal(err)
	}
	b, a = last("complaint.priority")
	if b["first_response_due"] != c.FirstResponseDue.UTC().Format(time.RFC3339Nano) && b["first_response_due"] != c.FirstResponseDue.Format(time.RFC3339Nano) {
		t.Errorf("priority before %v, want the old deadline %v", b, c.FirstResponseDue)
	}
	if b["priority"] != string(c.Priority) || a["priority"] != "P1" || b["resolution_due"] == nil {
		t.Errorf("priority before %v after %v", b, a)
	}
}

// clockOf is HH:MM of a time of day.
func clockOf(d time.Duration) string {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Format("15:04")
}
