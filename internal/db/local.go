package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/pglocal"
)

// Local is a private PostgreSQL server started for this process, with its database URL.
type Local struct {
	Server *pglocal.Server
	URL    string
}

// StartLocal starts (or restarts) the private server in dataDir and makes sure the
// database name exists on it.
func StartLocal(ctx context.Context, dataDir, name string) (*Local, error) {
	srv, err := pglocal.Start(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	if err := ensureDatabase(ctx, srv.URL("postgres"), name); err != nil {
		srv.Stop()
		return nil, err
	}
	return &Local{Server: srv, URL: srv.URL(name)}, nil
}

// Stop shuts the private server down.
func (l *Local) Stop() { l.Server.Stop() }

func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("db: connect to local server: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("db: look up database: %w", err)
	}
	if exists {
		return nil
	}
	// CREATE DATABASE takes no parameters; the name is quoted as an identifier.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("db: create database: %w", err)
	}
	return nil
}
