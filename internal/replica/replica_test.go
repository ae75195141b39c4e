package replica_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/replica"
	"lcrm/internal/testdb"
)

func TestParseLSN(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want replica.LSN
		bad  bool
	}{
		{in: "0/0", want: 0},
		{in: "16/B374D848", want: 0x16<<32 | 0xB374D848},
		{in: "FFFFFFFF/FFFFFFFF", want: 1<<64 - 1},
		{in: "16B374D848", bad: true},
		{in: "x/1", bad: true},
	} {
		got, err := replica.ParseLSN(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseLSN(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
		if !tc.bad && got.String() != tc.in {
			t.Errorf("%q round trip = %q", tc.in, got.String())
		}
	}
}

// waitFor checks set until cond holds (bounded).
func waitFor(t *testing.T, set *replica.Set, what string, cond func(replica.Status) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		set.Check(context.Background())
		st := set.Statuses()[0]
		if cond(st) {
			t.Logf("%s: %+v", what, st)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica never %s: %+v", what, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSetFollowsTheStandby runs one real streaming standby through its states: fresh
// (reads a write once replay reaches its LSN), lagging (replay paused past the limit),
// down (stopped), and fresh again after a restart.
func TestSetFollowsTheStandby(t *testing.T) {
	ctx := context.Background()
	primary, url := testdb.NewWithURL(t)
	sb := testdb.Standby(t)
	set, err := replica.Open(ctx, primary, []string{testdb.OnStandby(t, url, sb.Port)}, time.Second, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	reads := replica.NewReads(set, primary, func(p *pgxpool.Pool) *pgxpool.Pool { return p })
	waitFor(t, set, "ok", func(s replica.Status) bool { return s.State == replica.OK })

	if _, err := primary.Exec(ctx, "CREATE TABLE probe (n int); INSERT INTO probe VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	lsn, err := set.WriteLSN(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Until a check sees replay at lsn, a read after the write goes to the primary.
	if i := set.Pick(lsn); i >= 0 {
		t.Fatalf("Pick(write LSN) = replica %d before any check saw it replayed", i)
	}
	waitFor(t, set, "replayed the write", func(replica.Status) bool { return set.Pick(lsn) == 0 })
	var n int
	err = reads.Do(ctx, lsn, func(p *pgxpool.Pool) error {
		if p == primary {
			t.Error("read after the write went to the primary though the replica has it")
		}
		return p.QueryRow(ctx, "SELECT count(*) FROM probe").Scan(&n)
	})
	if err != nil || n != 1 {
		t.Fatalf("replica read = %d, %v; want the write", n, err)
	}

	// Lagging: replay paused, the primary writes on.
	replicaPool := sb.URL("postgres")
	admin, err := pgxpool.New(ctx, replicaPool)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec(ctx, "SELECT pg_wal_replay_resume()")
	if _, err := primary.Exec(ctx, "INSERT INTO probe VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, set, "lagging", func(s replica.Status) bool { return s.State == replica.Lagging && s.LagBytes > 0 })
	if set.Pick(0) != -1 || set.Serving() {
		t.Fatal("a lagging replica is still picked")
	}
	if _, err := admin.Exec(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, set, "ok after resume", func(s replica.Status) bool { return s.State == replica.OK })

	// Down, then used again after a restart.
	testdb.StopStandby(t)
	waitFor(t, set, "down", func(s replica.Status) bool { return s.State == replica.Down })
	err = reads.Do(ctx, 0, func(p *pgxpool.Pool) error { return p.QueryRow(ctx, "SELECT count(*) FROM probe").Scan(&n) })
	if err != nil || n != 2 {
		t.Fatalf("read with the replica down = %d, %v; want 2 from the primary", n, err)
	}
	testdb.RestartStandby(t)
	waitFor(t, set, "ok after restart", func(s replica.Status) bool { return s.State == replica.OK })
}
