package notify_test

import (
	"context"
	"testing"

	"lcrm/notify"
)

func TestStaffAlerter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, notify.Config{})
	phones := map[int64]string{1: "+8613900000001", 2: ""}
	a := notify.StaffAlerter{Outbox: r.o, Link: "https://lcrm.example.com/console",
		PhoneOf: func(ctx context.Context, id int64) (string, error) { return phones[id], nil }}
	// The user opted out of care messages: alerts still go.
	if err := r.o.OptOut(ctx, r.pool, "+8613900000001", notify.SourceReply); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		user int64
		text string
		want int // messages to the user's phone afterwards
	}{
		{1, "C-20261123-0001 已超时，升级至您", 1},
		{1, "C-20261123-0001 已超时，升级至您", 1}, // retried run
		{1, "C-20261123-0002 已超时，升级至您", 2},
		{2, "C-20261123-0003 已超时", 0}, // no phone
	}
	for _, c := range cases {
		if err := a.Alert(ctx, c.user, c.text); err != nil {
			t.Fatal(err)
		}
		h, err := r.o.History(ctx, notify.Filter{Phone: phones[c.user]}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if phones[c.user] == "" {
			h = nil
		}
		if len(h) != c.want || c.want > 0 && (h[0].Status != notify.StatusQueued || h[0].Kind != notify.KindStaffAlert) {
			t.Errorf("after %q: %+v, want %d queued alerts", c.text, h, c.want)
		}
	}
}
