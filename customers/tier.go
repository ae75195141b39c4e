package customers

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lcrm/audit"
	"lcrm/internal/errs"
)

// ActionTier is the audit action of a tier change.
const ActionTier = "shipper.tier"

// ErrTierChanged means the shipper's tier is no longer the one the change was decided on
// (someone else changed it meanwhile).
var ErrTierChanged = errs.New(errs.Conflict, "error.value_tier_changed", "customers: the shipper's tier changed meanwhile")

// ErrBadTier means the tier asked for is not a known tier.
var ErrBadTier = errs.New(errs.Invalid, "error.value_bad_tier", "customers: unknown tier")

// tierAudit is the before and after of a tier change in the audit log.
type tierAudit struct {
	Tier Tier `json:"tier"`
}

// SetTier moves shipper id from tier from to tier to, written to the audit log (tier
// before and after) in the same transaction. Safe to retry: when the shipper is already
// on to, nothing is written and it succeeds; when it is on neither, ErrTierChanged.
func (st *Store) SetTier(ctx context.Context, by Viewer, id int64, from, to Tier) error {
	if !from.Valid() || !to.Valid() {
		return ErrBadTier
	}
	at := st.Now()
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		var cur Tier
		err := tx.QueryRow(ctx, `SELECT tier FROM shippers WHERE id = $1 FOR UPDATE`, id).Scan(&cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		switch cur {
		case to:
			return nil
		case from:
		default:
			return ErrTierChanged
		}
		if _, err := tx.Exec(ctx, `UPDATE shippers SET tier = $2, updated_at = $3 WHERE id = $1`, id, string(to), at); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.UserID, Actor: by.Name, Action: ActionTier,
			Object: "shipper", ObjectID: id, Before: tierAudit{from}, After: tierAudit{to}, At: at})
	})
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrTierChanged) {
		return err
	}
	if err != nil {
		return fmt.Errorf("customers: set tier of %d: %w", id, err)
	}
	return nil
}
