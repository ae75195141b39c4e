package care

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/complaints"
	"lcrm/disruptions"
	"lcrm/internal/events"
	"lcrm/notify"
)

// Reasons a parcel is flagged slow (slow_signoffs.reason).
const (
	ReasonOutForDelivery = "out_for_delivery" // out for delivery longer than its window
	ReasonAtStation      = "at_station"       // at the destination station longer than its window
	ReasonPastPromise    = "past_promise"     // past its promised time, not delivered
)

// SignoffResult counts what one run of the slow sign-off detector did.
type SignoffResult struct {
	Flagged   int // new flags
	Apologies int // apology SMS handed to the outbox (one per parcel, ever)
	// Disrupted counts disruption SMS handed to the outbox (one per disruption and
	// consignee, ever) in place of the apologies of parcels a disruption affects.
	Disrupted int
	Notices   int // notices to key shippers
	Alerted   int // flags that reached twice their window: one supervisor task each
	Cleared   int // flags of parcels since delivered or returned
}

// Items is the run's total for the run history.
func (r SignoffResult) Items() int { return r.Flagged + r.Alerted + r.Cleared }

// candidate is a parcel over one of its windows and not yet flagged for that reason.
type candidate struct {
	shipmentID, consigneeID, shipperID int64
	reason                             string
	since                              time.Time
	window                             time.Duration
	alertAt                            *time.Duration // lag at which the flag alerts; nil: never (no windows row)
	level, tier, trackingNo            string
	consigneeName, consigneePhone      string
	shipperName, shipperPhone          string
	shipperLocale                      string
}

// candidatesSQL finds parcels over a window that have no flag for that reason yet. Each
// branch reads one partial index over parcels still on the road, from the oldest clock up to
// now minus the shortest window of any level and tier, so a run reads the parcels at risk,
// not every parcel (BENCHMARKS.md, "Slow sign-off detector").
const candidatesSQL = `
WITH c AS (
	SELECT s.id, 'out_for_delivery' AS reason, s.out_for_delivery_at AS since, w.out_for_delivery AS win,
	       2 * w.out_for_delivery AS alert_at, s.service_level, p.tier, s.tracking_no, s.consignee_id, s.shipper_id, p.name, p.phone, p.locale
	FROM shipments s
	JOIN shippers p ON p.id = s.shipper_id
	JOIN signoff_windows w ON w.service_level = s.service_level AND w.tier = p.tier
	WHERE s.out_for_delivery_at IS NOT NULL AND s.status NOT IN ('delivered', 'returned')
	  AND s.out_for_delivery_at < $1::timestamptz - (SELECT min(out_for_delivery) FROM signoff_windows)
	  AND s.out_for_delivery_at < $1::timestamptz - w.out_for_delivery
	UNION ALL
	SELECT s.id, 'at_station', s.arrived_at_station_at, w.at_station, 2 * w.at_station,
	       s.service_level, p.tier, s.tracking_no, s.consignee_id, s.shipper_id, p.name, p.phone, p.locale
	FROM shipments s
	JOIN shippers p ON p.id = s.shipper_id
	JOIN signoff_windows w ON w.service_level = s.service_level AND w.tier = p.tier
	WHERE s.arrived_at_station_at IS NOT NULL AND s.out_for_delivery_at IS NULL
	  AND s.status NOT IN ('delivered', 'returned')
	  AND s.arrived_at_station_at < $1::timestamptz - (SELECT min(at_station) FROM signoff_windows)
	  AND s.arrived_at_station_at < $1::timestamptz - w.at_station
	UNION ALL
	SELECT s.id, 'past_promise', s.promised_at, interval '0', w.past_promise_alert,
	       s.service_level, p.tier, s.tracking_no, s.consignee_id, s.shipper_id, p.name, p.phone, p.locale
	FROM shipments s
	JOIN shippers p ON p.id = s.shipper_id
	-- Flagged without a windows row (the promise is the window); alerted only with one.
	LEFT JOIN signoff_windows w ON w.service_level = s.service_level AND w.tier = p.tier
	WHERE s.status IN ('created', 'picked_up', 'in_transit', 'arrived_at_station', 'out_for_delivery',
	                   'delivery_failed', 'exception')
	  AND s.promised_at < $1::timestamptz
)
SELECT c.id, c.reason, c.since, c.win, c.alert_at, c.service_level, c.tier, c.tracking_no,
       c.consignee_id, k.name, k.phone, c.shipper_id, c.name, c.phone, c.locale
FROM c
-- OFFSET 0 keeps this a lookup per candidate: a join lets the planner walk all consignees.
CROSS JOIN LATERAL (SELECT name, phone FROM consignees WHERE id = c.consignee_id OFFSET 0) k
WHERE NOT EXISTS (SELECT 1 FROM slow_signoffs f WHERE f.shipment_id = c.id AND f.reason = c.reason)
ORDER BY c.id, c.reason`

// FlagSlowSignoffs runs the slow sign-off detector as of now:
//
//   - flags, once per parcel and reason, a parcel out for delivery longer than its window,
//     at its destination station (not yet out for delivery) longer than its window, or past
//     its promised time, none of them delivered; the window depends on the service level
//     and the shipper's tier (signoff_windows);
//   - with a parcel's first flag, hands the outbox an apology SMS with the tracking link for
//     the consignee (one per parcel, whatever the reasons) and, for a key shipper, a notice
//     to the shipper, in the same transaction as the flag;
//   - at twice the window (past the promise: past_promise_alert) sets alerted_at and opens
//     a supervisor task, once: in the flag's own transaction when the flag is new and
//     already there (most of a first run), else in the run's final alert pass;
//   - clears the open flags of parcels since delivered or returned.
//
// In disruption mode (Deps.Disruptions set) a parcel a declared disruption affects is still
// flagged (the watch list and shipment.delayed show it), but instead of its apology and
// shipper notice its consignee gets the disruption's notice, once per disruption however
// many of their parcels are late (key "disruption:<id>:<consignee>"), and it raises no
// supervisor alert: the supervisors declared the disruption, and hundreds of alerts about
// it would bury the ones that need them.
func FlagSlowSignoffs(ctx context.Context, d Deps, now time.Time) (SignoffResult, error) {
	d = d.withDefaults()
	var res SignoffResult
	ph := phases{last: time.Now()}
	cleared, err := clearSignoffs(ctx, d, now)
	if err != nil {
		return res, err
	}
	res.Cleared = cleared
	ph.lap("clear")
	var cands []candidate
	err = pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		// On a big table the planner's estimates put the scan over jit_above_cost, and LLVM
		// then spends about 110 ms compiling a scan that runs in tens of milliseconds
		// (BENCHMARKS.md, "Slow sign-off detector").
		if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, candidatesSQL, now)
		if err != nil {
			return err
		}
		cands, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (candidate, error) {
			var c candidate
			err := r.Scan(&c.shipmentID, &c.reason, &c.since, &c.window, &c.alertAt, &c.level, &c.tier, &c.trackingNo,
				&c.consigneeID, &c.consigneeName, &c.consigneePhone, &c.shipperID, &c.shipperName, &c.shipperPhone, &c.shipperLocale)
			return c, err
		})
		return err
	})
	if err != nil {
		return res, fmt.Errorf("care: slow sign-offs: %w", err)
	}
	ph.lap("candidates")
	affected, err := affectedBy(ctx, d, cands, now)
	if err != nil {
		return res, fmt.Errorf("care: slow sign-offs: %w", err)
	}
	ph.lap("affected")
	// One transaction per batch of parcels; a batch that fails is retried parcel by parcel,
	// so one message the outbox refuses does not hold back the others.
	var errs []error
	for start := 0; start < len(cands); {
		end := start + 1
		for end < len(cands) && (end-start < signoffBatch || cands[end].shipmentID == cands[end-1].shipmentID) {
			end++
		}
		batch := cands[start:end]
		start = end
		r, err := flagBatch(ctx, d, now, batch, affected)
		if err == nil {
			res.add(r)
			continue
		}
		if ctx.Err() != nil {
			return res, err
		}
		for i := 0; i < len(batch); {
			j := i + 1
			for j < len(batch) && batch[j].shipmentID == batch[i].shipmentID {
				j++
			}
			r, err := flagBatch(ctx, d, now, batch[i:j], affected)
			if err != nil {
				errs = append(errs, fmt.Errorf("shipment %d: %w", batch[i].shipmentID, err))
			}
			res.add(r)
			i = j
		}
	}
	ph.lap("batches")
	alerted, err := alertSignoffs(ctx, d, now)
	res.Alerted += alerted
	if err != nil {
		errs = append(errs, err)
	}
	ph.lap("alert")
	if res.Items() > 0 || len(cands) > 0 {
		// Where a run's time goes (BENCHMARKS.md, "Slow sign-off job"); quiet runs log nothing.
		d.Log.Info("slow sign-offs", append(ph.attrs(), "found", len(cands), "flagged", res.Flagged,
			"apologies", res.Apologies, "notices", res.Notices, "disrupted", res.Disrupted, "alerted", res.Alerted, "cleared", res.Cleared)...)
	}
	if len(errs) > 0 {
		if len(errs) > 5 {
			errs = append(errs[:5], fmt.Errorf("and %d more", len(errs)-5))
		}
		return res, fmt.Errorf("care: slow sign-offs: %w", errors.Join(errs...))
	}
	return res, nil
}

// signoffBatch is how many candidate flags go in one transaction (a parcel's reasons are
// never split). A first run meets about 60,000 at 1,000,000 shipments: batches of 200 paid
// the outbox's per-phone reads 300 times over (BENCHMARKS.md, "Slow sign-off job"). A
// batch holds its rows' locks until it commits, a few hundred milliseconds. A variable so
// a test can run the same data parcel by parcel and compare.
var signoffBatch = 2000

// alertInline: new flags at their alert point are alerted in their batch (flagBatch); off
// only in a test, to compare with the final alert pass alone.
var alertInline = true

// phases times the steps of one run for its log line.
type phases struct {
	last  time.Time
	names []string
	took  []time.Duration
}

// lap records the time since the previous lap (or the start) under name.
func (p *phases) lap(name string) {
	t := time.Now()
	p.names, p.took = append(p.names, name), append(p.took, t.Sub(p.last))
	p.last = t
}

func (p *phases) attrs() []any {
	out := make([]any, 0, 2*len(p.names))
	for i, n := range p.names {
		out = append(out, n, p.took[i].Round(time.Millisecond).String())
	}
	return out
}

func (r *SignoffResult) add(o SignoffResult) {
	r.Alerted += o.Alerted
	r.Flagged += o.Flagged
	r.Apologies += o.Apologies
	r.Disrupted += o.Disrupted
	r.Notices += o.Notices
}

// EventDelayed is the webhook event type of a new slow sign-off flag.
const EventDelayed = "shipment.delayed"

// DelayedData is the data of shipment.delayed: which parcel, which window it is over
// (reason), since when, the window allowed, and when lcrm noticed.
type DelayedData struct {
	TrackingNo   string    `json:"tracking_no"`
	Reason       string    `json:"reason"`
	Since        time.Time `json:"since"`
	Allowed      string    `json:"allowed"`
	ServiceLevel string    `json:"service_level"`
	FlaggedAt    time.Time `json:"flagged_at"`
}

// flagBatch stores the flags of a batch (all reasons of a parcel are in one batch), the
// messages of the parcels flagged for the first time and the alerts of the new flags
// already at their alert point, in one transaction: one INSERT for the flags, one for their
// events when the sink takes many, a few outbox batches for the messages
// (notify.Outbox.EnqueueMany applies every rule of Enqueue per message) and one statement
// each for the alerts' tasks and notifications, so a first run over a hundred thousand late
// parcels pays neither a round trip per SMS nor a second pass over its flags to alert them.
func flagBatch(ctx context.Context, d Deps, now time.Time, batch []candidate, affected map[int64]*disruptions.Disruption) (SignoffResult, error) {
	var res SignoffResult
	err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		res = SignoffResult{}
		fresh, err := insertFlags(ctx, tx, d, now, batch, affected)
		if err != nil {
			return err
		}
		var evs []events.Event
		var msgs []notify.Message
		var due []dueFlag
		for i, c := range batch {
			f, ok := fresh[flagKey{c.shipmentID, c.reason}]
			if !ok {
				continue
			}
			res.Flagged++
			if f.alerted {
				due = append(due, dueFlag{id: f.id, shipmentID: c.shipmentID, shipperID: c.shipperID, reason: c.reason,
					trackingNo: c.trackingNo, lag: now.Sub(c.since)})
			}
			if d.Events != nil {
				id := strconv.FormatInt(c.shipmentID, 10)
				evs = append(evs, events.Event{ShipperID: c.shipperID, Type: EventDelayed, Key: "delayed:" + id + ":" + c.reason,
					OrderKey: "shipment:" + id, Data: DelayedData{TrackingNo: c.trackingNo, Reason: c.reason, Since: c.since.UTC(),
						Allowed: c.window.String(), ServiceLevel: c.level, FlaggedAt: now.UTC()}})
			}
			if i > 0 && batch[i-1].shipmentID == c.shipmentID {
				continue // the parcel's messages went with its first reason
			}
			if dis := affected[c.shipmentID]; dis != nil {
				msgs = noticeDisruption(d, msgs, c, dis, now)
				continue
			}
			msgs = apologise(d, msgs, c, now)
		}
		if err := events.EmitMany(ctx, d.Events, tx, evs); err != nil {
			return err
		}
		// One call for the whole batch: EnqueueMany takes its phone locks in one sorted
		// statement, and a second call in the same transaction could take them out of order
		// against a concurrent run's batch.
		done, err := d.Outbox.EnqueueMany(ctx, tx, msgs)
		if err != nil {
			return err
		}
		for i, m := range msgs {
			if !done[i].Created {
				continue
			}
			switch m.Kind {
			case notify.KindDelayApology:
				res.Apologies++
			case notify.KindShipperNotice:
				res.Notices++
			case notify.KindDisruption:
				res.Disrupted++
			}
		}
		if err := alertFlags(ctx, d, tx, now, due); err != nil {
			return err
		}
		res.Alerted = len(due)
		return nil
	})
	if err != nil {
		// Rolled back: nothing of the batch was stored, so nothing counts.
		return SignoffResult{}, err
	}
	return res, nil
}

// outboxBatch is the most staff alerts one EnqueueMany call gets: its statements carry one
// array element per message.
const outboxBatch = 1000

// enqueueAll hands msgs to the outbox in batches of outboxBatch, in order, in tx. Only for
// messages EnqueueMany takes no locks for (uncapped kinds, such as staff alerts): see
// flagBatch.
func enqueueAll(ctx context.Context, d Deps, tx pgx.Tx, msgs []notify.Message) ([]notify.Enqueued, error) {
	out := make([]notify.Enqueued, 0, len(msgs))
	for len(msgs) > 0 {
		k := min(len(msgs), outboxBatch)
		done, err := d.Outbox.EnqueueMany(ctx, tx, msgs[:k])
		if err != nil {
			return nil, err
		}
		out = append(out, done...)
		msgs = msgs[k:]
	}
	return out, nil
}

// flagKey names one flag: a parcel and a reason.
type flagKey struct {
	shipmentID int64
	reason     string
}

// newFlag is a flag insertFlags stored: its id, and whether it was stored alerted.
type newFlag struct {
	id      int64
	alerted bool
}

// insertFlags stores the batch's flags in one statement and returns those that are new
// (a flag stored already, by an earlier or a concurrent run, is left as it is). A new flag
// already at its alert point (and, in disruption mode, of a parcel no disruption affects:
// alertSignoffs' rule) is stored with alerted_at set, and flagBatch alerts it in the same
// transaction, as alertSignoffs would have.
func insertFlags(ctx context.Context, tx pgx.Tx, d Deps, now time.Time, batch []candidate, affected map[int64]*disruptions.Disruption) (map[flagKey]newFlag, error) {
	n := len(batch)
	ids, reasons, since, wins, levels, tiers := make([]int64, n), make([]string, n), make([]time.Time, n), make([]time.Duration, n), make([]string, n), make([]string, n)
	alert := make([]bool, n)
	for i, c := range batch {
		ids[i], reasons[i], since[i], wins[i], levels[i], tiers[i] = c.shipmentID, c.reason, c.since, c.window, c.level, c.tier
		alert[i] = alertInline && c.alertAt != nil && now.Sub(c.since) >= *c.alertAt && !(d.Disruptions != nil && affected[c.shipmentID] != nil)
	}
	rows, err := tx.Query(ctx, `INSERT INTO slow_signoffs (shipment_id, reason, since, flagged_at, lag, window_allowed, service_level, shipper_tier, alerted_at)
		SELECT id, r, s, $7, $7::timestamptz - s, w, l, t, CASE WHEN a THEN $7::timestamptz END
		FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::interval[], $5::text[], $6::text[], $8::bool[]) WITH ORDINALITY AS u(id, r, s, w, l, t, a, ord)
		ORDER BY ord
		ON CONFLICT (shipment_id, reason) DO NOTHING
		RETURNING id, shipment_id, reason, alerted_at IS NOT NULL`, ids, reasons, since, wins, levels, tiers, now, alert)
	if err != nil {
		return nil, err
	}
	fresh := make(map[flagKey]newFlag, n)
	for rows.Next() {
		var k flagKey
		var f newFlag
		if err := rows.Scan(&f.id, &k.shipmentID, &k.reason, &f.alerted); err != nil {
			rows.Close()
			return nil, err
		}
		fresh[k] = f
	}
	return fresh, rows.Err()
}

// apologise appends the consignee's apology and, for a key shipper, the shipper's notice.
// Their keys are per parcel: a parcel flagged again later for another reason (or by a
// second run) gets nothing new.
func apologise(d Deps, msgs []notify.Message, c candidate, now time.Time) []notify.Message {
	id := strconv.FormatInt(c.shipmentID, 10)
	link := d.PublicURL + "/track/" + c.trackingNo
	if c.consigneePhone == "" {
		return msgs // nobody to text; the flag still stands
	}
	msgs = append(msgs, notify.Message{
		Key: "delay-apology:" + id, Kind: notify.KindDelayApology, To: c.consigneePhone, Locale: "zh",
		Vars:       map[string]string{"tracking_no": c.trackingNo, "link": link, "name": c.consigneeName},
		ShipmentID: c.shipmentID, ConsigneeID: c.consigneeID, ShipperID: c.shipperID, NotBefore: now,
	})
	if c.tier != "key" || c.shipperPhone == "" {
		return msgs
	}
	return append(msgs, notify.Message{
		Key: "shipper-notice:" + id, Kind: notify.KindShipperNotice, To: c.shipperPhone, Locale: smsLocale(c.shipperLocale),
		Vars:       map[string]string{"tracking_no": c.trackingNo, "link": link, "name": c.shipperName, "reason": c.reason},
		ShipmentID: c.shipmentID, ShipperID: c.shipperID, NotBefore: now,
	})
}

// affectedBy returns the candidates' parcels a disruption affects as of now (none without
// disruption mode).
func affectedBy(ctx context.Context, d Deps, cands []candidate, now time.Time) (map[int64]*disruptions.Disruption, error) {
	if d.Disruptions == nil || len(cands) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(cands))
	for i, c := range cands {
		ids[i] = c.shipmentID
	}
	return d.Disruptions.AffectingMany(ctx, ids, now)
}

// noticeDisruption appends the disruption's notice for the consignee of a parcel it
// affects. The key is per disruption and consignee: a consignee with several late parcels
// in the area gets one message, linked to the first parcel flagged.
func noticeDisruption(d Deps, msgs []notify.Message, c candidate, dis *disruptions.Disruption, now time.Time) []notify.Message {
	if c.consigneePhone == "" {
		return msgs
	}
	return append(msgs, notify.Message{
		Key:  dis.Key() + ":" + strconv.FormatInt(c.consigneeID, 10),
		Kind: notify.KindDisruption, To: c.consigneePhone, Locale: "zh",
		Vars:       map[string]string{"tracking_no": c.trackingNo, "link": d.PublicURL + "/track/" + c.trackingNo, "text": dis.NoticeZH},
		ShipmentID: c.shipmentID, ConsigneeID: c.consigneeID, ShipperID: c.shipperID, NotBefore: now,
	})
}

// clearSignoffs closes the open flags of parcels delivered or returned since, and the
// supervisor tasks about them; a flag is cleared at the delivery time when there is one.
func clearSignoffs(ctx context.Context, d Deps, now time.Time) (int, error) {
	var n int
	err := d.Pool.QueryRow(ctx, `
		WITH cleared AS (
			UPDATE slow_signoffs f SET cleared_at = COALESCE(s.delivered_at, $1)
			FROM shipments s
			WHERE f.cleared_at IS NULL AND s.id = f.shipment_id AND s.status IN ('delivered', 'returned')
			RETURNING f.shipment_id),
		done AS (
			UPDATE staff_tasks SET done_at = $1
			WHERE kind = 'slow_signoff' AND done_at IS NULL AND shipment_id IN (SELECT shipment_id FROM cleared))
		SELECT count(*) FROM cleared`, now).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("care: clear slow sign-offs: %w", err)
	}
	return n, nil
}

// reasonZH words a reason in the supervisors' alert SMS and notifications.
var reasonZH = map[string]string{
	ReasonOutForDelivery: "派送中超时",
	ReasonAtStation:      "到站未派送超时",
	ReasonPastPromise:    "超过承诺时间",
}

// dueFlag is a flag at its alert point, marked alerted in the caller's transaction.
type dueFlag struct {
	id, shipmentID, shipperID int64
	reason, trackingNo        string
	lag                       time.Duration
}

// alertSignoffs marks the open flags that reached their alert point (twice the window;
// past_promise_alert past the promise) since they were flagged and, in the same
// transaction, alerts them (alertFlags). alerted_at is set by the same statement that
// selects the due flags, so a flag is alerted once. A flag already at its alert point when
// it is stored is alerted by flagBatch instead, with its flag.
func alertSignoffs(ctx context.Context, d Deps, now time.Time) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
		WITH due AS (
			SELECT f.id, f.shipment_id, f.reason, f.since, s.shipper_id, s.tracking_no
			FROM slow_signoffs f
			JOIN shipments s ON s.id = f.shipment_id
			JOIN signoff_windows w ON w.service_level = f.service_level AND w.tier = f.shipper_tier
			WHERE f.cleared_at IS NULL AND f.alerted_at IS NULL
			  AND s.status NOT IN ('delivered', 'returned')
			  AND $1::timestamptz - f.since >= CASE WHEN f.reason = 'past_promise' THEN w.past_promise_alert
			                                        ELSE 2 * f.window_allowed END
			  -- In disruption mode the supervisors already know why these parcels are late.
			  AND NOT ($2 AND EXISTS (SELECT 1 FROM disrupted_shipments ds
			                          WHERE ds.shipment_id = f.shipment_id AND ds.starts_at <= $1))
			FOR UPDATE OF f SKIP LOCKED),
		marked AS (
			UPDATE slow_signoffs f SET alerted_at = $1 FROM due WHERE f.id = due.id
			RETURNING due.*)
		SELECT id, shipment_id, shipper_id, reason, tracking_no, $1::timestamptz - since FROM marked ORDER BY id`, now, d.Disruptions != nil)
		if err != nil {
			return err
		}
		flags, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dueFlag, error) {
			var x dueFlag
			return x, r.Scan(&x.id, &x.shipmentID, &x.shipperID, &x.reason, &x.trackingNo, &x.lag)
		})
		if err != nil {
			return err
		}
		n = len(flags)
		return alertFlags(ctx, d, tx, now, flags)
	})
	if err != nil {
		return 0, fmt.Errorf("care: slow sign-off alerts: %w", err)
	}
	return n, nil
}

// alertFlags alerts flags marked alerted in tx: one supervisor task per flag (key
// "slow-signoff:<flag id>"), an in-app notification for every active supervisor and a staff
// alert SMS for each of them with a phone (key "signoff-alert:<flag id>:<user id>"), all in
// tx and keyed, so a flag's alert exists exactly when its alerted_at does.
func alertFlags(ctx context.Context, d Deps, tx pgx.Tx, now time.Time, flags []dueFlag) error {
	if len(flags) == 0 {
		return nil
	}
	type supervisor struct {
		id    int64
		phone string
	}
	n := len(flags)
	keys, shippers, shipments, texts := make([]string, n), make([]int64, n), make([]int64, n), make([]string, n)
	for i, f := range flags {
		keys[i], shippers[i], shipments[i], texts[i] = "slow-signoff:"+strconv.FormatInt(f.id, 10), f.shipperID, f.shipmentID, f.trackingNo+" "+f.reason
	}
	if _, err := tx.Exec(ctx, `INSERT INTO staff_tasks (key, kind, shipper_id, shipment_id, text, created_at)
		SELECT k, 'slow_signoff', sp, sh, t, $5 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]) WITH ORDINALITY AS u(k, sp, sh, t, ord)
		ORDER BY ord
		ON CONFLICT (key) DO NOTHING`, keys, shippers, shipments, texts, now); err != nil {
		return fmt.Errorf("tasks: %w", err)
	}
	// In-app notifications: the console writes them from the data in the reader's
	// language (notif.slow_signoff); the text is the plain fallback.
	notes := make([]complaints.Note, len(flags))
	for i, f := range flags {
		h := int(f.lag.Hours())
		notes[i] = complaints.Note{Text: fmt.Sprintf("%s %s for %d h", f.trackingNo, strings.ReplaceAll(f.reason, "_", " "), h),
			Data: map[string]any{"tracking_no": f.trackingNo, "reason": f.reason, "hours": h}}
	}
	if _, err := d.Complaints.NotifyRoleNotes(ctx, tx, "supervisor", "slow_signoff", notes, now); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT id, phone FROM users WHERE role = 'supervisor' AND active AND phone <> '' ORDER BY id`)
	if err != nil {
		return err
	}
	sups, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (supervisor, error) {
		var x supervisor
		return x, r.Scan(&x.id, &x.phone)
	})
	if err != nil || len(sups) == 0 {
		return err
	}
	var msgs []notify.Message
	for _, f := range flags {
		text := fmt.Sprintf("包裹%s%s已%d小时%d分", f.trackingNo, reasonZH[f.reason], int(f.lag.Hours()), int(f.lag.Minutes())%60)
		for _, u := range sups {
			msgs = append(msgs, notify.Message{
				Key:  "signoff-alert:" + strconv.FormatInt(f.id, 10) + ":" + strconv.FormatInt(u.id, 10),
				Kind: notify.KindStaffAlert, To: u.phone, Locale: "zh",
				Vars: map[string]string{"text": text, "link": d.PublicURL + "/console/watch"}, NotBefore: now,
			})
		}
	}
	if _, err := enqueueAll(ctx, d, tx, msgs); err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	return nil
}
