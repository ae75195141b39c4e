package care

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/customers"
	"lcrm/notify"
)

// careBatch is how many messages one transaction hands to the outbox.
const careBatch = 200

// eachInTx calls fn for every item, careBatch items per transaction; a batch that fails
// is retried item by item, so one item the outbox refuses holds back no other. It returns
// how many calls reported an effect and the errors of the items that failed.
func eachInTx[T any](ctx context.Context, d Deps, items []T, fn func(tx pgx.Tx, item T) (bool, error)) (int, error) {
	run := func(batch []T) (int, error) {
		n := 0
		err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
			n = 0
			for _, it := range batch {
				done, err := fn(tx, it)
				if err != nil {
					return err
				}
				if done {
					n++
				}
			}
			return nil
		})
		return n, err
	}
	total := 0
	var errs []error
	for start := 0; start < len(items); start += careBatch {
		batch := items[start:min(start+careBatch, len(items))]
		n, err := run(batch)
		if err == nil || len(batch) == 1 {
			total += n
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if ctx.Err() != nil {
			return total, err
		}
		for i := range batch {
			n, err := run(batch[i : i+1])
			total += n
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 5 {
		errs = append(errs[:5], fmt.Errorf("and %d more", len(errs)-5))
	}
	return total, errors.Join(errs...)
}

// delivered is a parcel due its thank-you SMS.
type delivered struct {
	id, consigneeID, shipperID int64
	trackingNo, name, phone    string
	at                         time.Time
}

// surveysSQL finds the parcels delivered between $1 and $2 not yet asked nor answered. The
// care_sent and surveys checks are LATERAL ... LIMIT 1 probes of their unique indexes per
// parcel in the window: as NOT EXISTS the planner hashed the whole of both tables (a row per
// parcel ever asked or answered) every run, a cost that grows with history (BENCHMARKS.md,
// "Slow sign-off detector").
const surveysSQL = `
	SELECT s.id, s.consignee_id, s.shipper_id, s.tracking_no, k.name, k.phone, s.delivered_at
	FROM shipments s
	-- OFFSET 0: a lookup per parcel, not a hash of every consignee
	CROSS JOIN LATERAL (SELECT name, phone FROM consignees WHERE id = s.consignee_id OFFSET 0) k
	LEFT JOIN LATERAL (SELECT true AS sent FROM care_sent c
	                   WHERE c.kind = 'survey' AND c.subject_id = s.id AND c.round = 0 LIMIT 1) cs ON true
	LEFT JOIN LATERAL (SELECT true AS answered FROM surveys v WHERE v.shipment_id = s.id LIMIT 1) sv ON true
	WHERE k.phone <> '' AND s.delivered_at >= $1 AND s.delivered_at <= $2 AND s.status = 'delivered'
	  AND cs.sent IS NULL AND sv.answered IS NULL
	ORDER BY s.delivered_at, s.id`

// SendSurveys texts a thank-you with the survey link to the consignee of every parcel
// delivered in the last SurveyWithin and not yet asked (nor already answered), once per
// parcel: the care_sent flag is written with the message. The bound keeps the first run
// from texting every customer ever served; parcels delivered before it are never asked.
func SendSurveys(ctx context.Context, d Deps, now time.Time) (int, error) {
	d = d.withDefaults()
	if len(d.Secret) == 0 {
		return 0, errors.New("care: survey SMS: no secret to sign survey links")
	}
	rows, err := d.Pool.Query(ctx, surveysSQL, now.Add(-d.SurveyWithin), now)
	if err != nil {
		return 0, fmt.Errorf("care: survey SMS: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (delivered, error) {
		var x delivered
		return x, r.Scan(&x.id, &x.consigneeID, &x.shipperID, &x.trackingNo, &x.name, &x.phone, &x.at)
	})
	if err != nil {
		return 0, fmt.Errorf("care: survey SMS: %w", err)
	}
	n, err := eachInTx(ctx, d, items, func(tx pgx.Tx, x delivered) (bool, error) {
		link := customers.SurveyLink(d.PublicURL, d.Secret, x.id, x.at.Add(d.SurveyValid))
		return sendCare(ctx, tx, d, now, "survey", x.id, 0, notify.Message{
			Key: "survey:" + strconv.FormatInt(x.id, 10), Kind: notify.KindSurvey, To: x.phone, Locale: "zh",
			Vars:       map[string]string{"tracking_no": x.trackingNo, "link": link, "name": x.name},
			ShipmentID: x.id, ConsigneeID: x.consigneeID, ShipperID: x.shipperID, NotBefore: now,
		})
	})
	if err != nil {
		return n, fmt.Errorf("care: survey SMS: %w", err)
	}
	return n, nil
}

// sendCare enqueues m and writes its care_sent flag (kind, subject, round) in tx; it
// reports whether the flag is new (the outbox stores nothing new for a key it has, so a
// repeat is harmless).
func sendCare(ctx context.Context, tx pgx.Tx, d Deps, now time.Time, kind string, subject int64, round int, m notify.Message) (bool, error) {
	id, _, err := d.Outbox.Enqueue(ctx, tx, m)
	if err != nil {
		return false, fmt.Errorf("%s %d: %w", kind, subject, err)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO care_sent (kind, subject_id, round, message_id, at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, kind, subject, round, id, now)
	if err != nil {
		return false, fmt.Errorf("%s %d: %w", kind, subject, err)
	}
	return tag.RowsAffected() == 1, nil
}

// resolved is a complaint due its follow-up.
type resolved struct {
	id, shipmentID, consigneeID, shipperID int64
	ref, phone, name                       string
	round                                  int
}

// ComplaintFollowups asks the customer of every complaint resolved in the last
// FollowupWithin, and not yet rated, to rate the handling, with a link to the complaint's
// page; once per complaint and resolution: the key "complaint-followup:<id>:<reopen_count>"
// asks again when a reopened complaint is resolved again (and still not rated).
func ComplaintFollowups(ctx context.Context, d Deps, now time.Time) (int, error) {
	d = d.withDefaults()
	rows, err := d.Pool.Query(ctx, `
		SELECT c.id, c.shipment_id, c.consignee_id, c.shipper_id, c.ref, c.contact_phone, k.name, c.reopen_count
		FROM complaints c
		JOIN consignees k ON k.id = c.consignee_id
		-- a probe per complaint, not a hash of care_sent (see surveysSQL)
		LEFT JOIN LATERAL (SELECT true AS sent FROM care_sent s WHERE s.kind = 'complaint_followup'
		                   AND s.subject_id = c.id AND s.round = c.reopen_count LIMIT 1) cs ON true
		WHERE c.status = 'resolved' AND c.resolved_at >= $1 AND c.resolved_at <= $2 AND c.rating = 0
		  AND c.contact_phone <> '' AND cs.sent IS NULL
		ORDER BY c.resolved_at, c.id`, now.Add(-d.FollowupWithin), now)
	if err != nil {
		return 0, fmt.Errorf("care: complaint follow-up: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (resolved, error) {
		var x resolved
		return x, r.Scan(&x.id, &x.shipmentID, &x.consigneeID, &x.shipperID, &x.ref, &x.phone, &x.name, &x.round)
	})
	if err != nil {
		return 0, fmt.Errorf("care: complaint follow-up: %w", err)
	}
	n, err := eachInTx(ctx, d, items, func(tx pgx.Tx, x resolved) (bool, error) {
		return sendCare(ctx, tx, d, now, "complaint_followup", x.id, x.round, notify.Message{
			Key: "complaint-followup:" + strconv.FormatInt(x.id, 10) + ":" + strconv.Itoa(x.round), Kind: notify.KindComplaintFollowup, To: x.phone, Locale: "zh",
			Vars:       map[string]string{"ref": x.ref, "link": d.PublicURL + "/complaint/" + x.ref, "name": x.name},
			ShipmentID: x.shipmentID, ConsigneeID: x.consigneeID, ShipperID: x.shipperID, ComplaintID: x.id, NotBefore: now,
		})
	})
	if err != nil {
		return n, fmt.Errorf("care: complaint follow-up: %w", err)
	}
	return n, nil
}

// Win-back rule: a key shipper with at least WinBackVolume shipments in the WinBackBefore
// before its last one, and none for WinBackQuiet, gets a staff task.
const (
	WinBackQuiet  = 30 * 24 * time.Hour
	WinBackBefore = 90 * 24 * time.Hour
	WinBackVolume = 20
)

// WinBackTasks opens a win-back task for every key shipper gone quiet: no shipment for
// WinBackQuiet after regular volume (WinBackVolume in the WinBackBefore before its last
// shipment). The task carries the revenue at risk: freight plus surcharge of the shipments
// of those 90 days (reports' Revenue). The task is keyed by the shipper and its last shipment, so it is made once per
// quiet spell: a shipper that comes back and goes quiet again gets a new one. Spells that
// began more than a year ago are history, not a task.
func WinBackTasks(ctx context.Context, d Deps, now time.Time) (int, error) {
	tag, err := d.Pool.Exec(ctx, `
		INSERT INTO staff_tasks (key, kind, shipper_id, text, created_at, revenue_at_risk_fen)
		SELECT 'winback:' || p.id || ':' || last.id, 'winback', p.id,
		       p.name || ': ' || vol.n || ' shipments in the 90 days to ' || to_char(last.at, 'YYYY-MM-DD') || ', none since', $1,
		       vol.revenue
		FROM shippers p
		CROSS JOIN LATERAL (SELECT id, created_at AS at FROM shipments WHERE shipper_id = p.id
		                    ORDER BY created_at DESC, id DESC LIMIT 1) last
		CROSS JOIN LATERAL (SELECT count(*) AS n,
		                           COALESCE(sum(COALESCE(freight_fen, 0) + COALESCE(surcharge_fen, 0)), 0)::bigint AS revenue
		                    FROM shipments WHERE shipper_id = p.id
		                    AND created_at >= last.at - $3::interval AND created_at <= last.at) vol
		WHERE p.tier = 'key' AND last.at < $1::timestamptz - $2::interval
		  AND last.at >= $1::timestamptz - interval '365 days' AND vol.n >= $4
		ON CONFLICT (key) DO NOTHING`, now, WinBackQuiet, WinBackBefore, WinBackVolume)
	if err != nil {
		return 0, fmt.Errorf("care: win-back: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// greetee is a key shipper to greet.
type greetee struct {
	id                  int64
	name, phone, locale string
}

// HolidayGreetings texts every key shipper with a phone a greeting when today (in Zone) is
// one of the greeting_days; the key "holiday:<date>:<shipper>" makes it once per day and
// shipper however often the job runs.
func HolidayGreetings(ctx context.Context, d Deps, now time.Time) (int, error) {
	d = d.withDefaults()
	day := now.In(d.Zone).Format(time.DateOnly)
	var nameZH, nameEN string
	err := d.Pool.QueryRow(ctx, `SELECT name_zh, name_en FROM greeting_days WHERE day = $1::date`, day).Scan(&nameZH, &nameEN)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("care: holiday greetings: %w", err)
	}
	rows, err := d.Pool.Query(ctx, `SELECT id, CASE WHEN contact_name <> '' THEN contact_name ELSE name END, phone, locale
		FROM shippers WHERE tier = 'key' AND phone <> '' ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("care: holiday greetings: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (greetee, error) {
		var x greetee
		return x, r.Scan(&x.id, &x.name, &x.phone, &x.locale)
	})
	if err != nil {
		return 0, fmt.Errorf("care: holiday greetings: %w", err)
	}
	n, err := eachInTx(ctx, d, items, func(tx pgx.Tx, x greetee) (bool, error) {
		loc, holiday, text := smsLocale(x.locale), nameZH, nameZH+"快乐！"
		if loc == "en" {
			holiday, text = nameEN, "Happy "+nameEN+"!"
		}
		_, created, err := d.Outbox.Enqueue(ctx, tx, notify.Message{
			Key: "holiday:" + day + ":" + strconv.FormatInt(x.id, 10), Kind: notify.KindHoliday, To: x.phone, Locale: loc,
			Vars: map[string]string{"name": x.name, "holiday": holiday, "text": text}, ShipperID: x.id, NotBefore: now,
		})
		return created, err
	})
	if err != nil {
		return n, fmt.Errorf("care: holiday greetings: %w", err)
	}
	return n, nil
}
