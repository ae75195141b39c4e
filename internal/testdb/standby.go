package testdb

import (
	"context"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"lcrm/internal/pglocal"
)

// standby is the streaming standby of the test binary's private server, started by the
// first test that asks for it and shared by the rest (a base backup takes seconds).
var standby struct {
	sync.Mutex
	srv *pglocal.Server
	dir string
	err error
}

// Standby returns the running streaming standby of the private server (pg_basebackup,
// then PostgreSQL's own streaming replication), starting it on first use. Every test
// database appears on it as it is created. A test that stops the standby starts it again
// with RestartStandby. Tests using it must not run in parallel with each other: they
// pause, stop and start the one standby. Skipped with TEST_DATABASE_URL.
func Standby(t testing.TB) *pglocal.Server {
	t.Helper()
	if server == nil {
		t.Skip("testdb: a standby needs the private server (TEST_DATABASE_URL is set)")
	}
	standby.Lock()
	defer standby.Unlock()
	if standby.srv == nil && standby.err == nil {
		standby.dir, standby.err = os.MkdirTemp("", "lcrm-standby-")
		if standby.err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			standby.srv, standby.err = server.StartStandby(ctx, standby.dir+"/data", 0)
			cancel()
		}
	}
	if standby.err != nil {
		t.Fatalf("testdb: standby: %v", standby.err)
	}
	return standby.srv
}

// StopStandby stops the shared standby (it keeps its data folder).
func StopStandby(t testing.TB) {
	t.Helper()
	standby.Lock()
	defer standby.Unlock()
	if standby.srv != nil {
		standby.srv.Stop()
	}
}

// RestartStandby starts the shared standby again on its data folder and port; it
// catches up from where it stopped.
func RestartStandby(t testing.TB) *pglocal.Server {
	t.Helper()
	standby.Lock()
	defer standby.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := server.StartStandby(ctx, standby.dir+"/data", standby.srv.Port)
	if err != nil {
		t.Fatalf("testdb: restart standby: %v", err)
	}
	standby.srv = srv
	return srv
}

// OnStandby is dbURL (a test database on the private server) on the standby at port.
func OnStandby(t testing.TB, dbURL string, port int) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	u.Host = u.Hostname() + ":" + strconv.Itoa(port)
	return u.String()
}

func stopStandby() {
	standby.Lock()
	defer standby.Unlock()
	if standby.srv != nil {
		standby.srv.Stop()
	}
	if standby.dir != "" {
		os.RemoveAll(standby.dir)
	}
}
