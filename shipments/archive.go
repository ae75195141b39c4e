package shipments

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
)

// PartitionsAhead is how many partitions' worth of shipment ids the event-partitions job
// keeps created past the newest shipment (each about a month of new parcels).
const PartitionsAhead = 2

// AddEventPartitions creates the tracking_events partitions the next parcels will need
// (migration 029, tracking_events_add_partitions): while fewer than PartitionsAhead
// partitions' worth of ids are left past the newest shipment id it adds the next range,
// sized to the parcels created in the 31 days before now. It returns how many it created;
// a second run creates none, and concurrent runs on several instances serialise on an
// advisory lock.
func (st *Store) AddEventPartitions(ctx context.Context, now time.Time) (int, error) {
	var n int
	if err := st.pool.QueryRow(ctx, `SELECT tracking_events_add_partitions($1, $2)`, now, PartitionsAhead).Scan(&n); err != nil {
		return 0, fmt.Errorf("shipments: add event partitions: %w", err)
	}
	return n, nil
}

// ArchivedPartition is one range of shipment ids whose events were written out and dropped.
type ArchivedPartition struct {
	Lo, Hi int64  // shipment ids [Lo, Hi)
	Name   string // the partition's table name
	File   string // the gzipped CSV (COPY ... FORMAT csv, HEADER) holding its rows
	Rows   int64
}

// ArchiveEvents archives the events of every partition whose parcels were all created
// before before: its rows are copied to dir/<partition>.csv.gz (written and synced before
// anything is dropped), the partition is detached and dropped, an empty partition with the
// archived-insert trigger takes its range (late events for those parcels are put aside in
// tracking_events_after_archive rather than failing) and tracking_event_partitions records
// when. Each partition is one transaction; a partition that still takes new parcels (its
// range reaches past the newest id) is never archived. A second run finds nothing to do.
func (st *Store) ArchiveEvents(ctx context.Context, before time.Time, dir string) ([]ArchivedPartition, error) {
	rows, err := st.pool.Query(ctx, `
SELECT p.lo, p.hi, p.name FROM tracking_event_partitions p
WHERE p.archived_at IS NULL AND p.hi <= (SELECT last_value + 1 FROM shipments_id_seq)
    AND EXISTS (SELECT 1 FROM shipments s WHERE s.id >= p.lo AND s.id < p.hi)
    AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.id >= p.lo AND s.id < p.hi AND s.created_at >= $1)
ORDER BY p.lo`, before)
	if err != nil {
		return nil, fmt.Errorf("shipments: archive events: %w", err)
	}
	todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ArchivedPartition, error) {
		var p ArchivedPartition
		return p, r.Scan(&p.Lo, &p.Hi, &p.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("shipments: archive events: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("shipments: archive events: %w", err)
	}
	var done []ArchivedPartition
	for _, p := range todo {
		p.File = filepath.Join(dir, p.Name+".csv.gz")
		if err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error { return st.archiveOne(ctx, tx, &p) }); err != nil {
			return done, fmt.Errorf("shipments: archive %s: %w", p.Name, err)
		}
		done = append(done, p)
	}
	return done, nil
}

// archiveOne writes p out and swaps it for the empty archived partition inside tx. The
// partition is locked against writes first, so the file holds every row that is dropped.
func (st *Store) archiveOne(ctx context.Context, tx pgx.Tx, p *ArchivedPartition) error {
	name := pgx.Identifier{p.Name}.Sanitize()
	if _, err := tx.Exec(ctx, `LOCK TABLE `+name+` IN SHARE MODE`); err != nil {
		return err
	}
	rows, err := writeGzipCopy(ctx, tx, `COPY `+name+` TO STDOUT (FORMAT csv, HEADER)`, p.File)
	if err != nil {
		return err
	}
	p.Rows = rows
	stub := pgx.Identifier{p.Name + "_archived"}.Sanitize()
	for _, q := range []string{
		`ALTER TABLE tracking_events DETACH PARTITION ` + name,
		`DROP TABLE ` + name,
		fmt.Sprintf(`CREATE TABLE %s PARTITION OF tracking_events FOR VALUES FROM (%d) TO (%d)`, stub, p.Lo, p.Hi),
		`CREATE TRIGGER archived_insert BEFORE INSERT ON ` + stub + ` FOR EACH ROW EXECUTE FUNCTION tracking_events_archived_insert()`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `UPDATE tracking_event_partitions SET archived_at = $2, archive_file = $3, archived_rows = $4 WHERE lo = $1`,
		p.Lo, st.Now(), p.File, p.Rows)
	return err
}

// writeGzipCopy runs a COPY ... TO STDOUT into a gzipped file at path (through a temporary
// name, synced, then renamed, so a half-written file never carries the final name).
func writeGzipCopy(ctx context.Context, tx pgx.Tx, sql, path string) (int64, error) {
	tmp := path + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp) // gone after the rename; removes a failed attempt
	defer f.Close()
	zw := gzip.NewWriter(f)
	tag, err := tx.Conn().PgConn().CopyTo(ctx, zw, sql)
	if err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	return tag.RowsAffected(), os.Rename(tmp, path)
}

// markArchived sets EventsArchivedAt on the details that have no events and lie in an
// archived range. Every parcel has at least its "created" event while its events are
// stored, so only an empty timeline costs this extra query: the track read stays one
// round trip for every other parcel.
func (st *Store) markArchived(ctx context.Context, ds ...*Detail) error {
	var ids []int64
	for _, d := range ds {
		if len(d.Events) == 0 {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := st.pool.Query(ctx, `
SELECT i.id, p.archived_at FROM unnest($1::bigint[]) i(id)
JOIN tracking_event_partitions p ON i.id >= p.lo AND i.id < p.hi AND p.archived_at IS NOT NULL`, ids)
	if err != nil {
		return fmt.Errorf("shipments: archived events: %w", err)
	}
	at := map[int64]time.Time{}
	var id int64
	var t time.Time
	if _, err := pgx.ForEachRow(rows, []any{&id, &t}, func() error { at[id] = t; return nil }); err != nil {
		return fmt.Errorf("shipments: archived events: %w", err)
	}
	for _, d := range ds {
		if t, ok := at[d.ID]; ok {
			d.EventsArchivedAt = &t
		}
	}
	return nil
}
