// Package testdb gives every test its own migrated PostgreSQL database, cloned from a
// template (pgtestdb), on a real server: TEST_DATABASE_URL when set, otherwise a private
// server started from the installed binaries for the whole test binary.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// and in a test: pool := testdb.New(t).
package testdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", used by pgtestdb
	"github.com/peterldowns/pgtestdb"

	"lcrm/internal/db"
	"lcrm/internal/pglocal"
)

var conf pgtestdb.Config

// server is the private server of this test binary (nil with TEST_DATABASE_URL).
var server *pglocal.Server

// Main starts the server the tests use, runs them and exits with their status.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	raw := os.Getenv("TEST_DATABASE_URL")
	if raw == "" {
		dir, err := os.MkdirTemp("", "lcrm-testpg-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "testdb:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		srv, err := pglocal.Start(ctx, dir+"/data")
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "testdb: start PostgreSQL:", err)
			return 1
		}
		defer srv.Stop()
		defer stopStandby()
		server = srv
		raw = srv.URL("postgres")
		if err := throwaway(raw); err != nil {
			fmt.Fprintln(os.Stderr, "testdb:", err)
			return 1
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testdb: TEST_DATABASE_URL:", err)
		return 1
	}
	pw, _ := u.User.Password()
	conf = pgtestdb.Config{
		DriverName: "pgx",
		Host:       u.Hostname(),
		Port:       u.Port(),
		User:       u.User.Username(),
		Password:   pw,
		Database:   u.Path[1:],
		Options:    "sslmode=disable",
	}
	return m.Run()
}

// throwaway turns off the durability the private server of a test binary does not need:
// it lives in a temporary folder removed at exit, so flushing every commit and every
// cloned database to disk only makes the tests wait for the disk.
func throwaway(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("throwaway: %w", err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		"ALTER SYSTEM SET fsync = off",
		"ALTER SYSTEM SET synchronous_commit = off",
		"ALTER SYSTEM SET full_page_writes = off",
		"SELECT pg_reload_conf()",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("throwaway: %s: %w", q, err)
		}
	}
	return nil
}

// New returns a pool on a fresh, fully migrated database that belongs to t alone.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, _ := NewWithURL(t)
	return pool
}

// NewWithURL is New that also returns the database URL (for code that opens its own pool).
func NewWithURL(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	if conf.Host == "" {
		t.Fatal("testdb: call testdb.Main from TestMain")
	}
	c := pgtestdb.Custom(t, conf, migrator{})
	pool, err := db.Open(context.Background(), c.URL(), 20)
	if err != nil {
		t.Fatalf("testdb: open: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool, c.URL()
}

// AsAdmin is the database URL dbURL with the credentials of the server's admin (the
// superuser of the private server), for a test that needs a superuser's session, such as
// loading auto_explain to read the plans of queries inside triggers.
func AsAdmin(t testing.TB, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	u.User = url.UserPassword(conf.User, conf.Password)
	return u.String()
}

// NewAt is NewWithURL on a database migrated only up to version (db.MigrateTo), for
// tests that fill a database with an older schema and then migrate it (db.Migrate).
func NewAt(t testing.TB, version int32) (*pgxpool.Pool, string) {
	t.Helper()
	if conf.Host == "" {
		t.Fatal("testdb: call testdb.Main from TestMain")
	}
	c := pgtestdb.Custom(t, conf, migrator{upTo: version})
	pool, err := db.Open(context.Background(), c.URL(), 20)
	if err != nil {
		t.Fatalf("testdb: open: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool, c.URL()
}

// migrator adapts the embedded tern migrations to pgtestdb; upTo, when set, stops at that
// version.
type migrator struct{ upTo int32 }

// Hash names the template database after the migration files, so a changed migration
// gets a fresh template.
func (m migrator) Hash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(db.Migrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.Migrations(), path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	if m.upTo > 0 {
		fmt.Fprintf(h, "upto:%d", m.upTo)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

// Migrate applies the migrations to the template database.
func (m migrator) Migrate(ctx context.Context, _ *sql.DB, c pgtestdb.Config) error {
	if m.upTo > 0 {
		return db.MigrateTo(ctx, c.URL(), m.upTo)
	}
	_, err := db.Migrate(ctx, c.URL())
	return err
}

// LoadSize is the size of a load run (the tests built with `-tags load`): LCRM_LOAD_SIZE
// when it is a positive number, otherwise def. What it counts (shipments, messages) is the
// run's to say.
func LoadSize(def int) int {
	if n, err := strconv.Atoi(os.Getenv("LCRM_LOAD_SIZE")); err == nil && n > 0 {
		return n
	}
	return def
}
