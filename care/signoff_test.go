package care_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"lcrm/care"
)

func TestFlagSlowSignoffs(t *testing.T) {
	f := newFixture(t)
	key := f.shipper("KEY", "key", "+8613900000001")
	reg := f.shipper("REG", "regular", "+8613900000002")
	h := time.Hour
	tests := []struct {
		p       parcel
		reasons []string // flags after the run
		notice  bool     // key shipper notice
		tasks   int      // supervisor tasks (alert points reached)
	}{
		{parcel{no: "SD0000000001", level: "standard", status: "out_for_delivery", shipper: reg, promised: 5 * h, station: 20 * h, ofd: 5 * h}, []string{"out_for_delivery"}, false, 0},
		{parcel{no: "SD0000000002", level: "standard", status: "out_for_delivery", shipper: reg, promised: 5 * h, station: 20 * h, ofd: 3 * h}, nil, false, 0},
		{parcel{no: "SD0000000003", level: "express", status: "out_for_delivery", shipper: key, promised: 5 * h, station: 5 * h, ofd: 150 * time.Minute}, []string{"out_for_delivery"}, true, 0},
		{parcel{no: "SD0000000004", level: "same_day", status: "arrived_at_station", shipper: reg, promised: 5 * h, station: 7 * h}, []string{"at_station"}, false, 0},
		{parcel{no: "SD0000000005", level: "standard", status: "arrived_at_station", shipper: reg, promised: 5 * h, station: 23 * h}, nil, false, 0},
		{parcel{no: "SD0000000006", level: "standard", status: "in_transit", shipper: reg, promised: -1 * h}, []string{"past_promise"}, false, 0},
		{parcel{no: "SD0000000007", level: "standard", status: "delivered", shipper: reg, promised: -30 * h, station: 40 * h, ofd: 30 * h, delivered: 1 * h}, nil, false, 0},
		// Twice the window out for delivery and 30 hours past the promise: two flags, one
		// apology, both at their alert point.
		{parcel{no: "SD0000000008", level: "standard", status: "delivery_failed", shipper: reg, promised: -30 * h, station: 40 * h, ofd: 9 * h}, []string{"out_for_delivery", "past_promise"}, false, 2},
		{parcel{no: "SD0000000009", level: "standard", status: "returned", shipper: key, promised: -30 * h, station: 40 * h}, nil, false, 0},
	}
	// Supervisors: alerted by SMS when they have a phone, in the app when active.
	f.exec(`INSERT INTO users (email, password_hash, role, phone, active) VALUES
		('sup1@x.test', 'x', 'supervisor', '+8613600000001', true),
		('sup2@x.test', 'x', 'supervisor', '', true),
		('sup3@x.test', 'x', 'supervisor', '+8613600000003', false),
		('agent@x.test', 'x', 'agent', '+8613600000004', true)`)
	sup1 := f.id(`SELECT id FROM users WHERE email = 'sup1@x.test'`)
	ids := map[string]int64{}
	for _, tt := range tests {
		ids[tt.p.no] = f.shipment(tt.p)
	}
	res, err := care.FlagSlowSignoffs(f.ctx, f.deps, now)
	if err != nil {
		t.Fatal(err)
	}
	wantFlags, wantApologies, wantNotices, wantTasks := 0, 0, 0, 0
	for _, tt := range tests {
		id := ids[tt.p.no]
		rows, _ := f.pool.Query(f.ctx, `SELECT reason FROM slow_signoffs WHERE shipment_id = $1 ORDER BY reason`, id)
		var got []string
		for rows.Next() {
			var r string
			rows.Scan(&r)
			got = append(got, r)
		}
		sort.Strings(tt.reasons)
		if strings.Join(got, ",") != strings.Join(tt.reasons, ",") {
			t.Errorf("%s: flags %v, want %v", tt.p.no, got, tt.reasons)
		}
		apologies := f.count(`SELECT count(*) FROM `+outboxTable+` WHERE key = 'delay-apology:' || $1::bigint`, id)
		notices := f.count(`SELECT count(*) FROM `+outboxTable+` WHERE key = 'shipper-notice:' || $1::bigint`, id)
		tasks := f.count(`SELECT count(*) FROM staff_tasks WHERE kind = 'slow_signoff' AND shipment_id = $1`, id)
		if (apologies == 1) != (len(tt.reasons) > 0) || apologies > 1 || (notices == 1) != tt.notice || tasks != tt.tasks {
			t.Errorf("%s: %d apologies, %d notices, %d tasks; want notice %v, %d tasks", tt.p.no, apologies, notices, tasks, tt.notice, tt.tasks)
		}
		wantFlags += len(tt.reasons)
		wantApologies += min(1, len(tt.reasons))
		if tt.notice {
			wantNotices++
		}
		wantTasks += tt.tasks
	}
	if res != (care.SignoffResult{Flagged: wantFlags, Apologies: wantApologies, Notices: wantNotices, Alerted: wantTasks}) {
		t.Errorf("result %+v", res)
	}
	// The lag and window are recorded; the apology carries the tracking link.
	var lag, window time.Duration
	if err := f.pool.QueryRow(f.ctx, `SELECT lag, window_allowed FROM slow_signoffs WHERE shipment_id = $1`, ids["SD0000000001"]).Scan(&lag, &window); err != nil || lag != 5*h || window != 4*h {
		t.Errorf("lag %v window %v (%v), want 5h 4h", lag, window, err)
	}
	if n := f.count(`SELECT count(*) FROM `+outboxTable+` WHERE key = 'delay-apology:' || $1::bigint AND body LIKE '%https://lcrm.test/track/SD0000000001%'`, ids["SD0000000001"]); n != 1 {
		t.Errorf("apology without the tracking link")
	}

	// A second run at the same time changes nothing.
	again, err := care.FlagSlowSignoffs(f.ctx, f.deps, now)
	if err != nil || again != (care.SignoffResult{}) {
		t.Errorf("second run: %+v, %v", again, err)
	}
	if n := f.outbox(""); n != wantApologies+wantNotices+wantTasks {
		t.Errorf("outbox %d after two runs, want %d", n, wantApologies+wantNotices+wantTasks)
	}
	// Each alert: one SMS to the supervisor with a phone, keyed by flag and user, and an
	// in-app notification to each active supervisor.
	if n := f.count(`SELECT count(*) FROM `+outboxTable+` o JOIN slow_signoffs f ON o.key = 'signoff-alert:' || f.id || ':' || $1::bigint
		WHERE f.alerted_at IS NOT NULL AND o.to_phone = '+8613600000001' AND o.kind = 'staff_alert'`, sup1); n != wantTasks {
		t.Errorf("%d supervisor alert SMS, want %d", n, wantTasks)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE kind = 'slow_signoff'`); n != 2*wantTasks {
		t.Errorf("%d notifications, want %d", n, 2*wantTasks)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE text = 'SD0000000008 out for delivery for 9 h'
		AND data = '{"tracking_no": "SD0000000008", "reason": "out_for_delivery", "hours": 9}'::jsonb`); n != 2 {
		t.Errorf("%d notifications with the expected text and data, want 2", n)
	}
	if n := f.count(`SELECT count(*) FROM ` + outboxTable + ` WHERE kind = 'staff_alert' AND body LIKE '%包裹SD0000000008超过承诺时间已30小时0分%/console/watch%'`); n != 1 {
		t.Errorf("%d past-promise alert SMS with the expected text, want 1", n)
	}
	// Later: parcel 1 delivered (its flag clears), parcel 3 now at twice its window
	// (alerted once), parcel 4 goes out for delivery (no new apology for a new reason).
	f.exec(`UPDATE shipments SET status = 'delivered', delivered_at = $2 WHERE id = $1`, ids["SD0000000001"], now.Add(30*time.Minute))
	f.exec(`UPDATE shipments SET status = 'out_for_delivery', out_for_delivery_at = $2 WHERE id = $1`, ids["SD0000000004"], now)
	later := now.Add(3 * h)
	res, err = care.FlagSlowSignoffs(f.ctx, f.deps, later)
	if err != nil {
		t.Fatal(err)
	}
	// At +3h: parcel 3 (express key, window 2h, out 5.5h) is past 2x; parcel 4 (same_day,
	// out 3h > 2h) is flagged out_for_delivery; parcel 2 (out 6h > 4h) is flagged; parcel
	// 6 past promise 4h (alert at 24h: no); parcel 5 at station 26h > 24h.
	if res.Cleared != 1 || res.Flagged != 3 || res.Apologies != 2 || res.Alerted != 1 {
		t.Errorf("later run: %+v", res)
	}
	if n := f.count(`SELECT count(*) FROM slow_signoffs WHERE cleared_at = $1`, now.Add(30*time.Minute)); n != 1 {
		t.Errorf("cleared at delivery: %d", n)
	}
	if n := f.outbox("delay-apology:"); n != wantApologies+2 {
		t.Errorf("apologies %d, want %d", n, wantApologies+2)
	}
	if n := f.outbox("signoff-alert:"); n != wantTasks+1 {
		t.Errorf("supervisor alerts %d after the later run, want %d", n, wantTasks+1)
	}
	// The same later time again: every flag alerted once, nothing new.
	if res, err := care.FlagSlowSignoffs(f.ctx, f.deps, later); err != nil || res != (care.SignoffResult{}) {
		t.Errorf("later run again: %+v, %v", res, err)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE kind = 'slow_signoff'`); n != 2*(wantTasks+1) {
		t.Errorf("%d notifications after the later runs, want %d", n, 2*(wantTasks+1))
	}
	// The watch list: open flags, oldest clock first, critical ones marked.
	watch := care.NewStore(f.pool)
	watch.Now = func() time.Time { return later }
	flags, err := watch.Flags(f.ctx, 0)
	if err != nil || len(flags) != wantFlags-1+3 {
		t.Fatalf("watch list %d flags, %v", len(flags), err)
	}
	for i, fl := range flags {
		if i > 0 && fl.Since.Before(flags[i-1].Since) {
			t.Errorf("watch list not oldest first at %d", i)
		}
		if fl.TrackingNo == "SD0000000003" && (!fl.Critical() || fl.AlertedAt == nil) {
			t.Errorf("parcel 3 at 2x not critical: %+v", fl)
		}
		if fl.TrackingNo == "SD0000000006" && fl.Critical() {
			t.Errorf("parcel 6 critical at 4h past promise")
		}
	}
}
