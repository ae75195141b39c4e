package shipments

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// recordValid stores the normalized events at valid inside tx and fills their results.
// It costs two round trips: one statement resolves the tracking numbers and inserts the
// events, then a pipelined pair locks the touched shipments and rederives them in SQL.
//
// Concurrency. The transaction runs at READ COMMITTED and has two phases:
//
//  1. Insert the events, sorted by (shipment, event id), without locking their shipments.
//     The foreign key check takes only FOR KEY SHARE on each shipment, which does not
//     conflict with phase 2's FOR NO KEY UPDATE, so inserting never waits for another
//     batch's recompute. Two batches carrying the same event meet on the unique key: the
//     second waits for the first to commit and then reports a duplicate. Both insert in
//     the same order, so those waits cannot form a cycle.
//  2. Lock the touched shipments FOR NO KEY UPDATE in id order, then (in a later statement,
//     so with a snapshot taken after the locks are held) derive from all their events and
//     update only the rows whose derived values differ. The two statements travel in one
//     pipeline; the server still runs (and snapshots) the second only after the first has
//     finished, that is after every lock is granted.
//
// No event is lost from a status: take the last transaction R (in the order the lock on a
// shipment was granted) to recompute that shipment. Every other transaction T that stored
// an event for it recomputed it earlier, holding the lock until T committed, so T had
// committed before R was granted the lock and R's snapshot sees T's events; R sees its own.
// A transaction that has inserted but not yet recomputed (or committed) is not missed
// either: its own recompute comes after, and sees everything committed before it. So the
// stored status is always Derive of all committed events. Waits in phase 2 are only for
// shipment locks taken in id order (no cycle), and a phase-2 transaction never waits for a
// phase-1 one, so batches cannot deadlock. Everything is one transaction: a crash before
// commit loses the events and the status together, never one without the other.
func recordValid(ctx context.Context, tx pgx.Tx, events []NewEvent, valid []int, results []ItemResult, now time.Time) error {
	n := len(valid)
	tn, key, code, loc, note, signed, pod := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at := make([]time.Time, n)
	for k, i := range valid {
		e := &events[i]
		tn[k], key[k], code[k], at[k] = e.TrackingNo, e.Key, string(e.Code), e.OccurredAt
		loc[k], note[k], signed[k], pod[k] = e.Location, e.Note, e.SignedBy, e.PODURL
	}
	rows, err := tx.Query(ctx, insertEventsSQL, tn, key, code, at, loc, note, signed, pod)
	if err != nil {
		return err
	}
	sid := make([]int64, n) // 0: unknown tracking number
	stored := make([]bool, n)
	var (
		ord int64
		id  *int64
		ok  bool
	)
	if _, err := pgx.ForEachRow(rows, []any{&ord, &id, &ok}, func() error {
		if id != nil {
			sid[ord-1], stored[ord-1] = *id, ok
		}
		return nil
	}); err != nil {
		return err
	}
	seen := map[eventRef]bool{}
	fresh := map[int64][]Event{} // the events this batch stored, by shipment
	for k, i := range valid {
		e := events[i]
		if sid[k] == 0 {
			results[i] = ItemResult{Index: i, TrackingNo: e.TrackingNo, EventID: e.Key, Status: ResultUnknown}
			continue
		}
		status := ResultDuplicate
		// The same event twice in one batch was inserted once: the first is stored, the
		// second a duplicate.
		if r := (eventRef{sid[k], e.Key}); stored[k] && !seen[r] {
			seen[r] = true
			// As stored: pgx sends microseconds, dropping the rest.
			se := e.Event
			se.OccurredAt = se.OccurredAt.Truncate(time.Microsecond)
			fresh[r.shipment] = append(fresh[r.shipment], se)
			status = ResultStored
		}
		results[i] = ItemResult{Index: i, TrackingNo: e.TrackingNo, EventID: e.Key, Status: status}
	}
	return rederive(ctx, tx, fresh, now)
}

type eventRef struct {
	shipment int64
	key      string
}

// insertEventsSQL resolves the tracking numbers ($1) and inserts the events of known
// parcels in (shipment, event id) order, byte order of ids (COLLATE "C", as a Go sort would
// give) and then input order, so concurrent batches wait for each other's duplicates in
// one order. It returns every input row by its 1-based position with its shipment id (null:
// unknown) and whether this statement stored it.
const insertEventsSQL = `
WITH t AS (
    SELECT t.n, s.id AS sid, t.key, t.code, t.at, t.loc, t.note, t.signed, t.pod
    FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[])
        WITH ORDINALITY AS t(tn, key, code, at, loc, note, signed, pod, n)
    LEFT JOIN shipments s ON s.tracking_no = t.tn
), ins AS (
    INSERT INTO tracking_events (shipment_id, event_key, code, occurred_at, location, note, signed_by, pod_url)
    SELECT sid, key, code, at, loc, note, signed, pod FROM t
    WHERE sid IS NOT NULL
    ORDER BY sid, key COLLATE "C", n
    ON CONFLICT (shipment_id, event_key) DO NOTHING
    RETURNING shipment_id, event_key
)
SELECT t.n, t.sid, ins.shipment_id IS NOT NULL
FROM t LEFT JOIN ins ON ins.shipment_id = t.sid AND ins.event_key = t.key`

// rederive brings the given shipments' status and key times up to date with the events
// this transaction stored for them (fresh), writing those that changed, stamped updated at
// now (the write's instant). It is phase 2 of recordValid: lock in id order (reading each
// row as locked), then write in a later statement. Most rows are folded in Go from their
// stored state and the fresh events alone (fold); the few the stored state cannot settle
// are derived in SQL from all their events (deriveSQL), which that later statement's
// snapshot sees complete.
func rederive(ctx context.Context, tx pgx.Tx, fresh map[int64][]Event, now time.Time) error {
	if len(fresh) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(fresh))
	for id := range fresh {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	rows, err := tx.Query(ctx, `
SELECT id, status, picked_up_at, arrived_at_station_at, out_for_delivery_at, delivered_at,
    signed_at, signed_by, pod_url, last_event_at
FROM shipments WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids)
	if err != nil {
		return err
	}
	var (
		full                                         []int64 // derived from all events, in SQL
		upd                                          []int64
		from, status, signed, pod, setBy             []string
		picked, arrived, out, delivered, last, setAt []*time.Time
	)
	var sid int64
	var c current
	if _, err := pgx.ForEachRow(rows, []any{&sid, &c.status, &c.picked, &c.arrived, &c.out, &c.delivered, &c.signedAt, &c.signedBy, &c.pod, &c.last}, func() error {
		d, ok := c.fold(fresh[sid])
		switch {
		case !ok:
			full = append(full, sid)
		case c.unchanged(d):
			// unchanged: no new row version, no trigger rows, no index entries
		default:
			upd, from = append(upd, sid), append(from, c.status)
			status, signed, pod, setBy = append(status, string(d.Status)), append(signed, d.SignedBy), append(pod, d.PODURL), append(setBy, d.StatusEvent)
			picked, arrived, out = append(picked, d.PickedUpAt), append(arrived, d.ArrivedAtStationAt), append(out, d.OutForDeliveryAt)
			delivered, last, setAt = append(delivered, d.DeliveredAt), append(last, d.LastEventAt), append(setAt, d.StatusAt)
		}
		return nil
	}); err != nil {
		return err
	}
	b := &pgx.Batch{}
	if len(full) > 0 {
		b.Queue(deriveSQL, full, now)
	}
	if len(upd) > 0 {
		// A changed status is recorded with the write (shipment_status_changes, migration
		// 017), from the status read under the lock.
		b.Queue(writeFoldedSQL, upd, status, picked, arrived, out, delivered, signed, pod, last, now, setBy, setAt, from)
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, b).Close()
}

// current is a shipment's stored derived state, read under its lock.
type current struct {
	status                                          string
	picked, arrived, out, delivered, signedAt, last *time.Time
	signedBy, pod                                   string
}

// sameTime reports whether two optional times are equal.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// unchanged reports whether d is what is stored already, so the row needs no update.
func (c *current) unchanged(d Derived) bool {
	return c.status == string(d.Status) && c.signedBy == d.SignedBy && c.pod == d.PODURL &&
		sameTime(c.picked, d.PickedUpAt) && sameTime(c.arrived, d.ArrivedAtStationAt) &&
		sameTime(c.out, d.OutForDeliveryAt) && sameTime(c.delivered, d.DeliveredAt) &&
		sameTime(c.signedAt, d.DeliveredAt) && sameTime(c.last, d.LastEventAt)
}

// fold returns Derive of the shipment's events with evs added, computed from the stored
// state c (Derive of the events before) and evs alone, or false when c cannot settle it.
// Derive's status event is the greatest event by (final, occurred_at, rank of code, key);
// c says the finality, rank and time of its own: the last event's time while not final
// (the latest event sets the status), delivered_at once delivered. It does not say the
// time of a return, nor the key, which decides only between events of the same code at
// the same instant and then matters only for a delivery's signer and proof. Those cases,
// and a row without a last event, return false. Step times are minima, the last event a
// maximum, so they fold exactly.
func (c *current) fold(evs []Event) (Derived, bool) {
	cur := Code(c.status)
	if len(evs) == 0 || c.last == nil || !cur.Valid() {
		return Derived{}, false
	}
	var at time.Time
	switch {
	case cur == Delivered && c.delivered != nil:
		at = *c.delivered
	case cur.Final():
		return Derived{}, false
	default:
		at = *c.last
	}
	best := evs[0]
	for _, e := range evs[1:] {
		if statusBefore(best, e) {
			best = e
		}
	}
	// Copies: the scan may reuse c's times for the next row.
	d := Derived{Status: cur, PickedUpAt: copyTime(c.picked), ArrivedAtStationAt: copyTime(c.arrived), OutForDeliveryAt: copyTime(c.out),
		DeliveredAt: copyTime(c.delivered), SignedBy: c.signedBy, PODURL: c.pod, LastEventAt: copyTime(c.last)}
	switch cmpStatus(best.Code, best.OccurredAt, cur, at) {
	case 1:
		d.Status = best.Code
		d.setBy(best)
		d.DeliveredAt, d.SignedBy, d.PODURL = nil, "", ""
		if best.Code == Delivered {
			t := best.OccurredAt
			d.DeliveredAt, d.SignedBy, d.PODURL = &t, best.SignedBy, best.PODURL
		}
	case 0:
		if best.Code == Delivered { // two deliveries at one instant: the keys decide
			return Derived{}, false
		}
		// The same code at the same instant: the status stays (a key would only rename
		// the event that set it, which no change record needs).
	}
	earliest := func(p **time.Time, t time.Time) {
		if *p == nil || t.Before(**p) {
			t := t
			*p = &t
		}
	}
	for _, e := range evs {
		switch e.Code {
		case PickedUp:
			earliest(&d.PickedUpAt, e.OccurredAt)
		case ArrivedAtStation:
			earliest(&d.ArrivedAtStationAt, e.OccurredAt)
		case OutForDelivery:
			earliest(&d.OutForDeliveryAt, e.OccurredAt)
		}
		if e.OccurredAt.After(*d.LastEventAt) {
			t := e.OccurredAt
			d.LastEventAt = &t
		}
	}
	return d, true
}

func copyTime(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	t := *p
	return &t
}

// statusBefore reports whether b sets a status over a: a final event over any other,
// then as Less orders them.
func statusBefore(a, b Event) bool {
	if a.Code.Final() != b.Code.Final() {
		return b.Code.Final()
	}
	return Less(a, b)
}

// cmpStatus compares an event of code a at ta with one of code b at tb by finality, time
// and rank (not key): 1 if the first sets the status over the second, -1 if the second
// does, 0 if only their keys could tell.
func cmpStatus(a Code, ta time.Time, b Code, tb time.Time) int {
	switch {
	case a.Final() != b.Final():
		if a.Final() {
			return 1
		}
		return -1
	case !ta.Equal(tb):
		if ta.After(tb) {
			return 1
		}
		return -1
	case rank[a] != rank[b]:
		if rank[a] > rank[b] {
			return 1
		}
		return -1
	}
	return 0
}

// deriveSQL is Derive in SQL for the shipments $1 that fold cannot settle, written back
// by rederive's second statement, stamped updated at $2. It must agree with Derive (TestDeriveSQL):
//   - events ordered by occurred_at, then the rank of their code (as Derive's rank map),
//     then event id in byte order;
//   - the status is set by the last final event (delivered, returned) if there is one, else
//     by the last event; delivery time, signer and proof come from it if it is delivered;
//   - each step's time is the first (earliest) event of its code, last_event_at the latest.
//
// Only rows whose derived values differ are updated (no new row version, no trigger rows,
// no index entries for the rest). The sub-statements share one snapshot, so ch reads each
// status as it was before the update, and a changed status is recorded with the write
// (shipment_status_changes, migration 017).
var deriveSQL = `
WITH e AS MATERIALIZED (
    SELECT shipment_id, event_key, code, occurred_at, signed_by, pod_url
    FROM tracking_events WHERE shipment_id = ANY($1)
), k AS (
    SELECT shipment_id AS id,
        min(occurred_at) FILTER (WHERE code = 'picked_up') AS picked,
        min(occurred_at) FILTER (WHERE code = 'arrived_at_station') AS arrived,
        min(occurred_at) FILTER (WHERE code = 'out_for_delivery') AS out_at,
        max(occurred_at) AS last_at
    FROM e GROUP BY shipment_id
), s AS (
    SELECT DISTINCT ON (shipment_id) shipment_id AS id, code AS status, event_key AS set_by, occurred_at AS set_at,
        CASE WHEN code = 'delivered' THEN occurred_at END AS delivered,
        CASE WHEN code = 'delivered' THEN signed_by ELSE '' END AS signed_by,
        CASE WHEN code = 'delivered' THEN pod_url ELSE '' END AS pod_url
    FROM e
    ORDER BY shipment_id, code IN ('delivered', 'returned') DESC, occurred_at DESC,
        coalesce(array_position(ARRAY['created', 'picked_up', 'in_transit', 'arrived_at_station', 'exception',
            'out_for_delivery', 'delivery_failed', 'returned', 'delivered'], code), 1) DESC,
        event_key COLLATE "C" DESC
), ch AS (
    SELECT k.id, k.picked, k.arrived, k.out_at, k.last_at, s.status, s.set_by, s.set_at, s.delivered,
        s.signed_by, s.pod_url, sh.status AS old_status
    FROM k JOIN s ON s.id = k.id JOIN shipments sh ON sh.id = k.id
    WHERE (sh.status, sh.picked_up_at, sh.arrived_at_station_at, sh.out_for_delivery_at, sh.delivered_at,
            sh.signed_at, sh.signed_by, sh.pod_url, sh.last_event_at)
        IS DISTINCT FROM (s.status, k.picked, k.arrived, k.out_at, s.delivered,
            s.delivered, s.signed_by, s.pod_url, k.last_at)
), ` + fmt.Sprintf(writeDerivedSQL, "ch", "$2")

// writeDerivedSQL writes the derived state of the rows of the CTE %[1]s (id, status, picked,
// arrived, out_at, delivered, signed_by, pod_url, last_at, set_by, set_at, old_status) to
// their shipments, stamped updated at %[2]s, and records each changed status with the write
// (shipment_status_changes, migration 017): the tail of both ways RecordEvents writes a
// batch (writeFoldedSQL, deriveSQL).
const writeDerivedSQL = `upd AS (
    UPDATE shipments sh SET status = d.status, picked_up_at = d.picked, arrived_at_station_at = d.arrived,
        out_for_delivery_at = d.out_at, delivered_at = d.delivered, signed_at = d.delivered,
        signed_by = d.signed_by, pod_url = d.pod_url, last_event_at = d.last_at, updated_at = %[2]s::timestamptz
    FROM %[1]s d WHERE sh.id = d.id
    RETURNING sh.id
)
INSERT INTO shipment_status_changes (shipment_id, from_status, to_status, event_key, occurred_at, changed_at)
SELECT d.id, d.old_status, d.status, d.set_by, d.set_at, %[2]s::timestamptz
FROM %[1]s d JOIN upd ON upd.id = d.id
WHERE d.old_status <> d.status AND d.set_by <> ''
ON CONFLICT (shipment_id, to_status, event_key) DO NOTHING`

// writeFoldedSQL writes the states fold settled in Go ($1–$9, $11–$13 by shipment),
// stamped updated at $10.
var writeFoldedSQL = `
WITH u AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[],
        $6::timestamptz[], $7::text[], $8::text[], $9::timestamptz[], $11::text[], $12::timestamptz[], $13::text[])
        AS u(id, status, picked, arrived, out_at, delivered, signed_by, pod_url, last_at, set_by, set_at, old_status)
), ` + fmt.Sprintf(writeDerivedSQL, "u", "$10")
