package notify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/faketwilio"
	"lcrm/internal/testdb"
	"lcrm/notify"
)

const (
	acct  = "AC00000000000000000000000000000001"
	token = "0123456789abcdef0123456789abcdef"
)

type rig struct {
	pool *pgxpool.Pool
	o    *notify.Outbox
	fake *faketwilio.Server
	drv  *notify.Twilio
}

func newRig(t *testing.T, cfg notify.Config) *rig {
	t.Helper()
	pool := testdb.New(t)
	fake := faketwilio.New(t, acct, token)
	drv := notify.NewTwilio(notify.TwilioConfig{AccountSID: acct, AuthToken: token,
		From: "+15005550006", APIBase: fake.URL, Timeout: 5 * time.Second})
	if cfg.Zone == nil { // tests of quiet hours give a zone
		cfg.NoQuiet = true
	}
	return &rig{pool: pool, o: notify.New(pool, cfg), fake: fake, drv: drv}
}

func (r *rig) enqueue(t *testing.T, key, to string) int64 {
	t.Helper()
	id, _, err := r.o.Enqueue(context.Background(), r.pool, notify.Message{Key: key, Kind: notify.KindSurvey,
		To: to, Vars: map[string]string{"tracking_no": key, "link": "https://x.test/s/" + key}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type state struct {
	Status, SID, Err string
	Code, Attempts   int
	Next             time.Time
}

func (r *rig) state(t *testing.T, id int64) state {
	t.Helper()
	var s state
	if err := r.pool.QueryRow(context.Background(), `SELECT status, provider_sid, error_message, error_code,
		attempts, next_attempt_at FROM sms_outbox WHERE id = $1`, id).Scan(&s.Status, &s.SID, &s.Err, &s.Code,
		&s.Attempts, &s.Next); err != nil {
		t.Fatal(err)
	}
	return s
}

// makeDue moves every waiting row's next attempt a second before the outbox's clock
// (instead of sleeping out backoff). It never uses SQL now(): the outbox's clock may be
// pinned to another hour, and due is judged by that clock.
func (r *rig) makeDue(t *testing.T) {
	t.Helper()
	if _, err := r.pool.Exec(context.Background(), `UPDATE sms_outbox SET next_attempt_at = $1
		WHERE status IN ('queued', 'sending')`, notify.Now(r.o).Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
}

func TestDispatchOutcomes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, notify.Config{})
	fail500 := faketwilio.Failure{Status: 500}
	cases := []struct {
		name     string
		failures []faketwilio.Failure
		rounds   int
		status   string
		attempts int
		code     int
		accepted int
	}{
		{"success", nil, 1, "sent", 1, 0, 1},
		{"500 then success", []faketwilio.Failure{fail500}, 2, "sent", 2, 0, 1},
		{"429 twice then success", []faketwilio.Failure{{Status: 429, Code: 20429}, {Status: 429, Code: 20429}}, 3, "sent", 3, 0, 1},
		{"network drop then success", []faketwilio.Failure{{Drop: true}}, 2, "sent", 2, 0, 1},
		{"accepted but answer lost: adopted, not resent", []faketwilio.Failure{{AfterAccept: true}}, 2, "sent", 2, 0, 1},
		{"invalid number: no retry", []faketwilio.Failure{{Status: 400, Code: 21211}}, 3, "failed", 1, 21211, 0},
		{"unsubscribed: no retry", []faketwilio.Failure{{Status: 400, Code: 21610}}, 3, "failed", 1, 21610, 0},
		{"gives up after max attempts", []faketwilio.Failure{fail500, fail500, fail500, fail500}, 5, "failed", 3, 0, 0},
	}
	d := r.o.Dispatcher(r.drv, notify.DispatchConfig{Workers: 1, MaxAttempts: 3, Backoff: time.Minute})
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			to := fmt.Sprintf("+86139000010%02d", i)
			r.fake.FailTo(to, c.failures...)
			id := r.enqueue(t, fmt.Sprintf("case:%d", i), to)
			before := len(r.fake.Messages())
			for round := 0; round < c.rounds; round++ {
				if round > 0 {
					s := r.state(t, id)
					if s.Status == "queued" && time.Until(s.Next) < 30*time.Second {
						t.Errorf("round %d: retry at %v, want backoff", round, s.Next)
					}
					r.makeDue(t)
				}
				if _, err := d.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
			}
			s := r.state(t, id)
			if s.Status != c.status || s.Attempts != c.attempts || s.Code != c.code {
				t.Errorf("got %+v, want %s after %d attempts code %d", s, c.status, c.attempts, c.code)
			}
			got := 0
			for _, m := range r.fake.Messages()[before:] {
				if m.To == to {
					got++
					if s.SID != m.SID || m.StatusCallback != "" && m.From != "+15005550006" {
						t.Errorf("sid %q, fake %+v", s.SID, m)
					}
				}
			}
			if got != c.accepted {
				t.Errorf("fake accepted %d, want %d", got, c.accepted)
			}
		})
	}
	out, err := r.o.OptedOut(ctx, "+8613900001006")
	if err != nil || !out {
		t.Errorf("21610 should opt the number out: %v %v", out, err)
	}
}

// TestReconcileSameBody covers recovery when two rows carry the same text to the same
// phone: Twilio's only matching message belongs to the first (its SID stored), so the
// second, whose own attempt never reached Twilio, must send rather than adopt it; and a
// message Twilio took but still holds queued (no date_sent) is adopted, not sent again.
func TestReconcileSameBody(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, notify.Config{DailyCap: -1})
	r.fake.SendDelay = -1 // queued at Twilio until the test ends
	d := r.o.Dispatcher(r.drv, notify.DispatchConfig{Workers: 1, Backoff: time.Minute})
	to := "+8613900002001"
	enq := func(key string) int64 {
		id, _, err := r.o.Enqueue(ctx, r.pool, notify.Message{Key: key, Kind: notify.KindSurvey, To: to,
			Vars: map[string]string{"tracking_no": "SD1", "link": "https://x.test/s/1"}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	a := enq("a")
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	b := enq("b")
	r.fake.FailTo(to, faketwilio.Failure{Drop: true}) // b's first attempt never reaches Twilio
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if s := r.state(t, b); s.Status != "sending" {
		t.Fatalf("after a dropped attempt b is %+v, want sending (outcome unknown)", s)
	}
	r.makeDue(t)
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	c := enq("c")
	r.fake.FailTo(to, faketwilio.Failure{AfterAccept: true}) // Twilio takes c, the answer is lost
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	r.makeDue(t)
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := r.fake.Messages()
	if len(msgs) != 3 {
		t.Fatalf("Twilio holds %d messages, want 3 (a, b, c once each)", len(msgs))
	}
	for i, id := range []int64{a, b, c} {
		if s := r.state(t, id); s.Status != "sent" || s.SID != msgs[i].SID || !msgs[i].Sent.IsZero() {
			t.Errorf("row %d: %+v, want sent as %s (still queued at Twilio)", i, s, msgs[i].SID)
		}
	}
}
