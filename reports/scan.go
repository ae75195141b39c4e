package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The shipment KPIs of a page come from one statement: one range scan of the shipments
// delivered (joined to their surveys) and one of the shipments created, each aggregated
// with GROUPING SETS into the total, the days, the shippers and the provinces that the
// page asks for. Scanning and joining once, rather than once per table on the page, is
// what keeps a 30-day dashboard over a million shipments fast.

// grouping is one aggregation level of the scan.
type grouping int

const (
	byTotal grouping = iota
	byDay
	byShipper
	byProvince
)

// groupingSQL is the GROUPING SETS element of each level.
var groupingSQL = map[grouping]string{
	byTotal: "(cur)", byDay: "(cur, day)", byShipper: "(cur, shipper_id)", byProvince: "(cur, prov)",
}

// groupingColumn is the column each level groups by.
var groupingColumn = map[grouping]string{byDay: "day", byShipper: "shipper_id", byProvince: "prov"}

// scanSQL: [$1, $3) is the previous period plus the period, split at $2; $4 the zone;
// %[1]s the filter, %[2]s the grouping sets, %[3]s to %[5]s the GROUPING() tests of the
// day, shipper and province levels and %[6]s to %[8]s their columns (the constant 1 and
// NULL for a level not asked for, since a column no set groups by cannot be selected).
const scanSQL = `
WITH d AS (
    SELECT s.delivered_at >= $2 AS cur, (s.delivered_at AT TIME ZONE $4)::date AS day,
           s.shipper_id, s.dest_province AS prov, s.delivered_at <= s.promised_at AS on_time,
           EXTRACT(EPOCH FROM s.delivered_at - s.out_for_delivery_at)::float8 AS lag, v.csat, v.nps
    FROM shipments s LEFT JOIN surveys v ON v.shipment_id = s.id
    WHERE s.delivered_at >= $1 AND s.delivered_at < $3 %[1]s
), c AS (
    SELECT s.created_at >= $2 AS cur, (s.created_at AT TIME ZONE $4)::date AS day,
           s.shipper_id, s.dest_province AS prov
    FROM shipments s
    WHERE s.created_at >= $1 AND s.created_at < $3 %[1]s
), g AS (
    SELECT false AS created, %[3]s AS gday, %[4]s AS gshipper, %[5]s AS gprov,
           cur, %[6]s AS day, %[7]s AS shipper_id, %[8]s AS prov, count(*) AS n, count(*) FILTER (WHERE on_time) AS ot,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS lag50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY lag) AS lag90,
           count(csat) AS sv, count(*) FILTER (WHERE csat >= 4) AS sat, COALESCE(sum(csat), 0) AS csum,
           count(*) FILTER (WHERE nps >= 9) AS pro, count(*) FILTER (WHERE nps <= 6) AS det,
           count(csat) FILTER (WHERE on_time) AS svon, count(*) FILTER (WHERE on_time AND csat >= 4) AS saton,
           count(csat) FILTER (WHERE NOT on_time) AS svlate, count(*) FILTER (WHERE NOT on_time AND csat >= 4) AS satlate
    FROM d GROUP BY GROUPING SETS (%[2]s)
    UNION ALL
    SELECT true, %[3]s, %[4]s, %[5]s, cur, %[6]s, %[7]s, %[8]s, count(*),
           0, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM c GROUP BY GROUPING SETS (%[2]s)
)
SELECT g.created, g.gday, g.gshipper, g.gprov, g.cur, COALESCE(g.day::text, ''), COALESCE(g.shipper_id, 0),
       COALESCE(g.prov, ''), g.n, g.ot, g.lag50, g.lag90, g.sv, g.sat, g.csum, g.pro, g.det,
       g.svon, g.saton, g.svlate, g.satlate,
       COALESCE(sh.code, ''), COALESCE(sh.name, ''), COALESCE(sh.tier, '')
FROM g LEFT JOIN shippers sh ON sh.id = g.shipper_id AND g.gshipper = 0`

// scanRow is one aggregated row of the scan.
type scanRow struct {
	created, cur         bool
	level                grouping
	day, prov            string
	shipperID            int64
	code, name, tier     string
	tiles                Tiles
	csatSum, csatSurveys int64
}

// scan runs the statement for p (and its previous period when withPrevious) at the
// given levels, inside a read-only transaction with enough work_mem for the sorts and
// without JIT (whose compile time exceeded the query's own at a million rows).
func (st *Store) scan(ctx context.Context, p Period, f Filter, withPrevious bool, levels ...grouping) ([]scanRow, error) {
	from := p.From
	if withPrevious {
		from = p.Previous().From
	}
	var sets []string
	tests := map[grouping]string{byDay: "1", byShipper: "1", byProvince: "1"}
	cols := map[grouping]string{byDay: "NULL::date", byShipper: "NULL::bigint", byProvince: "NULL::text"}
	for _, l := range levels {
		sets = append(sets, groupingSQL[l])
		if l != byTotal {
			tests[l] = "GROUPING(" + groupingColumn[l] + ")"
			cols[l] = groupingColumn[l]
		}
	}
	cond, args := filterSQL(f, []any{from, p.From, p.To, p.zoneName()})
	q := fmt.Sprintf(scanSQL, cond, strings.Join(sets, ", "), tests[byDay], tests[byShipper], tests[byProvince],
		cols[byDay], cols[byShipper], cols[byProvince])
	var out []scanRow
	err := pgx.BeginTxFunc(ctx, st.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r scanRow
			var gday, gshipper, gprov int
			var med, p90 *float64
			t := &r.tiles
			err := rows.Scan(&r.created, &gday, &gshipper, &gprov, &r.cur, &r.day, &r.shipperID, &r.prov,
				&t.Delivered, &t.OnTime, &med, &p90, &t.Surveys, &t.Satisfied, &r.csatSum,
				&t.Promoters, &t.Detractors, &t.SurveysOnTime, &t.SatisfiedOnTime,
				&t.SurveysLate, &t.SatisfiedLate, &r.code, &r.name, &r.tier)
			if err != nil {
				return err
			}
			switch {
			case gday == 0:
				r.level = byDay
			case gshipper == 0:
				r.level = byShipper
			case gprov == 0:
				r.level = byProvince
			}
			if r.created {
				t.Created, t.Delivered = t.Delivered, 0
			}
			t.LagMedian, t.LagP90 = seconds(med), seconds(p90)
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("reports: kpi scan: %w", err)
	}
	return out, nil
}

// merge folds one scan row into t: a created row sets Created, a delivered row every
// other figure (and the CSAT mean from its sum).
func (t *Tiles) merge(r *scanRow) {
	if r.created {
		t.Created = r.tiles.Created
		return
	}
	created := t.Created
	*t = r.tiles
	t.Created = created
	if r.tiles.Surveys > 0 {
		m := float64(r.csatSum) / float64(r.tiles.Surveys)
		t.CSATMean = &m
	}
}

// localDays lists the local midnights of every day p touches, in p's zone.
func localDays(p Period) []time.Time {
	z := p.zone()
	f := p.From.In(z)
	last := p.To.Add(-time.Nanosecond).In(z)
	var out []time.Time
	for d := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, z); !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}
