package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewDatabaseNotice: a command run where there is no data folder (say `lcrm import`
// from another directory) says in one line that it made a new, empty database; a second
// run on the same folder says nothing.
func TestNewDatabaseNotice(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private PostgreSQL")
	}
	dir := filepath.Join(t.TempDir(), "lcrm-data")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("LCRM_DATA_DIR", dir)
	var buf bytes.Buffer
	saved := notices
	notices = &buf
	t.Cleanup(func() { notices = saved })
	want := "lcrm: no database in " + dir + ": created a new, empty one (set DATABASE_URL or LCRM_DATA_DIR to use another)\n"
	for run, wantOut := range []string{want, ""} {
		buf.Reset()
		a, err := open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		a.close()
		if got := buf.String(); got != wantOut {
			t.Errorf("run %d: said %q, want %q", run+1, got, wantOut)
		}
		if strings.Count(buf.String(), "\n") > 1 {
			t.Errorf("run %d: more than one line", run+1)
		}
	}
}
