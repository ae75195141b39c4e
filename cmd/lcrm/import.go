package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"lcrm/shipments"
)

// importFile runs `lcrm import shipments|events FILE [--skip-invalid]` and prints the
// report: counts, then one line per bad row. It exits non-zero when nothing was committed.
func importFile(ctx context.Context, args []string) error {
	if len(args) < 2 || (args[0] != "shipments" && args[0] != "events") {
		return usageError{"usage: lcrm import shipments|events FILE [--skip-invalid]"}
	}
	kind, path := shipments.ImportKind(args[0]), args[1]
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	skip := fs.Bool("skip-invalid", false, "import the valid rows and report the invalid ones (default: all or nothing)")
	if err := fs.Parse(args[2:]); err != nil {
		return usageError{err.Error()}
	}
	format, err := formatOf(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	rep, err := a.shipments.Import(ctx, kind, f, shipments.ImportOptions{Format: format, SkipInvalid: *skip})
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d rows, %d imported, %d duplicates, %d invalid, committed: %v\n",
		path, rep.Rows, rep.Imported, rep.Duplicates, rep.Invalid, rep.Committed)
	for _, e := range rep.Errors {
		fmt.Printf("row %d, %s: %s\n", e.Row, e.Column, e.Reason)
	}
	if rep.ErrorsTruncated {
		fmt.Println("(more errors not shown)")
	}
	if !rep.Committed {
		return fmt.Errorf("nothing imported: fix the rows above, or use --skip-invalid")
	}
	return nil
}
