package shipments

import (
	"context"
	"errors"
	"fmt"
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
