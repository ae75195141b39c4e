package shipments

import (
	"os"
	"strings"
	"testing"
)

// bench/track_pgbench.sql, the floor the public API is measured against, is the public
// tracking read exactly as Track runs it (whitespace aside), so the floor cannot drift.
func TestPgbenchFloorIsTheTrackRead(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../bench/track_pgbench.sql")
	if err != nil {
		t.Fatal(err)
	}
	var sql []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "--") && !strings.HasPrefix(line, `\set`) {
			sql = append(sql, line)
		}
	}
	got := strings.Join(strings.Fields(strings.Join(sql, " ")), " ")
	want := strings.Join(strings.Fields(trackOneSQL[PublicView]), " ")
	want = strings.Replace(want, "= $1", "= (SELECT tracking_no FROM shipments WHERE id = :id)", 1) + ";"
	if got != want {
		t.Errorf("bench/track_pgbench.sql is not the public tracking read:\n got %s\nwant %s", got, want)
	}
}
