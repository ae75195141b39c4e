package reports

import (
	"context"
	"fmt"

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
}

// DeliveredChange is the change in delivered shipments vs the previous period.
func (g Group) DeliveredChange() int64 { return g.Current.Delivered - g.Previous.Delivered }

// groupSQL groups shipments of [$1, $3) by %[2]s, splitting at $2 into previous and
// current period; %[1]s is the filter.
const groupSQL = `
WITH c AS (
    SELECT %[2]s AS key, count(*) FILTER (WHERE s.created_at >= $2) AS cur,
           count(*) FILTER (WHERE s.created_at < $2) AS prev
    FROM shipments s
    WHERE s.created_at >= $1 AND s.created_at < $3 %[1]s
    GROUP BY 1
), d AS (
    SELECT %[2]s AS key, s.delivered_at >= $2 AS cur, s.delivered_at <= s.promised_at AS on_time,
           EXTRACT(EPOCH FROM s.delivered_at - s.out_for_delivery_at)::float8 AS lag, v.csat
    FROM shipments s LEFT JOIN surveys v ON v.shipment_id = s.id
    WHERE s.delivered_at >= $1 AND s.delivered_at < $3 %[1]s
), g AS (
    SELECT key,
           count(*) FILTER (WHERE cur) AS del, count(*) FILTER (WHERE cur AND on_time) AS ot,
           count(csat) FILTER (WHERE cur) AS sv, count(*) FILTER (WHERE cur AND csat >= 4) AS sat,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) FILTER (WHERE cur) AS lag,
           count(*) FILTER (WHERE NOT cur) AS pdel, count(*) FILTER (WHERE NOT cur AND on_time) AS pot,
           count(csat) FILTER (WHERE NOT cur) AS psv, count(*) FILTER (WHERE NOT cur AND csat >= 4) AS psat,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) FILTER (WHERE NOT cur) AS plag
    FROM d GROUP BY key
)
SELECT %[3]s, COALESCE(c.cur, 0), COALESCE(g.del, 0), COALESCE(g.ot, 0), COALESCE(g.sv, 0),
       COALESCE(g.sat, 0), g.lag, COALESCE(c.prev, 0), COALESCE(g.pdel, 0), COALESCE(g.pot, 0),
       COALESCE(g.psv, 0), COALESCE(g.psat, 0), g.plag
FROM c FULL JOIN g USING (key) %[4]s
ORDER BY COALESCE(g.del, 0) DESC, 1`

// groups runs groupSQL for p under f; key is the grouping expression, label the
// leading output columns (key, code, name, tier) and join what they need.
func (st *Store) groups(ctx context.Context, place string, p Period, f Filter, key, label, join string) ([]Group, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	prev := p.Previous()
	cond, args := filterSQL(f, []any{prev.From, p.From, p.To})
	q := fmt.Sprintf(groupSQL, cond, key, label, join)
	return collect(ctx, st.pool, place, q, args, func(rows pgx.Rows) (Group, error) {
		var g Group
		var lag, plag *float64
		err := rows.Scan(&g.Key, &g.Code, &g.Name, &g.Tier,
			&g.Current.Created, &g.Current.Delivered, &g.Current.OnTime, &g.Current.Surveys, &g.Current.Satisfied, &lag,
			&g.Previous.Created, &g.Previous.Delivered, &g.Previous.OnTime, &g.Previous.Surveys, &g.Previous.Satisfied, &plag)
		g.Current.LagMedian, g.Previous.LagMedian = seconds(lag), seconds(plag)
		return g, err
	})
}

// ByShipper returns every shipper with shipments created or delivered in p or the
// previous period, most deliveries first.
func (st *Store) ByShipper(ctx context.Context, p Period, f Filter) ([]Group, error) {
	return st.groups(ctx, "by shipper", p, f, "s.shipper_id",
		"key::text, sh.code, sh.name, sh.tier", "JOIN shippers sh ON sh.id = key")
}

// ByProvince returns every destination province with shipments created or delivered in
// p or the previous period, most deliveries first.
func (st *Store) ByProvince(ctx context.Context, p Period, f Filter) ([]Group, error) {
	return st.groups(ctx, "by province", p, f, "s.dest_province", "key, '', key, ''", "")
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
