package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/testdb"
	"lcrm/portal"
	"lcrm/shipments"
)

// logBuffer collects a server's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the log lines with msg.
func (b *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// reqEnv is a portal with short deadlines whose log lines are kept.
type reqEnv struct {
	t    *testing.T
	pool *pgxpool.Pool
	srv  *portal.Server
	log  *logBuffer
	acc  *accounts.Store
}

func newReqEnv(t *testing.T, request, download time.Duration) *reqEnv {
	t.Helper()
	pool := testdb.New(t)
	e := &reqEnv{t: t, pool: pool, log: &logBuffer{}, acc: accounts.NewStore(pool)}
	e.srv = portal.New(portal.Deps{Shipments: shipments.NewStore(pool), Customers: customers.NewStore(pool), Accounts: e.acc,
		Log: slog.New(slog.NewJSONHandler(e.log, nil))},
		portal.Config{PublicURL: "http://lcrm.test", RequestTimeout: request, DownloadTimeout: download})
	return e
}

// send sends a request with headers (pairs) and waits at most 5 s for the answer.
func (e *reqEnv) send(method, path string, headers ...string) (*http.Response, string, time.Duration) {
	e.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	resp, err := e.srv.App.Test(req, 5000)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body), time.Since(start)
}

// lockShipments holds an exclusive lock on the shipments table, so every statement that
// reads it waits, until the returned function (also run at cleanup) lets go.
func (e *reqEnv) lockShipments() func() {
	e.t.Helper()
	tx, err := e.pool.Begin(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := tx.Exec(context.Background(), `LOCK TABLE shipments IN ACCESS EXCLUSIVE MODE`); err != nil {
		e.t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { _ = tx.Rollback(context.Background()) }) }
	e.t.Cleanup(release)
	return release
}

// waiting counts statements waiting for a lock, other than the test's own.
func (e *reqEnv) waiting() int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A request whose statement is stuck is answered 503 at its deadline, translated, with
// the request id; the statement is cancelled in PostgreSQL, not left waiting; and the
// log lines of that request carry its id.
func TestRequestDeadline(t *testing.T) {
	e := newReqEnv(t, 300*time.Millisecond, 5*time.Second)
	release := e.lockShipments()
	resp, body, took := e.send("GET", "/track/SD300000000001", "X-Request-ID", "slow-1")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "处理时间过长") {
		t.Fatalf("stuck request: %d retry-after %q, body %.300s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if took > 2*time.Second {
		t.Errorf("answered after %v, deadline 300ms", took)
	}
	t.Logf("stuck request answered 503 after %v (deadline 300ms)", took)
	if got := resp.Header.Get("X-Request-ID"); got != "slow-1" {
		t.Errorf("X-Request-ID = %q", got)
	}
	// The statement is gone from the server while the lock is still held.
	deadline := time.Now().Add(2 * time.Second)
	for e.waiting() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d statements still waiting for the lock after the request was answered", e.waiting())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A burst larger than the pool (20): those waiting for a connection run out of time
	// too, and every one is a 503 at about the deadline, none a 500 or a hang.
	const burst = 30
	codes := make([]int, burst)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.srv.App.Test(httptest.NewRequest("GET", "/track/SD300000000001", nil), 5000)
			if err != nil {
				codes[i] = -1
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	burstTook := time.Since(start)
	for i, c := range codes {
		if c != http.StatusServiceUnavailable {
			t.Errorf("burst request %d: %d, want 503", i, c)
		}
	}
	t.Logf("%d concurrent stuck requests: all answered within %v", burst, burstTook)
	for deadline := time.Now().Add(2 * time.Second); e.waiting() != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d statements still waiting for the lock after the burst", e.waiting())
		}
	}
	// The API says the same in JSON, in English.
	resp, body, _ = e.send("GET", "/api/v1/track/SD300000000001")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"timeout"`) || !strings.Contains(body, "took too long") {
		t.Errorf("API: %d %s", resp.StatusCode, body)
	}
	var found bool
	for _, l := range e.log.lines(t, "request out of time: answering 503") {
		found = found || l["request_id"] == "slow-1"
	}
	if !found {
		t.Errorf("no timeout line with the request id in %s", e.log)
	}
	found = false
	for _, l := range e.log.lines(t, "request") {
		if l["request_id"] == "slow-1" {
			found = l["level"] == "INFO" && l["status"] == float64(503) && l["method"] == "GET" && l["path"] == "/track/SD300000000001"
		}
	}
	if !found {
		t.Errorf("no access log line for slow-1 at info with status 503 in %s", e.log)
	}
	// Once the lock is gone the same page answers again: the pool came through.
	release()
	if resp, _, _ := e.send("GET", "/track/SD300000000001"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after the lock: %d, want 404 (no such parcel)", resp.StatusCode)
	}
}

// Workbook downloads get the longer deadline: the same wait that stops a page lets an
// export finish.
func TestRequestDeadlineDownload(t *testing.T) {
	e := newReqEnv(t, 300*time.Millisecond, 10*time.Second)
	ctx := context.Background()
	res, err := shipments.NewStore(e.pool).CreateShipments(ctx, []shipments.NewShipment{{TrackingNo: "SD300000000001",
		Shipper: *testShipper("ACME"), ServiceLevel: shipments.Express, OriginCity: "杭州", WeightG: 1000,
		Consignee: customers.Consignee{Name: "张三", Phone: "13800138000", Address: customers.Address{Province: "北京市", City: "北京", Street: "望京街10号"}}}})
	if err != nil || res[0].Status != shipments.ResultCreated {
		t.Fatalf("create: %+v %v", res, err)
	}
	sh, err := customers.NewStore(e.pool).ShipperByCode(ctx, "ACME")
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.acc.CreateUser(ctx, accounts.NewUser{Email: "ops@acme.test", Name: "Acme Ops", Password: "correct horse battery",
		Role: accounts.RoleShipper, ShipperID: sh.ID})
	if err != nil {
		t.Fatal(err)
	}
	sid, err := e.acc.StartSession(ctx, u.ID, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	release := e.lockShipments()
	timer := time.AfterFunc(800*time.Millisecond, release)
	defer timer.Stop()
	resp, body, took := e.send("GET", "/shipper/export.xlsx", "Cookie", "lcrm_session="+sid)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "PK") {
		t.Fatalf("export waiting 800ms: %d after %v, %.200q", resp.StatusCode, took, body)
	}
	if took < 700*time.Millisecond {
		t.Errorf("export answered after %v: it never waited for the lock", took)
	}
	t.Logf("export waited for the lock and answered 200 after %v (request deadline 300ms)", took)
}

// The request id: a sane one from the client is kept, anything else replaced by a new one,
// and it is on the response and on every log line of the request.
func TestRequestID(t *testing.T) {
	e := newReqEnv(t, 0, 0)
	long := strings.Repeat("a", 65)
	for _, tc := range []struct {
		in   string
		keep bool
	}{
		{"abc-123_X.y", true},
		{strings.Repeat("b", 64), true},
		{"", false},
		{long, false},
		{"two words", false},
		{`x" level=ERROR msg="forged`, false},
		{"id\r\nX-Evil: 1", false},
		{"编号", false},
	} {
		resp, _, _ := e.send("GET", "/healthz", "X-Request-ID", tc.in)
		got := resp.Header.Get("X-Request-ID")
		if tc.keep && got != tc.in {
			t.Errorf("%q came back as %q", tc.in, got)
		}
		if !tc.keep && (got == tc.in || len(got) != 16 || strings.ContainsAny(got, " \"\r\n=")) {
			t.Errorf("%q: id %q, want a new one", tc.in, got)
		}
		var n int
		for _, l := range e.log.lines(t, "request") {
			if l["request_id"] == got {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q: %d access log lines with id %q, want 1", tc.in, n, got)
		}
	}
	// Two requests without an id get different ones.
	a, _, _ := e.send("GET", "/healthz")
	b, _, _ := e.send("GET", "/healthz")
	if a.Header.Get("X-Request-ID") == b.Header.Get("X-Request-ID") {
		t.Error("two requests got the same id")
	}
	// An unexpected failure is logged at error with the request's id.
	if _, err := e.pool.Exec(context.Background(), `ALTER TABLE shipments RENAME TO shipments_gone`); err != nil {
		t.Fatal(err)
	}
	if resp, _, _ := e.send("GET", "/track/SD300000000001", "X-Request-ID", "broken-1"); resp.StatusCode != 500 {
		t.Fatalf("missing table: %d", resp.StatusCode)
	}
	var found bool
	for _, l := range e.log.lines(t, "request failed") {
		found = found || (l["request_id"] == "broken-1" && l["level"] == "ERROR")
	}
	if !found {
		t.Errorf("no error line with the request id in %s", e.log)
	}
}

// Secrets in paths and queries never reach the access log: the survey link's token, the
// reset code, tokens and phone digits in the query.
func TestAccessLogHidesSecrets(t *testing.T) {
	e := newReqEnv(t, 0, 0)
	const token = "Sv7Token0123456789abcdefXYZ"
	for _, r := range []struct{ method, path string }{
		{"GET", "/survey/" + token},
		{"GET", "/SURVEY/" + token},
		{"GET", "/survey/" + token + "/thanks"},
		{"POST", "/survey/" + token},
		{"GET", "/survey//" + token},
		{"GET", "/password/reset?token=" + token + "&code=481516"},
		{"GET", "/track/SD300000000001?last4=8000&password=" + token},
	} {
		e.send(r.method, r.path)
	}
	logged := e.log.String()
	for _, secret := range []string{token, "481516", "8000"} {
		if strings.Contains(logged, secret) {
			t.Errorf("the log holds %q:\n%s", secret, logged)
		}
	}
	paths := map[string]int{}
	for _, l := range e.log.lines(t, "request") {
		paths[l["path"].(string)]++
	}
	if paths["/survey/…"] != 4 || paths["/survey/…/thanks"] != 1 || paths["/password/reset"] != 1 || paths["/track/SD300000000001"] != 1 {
		t.Errorf("logged paths %v", paths)
	}
}
