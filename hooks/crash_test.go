package hooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/hooks"
	"lcrm/internal/testdb"
)

// Environment of the child sender process started by TestKillSender.
const childDB = "HOOKS_CHILD_DB"

// TestSenderChild is the sender process of TestKillSender (skipped otherwise): it sends
// until nothing is left, or until it is killed.
func TestSenderChild(t *testing.T) {
	dsn := os.Getenv(childDB)
	if dsn == "" {
		t.Skip("runs only as TestKillSender's child process")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := hooks.NewStore(pool)
	st.AllowPrivate = true
	d := st.Sender(hooks.SenderConfig{Workers: 4, Batch: 10, Lease: 2 * time.Second, Poll: 50 * time.Millisecond})
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		var left int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE status IN ('pending', 'sending')`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-done
}

// TestKillSender sends through a sender in a child process, kills it with SIGKILL
// mid-run, starts another, and checks that every delivery reached the receiver at least
// once and is recorded delivered: none lost. LCRM_HOOKS_KILL_N sets the count (default 1000).
func TestKillSender(t *testing.T) {
	t.Parallel()
	if os.Getenv(childDB) != "" {
		t.Skip("child")
	}
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("LCRM_HOOKS_KILL_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	pool, dsn := testdb.NewWithURL(t)
	var mu sync.Mutex
	seen := map[string]int{}
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond) // a little work, so kills land mid-request
		mu.Lock()
		seen[r.Header.Get("Lcrm-Event-Id")]++
		mu.Unlock()
		calls.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	st := hooks.NewStore(pool)
	st.AllowPrivate = true
	sh := shipper(t, pool, "ACME")
	if _, _, err := st.Register(ctx, sh, srv.URL, []string{hooks.ShipmentStatusChanged}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := st.Emit(ctx, pool, hooks.Event{ShipperID: sh, Type: hooks.ShipmentStatusChanged,
			Key: fmt.Sprint("k", i), OrderKey: fmt.Sprint("shipment:", i%50), Data: i}); err != nil {
			t.Fatal(err)
		}
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSenderChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childDB+"="+dsn)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	first := start()
	deadline := time.Now().Add(2 * time.Minute)
	for calls.Load() < int64(n/3) {
		if time.Now().After(deadline) {
			_ = first.Process.Kill()
			t.Fatalf("child sent only %d in 2 minutes", calls.Load())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	callsAtKill := calls.Load()
	var sending int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE status = 'sending'`).Scan(&sending); err != nil {
		t.Fatal(err)
	}
	second := start()
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("second sender: %v", err)
		}
	case <-time.After(2 * time.Minute):
		_ = second.Process.Kill()
		t.Fatal("second sender did not finish in 2 minutes")
	}
	var delivered int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'`).Scan(&delivered); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	dups := 0
	for _, c := range seen {
		dups += c - 1
	}
	t.Logf("deliveries %d; killed after %d requests with %d rows 'sending'; afterwards: %d recorded delivered, "+
		"%d distinct events received, %d received twice or more (at least once)", n, callsAtKill, sending, delivered, len(seen), dups)
	if delivered != n || len(seen) != n {
		t.Errorf("want all %d delivered and received, got %d recorded, %d received", n, delivered, len(seen))
	}
}
