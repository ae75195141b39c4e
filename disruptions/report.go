package disruptions

import (
	"context"
	"fmt"
)

// Report is a disruption's short report: what it touched and how far the parcels are.
type Report struct {
	Parcels    int64 // parcels affected (disrupted_shipments)
	Delivered  int64 // of those, delivered since the window began
	Returned   int64 // returned since the window began
	OnTheRoad  int64 // neither delivered nor returned yet
	Complaints int64 // complaints about the affected parcels, filed at any time
	Paused     int64 // complaints whose SLA clocks this disruption pauses
	Open       int64 // of the complaints, still open
}

// Report returns the short report of disruption id as the database stands: one query.
// It reads every shipment against the disruption's area (the view has no index on
// places); measured at demo size in the notes.
func (s *Store) Report(ctx context.Context, id int64) (*Report, error) {
	d, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	var r Report
	err = s.pool.QueryRow(ctx, `
		WITH a AS (SELECT s.id, s.status FROM disrupted_shipments ds JOIN shipments s ON s.id = ds.shipment_id
		           WHERE ds.disruption_id = $1)
		SELECT (SELECT count(*) FROM a),
		       (SELECT count(*) FROM a WHERE status = 'delivered'),
		       (SELECT count(*) FROM a WHERE status = 'returned'),
		       (SELECT count(*) FROM a WHERE status NOT IN ('delivered', 'returned')),
		       (SELECT count(*) FROM complaints c WHERE c.shipment_id IN (SELECT id FROM a)),
		       (SELECT count(*) FROM complaint_pauses p WHERE p.key = $2),
		       (SELECT count(*) FROM complaints c WHERE c.shipment_id IN (SELECT id FROM a) AND c.status NOT IN ('resolved', 'closed'))`,
		d.ID, d.Key()).Scan(&r.Parcels, &r.Delivered, &r.Returned, &r.OnTheRoad, &r.Complaints, &r.Paused, &r.Open)
	if err != nil {
		return nil, fmt.Errorf("disruptions: report: %w", err)
	}
	return &r, nil
}
