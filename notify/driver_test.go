package notify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lcrm/notify"
)

func TestTwilioSenderAndCallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name               string
		cfg                notify.TwilioConfig
		wantFrom, wantMSID string
	}{
		{"from number", notify.TwilioConfig{From: "+15005550006"}, "+15005550006", ""},
		{"messaging service wins", notify.TwilioConfig{From: "+15005550006", MessagingServiceSID: "MG0123"}, "", "MG0123"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, notify.Config{})
			c.cfg.AccountSID, c.cfg.AuthToken, c.cfg.APIBase = acct, token, r.fake.URL
			d := r.o.Dispatcher(notify.NewTwilio(c.cfg), notify.DispatchConfig{StatusCallback: "https://lcrm.example.com/webhooks/twilio/status"})
			r.enqueue(t, "k", "+8613900000001")
			if _, err := d.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			m := r.fake.Messages()
			if len(m) != 1 || m[0].From != c.wantFrom || m[0].MessagingServiceSID != c.wantMSID ||
				m[0].StatusCallback != "https://lcrm.example.com/webhooks/twilio/status" {
				t.Errorf("fake got %+v", m)
			}
		})
	}
}

func TestBadCredentialsRetried(t *testing.T) {
	t.Parallel()
	r := newRig(t, notify.Config{})
	drv := notify.NewTwilio(notify.TwilioConfig{AccountSID: acct, AuthToken: "ffffffffffffffffffffffffffffffff",
		From: "+15005550006", APIBase: r.fake.URL})
	id := r.enqueue(t, "k", "+8613900000001")
	if _, err := r.o.Dispatcher(drv, notify.DispatchConfig{}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A 401 is our configuration, not the recipient: the message waits for a retry (a fixed
	// token heals it) with Twilio's code recorded, and nothing was accepted.
	if s := r.state(t, id); s.Status != "queued" || s.Code != 20003 || len(r.fake.Messages()) != 0 {
		t.Errorf("state %+v", s)
	}
}

func TestGlobalRate(t *testing.T) {
	t.Parallel()
	r := newRig(t, notify.Config{DailyCap: -1})
	for i := 0; i < 10; i++ {
		r.enqueue(t, fmt.Sprint(i), fmt.Sprintf("+861390000%04d", i))
	}
	d := r.o.Dispatcher(r.drv, notify.DispatchConfig{Workers: 3, Rate: 20, Batch: 4, Poll: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	for len(r.fake.Messages()) < 10 && time.Since(start) < 10*time.Second {
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(start)
	cancel()
	<-done
	// 10 messages at 20/s: the first goes at once, the tenth 450 ms later.
	if n := len(r.fake.Messages()); n != 10 || took < 440*time.Millisecond {
		t.Errorf("%d messages in %v, want 10 in at least 450ms", n, took)
	}
}
