package notify_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/notify"
	"lcrm/shipments"
)

func TestQuietHours(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	r := newRig(t, notify.Config{Zone: ny}) // default quiet hours 21:00-08:00
	cases := []struct {
		name string
		now  time.Time
		kind notify.Kind
		to   string
		due  time.Time
	}{
		{"day in China: now", time.Date(2026, 11, 23, 10, 0, 0, 0, sh), notify.KindSurvey, "+8613900000001", time.Date(2026, 11, 23, 10, 0, 0, 0, sh)},
		{"late evening in China: next morning", time.Date(2026, 11, 23, 22, 30, 0, 0, sh), notify.KindSurvey, "+8613900000002", time.Date(2026, 11, 24, 8, 0, 0, 0, sh)},
		{"small hours in China: this morning", time.Date(2026, 11, 23, 3, 0, 0, 0, sh), notify.KindDelayApology, "+8613900000003", time.Date(2026, 11, 23, 8, 0, 0, 0, sh)},
		{"staff alert at night: now", time.Date(2026, 11, 23, 22, 30, 0, 0, sh), notify.KindStaffAlert, "+8613900000004", time.Date(2026, 11, 23, 22, 30, 0, 0, sh)},
		{"complaint reply at night: now", time.Date(2026, 11, 23, 23, 0, 0, 0, sh), notify.KindComplaintReply, "+8613900000005", time.Date(2026, 11, 23, 23, 0, 0, 0, sh)},
		{"password reset code at night: now", time.Date(2026, 11, 23, 23, 25, 0, 0, sh), notify.KindPasswordReset, "+8613900000006", time.Date(2026, 11, 23, 23, 25, 0, 0, sh)},
		{"out for delivery at night: now", time.Date(2026, 11, 23, 22, 40, 0, 0, sh), notify.KindStatusNow, "+8613900000007", time.Date(2026, 11, 23, 22, 40, 0, 0, sh)},
		{"delivered at night: next morning", time.Date(2026, 11, 23, 22, 40, 0, 0, sh), notify.KindStatusFinal, "+8613900000008", time.Date(2026, 11, 24, 8, 0, 0, 0, sh)},
		{"US number uses configured zone", time.Date(2026, 11, 23, 10, 0, 0, 0, sh), notify.KindSurvey, "+14155550100", time.Date(2026, 11, 23, 8, 0, 0, 0, ny)},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r.o.Now = func() time.Time { return c.now }
			id, _, err := r.o.Enqueue(ctx, r.pool, notify.Message{Key: "q" + c.to, Kind: c.kind, To: c.to,
				Vars: map[string]string{"text": "x", "link": "https://x"}})
			if err != nil {
				t.Fatal(err)
			}
			if s := r.state(t, id); !s.Next.Equal(c.due) {
				t.Errorf("%d: due %v, want %v", i, s.Next.In(c.due.Location()), c.due)
			}
		})
	}
	// A care message that became due at night (a retry) waits for the morning at send time.
	night := time.Date(2026, 11, 23, 23, 30, 0, 0, sh)
	r.o.Now = func() time.Time { return night }
	r.makeDue(t)
	if _, err := r.o.Dispatcher(r.drv, notify.DispatchConfig{Workers: 1, Batch: 50}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	hist, err := r.o.History(ctx, notify.Filter{}, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hist {
		care := h.Kind.Quiet() // the kinds that wait out quiet hours
		china := strings.HasPrefix(h.To, "+86")
		if care && china && (h.Status == notify.StatusSent ||
			h.Status == notify.StatusQueued && !h.Due.Equal(time.Date(2026, 11, 24, 8, 0, 0, 0, sh))) {
			t.Errorf("care %s to %s at night: %s due %v", h.Kind, h.To, h.Status, h.Due)
		}
		if care && !china && h.Status != notify.StatusSent { // 10:30 in New York
			t.Errorf("care %s to %s in the New York morning: %s", h.Kind, h.To, h.Status)
		}
		if !care && h.Status != notify.StatusSent {
			t.Errorf("%s at night: %s, want sent", h.Kind, h.Status)
		}
	}
}

func TestFreshness(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, notify.Config{DailyCap: -1})
	shp := shipments.NewStore(r.pool)
	if _, err := shp.CreateShipments(ctx, []shipments.NewShipment{{TrackingNo: "SD300000000001",
		Shipper:    customers.Shipper{Code: "ACME", Name: "Acme"},
		Consignee:  customers.Consignee{Name: "张小明", Phone: "13800138000", Address: customers.Address{City: "北京"}},
		OriginCity: "杭州", WeightG: 100}}); err != nil {
		t.Fatal(err)
	}
	d, err := shp.Get(ctx, "SD300000000001")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	clock := start
	r.o.Now = func() time.Time { return clock }
	msg := func(key string, kind notify.Kind, shipment int64) int64 {
		id, _, err := r.o.Enqueue(ctx, r.pool, notify.Message{Key: key, Kind: kind, To: "+8613800138000",
			ShipmentID: shipment, Vars: map[string]string{"tracking_no": "SD300000000001", "text": "派送中", "link": "https://x"}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	status := msg("status", notify.KindStatus, d.ID)
	survey := msg("survey", notify.KindSurvey, d.ID)
	apology := msg("apology", notify.KindDelayApology, 0)
	late := msg("late-survey", notify.KindSurvey, 0)
	// The parcel is signed for before the dispatcher gets to the status message.
	if _, err := shp.RecordEvents(ctx, []shipments.NewEvent{{TrackingNo: "SD300000000001",
		Event: shipments.Event{Code: shipments.Delivered, OccurredAt: start, SignedBy: "本人"}}}); err != nil {
		t.Fatal(err)
	}
	// 13 hours pass: the apology (12h) is stale, the survey (3 days) is not.
	clock = start.Add(13 * time.Hour)
	if _, err := r.pool.Exec(ctx, `UPDATE sms_outbox SET next_attempt_at = $1 WHERE key = 'late-survey'`, start.Add(100*time.Hour)); err != nil {
		t.Fatal(err)
	}
	d1 := r.o.Dispatcher(r.drv, notify.DispatchConfig{Workers: 1, Batch: 10})
	if _, err := d1.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	clock = start.Add(100 * time.Hour)
	if _, err := d1.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{status: "expired", survey: "sent", apology: "expired", late: "expired"}
	for id, st := range want {
		if s := r.state(t, id); s.Status != st {
			t.Errorf("message %d: %s, want %s", id, s.Status, st)
		}
	}
	if n := len(r.fake.Messages()); n != 1 {
		t.Errorf("fake got %d messages, want only the survey", n)
	}
}

// blocking wraps a driver and hangs (like a process that died) before or after the real send.
// It says on entered when it hangs, so the test knows the row is claimed (and, after the
// send, that Twilio has the message).
type blocking struct {
	notify.Driver
	afterSend bool
	entered   chan struct{}
	release   chan struct{}
}

func (b blocking) Send(ctx context.Context, m notify.Outgoing) (string, error) {
	if !b.afterSend {
		close(b.entered)
		<-b.release
		return "", errors.New("process died before sending") // a dead process never sends
	}
	sid, err := b.Driver.Send(ctx, m)
	close(b.entered)
	<-b.release
	return sid, err
}

// testClock is a clock the test moves while dispatchers read it from other goroutines.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.set(t)
	return c
}

func (c *testClock) now() time.Time  { return time.Unix(0, c.ns.Load()) }
func (c *testClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

func TestLeaseExpiry(t *testing.T) {
	t.Parallel()
	for _, afterSend := range []bool{false, true} {
		name := map[bool]string{false: "died before Twilio", true: "died after Twilio accepted"}[afterSend]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRig(t, notify.Config{})
			// The lease is read on the outbox's clock: move it past the lease instead of
			// waiting for it.
			start := time.Now()
			clock := newTestClock(start)
			r.o.Now = clock.now
			id := r.enqueue(t, "lease", "+8613900000077")
			hung := blocking{Driver: r.drv, afterSend: afterSend, entered: make(chan struct{}), release: make(chan struct{})}
			dead := r.o.Dispatcher(hung, notify.DispatchConfig{Workers: 1, Lease: time.Second})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = dead.RunOnce(ctx) }()
			select {
			case <-hung.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the first dispatcher did not reach Send in 10 s")
			}
			live := r.o.Dispatcher(r.drv, notify.DispatchConfig{Workers: 1, Lease: time.Second})
			if n, _ := live.RunOnce(ctx); n != 0 {
				t.Fatalf("claimed %d rows under a live lease", n)
			}
			clock.set(start.Add(1500 * time.Millisecond))
			if n, err := live.RunOnce(ctx); n != 1 || err != nil {
				t.Fatalf("after the lease: claimed %d (%v), want 1", n, err)
			}
			close(hung.release) // the "dead" one wakes up: its late outcome must change nothing
			wg.Wait()
			s := r.state(t, id)
			msgs := r.fake.Messages()
			if s.Status != "sent" || len(msgs) != 1 || msgs[0].SID != s.SID {
				t.Errorf("state %+v, fake %+v: want one message, its SID stored", s, msgs)
			}
		})
	}
}

func TestOptOutAfterEnqueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, notify.Config{})
	care := r.enqueue(t, "care", "+8613900000031")
	alert, _, err := r.o.Enqueue(ctx, r.pool, notify.Message{Key: "alert", Kind: notify.KindStaffAlert,
		To: "+8613900000031", Vars: map[string]string{"text": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	// STOP arrives between enqueue and send.
	if _, err := r.o.HandleInbound(ctx, notify.Inbound{SID: "SMx", From: "+8613900000031", Body: "退订"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.o.Dispatcher(r.drv, notify.DispatchConfig{}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]string{care: "suppressed", alert: "sent"} {
		if s := r.state(t, id); s.Status != want {
			t.Errorf("message %d: %s, want %s", id, s.Status, want)
		}
	}
}
