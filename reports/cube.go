package reports

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// The shipment KPIs are built from cells: the figures of one local day × shipper ×
// service level × destination province, with every sign-off lag of the day's deliveries
// so percentiles stay exact when cells are added up. Closed days come from the rollup
// (kpi_cells, see rollup.go) plus the deltas of changes since; any other part of a period
// is cut into cells live, by the same SQL that fills the rollup. Go then adds the cells up into the total, the days, the
// shippers and the provinces.

// cubeSQL cuts the shipments created or delivered in [$1, $2) into cells of local days
// in zone $3, split at $4 into cur (on or after $4) and not; %[1]s is the filter.
const cubeSQL = `
WITH d AS (
    SELECT s.delivered_at >= $4 AS cur, (s.delivered_at AT TIME ZONE $3)::date AS day,
           s.shipper_id, s.service_level, s.dest_province, s.delivered_at <= s.promised_at AS on_time,
           EXTRACT(EPOCH FROM s.delivered_at - s.out_for_delivery_at)::float8 AS lag, v.csat, v.nps
    FROM shipments s LEFT JOIN surveys v ON v.shipment_id = s.id
    WHERE s.delivered_at >= $1 AND s.delivered_at < $2 %[1]s
), dg AS (
    SELECT cur, day, shipper_id, service_level, dest_province, count(*) AS delivered,
           count(*) FILTER (WHERE on_time) AS on_time, count(csat) AS surveys,
           count(*) FILTER (WHERE csat >= 4) AS satisfied, COALESCE(sum(csat), 0) AS csat_sum,
           count(*) FILTER (WHERE nps >= 9) AS promoters, count(*) FILTER (WHERE nps <= 6) AS detractors,
           count(csat) FILTER (WHERE on_time) AS surveys_on_time,
           count(*) FILTER (WHERE on_time AND csat >= 4) AS satisfied_on_time,
           count(csat) FILTER (WHERE NOT on_time) AS surveys_late,
           count(*) FILTER (WHERE NOT on_time AND csat >= 4) AS satisfied_late,
           string_agg(float8send(lag), ''::bytea) FILTER (WHERE lag IS NOT NULL) AS lags
    FROM d GROUP BY cur, day, shipper_id, service_level, dest_province
), cg AS (
    SELECT s.created_at >= $4 AS cur, (s.created_at AT TIME ZONE $3)::date AS day,
           s.shipper_id, s.service_level, s.dest_province, count(*) AS created,
           COALESCE(sum(COALESCE(s.freight_fen, 0) + COALESCE(s.surcharge_fen, 0)), 0) AS revenue_fen,
           COALESCE(sum(s.cost_fen), 0) AS cost_fen, count(*) FILTER (WHERE s.cost_fen IS NULL) AS unknown_cost,
           count(*) FILTER (WHERE s.freight_fen IS NULL AND s.surcharge_fen IS NULL) AS uncharged
    FROM shipments s
    WHERE s.created_at >= $1 AND s.created_at < $2 %[1]s
    GROUP BY 1, 2, 3, 4, 5
)
SELECT cur, day, shipper_id, service_level, dest_province, COALESCE(cg.created, 0) AS created,
       COALESCE(dg.delivered, 0) AS delivered, COALESCE(dg.on_time, 0) AS on_time,
       COALESCE(dg.surveys, 0) AS surveys, COALESCE(dg.satisfied, 0) AS satisfied,
       COALESCE(dg.csat_sum, 0) AS csat_sum, COALESCE(dg.promoters, 0) AS promoters,
       COALESCE(dg.detractors, 0) AS detractors, COALESCE(dg.surveys_on_time, 0) AS surveys_on_time,
       COALESCE(dg.satisfied_on_time, 0) AS satisfied_on_time, COALESCE(dg.surveys_late, 0) AS surveys_late,
       COALESCE(dg.satisfied_late, 0) AS satisfied_late, COALESCE(dg.lags, ''::bytea) AS lags,
       COALESCE(cg.revenue_fen, 0) AS revenue_fen, COALESCE(cg.cost_fen, 0) AS cost_fen,
       COALESCE(cg.unknown_cost, 0) AS unknown_cost, COALESCE(cg.uncharged, 0) AS uncharged
FROM dg FULL JOIN cg USING (cur, day, shipper_id, service_level, dest_province)`

// cellColumns are the figure columns of a cell, in cubeSQL's and kpi_cells' order.
const cellColumns = `created, delivered, on_time, surveys, satisfied, csat_sum, promoters, detractors,
    surveys_on_time, satisfied_on_time, surveys_late, satisfied_late, lags`

// moneyColumns are the money columns of a cell (migration 022), by creation day: revenue
// (freight + surcharge, unknown parts as 0), the known costs, and the shipments whose cost
// is not known and that carry no charge at all. The KPI reads leave them out.
const moneyColumns = `revenue_fen, cost_fen, unknown_cost, uncharged`

// liveCellsSQL reads the cells of cubeSQL with their shipper; %[1]s is the filter.
const liveCellsSQL = `
SELECT x.cur, x.day, x.shipper_id, x.dest_province, ` + cellColumns + `, sh.code, sh.name, sh.tier
FROM (` + cubeSQL + `) x JOIN shippers sh ON sh.id = x.shipper_id`

// storedCellsSQL reads the rollup's cells of zone $1 on the days $2; %[1]s is the filter
// (kpi_cells has the shipments' filter columns, so it is aliased s).
const storedCellsSQL = `
SELECT false, s.day, s.shipper_id, s.dest_province, ` + cellColumns + `, sh.code, sh.name, sh.tier
FROM kpi_cells s JOIN shippers sh ON sh.id = s.shipper_id
WHERE s.zone = $1 AND s.day = ANY($2::date[]) %[1]s`

// deltaCubeSQL cuts the deltas (kpi_deltas, migration 030) of the local days $2 of zone $1
// into cells as cubeSQL cuts shipments, each delta counting its sign: the changes
// committed since those days' cells were stored. The lags a +1 delta adds are in lags,
// those a -1 delta removes in unlags (the same float8 expression, so equal values are
// bit for bit equal). %[1]s is the filter (kpi_deltas has the shipments' filter columns,
// so it is aliased s).
const deltaCubeSQL = `
WITH d AS (
    SELECT s.sign, (s.delivered_at AT TIME ZONE $1)::date AS day,
           s.shipper_id, s.service_level, s.dest_province, s.delivered_at <= s.promised_at AS on_time,
           EXTRACT(EPOCH FROM s.delivered_at - s.out_for_delivery_at)::float8 AS lag, s.csat, s.nps
    FROM kpi_deltas s
    WHERE s.delivered_at IS NOT NULL AND (s.delivered_at AT TIME ZONE $1)::date = ANY($2::date[]) %[1]s
), dg AS (
    SELECT day, shipper_id, service_level, dest_province, sum(sign) AS delivered,
           COALESCE(sum(sign) FILTER (WHERE on_time), 0) AS on_time,
           COALESCE(sum(sign) FILTER (WHERE csat IS NOT NULL), 0) AS surveys,
           COALESCE(sum(sign) FILTER (WHERE csat >= 4), 0) AS satisfied,
           COALESCE(sum(sign * csat), 0) AS csat_sum,
           COALESCE(sum(sign) FILTER (WHERE nps >= 9), 0) AS promoters,
           COALESCE(sum(sign) FILTER (WHERE nps <= 6), 0) AS detractors,
           COALESCE(sum(sign) FILTER (WHERE on_time AND csat IS NOT NULL), 0) AS surveys_on_time,
           COALESCE(sum(sign) FILTER (WHERE on_time AND csat >= 4), 0) AS satisfied_on_time,
           COALESCE(sum(sign) FILTER (WHERE NOT on_time AND csat IS NOT NULL), 0) AS surveys_late,
           COALESCE(sum(sign) FILTER (WHERE NOT on_time AND csat >= 4), 0) AS satisfied_late,
           string_agg(float8send(lag), ''::bytea) FILTER (WHERE lag IS NOT NULL AND sign > 0) AS lags,
           string_agg(float8send(lag), ''::bytea) FILTER (WHERE lag IS NOT NULL AND sign < 0) AS unlags
    FROM d GROUP BY day, shipper_id, service_level, dest_province
), cg AS (
    SELECT (s.created_at AT TIME ZONE $1)::date AS day, s.shipper_id, s.service_level, s.dest_province,
           sum(s.sign) AS created,
           COALESCE(sum(s.sign * (COALESCE(s.freight_fen, 0) + COALESCE(s.surcharge_fen, 0))), 0) AS revenue_fen,
           COALESCE(sum(s.sign * s.cost_fen), 0) AS cost_fen,
           COALESCE(sum(s.sign) FILTER (WHERE s.cost_fen IS NULL), 0) AS unknown_cost,
           COALESCE(sum(s.sign) FILTER (WHERE s.freight_fen IS NULL AND s.surcharge_fen IS NULL), 0) AS uncharged
    FROM kpi_deltas s
    WHERE (s.created_at AT TIME ZONE $1)::date = ANY($2::date[]) %[1]s
    GROUP BY 1, 2, 3, 4
)
SELECT day, shipper_id, service_level, dest_province, COALESCE(cg.created, 0)::bigint AS created,
       COALESCE(dg.delivered, 0)::bigint AS delivered, COALESCE(dg.on_time, 0)::bigint AS on_time,
       COALESCE(dg.surveys, 0)::bigint AS surveys, COALESCE(dg.satisfied, 0)::bigint AS satisfied,
       COALESCE(dg.csat_sum, 0)::bigint AS csat_sum, COALESCE(dg.promoters, 0)::bigint AS promoters,
       COALESCE(dg.detractors, 0)::bigint AS detractors, COALESCE(dg.surveys_on_time, 0)::bigint AS surveys_on_time,
       COALESCE(dg.satisfied_on_time, 0)::bigint AS satisfied_on_time,
       COALESCE(dg.surveys_late, 0)::bigint AS surveys_late,
       COALESCE(dg.satisfied_late, 0)::bigint AS satisfied_late, COALESCE(dg.lags, ''::bytea) AS lags,
       dg.unlags, COALESCE(cg.revenue_fen, 0)::bigint AS revenue_fen, COALESCE(cg.cost_fen, 0)::bigint AS cost_fen,
       COALESCE(cg.unknown_cost, 0)::bigint AS unknown_cost, COALESCE(cg.uncharged, 0)::bigint AS uncharged
FROM dg FULL JOIN cg USING (day, shipper_id, service_level, dest_province)`

// deltaCellsSQL reads the delta cells of deltaCubeSQL with their shipper, in the layout of
// storedCellsSQL: the first column is false for a delta cell (signed counts and the lags
// it adds) and true for a row that only carries the lags it removes (all counts 0).
const deltaCellsSQL = `
WITH x AS (` + deltaCubeSQL + `)
SELECT y.unlag, y.day, y.shipper_id, y.dest_province, ` + cellColumns + `, sh.code, sh.name, sh.tier
FROM (SELECT false AS unlag, day, shipper_id, dest_province, ` + cellColumns + ` FROM x
      UNION ALL
      SELECT true, day, shipper_id, dest_province, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, unlags
      FROM x WHERE unlags IS NOT NULL) y
JOIN shippers sh ON sh.id = y.shipper_id`

// cellKey is what a delta's removed lags are matched on: the dashboard groups cells by
// day, shipper and province (and the total), never finer, so removing a lag from any
// cell of the same key gives the same figures.
type cellKey struct {
	day       time.Time
	shipperID int64
	prov      string
}

// unlag removes, from the cells of out, one equal lag for each lag of the removal rows
// (see deltaCellsSQL), which it drops from out. A -1 delta's lag was added to its cell
// by the stored cells or an earlier +1 delta, so it is always found; if not, the rollup
// and its deltas disagree, which is an error rather than a wrong figure.
func unlag(out []cell, removals []cell) error {
	if len(removals) == 0 {
		return nil
	}
	want := map[cellKey][]float64{}
	for _, r := range removals {
		k := cellKey{r.day, r.shipperID, r.prov}
		want[k] = append(want[k], r.lags...)
	}
	for i := range out {
		c := &out[i]
		k := cellKey{c.day, c.shipperID, c.prov}
		w := want[k]
		if len(w) == 0 {
			continue
		}
		for j := 0; j < len(w); {
			if n := slices.Index(c.lags, w[j]); n >= 0 {
				// Swap-remove: a cell's lags are an unordered multiset.
				c.lags[n] = c.lags[len(c.lags)-1]
				c.lags = c.lags[:len(c.lags)-1]
				w[j] = w[len(w)-1]
				w = w[:len(w)-1]
				continue
			}
			j++
		}
		if len(w) == 0 {
			delete(want, k)
		} else {
			want[k] = w
		}
	}
	if len(want) > 0 {
		return fmt.Errorf("%d cells have lags to remove that they do not hold", len(want))
	}
	return nil
}

// cell is one row of cells: the figures of one day × shipper × level × province.
type cell struct {
	cur              bool
	day              time.Time // the local date, as midnight UTC (how pgx reads a date)
	shipperID        int64
	prov             string
	code, name, tier string
	counts           [12]int64 // cellColumns from created to satisfied_late
	lags             []float64
}

// readCells appends the cells q returns to out. The lags of all cells are decoded into
// one shared backing array (*arena), since a cell holds only a handful.
func readCells(ctx context.Context, tx pgx.Tx, q string, args []any, out []cell, arena *[]float64) ([]cell, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c cell
		k := &c.counts
		if err := rows.Scan(&c.cur, &c.day, &c.shipperID, &c.prov, &k[0], &k[1], &k[2], &k[3], &k[4], &k[5],
			&k[6], &k[7], &k[8], &k[9], &k[10], &k[11], nil, &c.code, &c.name, &c.tier); err != nil {
			return nil, err
		}
		packed := rows.RawValues()[16]
		if len(packed)%8 != 0 {
			return nil, fmt.Errorf("lags of %d bytes", len(packed))
		}
		start := len(*arena)
		for i := 0; i < len(packed); i += 8 {
			*arena = append(*arena, math.Float64frombits(binary.BigEndian.Uint64(packed[i:])))
		}
		c.lags = (*arena)[start:len(*arena):len(*arena)]
		out = append(out, c)
	}
	return out, rows.Err()
}

// acc adds cells up into one group's tiles. Its lags are sized by a first pass
// (reserve) so the second (add) never grows them.
type acc struct {
	counts [12]int64
	nLags  int
	lags   []float64
}

// reserve counts c's lags.
func (a *acc) reserve(c *cell) { a.nLags += len(c.lags) }

// add folds c into a.
func (a *acc) add(c *cell) {
	for i, v := range c.counts {
		a.counts[i] += v
	}
	if a.lags == nil && a.nLags > 0 {
		a.lags = make([]float64, 0, a.nLags)
	}
	a.lags = append(a.lags, c.lags...)
}

// tiles is the group's figures, with the lag p90 only when withP90.
func (a *acc) tiles(withP90 bool) Tiles {
	k := a.counts
	t := Tiles{
		Counts:    Counts{Created: k[0], Delivered: k[1], OnTime: k[2], Surveys: k[3], Satisfied: k[4]},
		Promoters: k[6], Detractors: k[7], SurveysOnTime: k[8], SatisfiedOnTime: k[9],
		SurveysLate: k[10], SatisfiedLate: k[11],
	}
	if k[3] > 0 {
		m := float64(k[5]) / float64(k[3])
		t.CSATMean = &m
	}
	if len(a.lags) > 0 {
		t.LagMedian = percentile(a.lags, 0.5)
		if withP90 {
			t.LagP90 = percentile(a.lags, 0.9)
		}
	}
	return t
}

// percentile is percentile_cont(q) of the non-empty vals, as PostgreSQL computes it
// (linear interpolation between the two nearest ranks), rounded to the second. It
// reorders vals: a selection, not a sort, as the dashboard's groups add up to several
// times the period's deliveries.
func percentile(vals []float64, q float64) *time.Duration {
	pos := q * float64(len(vals)-1)
	lo := int(pos)
	x := selectKth(vals, lo)
	if lo+1 < len(vals) {
		// After the selection every value right of lo is >= x: the next rank is their minimum.
		next := slices.Min(vals[lo+1:])
		x += (next - x) * (pos - float64(lo))
	}
	return seconds(&x)
}

// selectKth reorders a so that a[k] is the value of rank k, smaller or equal values left
// of it and greater or equal values right of it, and returns a[k] (quickselect with a
// median-of-three pivot).
func selectKth(a []float64, k int) float64 {
	lo, hi := 0, len(a)-1
	for hi > lo {
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}

// cells returns the cells of p under f and, withPrevious, of its previous period: the
// rollup's cells for the closed days it holds and has no pending day mark for, with the
// deltas committed since (signed cells, and lags removed from equal ones), and live cells
// for the rest, all read in one snapshot. A partial period's previous period ends before
// p starts; the days between are not read.
func (st *Store) cells(ctx context.Context, p Period, f Filter, withPrevious bool) ([]cell, error) {
	spans := [][2]time.Time{{p.From, p.To}}
	if withPrevious {
		if pp := p.Previous(); pp.To.Equal(p.From) {
			spans[0][0] = pp.From
		} else {
			spans = append(spans, [2]time.Time{pp.From, pp.To})
		}
	}
	zone := p.zone()
	var out []cell
	var arena []float64
	err := st.snapshot(ctx, func(tx pgx.Tx) error {
		for _, span := range spans {
			stored, live, err := coverage(ctx, tx, zone, span[0], p.From, span[1])
			if err != nil {
				return err
			}
			stored, live = f.coverage(stored, live, span[0], span[1])
			if st.allLive {
				stored, live = nil, [][2]time.Time{{span[0], span[1]}}
			}
			if len(stored) > 0 {
				n := len(out)
				cond, args := filterSQL(f, []any{zone.String(), stored})
				if out, err = readCells(ctx, tx, fmt.Sprintf(storedCellsSQL, cond), args, out, &arena); err != nil {
					return err
				}
				// The deltas committed since the stored days' cells were computed.
				var deltas []cell
				if deltas, err = readCells(ctx, tx, fmt.Sprintf(deltaCellsSQL, cond), args, nil, &arena); err != nil {
					return err
				}
				var removals []cell
				for _, c := range deltas {
					if c.cur {
						removals = append(removals, c)
					} else {
						out = append(out, c)
					}
				}
				for i := n; i < len(out); i++ {
					out[i].cur = !localMidnight(out[i].day, zone).Before(p.From)
				}
				if err := unlag(out[n:], removals); err != nil {
					return err
				}
			}
			for _, r := range live {
				st.liveCuts.Add(1)
				cond, args := filterSQL(f, []any{r[0], r[1], zone.String(), p.From})
				if out, err = readCells(ctx, tx, fmt.Sprintf(liveCellsSQL, cond), args, out, &arena); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reports: kpi cells: %w", err)
	}
	return out, nil
}

// localMidnight is the start, in zone, of the date d (as pgx reads a date column).
func localMidnight(d time.Time, zone *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, zone)
}
