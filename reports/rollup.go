package reports

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// The rollup keeps the cells of closed local days in kpi_cells (migration 013). Triggers
// on shipments and surveys record every change in the changing transaction, so a reader
// that sees the change also sees its record, and the figures are never stale however late
// Refresh runs. Most changes are deltas (kpi_deltas, migration 030: a shipment's old
// contribution with sign -1, its new one with +1), which a reader adds to the stored cells
// of a held day; the rare ones (deletes) are day marks in kpi_changes, and a day with a
// pending mark is read live. Refresh only makes the dashboard fast.

// staleDaysSQL lists the local days (in zone $1) that pending changes touch: each
// change's UTC date overlaps one or two local dates.
const staleDaysSQL = `
SELECT DISTINCT generate_series(
    (u::timestamp AT TIME ZONE 'UTC' AT TIME ZONE $1)::date,
    (((u + 1)::timestamp AT TIME ZONE 'UTC' - interval '1 microsecond') AT TIME ZONE $1)::date,
    interval '1 day')::date
FROM (SELECT DISTINCT utc_day AS u FROM kpi_changes) c`

// deltaDaysSQL lists the local days (in zone $1) that pending deltas (migration 030)
// touch: the creation and delivery days of each.
const deltaDaysSQL = `
SELECT DISTINCT (t AT TIME ZONE $1)::date
FROM kpi_deltas, LATERAL (VALUES (created_at), (delivered_at)) v(t) WHERE t IS NOT NULL`

// coveredDaysSQL lists the days in [$2, $3] of zone $1 the rollup holds with no pending
// change.
const coveredDaysSQL = `
SELECT day FROM kpi_days
WHERE zone = $1 AND day >= $2 AND day <= $3 AND day NOT IN (` + staleDaysSQL + `)
ORDER BY day`

// coverage splits [from, to) into the closed days to read from the rollup and the
// ranges to cut live. A day is read from the rollup only if it lies wholly in [from,
// split) or wholly in [split, to), so a period that does not start at a local midnight
// is still split exactly.
func coverage(ctx context.Context, tx pgx.Tx, zone *time.Location, from, split, to time.Time) (stored []time.Time, live [][2]time.Time, err error) {
	first, last := dateOf(from, zone), dateOf(to.Add(-time.Nanosecond), zone)
	rows, err := tx.Query(ctx, coveredDaysSQL, zone.String(), first, last)
	if err != nil {
		return nil, nil, err
	}
	days, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, nil, err
	}
	cursor := from
	for _, d := range days {
		start := localMidnight(d, zone)
		end := start.AddDate(0, 0, 1)
		if start.Before(from) || end.After(to) || (start.Before(split) && end.After(split)) {
			continue
		}
		if start.After(cursor) {
			live = append(live, [2]time.Time{cursor, start})
		}
		stored = append(stored, d)
		cursor = end
	}
	if cursor.Before(to) {
		live = append(live, [2]time.Time{cursor, to})
	}
	return stored, live, nil
}

// dateOf is the local date of t in zone, as midnight UTC (how pgx writes a date).
func dateOf(t time.Time, zone *time.Location) time.Time {
	l := t.In(zone)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// RefreshResult is what one Refresh did.
type RefreshResult struct {
	Days    int  // days (re)computed
	Cells   int  // cells written
	Changes int  // change marks folded in
	Deltas  int  // deltas folded in
	Busy    bool // another Refresh held the lock; nothing was done
}

// rollupLock is the advisory lock key that lets one Refresh run at a time.
const rollupLock = 0x6c63726d6b7069 // "lcrmkpi"

// rollupChunkDays is how many days one statement cuts: a week of a busy site is a few
// hundred thousand shipments, which work_mem still groups in memory.
const rollupChunkDays = 7

// analyzeAfterCells is how many cells one Refresh writes before it analyzes kpi_cells.
const analyzeAfterCells = 20000

// Refresh brings the rollup of zone up to date as of now: it computes every closed local
// day (before today in zone) since the first shipment that it does not hold, and
// recomputes the days with pending changes. It runs in one repeatable-read transaction,
// so the cells and the marks it clears agree; a change committed meanwhile keeps its mark
// for the next run. Concurrent calls do not wait: all but one return Busy.
func (st *Store) Refresh(ctx context.Context, zone *time.Location, now time.Time) (RefreshResult, error) {
	var res RefreshResult
	conn, err := st.pool.Acquire(ctx)
	if err != nil {
		return res, fmt.Errorf("reports: rollup: %w", err)
	}
	defer conn.Release()
	// A session lock taken before the transaction starts, so the snapshot is newer than
	// the previous holder's commit.
	var locked bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", int64(rollupLock)).Scan(&locked); err != nil {
		return res, fmt.Errorf("reports: rollup: lock: %w", err)
	}
	if !locked {
		res.Busy = true
		return res, nil
	}
	defer func() {
		// A background context: the lock must go even if ctx was cancelled.
		_, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", int64(rollupLock))
	}()
	err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off"); err != nil {
			return err
		}
		todo, err := rollupDays(ctx, tx, zone, now)
		if err != nil {
			return err
		}
		for len(todo) > 0 {
			// A run of consecutive days, at most a chunk long.
			n := 1
			for n < len(todo) && n < rollupChunkDays && todo[n].Equal(todo[n-1].AddDate(0, 0, 1)) {
				n++
			}
			cells, err := rollupRange(ctx, tx, zone, todo[0], todo[n-1].AddDate(0, 0, 1), now)
			if err != nil {
				return err
			}
			res.Days += n
			res.Cells += cells
			todo = todo[n:]
		}
		tag, err := tx.Exec(ctx, "DELETE FROM kpi_changes")
		if err != nil {
			return err
		}
		res.Changes = int(tag.RowsAffected())
		if tag, err = tx.Exec(ctx, "DELETE FROM kpi_deltas"); err != nil {
			return err
		}
		res.Deltas = int(tag.RowsAffected())
		// After a large rewrite (a first build), fresh statistics: with none, the planner
		// guessed three cells for a month and hashed them through temporary files.
		if res.Cells > analyzeAfterCells {
			_, err = tx.Exec(ctx, "ANALYZE kpi_cells")
		}
		return err
	})
	if err != nil {
		return RefreshResult{}, fmt.Errorf("reports: rollup: %w", err)
	}
	return res, nil
}

// rollupDays lists, in order, the days Refresh must compute: closed days since the first
// shipment that the rollup lacks, and held days with pending changes.
func rollupDays(ctx context.Context, tx pgx.Tx, zone *time.Location, now time.Time) ([]time.Time, error) {
	rows, err := tx.Query(ctx, `
SELECT day, false FROM kpi_days WHERE zone = $1
UNION ALL
SELECT s.day, true FROM (`+staleDaysSQL+`) s(day)
UNION ALL
SELECT d.day, true FROM (`+deltaDaysSQL+`) d(day)`, zone.String())
	if err != nil {
		return nil, err
	}
	held, stale := map[time.Time]bool{}, map[time.Time]bool{}
	var d time.Time
	var isStale bool
	_, err = pgx.ForEachRow(rows, []any{&d, &isStale}, func() error {
		if isStale {
			stale[d] = true
		} else {
			held[d] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var first *time.Time
	if err := tx.QueryRow(ctx, `SELECT LEAST((SELECT min(created_at) FROM shipments),
        (SELECT min(delivered_at) FROM shipments WHERE delivered_at IS NOT NULL))`).Scan(&first); err != nil {
		return nil, err
	}
	today := dateOf(now, zone)
	var todo []time.Time
	if first != nil {
		for d := dateOf(*first, zone); d.Before(today); d = d.AddDate(0, 0, 1) {
			if !held[d] || stale[d] {
				todo = append(todo, d)
			}
		}
	}
	// Held days before the first shipment (their shipments were deleted) that changed.
	for d := range stale {
		if held[d] && d.Before(today) && (first == nil || d.Before(dateOf(*first, zone))) {
			todo = append(todo, d)
		}
	}
	slices.SortFunc(todo, time.Time.Compare)
	return todo, nil
}

// rollupRange replaces the cells of the local days [from, to) (dates) of zone with cells
// cut from the shipments, and records the days as held, computed at now. It returns the
// cells written.
func rollupRange(ctx context.Context, tx pgx.Tx, zone *time.Location, from, to, now time.Time) (int, error) {
	z := zone.String()
	if _, err := tx.Exec(ctx, "DELETE FROM kpi_cells WHERE zone = $1 AND day >= $2 AND day < $3", z, from, to); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `
INSERT INTO kpi_cells (zone, day, shipper_id, service_level, dest_province, `+cellColumns+`, `+moneyColumns+`)
SELECT $5, day, shipper_id, service_level, dest_province, `+cellColumns+`, `+moneyColumns+`
FROM (`+fmt.Sprintf(cubeSQL, "")+`) x`,
		localMidnight(from, zone), localMidnight(to, zone), z, time.Time{}, z)
	if err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `
INSERT INTO kpi_days (zone, day, cells, computed_at)
SELECT $1, g.day::date, (SELECT count(*) FROM kpi_cells k WHERE k.zone = $1 AND k.day = g.day::date), $4::timestamptz
FROM generate_series($2::date, $3::date - 1, interval '1 day') g(day)
ON CONFLICT (zone, day) DO UPDATE SET cells = EXCLUDED.cells, computed_at = EXCLUDED.computed_at`, z, from, to, now)
	return int(tag.RowsAffected()), err
}
