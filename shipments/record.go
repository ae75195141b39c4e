package shipments

import (
	"context"
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
	touched := map[int64]bool{}
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
			seen[r], touched[r.shipment] = true, true
			status = ResultStored
		}
		results[i] = ItemResult{Index: i, TrackingNo: e.TrackingNo, EventID: e.Key, Status: status}
	}
	return rederive(ctx, tx, touched, now)
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

// rederive recomputes status and key times of the given shipments from all their events
// and writes those that changed, stamping them updated at now (the write's instant). It
// is phase 2 of recordValid: lock in id order, then derive and write in a later statement.
func rederive(ctx context.Context, tx pgx.Tx, touched map[int64]bool, now time.Time) error {
	if len(touched) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	b := &pgx.Batch{}
	b.Queue(`SELECT id FROM shipments WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids)
	b.Queue(deriveSQL, ids, now)
	return tx.SendBatch(ctx, b).Close()
}

// deriveSQL is Derive in SQL for the shipments $1, written back as rederive's
// second statement, stamped updated at $2. It must agree with Derive (TestDeriveSQL):
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
const deriveSQL = `
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
), upd AS (
    UPDATE shipments sh SET status = ch.status, picked_up_at = ch.picked, arrived_at_station_at = ch.arrived,
        out_for_delivery_at = ch.out_at, delivered_at = ch.delivered, signed_at = ch.delivered,
        signed_by = ch.signed_by, pod_url = ch.pod_url, last_event_at = ch.last_at, updated_at = $2::timestamptz
    FROM ch WHERE sh.id = ch.id
    RETURNING sh.id
)
INSERT INTO shipment_status_changes (shipment_id, from_status, to_status, event_key, occurred_at, changed_at)
SELECT ch.id, ch.old_status, ch.status, ch.set_by, ch.set_at, $2::timestamptz
FROM ch JOIN upd ON upd.id = ch.id
WHERE ch.old_status <> ch.status AND ch.set_by <> ''
ON CONFLICT (shipment_id, to_status, event_key) DO NOTHING`
