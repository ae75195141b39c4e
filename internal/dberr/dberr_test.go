package dberr_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/dberr"
	"lcrm/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// Errors from a real server: text it refuses, and a server that is gone.
func TestKinds(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	var s string
	nul := pool.QueryRow(ctx, `SELECT $1::text`, "a\x00b").Scan(&s)
	badUTF8 := pool.QueryRow(ctx, `SELECT $1::text`, "\xff").Scan(&s)
	_, tooLongCol := pool.Exec(ctx, `CREATE TEMP TABLE t (v varchar(2)); INSERT INTO t VALUES ('abc')`)

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	gone, err := pgxpool.New(ctx, "postgres://x@"+addr+"/x?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	down := gone.Ping(ctx)
	gone.Close()
	closed := gone.Ping(ctx)
	var terminated error
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid)
	if _, err := pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	terminated = conn.QueryRow(ctx, `SELECT 1`).Scan(&pid)
	conn.Release()

	tests := []struct {
		name             string
		err              error
		badText, unavail bool
	}{
		{"NUL", nul, true, false},
		{"invalid UTF-8", badUTF8, true, false},
		{"too long", tooLongCol, true, false},
		{"wrapped", fmt.Errorf("shipments: create: %w", nul), true, false},
		{"server gone", down, false, true},
		{"closed pool", closed, false, true},
		{"backend terminated", terminated, false, true},
		{"no rows", errors.New("no rows in result set"), false, false},
		{"nil", nil, false, false},
	}
	for _, tt := range tests {
		if tt.err == nil && tt.name != "nil" {
			t.Fatalf("%s: no error from the server", tt.name)
		}
		if got := dberr.BadText(tt.err); got != tt.badText {
			t.Errorf("%s: BadText(%v) = %v", tt.name, tt.err, got)
		}
		if got := dberr.Unavailable(tt.err); got != tt.unavail {
			t.Errorf("%s: Unavailable(%v) = %v", tt.name, tt.err, got)
		}
	}
}
