package statussms

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/audit"
	"lcrm/internal/clock"
	"lcrm/internal/errs"
	"lcrm/shipments"
)

// DefaultStatuses are the statuses that text when nobody changed the setting (migration
// 018 stores them): the steps a person waiting for a parcel acts on.
var DefaultStatuses = []shipments.Code{shipments.PickedUp, shipments.OutForDelivery, shipments.DeliveryFailed,
	shipments.Delivered, shipments.Exception, shipments.Returned}

// ErrUnknownStatus means a setting named a status that is not a shipment status.
var ErrUnknownStatus = errs.New(errs.Invalid, "statussms.unknown_status", "statussms: no such shipment status")

// Actor is who changes a setting, as the audit log records them.
type Actor struct {
	UserID int64
	Name   string
}

// Store reads and changes the status SMS settings; every change is audited in the
// transaction that makes it.
type Store struct {
	pool *pgxpool.Pool
	// Now stamps changes (clock.System from NewStore); tests set it.
	Now clock.Clock
}

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool, Now: clock.System} }

// Statuses reports, for every shipment status in shipments.Codes order, whether a change
// to it texts.
func (st *Store) Statuses(ctx context.Context) ([]StatusSetting, error) {
	on, err := texting(ctx, st.pool)
	if err != nil {
		return nil, fmt.Errorf("statussms: statuses: %w", err)
	}
	out := make([]StatusSetting, len(shipments.Codes))
	for i, c := range shipments.Codes {
		out[i] = StatusSetting{Status: c, Texts: on[c]}
	}
	return out, nil
}

// StatusSetting is one status and whether a change to it texts.
type StatusSetting struct {
	Status shipments.Code
	Texts  bool
}

// querier is a pool or a transaction.
type querier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

// texting reads which statuses text.
func texting(ctx context.Context, q querier) (map[shipments.Code]bool, error) {
	rows, err := q.Query(ctx, `SELECT status FROM status_sms_statuses WHERE texts`)
	if err != nil {
		return nil, err
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	on := map[shipments.Code]bool{}
	for _, c := range codes {
		on[shipments.Code(c)] = true
	}
	return on, nil
}

// SetStatuses makes exactly the given statuses text (the others stop), from the next
// batch the rule hands on. An unknown status is ErrUnknownStatus and changes nothing.
func (st *Store) SetStatuses(ctx context.Context, on []shipments.Code, by Actor) error {
	want := map[shipments.Code]bool{}
	for _, c := range on {
		if !c.Valid() {
			return ErrUnknownStatus
		}
		want[c] = true
	}
	now := st.Now()
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		// Lock the rows so two admins saving at once leave one of their settings whole.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM status_sms_statuses FOR UPDATE`); err != nil {
			return err
		}
		before, err := texting(ctx, tx)
		if err != nil {
			return err
		}
		var b, a []string
		for _, c := range shipments.Codes {
			if before[c] {
				b = append(b, string(c))
			}
			if want[c] {
				a = append(a, string(c))
			}
			if _, err := tx.Exec(ctx, `
INSERT INTO status_sms_statuses (status, texts, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (status) DO UPDATE SET texts = EXCLUDED.texts,
    updated_at = CASE WHEN status_sms_statuses.texts = EXCLUDED.texts THEN status_sms_statuses.updated_at ELSE EXCLUDED.updated_at END`,
				string(c), want[c], now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.UserID, Actor: by.Name, Action: "status_sms.statuses",
			Object: "status_sms", Before: b, After: a, At: now})
	})
	if err != nil {
		return fmt.Errorf("statussms: set statuses: %w", err)
	}
	return nil
}

// ConsigneeSMS reports whether a shipper texts the consignees of its own parcels (off
// until the shipper turns it on).
func (st *Store) ConsigneeSMS(ctx context.Context, shipperID int64) (bool, error) {
	var on bool
	err := st.pool.QueryRow(ctx, `SELECT consignee_sms FROM status_sms_shippers WHERE shipper_id = $1`, shipperID).Scan(&on)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("statussms: consignee sms of %d: %w", shipperID, err)
	}
	return on, nil
}

// SetConsigneeSMS turns texting the consignees of a shipper's parcels on or off; by is
// the shipper's user, recorded in the audit log with the change.
func (st *Store) SetConsigneeSMS(ctx context.Context, shipperID int64, on bool, by Actor) error {
	now := st.Now()
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		var before bool
		err := tx.QueryRow(ctx, `SELECT consignee_sms FROM status_sms_shippers WHERE shipper_id = $1 FOR UPDATE`, shipperID).Scan(&before)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO status_sms_shippers (shipper_id, consignee_sms, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (shipper_id) DO UPDATE SET consignee_sms = EXCLUDED.consignee_sms, updated_at = EXCLUDED.updated_at`,
			shipperID, on, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.UserID, Actor: by.Name, Action: "status_sms.consignee",
			Object: "shipper", ObjectID: shipperID, Before: map[string]bool{"consignee_sms": before},
			After: map[string]bool{"consignee_sms": on}, At: now})
	})
	if err != nil {
		return fmt.Errorf("statussms: set consignee sms of %d: %w", shipperID, err)
	}
	return nil
}
