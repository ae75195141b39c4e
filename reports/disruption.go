package reports

import "time"

// disruptedSQL is the condition of Filter.ExcludeDisrupted on shipments aliased s: no
// declared disruption affects the shipment (the view disrupted_shipments, migration 027).
func (f Filter) disruptedSQL() string {
	if !f.ExcludeDisrupted {
		return ""
	}
	return " AND NOT EXISTS (SELECT 1 FROM disrupted_shipments ds WHERE ds.shipment_id = s.id)"
}

// coverage is what the cells of [from, to) are read from under f: the rollup's days and
// live ranges as given, or, when f leaves disrupted shipments out (which the rollup's cells
// cannot), the whole range live.
func (f Filter) coverage(stored []time.Time, live [][2]time.Time, from, to time.Time) ([]time.Time, [][2]time.Time) {
	if !f.ExcludeDisrupted {
		return stored, live
	}
	return nil, [][2]time.Time{{from, to}}
}
