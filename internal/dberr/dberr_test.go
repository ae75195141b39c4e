package dberr_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/dberr"
	"lcrm/internal/errs"
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

// A statement past its context's deadline is stopped in PostgreSQL too (pgx sends a cancel
// request as it drops the connection), and the error says it timed out, not that the
// database is gone.
func TestTimedOut(t *testing.T) {
	pool := testdb.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, slow := pool.Exec(ctx, `SELECT pg_sleep(30) /* dberr timed out */`)
	done, stop := context.WithCancel(context.Background())
	stop()
	_, gone := pool.Exec(done, `SELECT 1`)
	for _, tt := range []struct {
		name              string
		err               error
		timedOut, unavail bool
	}{
		{"past the deadline", slow, true, false},
		{"wrapped", fmt.Errorf("shipments: list: %w", slow), true, false},
		{"context cancelled", gone, true, false},
		{"deadline", context.DeadlineExceeded, true, false},
		{"statement_timeout", &pgconn.PgError{Code: "57014"}, true, false},
		{"connect failed", &pgconn.ConnectError{}, false, true},
		{"no rows", errors.New("no rows in result set"), false, false},
		{"nil", nil, false, false},
	} {
		if got := dberr.TimedOut(tt.err); got != tt.timedOut {
			t.Errorf("%s: TimedOut(%v) = %v", tt.name, tt.err, got)
		}
		if got := dberr.Unavailable(tt.err); got != tt.unavail {
			t.Errorf("%s: Unavailable(%v) = %v", tt.name, tt.err, got)
		}
	}
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE query LIKE '%dberr timed out%' AND state = 'active' AND pid <> pg_backend_pid()`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d statements still running after the deadline (%v)", n, err)
	}
}

// Classify puts the database's errors in the errs vocabulary, keeping a timeout apart
// from an outage by key.
func TestClassify(t *testing.T) {
	nul := &pgconn.PgError{Code: "22021"}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	tests := []struct {
		name string
		err  error
		kind errs.Kind
		key  string
	}{
		{"bad text", fmt.Errorf("shipments: create: %w", nul), errs.Invalid, dberr.KeyBadText},
		{"cancelled statement", &pgconn.PgError{Code: "57014"}, errs.Unavailable, dberr.KeyTimeout},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), errs.Unavailable, dberr.KeyTimeout},
		{"connection refused", refused, errs.Unavailable, dberr.KeyUnavailable},
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, errs.Unavailable, dberr.KeyUnavailable},
		{"unique violation", &pgconn.PgError{Code: "23505"}, errs.Internal, ""},
		{"nil", nil, errs.Internal, ""},
	}
	for _, tt := range tests {
		got := dberr.Classify(tt.err)
		if k, key := errs.KindOf(got), errs.KeyOf(got); k != tt.kind || key != tt.key {
			t.Errorf("%s: Classify = %v %q, want %v %q", tt.name, k, key, tt.kind, tt.key)
		}
		if got != nil && !errors.Is(got, tt.err) {
			t.Errorf("%s: Classify lost the cause", tt.name)
		}
	}
}
