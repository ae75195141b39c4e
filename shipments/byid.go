package shipments

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// TrackingNoOf returns the tracking number of shipment id, or ErrNotFound: what a page
// reached by a signed link (the survey) shows to name its parcel.
func (st *Store) TrackingNoOf(ctx context.Context, id int64) (string, error) {
	var tn string
	err := st.pool.QueryRow(ctx, `SELECT tracking_no FROM shipments WHERE id = $1`, id).Scan(&tn)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("shipments: tracking number of %d: %w", id, err)
	}
	return tn, nil
}
