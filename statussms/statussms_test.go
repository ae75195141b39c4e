package statussms_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/faketwilio"
	"lcrm/internal/testdb"
	"lcrm/notify"
	"lcrm/shipments"
	"lcrm/statussms"
)

const (
	acct  = "AC00000000000000000000000000000001"
	token = "0123456789abcdef0123456789abcdef"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// rig is the status SMS rule over a real database, the real outbox and dispatcher, and a
// fake Twilio, all on one manual clock.
type rig struct {
	pool     *pgxpool.Pool
	clk      *clock.Manual
	shp      *shipments.Store
	out      *notify.Outbox
	settings *statussms.Store
	fake     *faketwilio.Server
	disp     *notify.Dispatcher
	deps     statussms.Deps
}

func newRig(t *testing.T, at time.Time) *rig {
	t.Helper()
	pool := testdb.New(t)
	r := &rig{pool: pool, clk: clock.NewManual(at), fake: faketwilio.New(t, acct, token)}
	r.shp = shipments.NewStore(pool)
	r.shp.Now = r.clk.Now
	r.out = notify.New(pool, notify.Config{Signature: "【顺达物流】", DailyCap: -1})
	r.out.Now = r.clk.Now
	r.settings = statussms.NewStore(pool)
	r.settings.Now = r.clk.Now
	drv := notify.NewTwilio(notify.TwilioConfig{AccountSID: acct, AuthToken: token, From: "+15005550006",
		APIBase: r.fake.URL, Timeout: 5 * time.Second})
	r.disp = r.out.Dispatcher(drv, notify.DispatchConfig{Workers: 1, Batch: 50})
	r.deps = statussms.Deps{Pool: pool, Outbox: r.out, Shipments: r.shp, PublicURL: "https://lcrm.example.cn/", Now: r.clk.Now}
	return r
}

// parcel creates a shipment of shipper code with the consignee phone given.
func (r *rig) parcel(t *testing.T, no, shipper, consignee string) *shipments.Detail {
	t.Helper()
	ctx := context.Background()
	if _, err := r.shp.CreateShipments(ctx, []shipments.NewShipment{{TrackingNo: no,
		Shipper:    customers.Shipper{Code: shipper, Name: shipper + " Ltd"},
		Consignee:  customers.Consignee{Name: "张小明", Phone: consignee, Address: customers.Address{City: "北京"}},
		OriginCity: "杭州", WeightG: 100}}); err != nil {
		t.Fatal(err)
	}
	d, err := r.shp.Get(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// event records one event now on the clock (twice when again: a source re-sending it).
func (r *rig) event(t *testing.T, no string, code shipments.Code) {
	t.Helper()
	e := shipments.NewEvent{TrackingNo: no, Event: shipments.Event{Code: code, OccurredAt: r.clk.Now(), Location: "北京"}}
	if code == shipments.Delivered {
		e.SignedBy = "本人"
	}
	if _, err := r.shp.RecordEvents(context.Background(), []shipments.NewEvent{e}); err != nil {
		t.Fatal(err)
	}
}

// run hands the status changes on and dispatches what is due, as the running service does.
func (r *rig) run(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := statussms.Send(ctx, r.deps); err != nil {
		t.Fatal(err)
	}
	if _, err := r.disp.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
}

// sent is what reached the fake Twilio, per phone.
func (r *rig) sent() map[string][]string {
	out := map[string][]string{}
	for _, m := range r.fake.Messages() {
		out[m.To] = append(out[m.To], m.Body)
	}
	return out
}

func TestOneSMSPerStatusChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai))
	d := r.parcel(t, "SF1234567890", "ACME", "13800138000")
	if err := r.shp.Subscribe(ctx, d.ID, "13900139000", "zh-CN"); err != nil {
		t.Fatal(err)
	}
	if err := r.shp.Subscribe(ctx, d.ID, "+8613700137000", "en"); err != nil {
		t.Fatal(err)
	}
	for _, code := range []shipments.Code{shipments.PickedUp, shipments.OutForDelivery} {
		r.clk.Add(time.Minute)
		r.event(t, d.TrackingNo, code)
		r.run(t)
		r.run(t) // a second pass finds nothing new
	}
	if _, err := r.pool.Exec(ctx, `UPDATE shipment_status_changes SET sms_done_at = NULL`); err != nil {
		t.Fatal(err) // a re-run of the hand-on (a crash after enqueue, before the mark)
	}
	r.run(t)
	got := r.sent()
	want := map[string][]string{
		"+8613900139000": {
			"【顺达物流】包裹SF1234567890已揽收，查看https://lcrm.example.cn/track/SF1234567890",
			"【顺达物流】包裹SF1234567890正在派送，查看https://lcrm.example.cn/track/SF1234567890",
		},
		"+8613700137000": {
			"Your parcel SF1234567890 was picked up. Track: https://lcrm.example.cn/track/SF1234567890 【顺达物流】",
			"Your parcel SF1234567890 is out for delivery. Track: https://lcrm.example.cn/track/SF1234567890 【顺达物流】",
		},
	}
	if len(got) != len(want) {
		t.Fatalf("sent to %v, want %v", got, want)
	}
	for phone, bodies := range want {
		if strings.Join(got[phone], "\n") != strings.Join(bodies, "\n") {
			t.Errorf("to %s:\n%s\nwant\n%s", phone, strings.Join(got[phone], "\n"), strings.Join(bodies, "\n"))
		}
	}
	// One segment in Chinese with a typical public address.
	if n, _ := notify.Segments(got["+8613900139000"][1]); n != 1 {
		t.Errorf("the Chinese status SMS takes %d segments, want 1", n)
	}
}

func TestSameEventSentTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai))
	d := r.parcel(t, "SF1000000001", "ACME", "13800138000")
	if err := r.shp.Subscribe(ctx, d.ID, "13900139000", "zh-CN"); err != nil {
		t.Fatal(err)
	}
	e := []shipments.NewEvent{{TrackingNo: d.TrackingNo, Event: shipments.Event{Key: "scan-1", Code: shipments.PickedUp, OccurredAt: r.clk.Now()}}}
	for range 3 {
		if _, err := r.shp.RecordEvents(ctx, e); err != nil {
			t.Fatal(err)
		}
		r.run(t)
	}
	if n := len(r.sent()["+8613900139000"]); n != 1 {
		t.Errorf("one event sent three times gave %d SMS, want 1", n)
	}
}

func TestWhoIsTexted(t *testing.T) {
	t.Parallel()
	const sub, consignee = "+8613900139000", "+8613800138000"
	cases := []struct {
		name  string
		setup func(t *testing.T, r *rig, d *shipments.Detail)
		code  shipments.Code
		want  map[string]int
	}{
		{"subscriber, delivered", func(t *testing.T, r *rig, d *shipments.Detail) { subscribe(t, r, d, sub) },
			shipments.Delivered, map[string]int{sub: 1}},
		{"nobody subscribed", func(*testing.T, *rig, *shipments.Detail) {}, shipments.Delivered, map[string]int{}},
		{"unsubscribed", func(t *testing.T, r *rig, d *shipments.Detail) {
			subscribe(t, r, d, sub)
			if err := r.shp.Unsubscribe(context.Background(), d.ID, "13900139000"); err != nil {
				t.Fatal(err)
			}
		}, shipments.Delivered, map[string]int{}},
		{"status that does not text (in transit)", func(t *testing.T, r *rig, d *shipments.Detail) { subscribe(t, r, d, sub) },
			shipments.InTransit, map[string]int{}},
		{"admin turned delivered off", func(t *testing.T, r *rig, d *shipments.Detail) {
			subscribe(t, r, d, sub)
			setStatuses(t, r, shipments.PickedUp)
		}, shipments.Delivered, map[string]int{}},
		{"admin turned in transit on", func(t *testing.T, r *rig, d *shipments.Detail) {
			subscribe(t, r, d, sub)
			setStatuses(t, r, shipments.InTransit)
		}, shipments.InTransit, map[string]int{sub: 1}},
		{"shipper texts its consignees", func(t *testing.T, r *rig, d *shipments.Detail) {
			setConsignee(t, r, d, true)
		}, shipments.Delivered, map[string]int{consignee: 1}},
		{"shipper turned it on then off", func(t *testing.T, r *rig, d *shipments.Detail) {
			setConsignee(t, r, d, true)
			setConsignee(t, r, d, false)
		}, shipments.Delivered, map[string]int{}},
		{"consignee also subscribed: one SMS", func(t *testing.T, r *rig, d *shipments.Detail) {
			subscribe(t, r, d, consignee)
			setConsignee(t, r, d, true)
		}, shipments.Delivered, map[string]int{consignee: 1}},
		{"subscriber replied 退订", func(t *testing.T, r *rig, d *shipments.Detail) {
			subscribe(t, r, d, sub)
			if err := r.out.OptOut(context.Background(), r.pool, sub, notify.SourceReply); err != nil {
				t.Fatal(err)
			}
		}, shipments.Delivered, map[string]int{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai))
			d := r.parcel(t, "SF2000000001", "ACME", "13800138000")
			c.setup(t, r, d)
			r.clk.Add(time.Minute)
			r.event(t, d.TrackingNo, c.code)
			r.run(t)
			got := map[string]int{}
			for phone, bodies := range r.sent() {
				got[phone] = len(bodies)
			}
			if len(got) != len(c.want) {
				t.Fatalf("sent %v, want %v", got, c.want)
			}
			for phone, n := range c.want {
				if got[phone] != n {
					t.Errorf("to %s: %d SMS, want %d", phone, got[phone], n)
				}
			}
		})
	}
}

func subscribe(t *testing.T, r *rig, d *shipments.Detail, phone string) {
	t.Helper()
	if err := r.shp.Subscribe(context.Background(), d.ID, phone, "zh-CN"); err != nil {
		t.Fatal(err)
	}
}

func setStatuses(t *testing.T, r *rig, codes ...shipments.Code) {
	t.Helper()
	if err := r.settings.SetStatuses(context.Background(), codes, statussms.Actor{Name: "admin"}); err != nil {
		t.Fatal(err)
	}
}

func setConsignee(t *testing.T, r *rig, d *shipments.Detail, on bool) {
	t.Helper()
	if err := r.settings.SetConsigneeSMS(context.Background(), d.Shipper.ID, on, statussms.Actor{Name: "shipper"}); err != nil {
		t.Fatal(err)
	}
}

// TestQuietHoursExceptOutForDelivery: at 22:30 in Shanghai a "delivered" SMS waits for
// 08:00, an "out for delivery" one leaves at once.
func TestQuietHoursExceptOutForDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, time.Date(2026, 12, 1, 22, 30, 0, 0, shanghai))
	r.out = notify.New(r.pool, notify.Config{DailyCap: -1, Zone: shanghai}) // default quiet hours 21:00-08:00
	r.out.Now = r.clk.Now
	r.deps.Outbox = r.out
	drv := notify.NewTwilio(notify.TwilioConfig{AccountSID: acct, AuthToken: token, From: "+15005550006", APIBase: r.fake.URL, Timeout: 5 * time.Second})
	r.disp = r.out.Dispatcher(drv, notify.DispatchConfig{Workers: 1, Batch: 50})
	a := r.parcel(t, "SF3000000001", "ACME", "13800138001")
	b := r.parcel(t, "SF3000000002", "ACME", "13800138002")
	subscribe(t, r, a, "+8613900000001")
	subscribe(t, r, b, "+8613900000002")
	r.event(t, a.TrackingNo, shipments.Delivered)
	r.event(t, b.TrackingNo, shipments.OutForDelivery)
	r.run(t)
	if got := r.sent(); len(got["+8613900000001"]) != 0 || len(got["+8613900000002"]) != 1 {
		t.Fatalf("at 22:30: sent %v; want only the out-for-delivery SMS", got)
	}
	var due time.Time
	if err := r.pool.QueryRow(ctx, `SELECT next_attempt_at FROM sms_outbox WHERE to_phone = '+8613900000001'`).Scan(&due); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 2, 8, 0, 0, 0, shanghai); !due.Equal(want) {
		t.Errorf("delivered SMS due %v, want %v", due.In(shanghai), want)
	}
	r.clk.Set(time.Date(2026, 12, 2, 8, 1, 0, 0, shanghai))
	r.run(t)
	if got := r.sent(); len(got["+8613900000001"]) != 1 {
		t.Errorf("at 08:01: sent %v; want the delivered SMS too", got)
	}
}

// TestOldChangesAreNotTexted: after an outage, changes older than MaxAge are handed on
// without an SMS.
func TestOldChangesAreNotTexted(t *testing.T) {
	t.Parallel()
	r := newRig(t, time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai))
	d := r.parcel(t, "SF4000000001", "ACME", "13800138000")
	subscribe(t, r, d, "+8613900139000")
	r.event(t, d.TrackingNo, shipments.PickedUp)
	r.clk.Add(7 * time.Hour)
	r.run(t)
	if got := r.sent(); len(got) != 0 {
		t.Errorf("a 7-hour-old change was texted: %v", got)
	}
}

func TestSettingsAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai))
	got, err := r.settings.Statuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var on []string
	for _, s := range got {
		if s.Texts {
			on = append(on, string(s.Status))
		}
	}
	if strings.Join(on, ",") != "picked_up,out_for_delivery,delivery_failed,delivered,exception,returned" {
		t.Errorf("default statuses %v", on)
	}
	if err := r.settings.SetStatuses(ctx, []shipments.Code{"bogus"}, statussms.Actor{}); err != statussms.ErrUnknownStatus {
		t.Errorf("unknown status: %v", err)
	}
	setStatuses(t, r, shipments.Delivered)
	var n int
	if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'status_sms.statuses'
		AND before::text LIKE '%picked_up%' AND after::text = '["delivered"]'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit rows %d, %v", n, err)
	}
}

// TestLatency runs the loops as lcrm serve does (the rule every 2 s, the dispatcher
// polling every second, on the wall clock) and measures how long after the event the SMS
// reaches Twilio.
func TestLatency(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	fake := faketwilio.New(t, acct, token)
	shp := shipments.NewStore(pool)
	out := notify.New(pool, notify.Config{NoQuiet: true, DailyCap: -1})
	drv := notify.NewTwilio(notify.TwilioConfig{AccountSID: acct, AuthToken: token, From: "+15005550006", APIBase: fake.URL, Timeout: 5 * time.Second})
	r := &rig{pool: pool, shp: shp, clk: clock.NewManual(time.Now())}
	d := r.parcel(t, "SF5000000001", "ACME", "13800138000")
	subscribe(t, r, d, "+8613900139000")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() {
		statussms.Run(ctx, statussms.Deps{Pool: pool, Outbox: out, Shipments: shp, PublicURL: "https://x.test"}, 2*time.Second)
		done <- struct{}{}
	}()
	go func() { out.Dispatcher(drv, notify.DispatchConfig{}).Run(ctx); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()
	start := time.Now()
	if _, err := shp.RecordEvents(ctx, []shipments.NewEvent{{TrackingNo: d.TrackingNo,
		Event: shipments.Event{Code: shipments.OutForDelivery, OccurredAt: start}}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(fake.Messages()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no SMS 10 s after the event")
		}
		time.Sleep(20 * time.Millisecond) // a bounded poll of the fake, not an ordering sleep
	}
	took := time.Since(start)
	t.Logf("event to Twilio: %v", took.Round(10*time.Millisecond))
	if took > 4*time.Second {
		t.Errorf("event to Twilio took %v, want within the 2 s rule interval plus the 1 s dispatcher poll", took)
	}
}

// TestStatusSMSOutsideTheDailyCap: a same-day parcel's four status texts all go out under
// the default cap of 3 care messages a day, and do not use up the cap of the survey
// thank-you that follows delivery.
func TestStatusSMSOutsideTheDailyCap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai))
	r.out = notify.New(r.pool, notify.Config{NoQuiet: true}) // default daily cap: 3
	r.out.Now = r.clk.Now
	r.deps.Outbox = r.out
	drv := notify.NewTwilio(notify.TwilioConfig{AccountSID: acct, AuthToken: token, From: "+15005550006", APIBase: r.fake.URL, Timeout: 5 * time.Second})
	r.disp = r.out.Dispatcher(drv, notify.DispatchConfig{Workers: 1, Batch: 50})
	d := r.parcel(t, "SF6000000001", "ACME", "13800138000")
	subscribe(t, r, d, "+8613900139000")
	for _, code := range []shipments.Code{shipments.PickedUp, shipments.OutForDelivery, shipments.DeliveryFailed, shipments.Delivered} {
		r.clk.Add(time.Hour)
		r.event(t, d.TrackingNo, code)
		r.run(t)
	}
	_, _, err := r.out.Enqueue(ctx, r.pool, notify.Message{Key: "survey:x", Kind: notify.KindSurvey, To: "+8613900139000",
		Vars: map[string]string{"tracking_no": d.TrackingNo, "link": "https://x.test/s"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.disp.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.sent()["+8613900139000"]; len(got) != 5 {
		t.Errorf("sent %d messages, want 4 status texts and the survey: %q", len(got), got)
	}
}
