// Command lcrm is the logistics CRM: one binary with subcommands. It only wires the
// packages together; the behaviour lives in them.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `lcrm — logistics CRM and parcel tracking portal

Usage:
  lcrm serve [--addr :8080] [--demo]        run the web server (and the scheduler)
  lcrm migrate                              apply database migrations
  lcrm demo [--shipments N] [--seed S]      load deterministic demo data
  lcrm import shipments|events FILE [--skip-invalid]
                                            bulk import a .csv or .xlsx file
  lcrm import payments FILE                 record payments from a .csv file (see README, Billing)
  lcrm apikey create NAME [--shipper CODE]  create an API key (printed once)
  lcrm user add --email E --role ROLE [--name N] [--shipper CODE] [--manager EMAIL] [--password P]
                                            create a login (password generated and printed when not given)

  lcrm jobs list                            scheduled jobs with their last run
  lcrm jobs run NAME                        run one job now (recorded with trigger "cli")
  lcrm estimate backtest [-test 0.2]        delivery estimate accuracy on held-out history
  lcrm events archive --before YYYY-MM [--out DIR]
                                            write out and drop the events of parcels created before the month

Without DATABASE_URL, lcrm runs a private PostgreSQL in LCRM_DATA_DIR (./lcrm-data).
`

// commands maps a subcommand to its function.
var commands = map[string]func(ctx context.Context, args []string) error{
	"serve":   cmdServe,
	"migrate": cmdMigrate,
	"demo":    cmdDemo,
	"import":  cmdImport,
	"apikey":  cmdAPIKey,
	"user":    cmdUser,
	"jobs":    cmdJobs,
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		fmt.Print(usage)
		return
	}
	run, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "lcrm: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[2:]); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "lcrm %s: %v\n", os.Args[1], err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "lcrm %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
