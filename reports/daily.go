package reports

import (
	"context"
	"time"
)

// Day is one local day of the trend: shipments created that day, and the delivery
// figures of shipments delivered that day.
type Day struct {
	Date time.Time // local midnight in the period's zone
	Counts
	LagP90 *time.Duration
}

// Daily returns one row per local day of p (in p's zone) under f; days without any
// shipment have a row of zeros, so a chart's axis has no gaps.
func (st *Store) Daily(ctx context.Context, p Period, f Filter) ([]Day, error) {
	d, err := st.dashboard(ctx, p, f, false, byDay)
	if err != nil {
		return nil, err
	}
	return d.Days, nil
}
