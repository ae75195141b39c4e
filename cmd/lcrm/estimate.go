package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"lcrm/shipments"
)

// The estimate command joins the table here, so the table's alignment stays as it was.
func init() { commands["estimate"] = cmdEstimate }

// cmdEstimate runs the delivery estimate's backtest on the database's delivered history:
// train on the oldest deliveries, test on the newest share, print accuracy against the
// fixed promise (the figures in BENCHMARKS.md).
func cmdEstimate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("estimate", flag.ContinueOnError)
	share := fs.Float64("test", 0.2, "share of the newest deliveries held out for testing")
	if len(args) == 0 || args[0] != "backtest" || fs.Parse(args[1:]) != nil || *share <= 0 || *share >= 1 {
		return usageError{"usage: lcrm estimate backtest [-test 0.2]"}
	}
	a, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	ds, err := a.shipments.Deliveries(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("%d delivered parcels; trained on the oldest %.0f %%, tested on the newest %.0f %%\n", len(ds), 100*(1-*share), 100**share)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "level\tfrom\ttested\testimated\tinside\tMAE(mid)\tmedian width\tpromise kept\tpromise MAE")
	for _, r := range shipments.Backtest(ds, *share) {
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%.1f %%\t%.1f h\t%.1f h\t%.1f %%\t%.1f h\n", r.ServiceLevel, r.Milestone, r.Tested, r.Estimated,
			100*r.Inside, r.MAE.Hours(), r.MedianWidth.Hours(), 100*r.PromiseKept, r.PromiseMAE.Hours())
	}
	return w.Flush()
}
