package customers

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/clock"
	"lcrm/internal/events"
)

// Querier is what the store's batch methods need: a pool or a transaction, so callers in
// other domains can include customer writes in their own transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store reads and writes shippers and consignees in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// Now is the store's clock (clock.System from NewStore): the survey edit window and
	// contact and merge stamps read it once per operation. Tests set it.
	Now clock.Clock
	// Events, when set, receives survey.answered in the transaction that saves the answer
	// (the webhook outbox; see lcrm/internal/events).
	Events events.Sink
}

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool, Now: clock.System} }

const shipperCols = `id, code, name, contact_name, phone, email, tier, time_zone, locale, created_at`

func scanShipper(row pgx.Row) (*Shipper, error) {
	var s Shipper
	err := row.Scan(&s.ID, &s.Code, &s.Name, &s.ContactName, &s.Phone, &s.Email, &s.Tier, &s.TimeZone, &s.Locale, &s.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("customers: scan shipper: %w", err)
	}
	return &s, nil
}

// CreateShipper stores a new shipper, or returns the existing one with the same code
// unchanged (so a retried request creates one).
func (st *Store) CreateShipper(ctx context.Context, s *Shipper) (*Shipper, error) {
	if err := s.Normalize(); err != nil {
		return nil, err
	}
	ids, err := UpsertShippers(ctx, st.pool, []Shipper{*s})
	if err != nil {
		return nil, err
	}
	return st.ShipperByID(ctx, ids[s.Code])
}

// ShipperByID returns one shipper.
func (st *Store) ShipperByID(ctx context.Context, id int64) (*Shipper, error) {
	return scanShipper(st.pool.QueryRow(ctx, `SELECT `+shipperCols+` FROM shippers WHERE id = $1`, id))
}

// ShipperByCode returns one shipper by its code.
func (st *Store) ShipperByCode(ctx context.Context, code string) (*Shipper, error) {
	return scanShipper(st.pool.QueryRow(ctx, `SELECT `+shipperCols+` FROM shippers WHERE code = upper($1)`, code))
}

// ListShippers returns every shipper ordered by code.
func (st *Store) ListShippers(ctx context.Context) ([]Shipper, error) {
	rows, err := st.pool.Query(ctx, `SELECT `+shipperCols+` FROM shippers ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("customers: list shippers: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Shipper, error) {
		s, err := scanShipper(r)
		if err != nil {
			return Shipper{}, err
		}
		return *s, nil
	})
}

// UpsertShippers creates the shippers whose codes are new and returns the id of every code.
// Existing shippers are left as they are. Input must be normalized.
func UpsertShippers(ctx context.Context, q Querier, list []Shipper) (map[string]int64, error) {
	sort.Slice(list, func(i, j int) bool { return list[i].Code < list[j].Code }) // lock order
	n := len(list)
	code, name, contact, phone, email, tier, tz, locale := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, s := range list {
		code[i], name[i], contact[i], phone[i], email[i] = s.Code, s.Name, s.ContactName, s.Phone, s.Email
		tier[i], tz[i], locale[i] = string(s.Tier), s.TimeZone, s.Locale
	}
	rows, err := q.Query(ctx, `
WITH input AS (
    SELECT DISTINCT ON (code) * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
        AS t(code, name, contact_name, phone, email, tier, time_zone, locale)
    ORDER BY code
), ins AS (
    INSERT INTO shippers (code, name, contact_name, phone, email, tier, time_zone, locale)
    SELECT code, name, contact_name, phone, email, tier, time_zone, locale FROM input
    ON CONFLICT (code) DO NOTHING
    RETURNING code, id
)
SELECT code, id FROM ins
UNION ALL
SELECT s.code, s.id FROM shippers s JOIN input USING (code)`,
		code, name, contact, phone, email, tier, tz, locale)
	if err != nil {
		return nil, fmt.Errorf("customers: upsert shippers: %w", err)
	}
	return collectIDs(rows)
}

const consigneeCols = `id, name, phone, email, province, city, district, street, postal_code, COALESCE(merged_into, 0), created_at`

func scanConsignee(row pgx.Row) (*Consignee, error) {
	var c Consignee
	a := &c.Address
	err := row.Scan(&c.ID, &c.Name, &c.Phone, &c.Email, &a.Province, &a.City, &a.District, &a.Street, &a.PostalCode, &c.MergedInto, &c.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("customers: scan consignee: %w", err)
	}
	return &c, nil
}

// ConsigneeByID returns one consignee record (which may be a merged one).
func (st *Store) ConsigneeByID(ctx context.Context, id int64) (*Consignee, error) {
	return scanConsignee(st.pool.QueryRow(ctx, `SELECT `+consigneeCols+` FROM consignees WHERE id = $1`, id))
}

// ConsigneeByPhone finds the person behind a phone number written in any format,
// following a merge to the surviving record.
func (st *Store) ConsigneeByPhone(ctx context.Context, raw string) (*Consignee, error) {
	phone, err := NormalizePhone(raw, "")
	if err != nil {
		return nil, ErrNotFound
	}
	return scanConsignee(st.pool.QueryRow(ctx, `
SELECT `+consigneeCols+` FROM consignees
WHERE id = (SELECT COALESCE(merged_into, id) FROM consignees WHERE phone = $1)`, phone))
}

// CreateConsignee stores a consignee, or returns the person who already has that phone.
func (st *Store) CreateConsignee(ctx context.Context, c *Consignee) (*Consignee, error) {
	if err := c.Normalize(); err != nil {
		return nil, err
	}
	ids, err := UpsertConsignees(ctx, st.pool, []Consignee{*c})
	if err != nil {
		return nil, err
	}
	return st.ConsigneeByID(ctx, ids[c.Phone])
}

// UpsertConsignees creates consignees whose phones are new and returns, for every phone,
// the id of the record that now stands for that person (the survivor of any merge). A
// known person keeps their name; a non-empty new address replaces the old one, since people
// move. Input must be normalized.
func UpsertConsignees(ctx context.Context, q Querier, list []Consignee) (map[string]int64, error) {
	sort.SliceStable(list, func(i, j int) bool { return list[i].Phone < list[j].Phone })
	n := len(list)
	cols := make([][]string, 8)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	for i, c := range list {
		a := c.Address
		cols[0][i], cols[1][i], cols[2][i], cols[3][i] = c.Phone, c.Name, c.Email, a.Province
		cols[4][i], cols[5][i], cols[6][i], cols[7][i] = a.City, a.District, a.Street, a.PostalCode
	}
	rows, err := q.Query(ctx, `
WITH input AS (
    SELECT DISTINCT ON (phone) * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
        AS t(phone, name, email, province, city, district, street, postal_code)
    ORDER BY phone
), ins AS (
    INSERT INTO consignees (phone, name, email, province, city, district, street, postal_code)
    SELECT * FROM input
    ON CONFLICT (phone) DO NOTHING
    RETURNING phone, id
)
SELECT phone, id FROM ins
UNION ALL
SELECT c.phone, COALESCE(c.merged_into, c.id) FROM consignees c JOIN input USING (phone)`,
		cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7])
	if err != nil {
		return nil, fmt.Errorf("customers: upsert consignees: %w", err)
	}
	return collectIDs(rows)
}

func collectIDs(rows pgx.Rows) (map[string]int64, error) {
	ids := make(map[string]int64)
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("customers: scan id: %w", err)
		}
		ids[k] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("customers: upsert: %w", err)
	}
	return ids, nil
}
