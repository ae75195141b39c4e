package reports

import (
	"context"
	"fmt"
	"strconv"

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

// ChurnShipper is a shipper whose recent volume fell under half its earlier pace.
type ChurnShipper struct {
	ShipperID  int64
	Code, Name string
	Tier       string
	Last30     int64   // shipments created in the 30 days before the period's end
	Prev90     int64   // shipments created in the 90 days before those
	Expected30 float64 // Prev90 / 90 × 30
}

// churnSQL counts shipments per shipper in [$1, $2) (the 90 days) and [$2, $3) (the 30).
const churnSQL = `
SELECT sh.id, sh.code, sh.name, sh.tier,
       count(*) FILTER (WHERE s.created_at >= $2) AS last30,
       count(*) FILTER (WHERE s.created_at < $2) AS prev90
FROM shipments s JOIN shippers sh ON sh.id = s.shipper_id
WHERE s.created_at >= $1 AND s.created_at < $3 %s
GROUP BY sh.id
HAVING count(*) FILTER (WHERE s.created_at >= $2) * 6 < count(*) FILTER (WHERE s.created_at < $2)
ORDER BY count(*) FILTER (WHERE s.created_at >= $2)::float8 / count(*) FILTER (WHERE s.created_at < $2), sh.id`

// ChurnRisk lists shippers at risk of leaving as of p.To (see Definitions), the sharpest
// drop first. Last30 < Prev90/90×30/2 is Last30 × 6 < Prev90, computed in integers.
func (st *Store) ChurnRisk(ctx context.Context, p Period, f Filter) ([]ChurnShipper, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	end := p.To
	mid := end.AddDate(0, 0, -30)
	cond, args := filterSQL(f, []any{mid.AddDate(0, 0, -90), mid, end})
	return collect(ctx, st.pool, "churn risk", fmt.Sprintf(churnSQL, cond), args, func(rows pgx.Rows) (ChurnShipper, error) {
		var c ChurnShipper
		err := rows.Scan(&c.ShipperID, &c.Code, &c.Name, &c.Tier, &c.Last30, &c.Prev90)
		c.Expected30 = float64(c.Prev90) / 90 * 30
		return c, err
	})
}
