package reports

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Group is the figures of one shipper or one destination province in the period and in
// the previous period of equal length.
type Group struct {
	Key      string // shipper id or province name
	Code     string // shipper code ("" for provinces)
	Name     string // shipper or province name
	Tier     string // shipper tier ("" for provinces)
	Current  Counts
	Previous Counts
	// Complaints filed in the period and in the previous period (shippers only).
	Complaints, PreviousComplaints int64
}

// ComplaintsPer1000 is complaints per 1,000 delivered shipments in the period.
func (g Group) ComplaintsPer1000() *float64 { return ratio(g.Complaints*1000, g.Current.Delivered) }

// DeliveredChange is the change in delivered shipments vs the previous period.
func (g Group) DeliveredChange() int64 { return g.Current.Delivered - g.Previous.Delivered }

// ByShipper returns every shipper with shipments created or delivered in p or the
// previous period, most deliveries first.
func (st *Store) ByShipper(ctx context.Context, p Period, f Filter) ([]Group, error) {
	d, err := st.dashboard(ctx, p, f, true, byShipper)
	if err != nil {
		return nil, err
	}
	return d.Shippers, nil
}

// shipperComplaintsSQL counts complaints per shipper in the period [$2, $3) and the
// previous period [$1, $4).
const shipperComplaintsSQL = `
SELECT c.shipper_id, count(*) FILTER (WHERE c.created_at >= $2), count(*) FILTER (WHERE c.created_at < $2)
FROM complaints c JOIN shipments s ON s.id = c.shipment_id
WHERE c.created_at >= $1 AND c.created_at < $3 AND (c.created_at >= $2 OR c.created_at < $4) %s
GROUP BY c.shipper_id`

// addShipperComplaints adds the complaint counts of p and its previous period to the
// shipper groups. A shipper with complaints but no shipments created or delivered in
// either period (a complaint about an old parcel) gets no row, as Definitions says.
func (st *Store) addShipperComplaints(ctx context.Context, p Period, f Filter, groups map[string]*Group) error {
	pp := p.Previous()
	cond, args := complaintFilterSQL(f, []any{pp.From, p.From, p.To, pp.To})
	type row struct {
		id        int64
		cur, prev int64
	}
	rows, err := collect(ctx, st.pool, "shipper complaints", fmt.Sprintf(shipperComplaintsSQL, cond), args,
		func(rows pgx.Rows) (row, error) {
			var r row
			err := rows.Scan(&r.id, &r.cur, &r.prev)
			return r, err
		})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if g := groups[strconv.FormatInt(r.id, 10)]; g != nil {
			g.Complaints, g.PreviousComplaints = r.cur, r.prev
		}
	}
	return nil
}

// ByProvince returns every destination province with shipments created or delivered in
// p or the previous period, most deliveries first.
func (st *Store) ByProvince(ctx context.Context, p Period, f Filter) ([]Group, error) {
	d, err := st.dashboard(ctx, p, f, true, byProvince)
	if err != nil {
		return nil, err
	}
	return d.Provinces, nil
}

// ChurnShipper is a shipper whose recent volume fell under half its earlier pace, with
// what it brought in over the last 90 days.
type ChurnShipper struct {
	ShipperID  int64
	Code, Name string
	Tier       string
	Last30     int64   // shipments created in the 30 days before the period's end
	Prev90     int64   // shipments created in the 90 days before those
	Expected30 float64 // Prev90 / 90 × 30
	// Revenue90Fen is the revenue of shipments created in the 90 days before the period's
	// end: the revenue at risk. Margin90Fen takes off their known cost and the
	// compensation paid in those 90 days.
	Revenue90Fen, Margin90Fen int64
}

// ChurnRisk lists shippers at risk of leaving as of p.To (see Definitions), the largest
// revenue at risk first, then the sharpest drop. Last30 < Prev90/90×30/2 is Last30 × 6 <
// Prev90, computed in integers. The counts and the revenue come from the rollup's cells
// (live for days it does not hold), not from 120 days of shipments.
func (st *Store) ChurnRisk(ctx context.Context, p Period, f Filter) ([]ChurnShipper, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	zone := p.zone()
	end := p.To
	mid := end.AddDate(0, 0, -30)
	trail := end.AddDate(0, 0, -90)
	var out []ChurnShipper
	err := st.snapshot(ctx, func(tx pgx.Tx) error {
		// Buckets: [start, trail), [trail, mid), [mid, end).
		m, err := st.moneyByShipper(ctx, tx, zone, mid.AddDate(0, 0, -90), end, []time.Time{trail, mid}, f)
		if err != nil {
			return err
		}
		var ids []int64
		for id, b := range m {
			last30, prev90 := b[2].created, b[0].created+b[1].created
			if last30*6 < prev90 {
				ids = append(ids, id)
				out = append(out, ChurnShipper{ShipperID: id, Last30: last30, Prev90: prev90,
					Expected30: float64(prev90) / 90 * 30, Revenue90Fen: b[1].revenue + b[2].revenue,
					Margin90Fen: b[1].revenue + b[2].revenue - b[1].cost - b[2].cost})
			}
		}
		if len(out) == 0 {
			return nil
		}
		comp, err := complaintMoney(ctx, tx, trail, end, f)
		if err != nil {
			return err
		}
		info, err := shipperInfos(ctx, tx, ids, false)
		if err != nil {
			return err
		}
		for i := range out {
			c := &out[i]
			s := info[c.ShipperID]
			c.Code, c.Name, c.Tier = s.code, s.name, s.tier
			c.Margin90Fen -= comp[c.ShipperID][1]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reports: churn risk: %w", err)
	}
	slices.SortFunc(out, func(a, b ChurnShipper) int {
		if a.Revenue90Fen != b.Revenue90Fen {
			return cmp.Compare(b.Revenue90Fen, a.Revenue90Fen)
		}
		// The sharper drop first: a.Last30/a.Prev90 < b.Last30/b.Prev90, in integers.
		if x, y := a.Last30*b.Prev90, b.Last30*a.Prev90; x != y {
			return cmp.Compare(x, y)
		}
		return cmp.Compare(a.ShipperID, b.ShipperID)
	})
	return out, nil
}
