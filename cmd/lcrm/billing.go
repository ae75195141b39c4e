package main

import (
	"context"
	"fmt"
	"os"

	"lcrm/billing"
)

// billing is the statements, payments and receivables store on the app's clock, cutting
// months in the service zone.
func (a *app) billing() *billing.Store {
	st := billing.NewStore(a.pool, a.cfg.Zone)
	st.Now = a.now
	return st
}

// importPayments runs `lcrm import payments FILE`: each row is recorded on its own
// (idempotent by reference), bad rows are listed with their row number and reason. It
// exits non-zero when a row was bad.
func importPayments(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usageError{"usage: lcrm import payments FILE.csv"}
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	rep, err := a.billing().ImportPayments(ctx, f)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d rows, %d recorded, %d duplicates, %d invalid\n", args[0], rep.Rows, rep.Recorded, rep.Duplicates, rep.Invalid)
	for _, e := range rep.Errors {
		fmt.Printf("row %d, %s: %s\n", e.Row, e.Column, e.Reason)
	}
	if rep.Invalid > 0 {
		return fmt.Errorf("%d rows not recorded: fix them and run the file again (recorded rows are not recorded twice)", rep.Invalid)
	}
	return nil
}
