package notify_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/testdb"
	"lcrm/notify"
)

// outcome is what a message became in the outbox, compared between Enqueue and EnqueueMany.
type outcome struct {
	Created                    bool
	Key, Status, Reason, Body  string
	Due, SendBy                time.Time
	Shipment, Consignee, Order int64
}

func outcomes(t *testing.T, pool *pgxpool.Pool, keys []string, created []bool, ids []int64) []outcome {
	t.Helper()
	out := make([]outcome, len(keys))
	for i, id := range ids {
		o := &out[i]
		o.Created = created[i]
		var ship, cons *int64
		if err := pool.QueryRow(context.Background(), `SELECT key, status, suppressed_reason, body, next_attempt_at, send_by,
			shipment_id, consignee_id FROM sms_outbox WHERE id = $1`, id).Scan(&o.Key, &o.Status, &o.Reason, &o.Body, &o.Due, &o.SendBy,
			&ship, &cons); err != nil {
			t.Fatal(err)
		}
		if o.Key != keys[i] {
			t.Fatalf("message %d: id %d holds key %s, want %s", i, id, o.Key, keys[i])
		}
		if ship != nil {
			o.Shipment = *ship
		}
		if cons != nil {
			o.Consignee = *cons
		}
	}
	return out
}

// TestEnqueueManyLikeEnqueue checks that a batch gives exactly what the same messages
// enqueued one by one give: keys repeated in the batch or stored already, the daily cap
// counted over stored and earlier batch messages (a phone twice in one batch), opt-outs,
// quiet hours and kinds the cap does not hold.
func TestEnqueueManyLikeEnqueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	day := time.Date(2026, 11, 23, 10, 0, 0, 0, sh)
	night := time.Date(2026, 11, 23, 22, 30, 0, 0, sh)
	msg := func(key string, kind notify.Kind, to string) notify.Message {
		return notify.Message{Key: key, Kind: kind, To: to, ShipmentID: 7, ConsigneeID: 9,
			Vars: map[string]string{"tracking_no": "T" + key, "link": "https://x.test/t/" + key, "name": "王", "text": "x", "reason": "late"}}
	}
	const a, b, opt = "+8613900000001", "+8613900000002", "+8613900000003"
	cases := []struct {
		name   string
		now    time.Time
		stored []notify.Message // enqueued one by one before, on both sides
		batch  []notify.Message
		capped int // messages over the daily cap, so a case tests what it says
	}{
		{"plain", day, nil, []notify.Message{msg("1", notify.KindDelayApology, a), msg("2", notify.KindShipperNotice, b)}, 0},
		{"same phone past the cap in one batch", day, nil, []notify.Message{
			msg("1", notify.KindDelayApology, a), msg("2", notify.KindSurvey, a), msg("3", notify.KindDelayApology, a),
			msg("4", notify.KindDelayApology, a), msg("5", notify.KindStaffAlert, a), msg("6", notify.KindStatus, a)}, 1},
		{"cap counts stored messages", day, []notify.Message{msg("s1", notify.KindSurvey, a), msg("s2", notify.KindSurvey, a)},
			[]notify.Message{msg("1", notify.KindDelayApology, a), msg("2", notify.KindDelayApology, a), msg("3", notify.KindDelayApology, b)}, 1},
		{"suppressed messages do not count", day, []notify.Message{msg("o1", notify.KindSurvey, opt)}, []notify.Message{
			msg("1", notify.KindSurvey, opt), msg("2", notify.KindStaffAlert, opt), msg("3", notify.KindSurvey, opt), msg("4", notify.KindSurvey, opt)}, 0},
		{"repeated and stored keys", day, []notify.Message{msg("s1", notify.KindDelayApology, a)}, []notify.Message{
			msg("s1", notify.KindDelayApology, b), msg("1", notify.KindDelayApology, a), msg("1", notify.KindDelayApology, b),
			msg("2", notify.KindDelayApology, a), msg("3", notify.KindDelayApology, a)}, 1},
		{"quiet hours: the cap counts the morning's day", night, []notify.Message{msg("s1", notify.KindSurvey, a)}, []notify.Message{
			msg("1", notify.KindDelayApology, a), msg("2", notify.KindStaffAlert, a), msg("3", notify.KindDelayApology, a), msg("4", notify.KindDelayApology, a)}, 1},
		{"US number, configured zone", day, nil, []notify.Message{
			msg("1", notify.KindDelayApology, "+14155550100"), msg("2", notify.KindDelayApology, "+14155550100")}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			run := func(many bool) []outcome {
				pool := testdb.New(t)
				o := notify.New(pool, notify.Config{Zone: time.UTC})
				o.Now = func() time.Time { return c.now }
				if err := o.OptOut(ctx, pool, opt, notify.SourceStaff); err != nil {
					t.Fatal(err)
				}
				for _, m := range c.stored {
					if _, _, err := o.Enqueue(ctx, pool, m); err != nil {
						t.Fatal(err)
					}
				}
				keys := make([]string, len(c.batch))
				created := make([]bool, len(c.batch))
				ids := make([]int64, len(c.batch))
				for i, m := range c.batch {
					keys[i] = m.Key
				}
				if !many {
					for i, m := range c.batch {
						var err error
						if ids[i], created[i], err = o.Enqueue(ctx, pool, m); err != nil {
							t.Fatal(err)
						}
					}
					return outcomes(t, pool, keys, created, ids)
				}
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					res, err := o.EnqueueMany(ctx, tx, c.batch)
					for i, r := range res {
						ids[i], created[i] = r.ID, r.Created
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return outcomes(t, pool, keys, created, ids)
			}
			one, many := run(false), run(true)
			capped := 0
			for _, o := range many {
				if o.Created && o.Reason == notify.ReasonDailyCap {
					capped++
				}
			}
			if capped != c.capped {
				t.Errorf("%d messages over the cap, want %d", capped, c.capped)
			}
			for i := range one {
				if one[i] != many[i] {
					t.Errorf("message %d (%s):\n one by one %+v\n batch      %+v", i, c.batch[i].Key, one[i], many[i])
				}
			}
		})
	}
}

// TestEnqueueManyCapConcurrent runs batches to one phone in concurrent transactions: the
// phone lock makes them count one after the other, so the cap holds.
func TestEnqueueManyCapConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	o := notify.New(pool, notify.Config{NoQuiet: true, DailyCap: 3})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var msgs []notify.Message
			for i := range 3 {
				msgs = append(msgs, notify.Message{Key: fmt.Sprintf("c%d-%d", g, i), Kind: notify.KindDelayApology,
					To: "+8613900000009", Vars: map[string]string{"tracking_no": "T", "link": "https://x.test/t"}})
			}
			errs <- pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				_, err := o.EnqueueMany(ctx, tx, msgs)
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var queued, capped int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'queued'),
		count(*) FILTER (WHERE suppressed_reason = 'daily_cap') FROM sms_outbox`).Scan(&queued, &capped); err != nil {
		t.Fatal(err)
	}
	if queued != 3 || capped != 9 {
		t.Errorf("queued %d, capped %d; want 3 and 9", queued, capped)
	}
}
