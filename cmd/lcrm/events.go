package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"
)

// The events command joins the table here, so the table's alignment stays as it was.
func init() { commands["events"] = cmdEvents }

const eventsUsage = `usage: lcrm events archive --before YYYY-MM [--out DIR]`

// cmdEvents archives old tracking events: every events partition whose parcels were all
// created before the first day of the --before month (in LCRM_TIMEZONE) is written to
// DIR/<partition>.csv.gz (default LCRM_DATA_DIR/archive) and dropped; those parcels'
// timelines then say their events were archived. Running it again archives nothing twice.
// How to restore: README, "Archiving events".
func cmdEvents(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "archive" {
		return usageError{eventsUsage}
	}
	fs := flag.NewFlagSet("events archive", flag.ContinueOnError)
	before := fs.String("before", "", "archive parcels created before this month (YYYY-MM)")
	out := fs.String("out", "", "folder for the archive files (default LCRM_DATA_DIR/archive)")
	if err := fs.Parse(args[1:]); err != nil || *before == "" {
		return usageError{eventsUsage}
	}
	a, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	cutoff, err := time.ParseInLocation("2006-01", *before, a.cfg.Zone)
	if err != nil {
		return usageError{"--before: want a month like 2025-01"}
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(a.cfg.DataDir, "archive")
	}
	done, err := a.shipments.ArchiveEvents(ctx, cutoff, dir)
	for _, p := range done {
		fmt.Printf("archived %s (shipments %d-%d): %d events -> %s\n", p.Name, p.Lo, p.Hi-1, p.Rows, p.File)
	}
	if err == nil && len(done) == 0 {
		fmt.Printf("nothing to archive: no events partition holds only parcels created before %s\n", *before)
	}
	return err
}
