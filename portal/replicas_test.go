package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/ratelimit"
	"lcrm/internal/replica"
	"lcrm/internal/testdb"
	"lcrm/portal"
	"lcrm/shipments"
)

// The replica tests share the test binary's one streaming standby (testdb.Standby):
// they pause its replay, stop and restart it, so none runs in parallel with another.

// replEnv is the portal over a fresh database with one real streaming standby as its
// read replica, and parcel replNo on both.
type replEnv struct {
	*env
	set   *replica.Set
	admin *pgxpool.Pool // the standby's postgres database: replay pause and resume
	n     int           // events posted so far
}

const replNo = "SD100000000001"

func newReplEnv(t *testing.T, maxLag time.Duration) *replEnv {
	t.Helper()
	ctx := context.Background()
	pool, dbURL := testdb.NewWithURL(t)
	sb := testdb.Standby(t)
	set, err := replica.Open(ctx, pool, []string{testdb.OnStandby(t, dbURL, sb.Port)}, maxLag, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(set.Close) // before the database is dropped (cleanups run last first)
	admin, err := pgxpool.New(ctx, sb.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	e := &replEnv{env: &env{t: t, acc: accounts.NewStore(pool), cus: customers.NewStore(pool), shp: shipments.NewStore(pool)}, set: set, admin: admin}
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Complaints: complaints.NewStore(pool),
		Limiter: ratelimit.New(pool), Replicas: set, TrackReads: replica.NewReads(set, pool, shipments.NewStore)},
		portal.Config{PublicURL: "http://lcrm.test", LookupsPerMinute: 1_000_000})
	if e.key, _, err = e.acc.CreateAPIKey(ctx, "test", 0); err != nil {
		t.Fatal(err)
	}
	if code := e.do("POST", "/api/v1/shipments", e.key, shipmentJSON(replNo), nil); code != http.StatusCreated {
		t.Fatalf("create shipment: %d", code)
	}
	e.caughtUp()
	return e
}

// caughtUp checks until the replica is fresh and has replayed every write so far.
func (e *replEnv) caughtUp() {
	e.t.Helper()
	lsn, err := e.set.WriteLSN(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	e.until("the replica caught up", func() bool { return e.set.Pick(lsn) == 0 })
}

// until runs checks until cond holds (bounded).
func (e *replEnv) until(what string, cond func() bool) {
	e.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		e.set.Check(context.Background())
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("never %s: %+v", what, e.set.Statuses())
		}
	}
}

// replay pauses or resumes the standby's WAL replay; a paused one is resumed when the
// test ends.
func (e *replEnv) replay(on bool) {
	e.t.Helper()
	q := "SELECT pg_wal_replay_resume()"
	if !on {
		q = "SELECT pg_wal_replay_pause()"
		e.t.Cleanup(func() { e.admin.Exec(context.Background(), "SELECT pg_wal_replay_resume()") })
	}
	if _, err := e.admin.Exec(context.Background(), q); err != nil {
		e.t.Fatal(err)
	}
}

// addEvent records one more in-transit scan of replNo on the primary.
func (e *replEnv) addEvent() {
	e.t.Helper()
	e.n++
	ev := map[string]any{"tracking_no": replNo, "event_id": fmt.Sprint("repl", e.n), "code": "in_transit",
		"occurred_at": time.Now().Add(-time.Duration(100-e.n) * time.Minute).UTC().Format(time.RFC3339), "location": "杭州转运中心"}
	var res struct{ Stored int }
	if code := e.do("POST", "/api/v1/events", e.key, map[string]any{"events": []any{ev}}, &res); code != 200 || res.Stored != 1 {
		e.t.Fatalf("record event: %d %+v", code, res)
	}
}

// events is how many events the public tracking API shows b (a fresh visitor when nil).
func (e *replEnv) events(b *browser) int {
	e.t.Helper()
	if b == nil {
		b = newBrowser(e.t, e.srv)
	}
	code, body, _ := b.do("GET", "/api/v1/track/"+replNo, nil)
	var out struct{ Events []json.RawMessage }
	if err := json.Unmarshal([]byte(body), &out); code != 200 || err != nil {
		e.t.Fatalf("track: %d %s", code, body)
	}
	return len(out.Events)
}

// servedByReplica proves where an anonymous lookup is read: with replay paused, a new
// event reaches only the primary, so a lookup that misses it came from the replica.
func (e *replEnv) servedByReplica() bool {
	e.t.Helper()
	e.caughtUp()
	before := e.events(nil)
	e.replay(false)
	e.addEvent()
	stale := e.events(nil) == before
	e.replay(true)
	e.caughtUp()
	return stale
}

// readyz is /readyz's status and body.
func (e *replEnv) readyz() (int, map[string]any) {
	e.t.Helper()
	resp, err := e.srv.App.Test(httptest.NewRequest("GET", "/readyz", nil), -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, body
}

// replicaState is the first replica's state in /readyz's body, and where reads go.
func replicaState(body map[string]any) (state, reads string) {
	reps, _ := body["replicas"].([]any)
	if len(reps) == 0 {
		return "", fmt.Sprint(body["reads"])
	}
	r, _ := reps[0].(map[string]any)
	return fmt.Sprint(r["state"]), fmt.Sprint(body["reads"])
}

// A public lookup is read from the replica; a visitor who has just written (verified,
// subscribed, filed a complaint) reads from a server that has their write, while everyone
// else still reads the replica.
func TestReplicaReadsAndReadYourWrites(t *testing.T) {
	e := newReplEnv(t, time.Minute)
	if !e.servedByReplica() {
		t.Fatal("a public lookup was read from the primary though the replica is fresh")
	}
	if code, body := e.readyz(); code != 200 {
		t.Fatalf("readyz = %d %v", code, body)
	} else if state, reads := replicaState(body); state != "ok" || reads != "replicas" {
		t.Fatalf("readyz replica %q, reads %q; want ok, replicas", state, reads)
	}
	for _, tc := range []struct {
		name  string
		write func(b *browser) int
	}{
		{"verified", func(b *browser) int {
			code, _, _ := b.do("POST", "/track/"+replNo+"/verify", url.Values{"last4": {"8000"}})
			return code
		}},
		{"subscribed", func(b *browser) int {
			code, _, _ := b.do("POST", "/track/"+replNo+"/subscribe", url.Values{"phone": {"13800138000"}})
			return code
		}},
		{"filed", func(b *browser) int {
			code, _, _ := b.do("POST", "/track/"+replNo+"/complaint", url.Values{"category": {"lost"},
				"description": {"一直没有更新"}, "phone": {"13800138000"}, "idem": {"idem-replica-0123456789abcdef"}})
			return code
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			e.caughtUp()
			b := newBrowser(t, e.srv)
			b.do("GET", "/track/"+replNo, nil) // the CSRF cookie
			if tc.name != "verified" {
				b.do("POST", "/track/"+replNo+"/verify", url.Values{"last4": {"8000"}})
				e.caughtUp() // the verification's own write is replayed: only tc's write counts
			}
			before := e.events(nil)
			e.replay(false)
			e.addEvent() // on the primary only, before the visitor's write
			if code := tc.write(b); code != http.StatusSeeOther {
				t.Fatalf("%s: %d, want 303", tc.name, code)
			}
			if got := e.events(b); got != before+1 {
				t.Errorf("after the visitor's write they see %d events, want %d (their reads must reach their write)", got, before+1)
			}
			if got := e.events(nil); got != before {
				t.Errorf("another visitor sees %d events, want %d from the paused replica", got, before)
			}
			e.replay(true)
		})
	}
}

// Past the lag limit the replica gets no reads (they come from the primary) and /readyz
// says it lags, still 200; after replay resumes it serves again.
func TestReplicaLagFallsBackToPrimary(t *testing.T) {
	e := newReplEnv(t, time.Second)
	before := e.events(nil)
	e.replay(false)
	e.addEvent()
	e.until("lagging", func() bool { return !e.set.Serving() })
	if got := e.events(nil); got != before+1 {
		t.Errorf("with the replica lagging a lookup shows %d events, want %d from the primary", got, before+1)
	}
	code, body := e.readyz()
	if state, reads := replicaState(body); code != 200 || state != "lagging" || !strings.HasPrefix(reads, "primary") {
		t.Fatalf("readyz = %d, replica %q, reads %q; want 200, lagging, primary", code, state, reads)
	}
	e.replay(true)
	if !e.servedByReplica() {
		t.Fatal("the replica was not used again once it caught up")
	}
}

// The standby stops while lookups run: none fails (each falls back to the primary), /readyz
// says the replica is down; restarted, it serves reads again.
func TestReplicaStopsMidLoad(t *testing.T) {
	e := newReplEnv(t, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.set.Run(ctx) // the real checker, once a second
	var (
		ok, failed atomic.Int64
		stop       = make(chan struct{})
		wg         sync.WaitGroup
		firstFail  atomic.Value
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := e.srv.App.Test(httptest.NewRequest("GET", "/api/v1/track/"+replNo, nil), -1)
				if err == nil && resp.StatusCode == 200 {
					ok.Add(1)
				} else {
					failed.Add(1)
					firstFail.CompareAndSwap(nil, fmt.Sprint(err, resp))
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	for ok.Load() < 50 {
		time.Sleep(10 * time.Millisecond)
	}
	stopped := time.Now()
	testdb.StopStandby(t)
	for e.set.Serving() {
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("replica out of use %v after it stopped", time.Since(stopped).Round(time.Millisecond))
	served := ok.Load()
	for ok.Load() < served+200 {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d lookups failed while the replica stopped; first: %v", n, n+ok.Load(), firstFail.Load())
	}
	code, body := e.readyz()
	if state, reads := replicaState(body); code != 200 || state != "down" || !strings.HasPrefix(reads, "primary") {
		t.Fatalf("readyz = %d, replica %q, reads %q; want 200, down, primary", code, state, reads)
	}
	cancel()
	testdb.RestartStandby(t)
	if !e.servedByReplica() {
		t.Fatal("the restarted replica was not used again")
	}
}
