package shipments_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/clock"
	"lcrm/internal/db"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// partitionOf names the partition holding the events of tracking number tn (one name: a
// parcel's events never span partitions), with how many there are.
func partitionOf(t *testing.T, pool *pgxpool.Pool, tn string) (string, int) {
	t.Helper()
	var part string
	var n int
	err := pool.QueryRow(context.Background(), `
SELECT coalesce(string_agg(DISTINCT e.tableoid::regclass::text, ','), ''), count(*)
FROM tracking_events e JOIN shipments s ON s.id = e.shipment_id WHERE s.tracking_no = $1`, tn).Scan(&part, &n)
	if err != nil {
		t.Fatal(err)
	}
	return part, n
}

// TestPartitionConversion fills a database at migration 027 (the unpartitioned table),
// migrates it in place and checks the rows, the idempotency (also for a duplicate months
// late with a corrected time), where new events go, and the partition-ahead function.
func TestPartitionConversion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, url := testdb.NewAt(t, 27)
	st := shipments.NewStore(pool)
	for _, tn := range []string{"SD290000000001", "SD290000000002"} {
		if _, err := st.CreateShipments(ctx, []shipments.NewShipment{newShipment(tn, "13800138000")}); err != nil {
			t.Fatal(err)
		}
	}
	old := events("SD290000000001", shipments.PickedUp, shipments.InTransit)
	if _, err := st.RecordEvents(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	var kind string
	if err := pool.QueryRow(ctx, `SELECT relkind::text FROM pg_class WHERE relname = 'tracking_events'`).Scan(&kind); err != nil || kind != "p" {
		t.Fatalf("tracking_events relkind = %q, %v; want p (partitioned)", kind, err)
	}
	if part, n := partitionOf(t, pool, "SD290000000001"); part != "tracking_events_history" || n != 3 {
		t.Fatalf("converted parcel: %d events in %q, want 3 in tracking_events_history", n, part)
	}
	// The same events again, and one of them months later with a corrected time: stored once.
	late := old[1]
	late.OccurredAt = late.OccurredAt.Add(-time.Hour)
	st.Now = func() time.Time { return time.Now().Add(120 * 24 * time.Hour) }
	res, err := st.RecordEvents(ctx, append(old, late))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Status != shipments.ResultDuplicate {
			t.Errorf("resent event %d: %s, want duplicate", i, r.Status)
		}
	}
	if _, n := partitionOf(t, pool, "SD290000000001"); n != 3 {
		t.Errorf("after resending: %d events, want 3", n)
	}
	st.Now = clock.System
	// A parcel created after the conversion goes to a new partition, not the default.
	if _, err := st.CreateShipments(ctx, []shipments.NewShipment{newShipment("SD290000000003", "13800138000")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordEvents(ctx, events("SD290000000003", shipments.PickedUp)); err != nil {
		t.Fatal(err)
	}
	if part, n := partitionOf(t, pool, "SD290000000003"); part != "tracking_events_000000000003" || n != 2 {
		t.Errorf("new parcel: %d events in %q, want 2 in tracking_events_000000000003", n, part)
	}
	// Ids past the partitions made ahead land in the default partition; the job moves
	// them into the partition it then creates, and a second run creates nothing.
	if _, err := pool.Exec(ctx, `SELECT setval('shipments_id_seq', (SELECT max(hi) FROM tracking_event_partitions) + 5)`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateShipments(ctx, []shipments.NewShipment{newShipment("SD290000000004", "13800138000")}); err != nil {
		t.Fatal(err)
	}
	if part, _ := partitionOf(t, pool, "SD290000000004"); part != "tracking_events_default" {
		t.Fatalf("parcel past the partitions: in %q, want tracking_events_default", part)
	}
	for run, want := range []bool{true, false} {
		n, err := st.AddEventPartitions(ctx, time.Now())
		if err != nil || (n > 0) != want {
			t.Fatalf("run %d: %d partitions created, %v; want some=%v", run+1, n, err, want)
		}
	}
	if part, n := partitionOf(t, pool, "SD290000000004"); part == "tracking_events_default" || n != 1 {
		t.Errorf("after the job: %d events in %q, want 1 outside the default", n, part)
	}
	if r, err := st.RecordEvents(ctx, []shipments.NewEvent{{TrackingNo: "SD290000000004", Event: shipments.Event{Key: "lcrm:created", Code: shipments.Created, OccurredAt: time.Now()}}}); err != nil || r[0].Status != shipments.ResultDuplicate {
		t.Errorf("moved event resent: %+v, %v; want duplicate", r, err)
	}
}

// TestArchiveEvents archives a partition of old parcels: the file holds their events, the
// timeline of such a parcel says archived, other parcels keep theirs, late events for an
// archived parcel are put aside (once), and a second run archives nothing.
func TestArchiveEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	old := createdBefore(t, 400*24*time.Hour, "SD291000000001", "SD291000000002")
	pool := old.Pool()
	if _, err := pool.Exec(ctx, `SELECT setval('shipments_id_seq', 10000)`); err != nil { // next parcel: the next partition
		t.Fatal(err)
	}
	st := shipments.NewStore(pool)
	if _, err := st.CreateShipments(ctx, []shipments.NewShipment{newShipment("SD291000000003", "13800138000")}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	st.Now = func() time.Time { return at }
	dir := t.TempDir()
	done, err := st.ArchiveEvents(ctx, time.Now().Add(-300*24*time.Hour), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 1 || done[0].Lo != 1 || done[0].Rows != 2 || filepath.Dir(done[0].File) != dir {
		t.Fatalf("archived %+v, want one partition from id 1 with 2 events in %s", done, dir)
	}
	if fi, err := os.Stat(done[0].File); err != nil || fi.Size() == 0 {
		t.Fatalf("archive file: %v, %v", fi, err)
	}
	d, err := st.Get(ctx, "SD291000000001")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Events) != 0 || d.EventsArchivedAt == nil || !d.EventsArchivedAt.Equal(at) {
		t.Errorf("archived parcel: %d events, archived at %v; want none, %v", len(d.Events), d.EventsArchivedAt, at)
	}
	many, err := st.GetMany(ctx, []string{"SD291000000002", "SD291000000003"})
	if err != nil {
		t.Fatal(err)
	}
	if many["SD291000000002"].EventsArchivedAt == nil {
		t.Errorf("GetMany: archived parcel not marked")
	}
	if n := many["SD291000000003"]; n.EventsArchivedAt != nil || len(n.Events) != 1 {
		t.Errorf("new parcel: %d events, archived %v; want its event, not archived", len(n.Events), n.EventsArchivedAt)
	}
	// A late event for an archived parcel is no error: put aside once, reported duplicate.
	late := []shipments.NewEvent{{TrackingNo: "SD291000000001", Event: shipments.Event{Key: "late", Code: shipments.InTransit, OccurredAt: time.Now().Add(-399 * 24 * time.Hour)}}}
	for range 2 {
		r, err := st.RecordEvents(ctx, late)
		if err != nil || r[0].Status != shipments.ResultDuplicate {
			t.Fatalf("late event for an archived parcel: %+v, %v", r, err)
		}
	}
	var aside int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM tracking_events_after_archive`).Scan(&aside); err != nil || aside != 1 {
		t.Errorf("events put aside = %d, %v; want 1", aside, err)
	}
	again, err := st.ArchiveEvents(ctx, time.Now().Add(-300*24*time.Hour), dir)
	if err != nil || len(again) != 0 {
		t.Errorf("second run archived %+v, %v; want nothing", again, err)
	}
}
