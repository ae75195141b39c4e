package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"os"

	"lcrm/accounts"
)

// cmdUser runs `lcrm user add`: it creates a shipper user or a staff member. Without
// --password it generates one and prints it once.
func cmdUser(ctx context.Context, args []string) error {
	const use = "usage: lcrm user add --email E --role shipper|agent|supervisor|manager|admin [--name N] [--shipper CODE] [--manager EMAIL] [--password P]"
	if len(args) < 1 || args[0] != "add" {
		return usageError{use}
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	email := fs.String("email", "", "login email")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "shipper, agent, supervisor, manager or admin")
	shipper := fs.String("shipper", "", "the shipper's code (role shipper; implies it)")
	manager := fs.String("manager", "", "email of this user's manager (escalation ladder)")
	password := fs.String("password", "", "password (at least 10 characters); generated when empty")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *role == "" && *shipper != "" {
		*role = string(accounts.RoleShipper)
	}
	if *email == "" || *role == "" {
		return usageError{use}
	}
	a, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	in := accounts.NewUser{Email: *email, Name: *name, Role: accounts.Role(*role), Password: *password}
	if *shipper != "" {
		s, err := a.customers.ShipperByCode(ctx, *shipper)
		if err != nil {
			return fmt.Errorf("shipper %q: %w", *shipper, err)
		}
		in.ShipperID = s.ID
	}
	if *manager != "" {
		m, err := a.accounts.UserByEmail(ctx, *manager)
		if err != nil {
			return fmt.Errorf("manager %q: %w", *manager, err)
		}
		in.ManagerID = m.ID
	}
	generated := in.Password == ""
	if generated {
		b := make([]byte, 12)
		rand.Read(b)
		in.Password = base64.RawURLEncoding.EncodeToString(b)
	}
	u, err := a.accounts.CreateUser(ctx, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "user %s (%s) created with id %d\n", u.Email, u.Role, u.ID)
	if generated {
		fmt.Fprintln(os.Stderr, "password (shown once):")
		fmt.Println(in.Password)
	}
	return nil
}
