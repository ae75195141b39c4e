// Package db opens the PostgreSQL pool and applies the embedded schema migrations.
//
// Migrations are numbered .sql files in migrations/, embedded in the binary and applied by
// tern, each in its own transaction, recorded in the schema_version table. Never edit a
// migration that has shipped: add a new one.
package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// versionTable is where tern records the applied migration number.
const versionTable = "schema_version"

// Migrations returns the embedded migration files.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return sub
}

// Open returns a pool for url, checked with a ping.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping: %w", err)
	}
	return pool, nil
}

func migrator(ctx context.Context, conn *pgx.Conn) (*migrate.Migrator, error) {
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return nil, fmt.Errorf("db: migrator: %w", err)
	}
	if err := m.LoadMigrations(Migrations()); err != nil {
		return nil, fmt.Errorf("db: load migrations: %w", err)
	}
	return m, nil
}

// Migrate applies every pending migration to the database at url. Concurrent callers are
// serialised by tern's advisory lock, so several instances may start at once.
func Migrate(ctx context.Context, url string) (applied int32, err error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, fmt.Errorf("db: migrate connect: %w", err)
	}
	defer conn.Close(ctx)
	m, err := migrator(ctx, conn)
	if err != nil {
		return 0, err
	}
	before, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: current version: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return 0, fmt.Errorf("db: migrate: %w", err)
	}
	after, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: current version: %w", err)
	}
	return after - before, nil
}

// MigrateTo applies the migrations up to version target and no further: tests of a
// migration run it on a database the older schema filled.
func MigrateTo(ctx context.Context, url string, target int32) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("db: migrate connect: %w", err)
	}
	defer conn.Close(ctx)
	m, err := migrator(ctx, conn)
	if err != nil {
		return err
	}
	if err := m.MigrateTo(ctx, target); err != nil {
		return fmt.Errorf("db: migrate to %d: %w", target, err)
	}
	return nil
}

// LatestVersion is the number of the newest embedded migration.
func LatestVersion() int32 {
	names, err := migrate.FindMigrations(Migrations())
	if err != nil {
		return 0
	}
	return int32(len(names))
}

// SchemaVersion reads the applied migration number through the pool.
func SchemaVersion(ctx context.Context, pool *pgxpool.Pool) (int32, error) {
	var v int32
	err := pool.QueryRow(ctx, "SELECT version FROM "+versionTable).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("db: schema version: %w", err)
	}
	return v, nil
}
