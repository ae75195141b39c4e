package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/demo"
	"lcrm/internal/db"
)

func cmdMigrate(ctx context.Context, args []string) error {
	a, err := open(ctx) // open applies the migrations
	if err != nil {
		return err
	}
	defer a.close()
	fmt.Printf("schema at version %d\n", db.LatestVersion())
	return nil
}

func cmdDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	n := fs.Int("shipments", 3000, "number of shipments")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same data")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	a, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	return loadDemo(ctx, a, *n, *seed)
}

func loadDemoIfEmpty(ctx context.Context, a *app, n int, seed int64) error {
	empty, err := demo.Empty(ctx, a.pool)
	if err != nil || !empty {
		return err
	}
	return loadDemo(ctx, a, n, seed)
}

func loadDemo(ctx context.Context, a *app, n int, seed int64) error {
	start := time.Now()
	sum, err := demo.Load(ctx, a.pool, demo.Options{Shipments: n, Seed: seed, Now: a.now(),
		Progress: func(done int) { a.log.Info("demo data", "shipments", done) }})
	if err != nil {
		return err
	}
	a.log.Info("demo data loaded", "shippers", sum.Shippers, "consignees", sum.Consignees,
		"shipments", sum.Shipments, "events", sum.Events, "took", time.Since(start).Round(time.Millisecond))
	agents, err := addDemoUsers(ctx, a)
	if err != nil {
		return err
	}
	start = time.Now()
	care, err := demo.Care(ctx, a.pool, agents, seed, a.now())
	if err != nil {
		return err
	}
	a.log.Info("demo surveys and complaints", "surveys", care.Surveys, "complaints", care.Complaints,
		"resolved", care.Resolved, "took", time.Since(start).Round(time.Millisecond))
	appeals, err := demo.Appeals(ctx, a.pool, seed, a.now())
	if err != nil {
		return err
	}
	a.log.Info("demo regulator appeals", "appeals", appeals)
	calls, err := demo.Contacts(ctx, a.pool, agents, seed, a.now())
	if err != nil {
		return err
	}
	a.log.Info("demo contact log", "contacts", calls)
	start = time.Now()
	bill, err := demo.Billing(ctx, a.pool, seed, a.now(), a.cfg.Zone)
	if err != nil {
		return err
	}
	a.log.Info("demo statements and payments", "statements", bill.Statements, "payments", bill.Payments,
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// demoPassword is the password of every demo login; demo data is for trying lcrm out.
const demoPassword = "lcrm-demo-2026"

// addDemoUsers creates one login per role (the staff in one escalation ladder), three more
// agents on the supervisor's team and a shipper login for the first demo shipper, unless
// they exist. It returns the agents, who handle the demo complaints.
func addDemoUsers(ctx context.Context, a *app) ([]complaints.Actor, error) {
	type login struct {
		email, name string
		role        accounts.Role
	}
	logins := []login{{"admin@demo.lcrm", "Demo admin", accounts.RoleAdmin}, {"manager@demo.lcrm", "Demo manager", accounts.RoleManager},
		{"supervisor@demo.lcrm", "Demo supervisor", accounts.RoleSupervisor}, {"agent@demo.lcrm", "Demo agent", accounts.RoleAgent},
		{"agent2@demo.lcrm", "王芳", accounts.RoleAgent}, {"agent3@demo.lcrm", "李强", accounts.RoleAgent}, {"agent4@demo.lcrm", "陈静", accounts.RoleAgent}}
	var managerID, supervisorID int64
	var agents []complaints.Actor
	for _, l := range logins {
		boss := managerID
		if l.role == accounts.RoleAgent {
			boss = supervisorID
		}
		u, err := a.accounts.UserByEmail(ctx, l.email)
		if err != nil {
			u, err = a.accounts.CreateUser(ctx, accounts.NewUser{Email: l.email, Name: l.name, Role: l.role, Password: demoPassword, ManagerID: boss})
			if err != nil {
				return nil, err
			}
		}
		switch l.role {
		case accounts.RoleAgent:
			agents = append(agents, complaints.Actor{UserID: u.ID, Name: u.Name})
		case accounts.RoleSupervisor:
			supervisorID, managerID = u.ID, u.ID
		default:
			managerID = u.ID
		}
	}
	shippers, err := a.customers.ListShippers(ctx)
	if err != nil || len(shippers) == 0 {
		return agents, err
	}
	if _, err := a.accounts.UserByEmail(ctx, "shipper@demo.lcrm"); err != nil {
		if _, err := a.accounts.CreateUser(ctx, accounts.NewUser{Email: "shipper@demo.lcrm", Name: shippers[0].Name,
			Role: accounts.RoleShipper, ShipperID: shippers[0].ID, Password: demoPassword}); err != nil {
			return nil, err
		}
	}
	a.log.Info("demo logins (password "+demoPassword+")", "shipper", "shipper@demo.lcrm",
		"staff", "agent@ agent2@ agent3@ agent4@ supervisor@ manager@ admin@demo.lcrm")
	return agents, nil
}

func cmdImport(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "payments" {
		return importPayments(ctx, args[1:])
	}
	return importFile(ctx, args)
}

func cmdAPIKey(ctx context.Context, args []string) error {
	if len(args) < 1 || args[0] != "create" {
		return usageError{"usage: lcrm apikey create NAME [--shipper CODE]"}
	}
	fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
	shipper := fs.String("shipper", "", "scope the key to one shipper (its code)")
	rest := args[1:]
	var name string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return usageError{err.Error()}
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	if name == "" {
		return usageError{"usage: lcrm apikey create NAME [--shipper CODE]"}
	}
	a, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	var shipperID int64
	if *shipper != "" {
		s, err := a.customers.ShipperByCode(ctx, *shipper)
		if err != nil {
			return fmt.Errorf("shipper %q: %w", *shipper, err)
		}
		shipperID = s.ID
	}
	key, k, err := a.accounts.CreateAPIKey(ctx, name, shipperID)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "API key %q created (id %d). It is shown once; store it now:\n", k.Name, k.ID)
	fmt.Println(key)
	return nil
}

// formatOf tells the import format from a file name.
func formatOf(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv", nil
	case ".xlsx":
		return "xlsx", nil
	}
	return "", usageError{"the file must end in .csv or .xlsx"}
}
