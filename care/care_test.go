package care_test

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lcrm/care"
	"lcrm/customers"
)

func TestSendSurveys(t *testing.T) {
	f := newFixture(t)
	sh := f.shipper("REG", "regular", "")
	h := time.Hour
	tests := []struct {
		p        parcel
		answered bool
		want     bool
	}{
		{parcel{no: "SD0000000001", level: "standard", status: "delivered", shipper: sh, delivered: 1 * h}, false, true},
		{parcel{no: "SD0000000002", level: "standard", status: "delivered", shipper: sh, delivered: 73 * h, created: 100 * h}, false, false}, // before the window
		{parcel{no: "SD0000000003", level: "standard", status: "delivered", shipper: sh, delivered: 2 * h}, true, false},                     // already answered
		{parcel{no: "SD0000000004", level: "standard", status: "out_for_delivery", shipper: sh, ofd: 2 * h}, false, false},
		{parcel{no: "SD0000000005", level: "express", status: "delivered", shipper: sh, delivered: 71 * h, created: 100 * h}, false, true},
	}
	want := 0
	ids := map[string]int64{}
	for _, tt := range tests {
		id := f.shipment(tt.p)
		ids[tt.p.no] = id
		if tt.answered {
			f.exec(`INSERT INTO surveys (shipment_id, consignee_id, csat, nps) SELECT id, consignee_id, 5, 10 FROM shipments WHERE id = $1`, id)
		}
		if tt.want {
			want++
		}
	}
	for run := 1; run <= 2; run++ {
		n, err := care.SendSurveys(f.ctx, f.deps, now)
		if err != nil || (run == 1 && n != want) || (run == 2 && n != 0) {
			t.Errorf("run %d: %d, %v", run, n, err)
		}
	}
	for _, tt := range tests {
		got := f.outbox("survey:"+itoa(ids[tt.p.no])) == 1 && f.count(`SELECT count(*) FROM care_sent WHERE kind = 'survey' AND subject_id = $1`, ids[tt.p.no]) == 1
		if got != tt.want {
			t.Errorf("%s: survey SMS %v, want %v", tt.p.no, got, tt.want)
		}
	}
	if n := f.outbox("survey:"); n != want {
		t.Errorf("%d survey messages after two runs, want %d", n, want)
	}
	// The link is a valid survey link for that parcel.
	var body string
	f.pool.QueryRow(f.ctx, `SELECT body FROM `+outboxTable+` WHERE key = 'survey:' || $1::bigint`, ids["SD0000000001"]).Scan(&body)
	link := regexp.MustCompile(`https://lcrm\.test/survey/[A-Za-z0-9_-]+`).FindString(body)
	const prefix = "https://lcrm.test/survey/"
	if len(link) <= len(prefix) || link[:len(prefix)] != prefix {
		t.Fatalf("link %q", link)
	}
	// It works until 30 days after delivery (delivered 1 hour before now), not after.
	if id, err := customers.VerifySurveyToken(f.deps.Secret, link[len(prefix):], now.Add(30*24*h-2*h)); err != nil || id != ids["SD0000000001"] {
		t.Errorf("survey token: %d, %v", id, err)
	}
	if _, err := customers.VerifySurveyToken(f.deps.Secret, link[len(prefix):], now.Add(30*24*h)); err == nil {
		t.Errorf("survey token still valid 30 days after delivery")
	}
}

func TestComplaintFollowups(t *testing.T) {
	f := newFixture(t)
	sh := f.shipper("REG", "regular", "")
	h := time.Hour
	tests := []struct {
		ref, status string
		resolved    time.Duration // before now; 0: not resolved
		rating      int
		want        bool
	}{
		{"C2611-000001", "resolved", 1 * h, 0, true},
		{"C2611-000002", "resolved", 1 * h, 4, false}, // already rated
		{"C2611-000003", "resolved", 73 * h, 0, false},
		{"C2611-000004", "in_progress", 0, 0, false},
		{"C2611-000005", "resolved", 70 * h, 0, true},
	}
	ids := map[string]int64{}
	want := 0
	for i, tt := range tests {
		sid := f.shipment(parcel{no: "SD000000010" + itoa(int64(i)), level: "standard", status: "delivered", shipper: sh, delivered: 200 * h, created: 300 * h})
		ids[tt.ref] = f.id(`INSERT INTO complaints (ref, shipment_id, shipper_id, consignee_id, category, description, contact_phone,
			status, priority, first_response_due, resolution_due, clock_start, resolved_at, rating, created_at, updated_at)
			SELECT $2, id, shipper_id, consignee_id, 'delayed', '太慢了', '+8613700000001', $3, 'P3', $4, $4, $4, $5, $6, $4, $4
			FROM shipments WHERE id = $1 RETURNING id`, sid, tt.ref, tt.status, now.Add(-150*h), ago(tt.resolved), tt.rating)
		if tt.want {
			want++
		}
	}
	for run := 1; run <= 2; run++ {
		n, err := care.ComplaintFollowups(f.ctx, f.deps, now)
		if err != nil || (run == 1 && n != want) || (run == 2 && n != 0) {
			t.Errorf("run %d: %d, %v", run, n, err)
		}
	}
	for _, tt := range tests {
		got := f.count(`SELECT count(*) FROM `+outboxTable+` WHERE key = 'complaint-followup:' || $1::bigint || ':0' AND strpos(body, $2) > 0`,
			ids[tt.ref], "https://lcrm.test/complaint/"+tt.ref) == 1
		if got != tt.want {
			t.Errorf("%s: follow-up %v, want %v", tt.ref, got, tt.want)
		}
	}
	if n := f.outbox("complaint-followup:"); n != want {
		t.Errorf("%d follow-ups, want %d", n, want)
	}
	// C2611-000001 is reopened and resolved again: asked once more, under its new round.
	f.exec(`UPDATE complaints SET reopen_count = 1, resolved_at = $2 WHERE id = $1`, ids["C2611-000001"], now.Add(-time.Minute))
	for run := 1; run <= 2; run++ {
		if n, err := care.ComplaintFollowups(f.ctx, f.deps, now); err != nil || n != 2-run {
			t.Errorf("after reopen, run %d: %d, %v", run, n, err)
		}
	}
	if n := f.outbox("complaint-followup:" + itoa(ids["C2611-000001"]) + ":1"); n != 1 {
		t.Errorf("follow-up of the second resolution: %d", n)
	}
}

func TestWinBackTasks(t *testing.T) {
	f := newFixture(t)
	day := 24 * time.Hour
	type shipper struct {
		code, tier string
		n          int           // shipments, one per day going back from last
		last       time.Duration // before now
		want       bool
	}
	tests := []shipper{
		{"QUIET", "key", 25, 40 * day, true},
		{"BUSY", "key", 25, 5 * day, false},
		{"SMALLVOL", "key", 10, 40 * day, false},
		{"REGULAR", "regular", 25, 40 * day, false},
		{"ANCIENT", "key", 25, 400 * day, false},
	}
	ids := map[string]int64{}
	k := 0
	for _, tt := range tests {
		ids[tt.code] = f.shipper(tt.code, tt.tier, "")
		for i := 0; i < tt.n; i++ {
			k++
			f.shipment(parcel{no: "SD00000" + pad(k), level: "standard", status: "delivered", shipper: ids[tt.code],
				created: tt.last + time.Duration(i)*2*day, delivered: tt.last})
		}
	}
	for run := 1; run <= 2; run++ {
		n, err := care.WinBackTasks(f.ctx, f.deps, now)
		if err != nil || (run == 1 && n != 1) || (run == 2 && n != 0) {
			t.Errorf("run %d: %d, %v", run, n, err)
		}
	}
	for _, tt := range tests {
		got := f.count(`SELECT count(*) FROM staff_tasks WHERE kind = 'winback' AND shipper_id = $1`, ids[tt.code])
		if (got == 1) != tt.want || got > 1 {
			t.Errorf("%s: %d tasks, want %v", tt.code, got, tt.want)
		}
	}
	// QUIET ships once more and goes quiet again: a new spell, a new task.
	f.shipment(parcel{no: "SD0000999999", level: "standard", status: "delivered", shipper: ids["QUIET"], created: 31 * day, delivered: 30 * day})
	if n, err := care.WinBackTasks(f.ctx, f.deps, now); n != 1 || err != nil {
		t.Errorf("new quiet spell: %d, %v", n, err)
	}
	tasks, err := care.NewStore(f.pool).Tasks(f.ctx)
	if err != nil || len(tasks) != 2 || tasks[0].ShipperName != "QUIET 公司" {
		t.Fatalf("tasks %+v, %v", tasks, err)
	}
	sup := f.id(`INSERT INTO users (email, password_hash, role) VALUES ('sup@x.test', 'x', 'supervisor') RETURNING id`)
	w := care.NewStore(f.pool)
	w.Now = func() time.Time { return now }
	if err := w.FinishTask(f.ctx, tasks[0].ID, sup); err != nil {
		t.Errorf("finish: %v", err)
	}
	if err := w.FinishTask(f.ctx, tasks[0].ID, sup); !errors.Is(err, care.ErrTaskNotFound) {
		t.Errorf("finish twice: %v", err)
	}
	if tasks, _ := w.Tasks(f.ctx); len(tasks) != 1 {
		t.Errorf("%d open tasks after finishing one, want 1", len(tasks))
	}
}

func TestHolidayGreetings(t *testing.T) {
	f := newFixture(t)
	zh := f.shipper("KEYZH", "key", "+8613900000001")
	en := f.shipper("KEYEN", "key", "+8613900000002")
	f.exec(`UPDATE shippers SET locale = 'en-US', contact_name = 'Ann' WHERE id = $1`, en)
	f.shipper("KEYNOPHONE", "key", "")
	f.shipper("REG", "regular", "+8613900000003")
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	tests := []struct {
		name string
		at   time.Time
		zone *time.Location
		want int
	}{
		{"ordinary day", time.Date(2027, 2, 7, 1, 0, 0, 0, time.UTC), shanghai, 0},
		{"Spring Festival in Shanghai, the eve in UTC", time.Date(2027, 2, 5, 20, 0, 0, 0, time.UTC), time.UTC, 0},
		{"Spring Festival in Shanghai", time.Date(2027, 2, 5, 20, 0, 0, 0, time.UTC), shanghai, 2},
		{"again the same day", time.Date(2027, 2, 6, 1, 0, 0, 0, time.UTC), shanghai, 0},
		{"National Day 2026", time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC), shanghai, 2},
	}
	for _, tt := range tests {
		d := f.deps
		d.Zone = tt.zone
		n, err := care.HolidayGreetings(f.ctx, d, tt.at)
		if err != nil || n != tt.want {
			t.Errorf("%s: %d, %v; want %d", tt.name, n, err, tt.want)
		}
	}
	var body, locale string
	f.pool.QueryRow(f.ctx, `SELECT body, locale FROM `+outboxTable+` WHERE key = 'holiday:2027-02-06:' || $1::bigint`, en).Scan(&body, &locale)
	if !strings.Contains(body, "Dear Ann: Happy Spring Festival!") || locale != "en" {
		t.Errorf("English greeting: %q %q", body, locale)
	}
	if n := f.outbox("holiday:2027-02-06:" + itoa(zh)); n != 1 {
		t.Errorf("Chinese greeting: %d", n)
	}
	if n := f.outbox("holiday:"); n != 4 {
		t.Errorf("%d greetings in all, want 4", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func pad(n int) string { return fmt.Sprintf("%07d", n) }

// TestWinBackRevenueAtRisk: win-back tasks carry the revenue of the 90 days up to the
// shipper's last shipment, and the watch list puts the largest first, after the
// supervisor alerts.
func TestWinBackRevenueAtRisk(t *testing.T) {
	f := newFixture(t)
	day := 24 * time.Hour
	k := 0
	for _, s := range []struct {
		code    string
		n       int
		freight int64
	}{{"POOR", 30, 100}, {"RICH", 20, 10000}} {
		id := f.shipper(s.code, "key", "")
		for i := 0; i < s.n; i++ {
			k++
			sid := f.shipment(parcel{no: "SD00001" + pad(k), level: "standard", status: "delivered", shipper: id,
				created: 40*day + time.Duration(i)*2*day, delivered: 40 * day})
			f.exec(`UPDATE shipments SET freight_fen = $2, surcharge_fen = CASE WHEN id % 2 = 0 THEN 50 END WHERE id = $1`, sid, s.freight)
		}
	}
	alert := f.shipper("ALERT", "regular", "")
	f.exec(`INSERT INTO staff_tasks (key, kind, shipper_id, text, created_at) VALUES ('alert:1', 'slow_signoff', $1, 'x', $2)`, alert, now)
	if n, err := care.WinBackTasks(f.ctx, f.deps, now); n != 2 || err != nil {
		t.Fatalf("win-back: %d, %v", n, err)
	}
	tasks, err := care.NewStore(f.pool).Tasks(f.ctx)
	if err != nil || len(tasks) != 3 {
		t.Fatalf("tasks %+v, %v", tasks, err)
	}
	want := []struct {
		kind, shipper string
		fen           int64
	}{{"slow_signoff", "ALERT 公司", 0}, {"winback", "RICH 公司", 0}, {"winback", "POOR 公司", 0}}
	for i, w := range want {
		if w.kind == "winback" {
			w.fen = f.id(`SELECT sum(freight_fen + COALESCE(surcharge_fen, 0)) FROM shipments s JOIN shippers p ON p.id = s.shipper_id
				WHERE p.name = $1`, w.shipper)
		}
		if got := tasks[i]; got.Kind != w.kind || got.ShipperName != w.shipper || got.RevenueAtRiskFen != w.fen {
			t.Errorf("task %d = %s %s %d, want %s %s %d", i, got.Kind, got.ShipperName, got.RevenueAtRiskFen, w.kind, w.shipper, w.fen)
		}
	}
}
