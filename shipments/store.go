package shipments

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/errs"
)

// Store reads and writes shipments and tracking events in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// Now is the store's clock (clock.System from NewStore): read once per write and
	// passed down, for the plausible-time window and the overdue filter. Tests set it.
	Now    clock.Clock
	window TimeWindow
}

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool, Now: clock.System} }

// SetTimeWindow sets the range of plausible times for shipments and events (the default
// is DefaultTimeWindow); set it before the store is used.
func (st *Store) SetTimeWindow(w TimeWindow) { st.window = w.orDefault() }

// Pool exposes the pool to the importer and to tests in this package's family.
func (st *Store) Pool() *pgxpool.Pool { return st.pool }

// Result statuses for items of a batch.
const (
	ResultCreated   = "created"
	ResultExists    = "exists"
	ResultStored    = "stored"
	ResultDuplicate = "duplicate"
	ResultUnknown   = "unknown_tracking_no"
	ResultInvalid   = "invalid"
)

// ItemResult is what happened to one item of a batch.
type ItemResult struct {
	Index      int               `json:"index"`
	TrackingNo string            `json:"tracking_no,omitempty"`
	EventID    string            `json:"event_id,omitempty"`
	Status     string            `json:"status"`
	Fields     []errs.FieldError `json:"-"`
}

// invalidResult turns a validation error into an item result.
func invalidResult(i int, tn string, err error) ItemResult {
	r := ItemResult{Index: i, TrackingNo: tn, Status: ResultInvalid}
	var ve *errs.ValidationError
	if errors.As(err, &ve) {
		r.Fields = ve.Fields
	} else {
		r.Fields = []errs.FieldError{{Field: "", Message: err.Error()}}
	}
	return r
}

// CreateShipments stores a batch of shipments in one transaction, creating or matching
// their shippers and consignees. A tracking number that already exists is reported as
// "exists" and left unchanged, so a retried batch creates nothing twice. Invalid items are
// reported and skipped; valid ones are stored.
func (st *Store) CreateShipments(ctx context.Context, items []NewShipment) ([]ItemResult, error) {
	var results []ItemResult
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		var err error
		results, err = st.createShipmentsTx(ctx, tx, items, st.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("shipments: create: %w", err)
	}
	return results, nil
}

// createShipmentsTx is CreateShipments inside the caller's transaction: it normalizes the
// items as of now, reports the invalid ones and stores the rest.
func (st *Store) createShipmentsTx(ctx context.Context, tx pgx.Tx, items []NewShipment, now time.Time) ([]ItemResult, error) {
	results := make([]ItemResult, len(items))
	valid := normalizeShipments(items, now, st.window, results)
	if len(valid) == 0 {
		return results, nil
	}
	if err := st.createValid(ctx, tx, items, valid, results); err != nil {
		return nil, err
	}
	return results, nil
}

// normalizeShipments checks every item, records the invalid ones in results and returns
// the indexes of the valid ones.
func normalizeShipments(items []NewShipment, now time.Time, w TimeWindow, results []ItemResult) []int {
	var valid []int
	for i := range items {
		err := items[i].Normalize(now, w)
		if err = dropShipperName(err); err != nil {
			results[i] = invalidResult(i, items[i].TrackingNo, err)
			continue
		}
		valid = append(valid, i)
	}
	return valid
}

// createValid stores the normalized items at valid inside tx and fills their results.
func (st *Store) createValid(ctx context.Context, tx pgx.Tx, items []NewShipment, valid []int, results []ItemResult) error {
	ok, err := st.resolveParties(ctx, tx, items, valid, results)
	if err != nil {
		return err
	}
	created, err := insertShipments(ctx, tx, items, ok)
	if err != nil {
		return err
	}
	for _, i := range ok {
		status := ResultExists
		if created[items[i].TrackingNo] {
			status = ResultCreated
			delete(created, items[i].TrackingNo) // a repeat inside the batch "exists"
		}
		results[i] = ItemResult{Index: i, TrackingNo: items[i].TrackingNo, Status: status}
	}
	return nil
}

// dropShipperName removes the "shipper.name is required" complaint: an existing shipper
// is referenced by code alone, and resolveParties checks new ones.
func dropShipperName(err error) error {
	var ve *errs.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var kept errs.ValidationError
	for _, f := range ve.Fields {
		if f.Field != "shipper.name" {
			kept.Fields = append(kept.Fields, f)
		}
	}
	return kept.Err()
}

// resolveParties fills ShipperID-style ids into the items (via maps) and returns the
// indexes still valid: a new shipper code without a name is invalid.
func (st *Store) resolveParties(ctx context.Context, tx pgx.Tx, items []NewShipment, valid []int, results []ItemResult) ([]int, error) {
	codes := make([]string, 0, len(valid))
	for _, i := range valid {
		codes = append(codes, items[i].Shipper.Code)
	}
	known := map[string]bool{}
	rows, err := tx.Query(ctx, `SELECT code FROM shippers WHERE code = ANY($1)`, codes)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, c := range names {
		known[c] = true
	}
	// A new shipper may be named by any row of the batch; the others refer to it by code.
	named := map[string]customers.Shipper{}
	for _, i := range valid {
		if s := items[i].Shipper; !known[s.Code] && s.Name != "" {
			if _, dup := named[s.Code]; !dup {
				named[s.Code] = s
			}
		}
	}
	var ok []int
	var people []customers.Consignee
	for _, i := range valid {
		s := items[i].Shipper
		if _, isNew := named[s.Code]; !known[s.Code] && !isNew {
			results[i] = invalidResult(i, items[i].TrackingNo, &errs.ValidationError{Fields: []errs.FieldError{
				{Field: "shipper.name", Message: "is required for a new shipper (code " + s.Code + " is unknown)"}}})
			continue
		}
		people = append(people, items[i].Consignee)
		ok = append(ok, i)
	}
	newShippers := make([]customers.Shipper, 0, len(named))
	for _, s := range named {
		newShippers = append(newShippers, s)
	}
	if len(newShippers) > 0 {
		if _, err := customers.UpsertShippers(ctx, tx, newShippers); err != nil {
			return nil, err
		}
	}
	shipperIDs, err := shipperIDsByCode(ctx, tx, codes)
	if err != nil {
		return nil, err
	}
	consigneeIDs, err := customers.UpsertConsignees(ctx, tx, people)
	if err != nil {
		return nil, err
	}
	for _, i := range ok {
		items[i].Shipper.ID = shipperIDs[items[i].Shipper.Code]
		items[i].Consignee.ID = consigneeIDs[items[i].Consignee.Phone]
	}
	return ok, nil
}

func shipperIDsByCode(ctx context.Context, tx pgx.Tx, codes []string) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT code, id FROM shippers WHERE code = ANY($1)`, codes)
	if err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	var code string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&code, &id}, func() error { ids[code] = id; return nil })
	return ids, err
}

// insertShipments inserts the items at idx (with resolved party ids) and a "created" event
// for each new one, returning the tracking numbers that were new.
func insertShipments(ctx context.Context, tx pgx.Tx, items []NewShipment, idx []int) (map[string]bool, error) {
	n := len(idx)
	var (
		tn, level, origin, prov, city, dist, street, postal = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		shipper, consignee, value                           = make([]int64, n), make([]int64, n), make([]int64, n)
		weight                                              = make([]int32, n)
		promised, created                                   = make([]time.Time, n), make([]time.Time, n)
		cname, cphone, cemail                               = make([]string, n), make([]string, n), make([]string, n)
		freight, surcharge, cost                            = make([]*int64, n), make([]*int64, n), make([]*int64, n)
	)
	for k, i := range idx {
		it := &items[i]
		a := it.Consignee.Address
		tn[k], level[k], origin[k] = it.TrackingNo, string(it.ServiceLevel), it.OriginCity
		prov[k], city[k], dist[k], street[k], postal[k] = a.Province, it.DestCity, a.District, a.Street, a.PostalCode
		shipper[k], consignee[k], value[k], weight[k] = it.Shipper.ID, it.Consignee.ID, it.DeclaredValueFen, int32(it.WeightG)
		promised[k], created[k] = *it.PromisedAt, *it.CreatedAt
		// The consignee as this shipper sent it (see Addressee), apart from the shared record.
		cname[k], cphone[k], cemail[k] = it.Consignee.Name, it.Consignee.Phone, it.Consignee.Email
		freight[k], surcharge[k], cost[k] = it.FreightFen, it.SurchargeFen, it.CostFen
	}
	rows, err := tx.Query(ctx, `
WITH ins AS (
    INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city,
        dest_province, dest_city, dest_district, dest_street, dest_postal_code,
        weight_g, declared_value_fen, promised_at, created_at,
        consignee_name, consignee_phone, consignee_email, freight_fen, surcharge_fen, cost_fen)
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[],
        $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
        $11::int[], $12::bigint[], $13::timestamptz[], $14::timestamptz[],
        $15::text[], $16::text[], $17::text[], $18::bigint[], $19::bigint[], $20::bigint[]) AS t
    ORDER BY 1
    ON CONFLICT (tracking_no) DO NOTHING
    RETURNING id, tracking_no, created_at
), ev AS (
    INSERT INTO tracking_events (shipment_id, event_key, code, occurred_at)
    SELECT id, 'lcrm:created', 'created', created_at FROM ins
)
SELECT tracking_no FROM ins`,
		tn, shipper, consignee, level, origin, prov, city, dist, street, postal, weight, value, promised, created,
		cname, cphone, cemail, freight, surcharge, cost)
	if err != nil {
		return nil, err
	}
	fresh, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(fresh))
	for _, t := range fresh {
		out[t] = true
	}
	return out, nil
}

// RecordEvents stores a batch of tracking events and brings each touched shipment's status
// and key times up to date, in one transaction. An event already stored (same shipment and
// event id) is reported "duplicate" and changes nothing, so a replayed batch is harmless.
// The events are inserted without locking their shipments; only the short recompute at the
// end locks the touched shipments, in id order (see recordValid for why that is safe).
func (st *Store) RecordEvents(ctx context.Context, events []NewEvent) ([]ItemResult, error) {
	var results []ItemResult
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		var err error
		results, err = st.recordEventsTx(ctx, tx, events, st.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("shipments: record events: %w", err)
	}
	return results, nil
}

// recordEventsTx is RecordEvents inside the caller's transaction: it normalizes the events
// as of now, reports the invalid ones and stores the rest.
func (st *Store) recordEventsTx(ctx context.Context, tx pgx.Tx, events []NewEvent, now time.Time) ([]ItemResult, error) {
	results := make([]ItemResult, len(events))
	valid := normalizeEvents(events, now, st.window, results)
	if len(valid) == 0 {
		return results, nil
	}
	if err := recordValid(ctx, tx, events, valid, results, now); err != nil {
		return nil, err
	}
	return results, nil
}

// normalizeEvents checks every event, records the invalid ones in results and returns the
// indexes of the valid ones.
func normalizeEvents(events []NewEvent, now time.Time, w TimeWindow, results []ItemResult) []int {
	var valid []int
	for i := range events {
		if err := events[i].Normalize(now, w); err != nil {
			results[i] = invalidResult(i, events[i].TrackingNo, err)
			results[i].EventID = events[i].Key
			continue
		}
		valid = append(valid, i)
	}
	return valid
}

// recordValid stores the normalized events at valid inside tx and fills their results.
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
//     so with a snapshot taken after the locks are held) read all their events, derive, and
//     update only the rows whose derived values differ.
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
	numbers := make([]string, len(valid))
	for k, i := range valid {
		numbers[k] = events[i].TrackingNo
	}
	rows, err := tx.Query(ctx, `SELECT tracking_no, id FROM shipments WHERE tracking_no = ANY($1)`, numbers)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	var tno string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&tno, &id}, func() error { ids[tno] = id; return nil }); err != nil {
		return err
	}
	var known []int
	for _, i := range valid {
		e := events[i]
		if ids[e.TrackingNo] == 0 {
			results[i] = ItemResult{Index: i, TrackingNo: e.TrackingNo, EventID: e.Key, Status: ResultUnknown}
			continue
		}
		known = append(known, i)
	}
	stored, err := insertEvents(ctx, tx, events, known, ids)
	if err != nil {
		return err
	}
	touched := map[int64]bool{}
	for _, i := range known {
		e := events[i]
		k := eventRef{ids[e.TrackingNo], e.Key}
		status := ResultDuplicate
		if stored[k] {
			status = ResultStored
			delete(stored, k) // the same event twice in one batch: the second is a duplicate
			touched[k.shipment] = true
		}
		results[i] = ItemResult{Index: i, TrackingNo: e.TrackingNo, EventID: e.Key, Status: status}
	}
	return rederive(ctx, tx, touched, now)
}

type eventRef struct {
	shipment int64
	key      string
}

// insertEvents inserts the events at idx, in (shipment, event id) order so that concurrent
// batches wait for each other's duplicates in one order, and returns those that were new.
func insertEvents(ctx context.Context, tx pgx.Tx, events []NewEvent, idx []int, ids map[string]int64) (map[eventRef]bool, error) {
	if len(idx) == 0 {
		return nil, nil
	}
	order := append([]int(nil), idx...)
	sort.Slice(order, func(a, b int) bool {
		ea, eb := events[order[a]], events[order[b]]
		if sa, sb := ids[ea.TrackingNo], ids[eb.TrackingNo]; sa != sb {
			return sa < sb
		}
		return ea.Key < eb.Key
	})
	n := len(order)
	sid := make([]int64, n)
	key, code, loc, note, signed, pod := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at := make([]time.Time, n)
	for k, i := range order {
		e := events[i]
		sid[k], key[k], code[k], at[k] = ids[e.TrackingNo], e.Key, string(e.Code), e.OccurredAt
		loc[k], note[k], signed[k], pod[k] = e.Location, e.Note, e.SignedBy, e.PODURL
	}
	// WITH ORDINALITY ... ORDER BY keeps the order sorted above (byte order of keys, which
	// a text ORDER BY under the database collation would not promise).
	rows, err := tx.Query(ctx, `
INSERT INTO tracking_events (shipment_id, event_key, code, occurred_at, location, note, signed_by, pod_url)
SELECT sid, key, code, at, loc, note, signed, pod
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[])
    WITH ORDINALITY AS t(sid, key, code, at, loc, note, signed, pod, n)
ORDER BY n
ON CONFLICT (shipment_id, event_key) DO NOTHING
RETURNING shipment_id, event_key`, sid, key, code, at, loc, note, signed, pod)
	if err != nil {
		return nil, err
	}
	stored := map[eventRef]bool{}
	var r eventRef
	_, err = pgx.ForEachRow(rows, []any{&r.shipment, &r.key}, func() error { stored[r] = true; return nil })
	return stored, err
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

// rederive recomputes status and key times of the given shipments from all their events
// and writes those that changed, stamping them updated at now (the write's instant). It
// is phase 2 of recordValid: lock in id order, then read, then write.
func rederive(ctx context.Context, tx pgx.Tx, touched map[int64]bool, now time.Time) error {
	if len(touched) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	// The lock statement reads the rows as locked (the latest version); the events must be
	// read by a later statement, whose snapshot includes whatever the previous lock holder
	// committed.
	rows, err := tx.Query(ctx, `
SELECT id, status, picked_up_at, arrived_at_station_at, out_for_delivery_at, delivered_at,
    signed_at, signed_by, pod_url, last_event_at
FROM shipments WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids)
	if err != nil {
		return err
	}
	cur := make(map[int64]*current, len(ids))
	var sid int64
	var c current
	if _, err := pgx.ForEachRow(rows, []any{&sid, &c.status, &c.picked, &c.arrived, &c.out, &c.delivered, &c.signedAt, &c.signedBy, &c.pod, &c.last}, func() error {
		cc := c
		cur[sid] = &cc
		return nil
	}); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT shipment_id, event_key, code, occurred_at, signed_by, pod_url FROM tracking_events WHERE shipment_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	byShipment := make(map[int64][]Event, len(ids))
	var e Event
	if _, err := pgx.ForEachRow(rows, []any{&sid, &e.Key, &e.Code, &e.OccurredAt, &e.SignedBy, &e.PODURL}, func() error {
		byShipment[sid] = append(byShipment[sid], e)
		return nil
	}); err != nil {
		return err
	}
	var (
		upd                                          []int64
		status, signed, pod, setBy                   []string
		picked, arrived, out, delivered, last, setAt []*time.Time
	)
	for _, id := range ids {
		d := Derive(byShipment[id])
		if c := cur[id]; c == nil || c.unchanged(d) {
			continue // unchanged: no new row version, no trigger rows, no index entries
		}
		upd = append(upd, id)
		status, signed, pod, setBy = append(status, string(d.Status)), append(signed, d.SignedBy), append(pod, d.PODURL), append(setBy, d.StatusEvent)
		picked, arrived, out = append(picked, d.PickedUpAt), append(arrived, d.ArrivedAtStationAt), append(out, d.OutForDeliveryAt)
		delivered, last, setAt = append(delivered, d.DeliveredAt), append(last, d.LastEventAt), append(setAt, d.StatusAt)
	}
	if len(upd) == 0 {
		return nil
	}
	// One statement: the sub-statements share one snapshot, so old reads each status as it
	// was before the update, and a changed status is recorded with the write
	// (shipment_status_changes, migration 017).
	_, err = tx.Exec(ctx, `
WITH u AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[],
        $6::timestamptz[], $7::text[], $8::text[], $9::timestamptz[], $11::text[], $12::timestamptz[])
        AS u(id, status, picked, arrived, out_at, delivered, signed_by, pod_url, last_at, set_by, set_at)
), old AS (
    SELECT s.id, s.status FROM shipments s JOIN u ON u.id = s.id
), upd AS (
    UPDATE shipments s SET status = u.status, picked_up_at = u.picked, arrived_at_station_at = u.arrived,
        out_for_delivery_at = u.out_at, delivered_at = u.delivered, signed_at = u.delivered,
        signed_by = u.signed_by, pod_url = u.pod_url, last_event_at = u.last_at, updated_at = $10::timestamptz
    FROM u WHERE s.id = u.id
    RETURNING s.id
)
INSERT INTO shipment_status_changes (shipment_id, from_status, to_status, event_key, occurred_at, changed_at)
SELECT u.id, old.status, u.status, u.set_by, u.set_at, $10::timestamptz
FROM u JOIN old ON old.id = u.id JOIN upd ON upd.id = u.id
WHERE old.status <> u.status AND u.set_by <> ''
ON CONFLICT (shipment_id, to_status, event_key) DO NOTHING`, upd, status, picked, arrived, out, delivered, signed, pod, last, now, setBy, setAt)
	return err
}
