package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/testdb"
	"lcrm/notify"
)

type row struct {
	Status, Reason, Body string
	Due                  time.Time
}

func getRow(t *testing.T, pool *pgxpool.Pool, id int64) row {
	t.Helper()
	var r row
	err := pool.QueryRow(context.Background(), `SELECT status, suppressed_reason, body, next_attempt_at
		FROM sms_outbox WHERE id = $1`, id).Scan(&r.Status, &r.Reason, &r.Body, &r.Due)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEnqueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	o := notify.New(pool, notify.Config{Signature: "【顺达物流】", NoQuiet: true, DailyCap: 2})
	if err := o.OptOut(ctx, pool, "+8613900000009", notify.SourceReply); err != nil {
		t.Fatal(err)
	}
	survey := func(key, to string) notify.Message {
		return notify.Message{Key: key, Kind: notify.KindSurvey, To: to,
			Vars: map[string]string{"tracking_no": "SD123", "link": "https://x.test/s/1"}}
	}
	cases := []struct {
		name       string
		m          notify.Message
		created    bool
		status     string
		reason     string
		bodyPrefix string
	}{
		{"first", survey("s:1", "+8613900000001"), true, "queued", "", "【顺达物流】您的包裹SD123已签收"},
		{"same key again", survey("s:1", "+8613900000001"), false, "queued", "", "【顺达物流】"},
		{"second for phone", survey("s:2", "+8613900000001"), true, "queued", "", "【顺达物流】"},
		{"over daily cap", survey("s:3", "+8613900000001"), true, "suppressed", "daily_cap", "【顺达物流】"},
		{"opted out", survey("s:4", "+8613900000009"), true, "suppressed", "opted_out", "【顺达物流】"},
		{"staff alert ignores opt-out", notify.Message{Key: "a:1", Kind: notify.KindStaffAlert,
			To: "+8613900000009", Vars: map[string]string{"text": "C-1 breached"}}, true, "queued", "", "【顺达物流】【升级提醒】C-1"},
		{"english suffix", notify.Message{Key: "s:en", Kind: notify.KindSurvey, To: "+14155550100", Locale: "en",
			Vars: map[string]string{"tracking_no": "SD9", "link": "https://x.test/s/9"}}, true, "queued", "", "Your parcel SD9 was delivered."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, created, err := o.Enqueue(ctx, pool, c.m)
			if err != nil {
				t.Fatal(err)
			}
			if created != c.created {
				t.Errorf("created = %v, want %v", created, c.created)
			}
			r := getRow(t, pool, id)
			if r.Status != c.status || r.Reason != c.reason || !strings.HasPrefix(r.Body, c.bodyPrefix) {
				t.Errorf("got %q %q %q, want %q %q prefix %q", r.Status, r.Reason, r.Body, c.status, c.reason, c.bodyPrefix)
			}
		})
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sms_outbox`).Scan(&n); err != nil || n != 6 {
		t.Errorf("rows = %d (%v), want 6", n, err)
	}
	if _, _, err := o.Enqueue(ctx, pool, notify.Message{Key: "x", Kind: "nope", To: "+1"}); err != notify.ErrUnknownKind {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestEnqueueInCallerTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	o := notify.New(pool, notify.Config{})
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.Enqueue(ctx, tx, notify.Message{Key: "k", Kind: notify.KindStatus, To: "+8613900000001"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sms_outbox`).Scan(&n); err != nil || n != 0 {
		t.Errorf("after rollback: %d rows (%v)", n, err)
	}
}

// Ids past 2^31 are bigint like the columns: the history finds nothing instead of failing.
func TestHistoryBigIDs(t *testing.T) {
	r := newRig(t, notify.Config{})
	ctx := context.Background()
	for _, f := range []notify.Filter{{ConsigneeID: 3_000_000_000}, {ShipperID: 1 << 40}, {ShipmentID: 1 << 33}, {ComplaintID: 1 << 35}} {
		if got, err := r.o.History(ctx, f, 10); err != nil || len(got) != 0 {
			t.Errorf("history %+v: %d, %v", f, len(got), err)
		}
		if got, err := r.o.InboundHistory(ctx, f, 10); err != nil || len(got) != 0 {
			t.Errorf("inbound %+v: %d, %v", f, len(got), err)
		}
	}
}
