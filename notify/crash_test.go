package notify_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/faketwilio"
	"lcrm/internal/testdb"
	"lcrm/notify"
)

// Environment of the child dispatcher process started by TestKillDispatcher.
const (
	childDB     = "NOTIFY_CHILD_DB"
	childTwilio = "NOTIFY_CHILD_TWILIO"
)

// TestDispatcherChild is the dispatcher process of TestKillDispatcher (skipped otherwise):
// it sends until nothing is left to send, or until it is killed.
func TestDispatcherChild(t *testing.T) {
	dsn := os.Getenv(childDB)
	if dsn == "" {
		t.Skip("runs only as TestKillDispatcher's child process")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	o := notify.New(pool, notify.Config{NoQuiet: true, DailyCap: -1})
	drv := notify.NewTwilio(notify.TwilioConfig{AccountSID: acct, AuthToken: token, From: "+15005550006",
		APIBase: os.Getenv(childTwilio)})
	workers, _ := strconv.Atoi(os.Getenv("NOTIFY_CHILD_WORKERS"))
	d := o.Dispatcher(drv, notify.DispatchConfig{Workers: workers, Batch: 20, Lease: 2 * time.Second,
		Poll: 50 * time.Millisecond, Backoff: 100 * time.Millisecond})
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	// The parent gives the second child 2 minutes; a child never outlives that by much.
	waitFor(t, 3*time.Minute, 200*time.Millisecond, "child dispatcher: send everything", func() bool {
		var left int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM sms_outbox WHERE status IN ('queued', 'sending')`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		return left == 0
	})
	cancel()
	<-done
}

func startChild(t *testing.T, dsn, fakeURL string, workers int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDispatcherChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDB+"="+dsn, childTwilio+"="+fakeURL, "TEST_DATABASE_URL="+dsn,
		"NOTIFY_CHILD_WORKERS="+strconv.Itoa(workers))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// enqueueMany stores n survey messages, each to its own phone.
func enqueueMany(t *testing.T, o *notify.Outbox, pool *pgxpool.Pool, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		if _, _, err := o.Enqueue(ctx, pool, notify.Message{Key: fmt.Sprintf("bulk:%d", i), Kind: notify.KindSurvey,
			To: fmt.Sprintf("+86139%08d", i), Vars: map[string]string{"tracking_no": fmt.Sprintf("SD%d", i), "link": "https://x/s"}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKillDispatcher sends through a dispatcher in a child process, kills it with SIGKILL
// mid-run, starts another, and checks that every message reached (fake) Twilio exactly
// once with its SID stored. LCRM_SMS_KILL_N sets the number of messages (default 1000).
//
// The fake keeps messages queued (date_sent null) for longer than the recovery takes, as
// Twilio does with a burst beyond a number's rate: the messages a kill leaves 'sending'
// are still queued at Twilio when the second dispatcher asks about them.
func TestKillDispatcher(t *testing.T) {
	t.Parallel()
	if os.Getenv(childDB) != "" {
		t.Skip("child")
	}
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("LCRM_SMS_KILL_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	pool, dsn := testdb.NewWithURL(t)
	fake := faketwilio.New(t, acct, token)
	fake.Latency = 2 * time.Millisecond // a little network time, so kills land mid-request
	fake.SendDelay = 30 * time.Second   // longer than the whole test
	o := notify.New(pool, notify.Config{NoQuiet: true, DailyCap: -1})
	enqueueMany(t, o, pool, n)

	first := startChild(t, dsn, fake.URL, 4)
	deadline := time.Now().Add(2 * time.Minute)
	for fake.Calls() < n/3 {
		if time.Now().After(deadline) {
			_ = first.Process.Kill()
			t.Fatalf("child sent only %d in 2 minutes", fake.Calls())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	var sending, sendingAccepted int
	accepted := map[string]bool{}
	for _, m := range fake.Messages() {
		accepted[m.To] = true
	}
	rows, err := pool.Query(ctx, `SELECT to_phone FROM sms_outbox WHERE status = 'sending'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var to string
		if err := rows.Scan(&to); err != nil {
			t.Fatal(err)
		}
		sending++
		if accepted[to] {
			sendingAccepted++
		}
	}
	rows.Close()
	callsAtKill := fake.Calls()

	second := startChild(t, dsn, fake.URL, 4)
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("second dispatcher: %v", err)
		}
	case <-time.After(2 * time.Minute):
		_ = second.Process.Kill()
		t.Fatal("second dispatcher did not finish in 2 minutes")
	}

	perTo := map[string][]string{}
	for _, m := range fake.Messages() {
		perTo[m.To] = append(perTo[m.To], m.SID)
	}
	dups := 0
	for _, sids := range perTo {
		dups += len(sids) - 1
	}
	var sent, matched int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FROM sms_outbox`).Scan(&sent, new(int)); err != nil {
		t.Fatal(err)
	}
	rows, err = pool.Query(ctx, `SELECT to_phone, provider_sid FROM sms_outbox`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var to, sid string
		if err := rows.Scan(&to, &sid); err != nil {
			t.Fatal(err)
		}
		if s := perTo[to]; len(s) == 1 && s[0] == sid {
			matched++
		}
	}
	rows.Close()
	t.Logf("messages %d; killed after %d Twilio calls with %d rows 'sending' (%d of them already accepted by Twilio); "+
		"afterwards: %d sent, %d delivered to Twilio, %d duplicates, %d rows whose SID is Twilio's only message to that phone",
		n, callsAtKill, sending, sendingAccepted, sent, len(perTo), dups, matched)
	if dups != 0 || sent != n || len(perTo) != n || matched != n {
		t.Errorf("want %d sent exactly once with their SIDs stored", n)
	}
}
