package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/customers"
	"lcrm/internal/faketwilio"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// instancesLookups is LCRM_LOOKUPS_PER_MINUTE in TestInstancesBehindHAProxy: small, so a
// burst passes it many times over.
const instancesLookups = 30

// cluster is three `lcrm serve` processes on one database behind HAProxy.
type cluster struct {
	t     *testing.T
	pool  *pgxpool.Pool
	base  string // HAProxy's frontend
	procs []*exec.Cmd
	logs  []*syncBuf
	fake  *faketwilio.Server
	hooks *receiver
	key   string // a carrier API key
}

// syncBuf collects a process's log.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) add(line string) { s.mu.Lock(); s.b.WriteString(line + "\n"); s.mu.Unlock() }
func (s *syncBuf) String() string  { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// receiver is a shipper's webhook endpoint: it counts each delivery by its event id.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]int
}

func (r *receiver) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.seen))
	for k, v := range r.seen {
		out[k] = v
	}
	return out
}

// haproxyConfig is deploy/haproxy.cfg with the test's ports: the same options, shorter
// health-check intervals.
func haproxyConfig(t *testing.T, front int, backends []int) string {
	b, err := os.ReadFile("../../deploy/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	cfg = strings.Replace(cfg, "bind :8080", fmt.Sprintf("bind 127.0.0.1:%d", front), 1)
	cfg = strings.Replace(cfg, "inter 2s fall 2 rise 2", "inter 300ms fall 2 rise 1", 1)
	servers := regexp.MustCompile(`(?m)^\s*server lcrm\d .*\n`)
	cfg = servers.ReplaceAllString(cfg, "")
	// Runs as whoever runs the test, in the foreground, with no pid file or chroot.
	cfg = regexp.MustCompile(`(?m)^\s*(user|group|chroot|daemon|pidfile|stats socket|log) .*\n`).ReplaceAllString(cfg, "")
	for i, p := range backends {
		cfg += fmt.Sprintf("    server lcrm%d 127.0.0.1:%d check\n", i+1, p)
	}
	return cfg
}

// startCluster builds the binary and starts the instances, fake Twilio, the webhook
// receiver and HAProxy, all stopped when the test ends.
func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy is not installed (apt-get install haproxy; .ci/run installs it)")
	}
	dir := t.TempDir()
	bin := os.Getenv("LCRM_INSTANCES_BIN") // another build to compare (lcrm-main)
	if bin == "" {
		bin = filepath.Join(dir, "lcrm")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	pool, dbURL := testdb.NewWithURL(t)
	c := &cluster{t: t, pool: pool}
	c.fake = faketwilio.New(t, "AC00000000000000000000000000000009", "0123456789abcdef0123456789abcdef")
	// Slow answers, as real providers give: a killed instance dies with sends in flight.
	c.fake.Latency = 300 * time.Millisecond
	c.hooks = &receiver{seen: map[string]int{}}
	c.hooks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(300 * time.Millisecond)
		c.hooks.mu.Lock()
		c.hooks.seen[r.Header.Get("Lcrm-Event-Id")]++
		c.hooks.mu.Unlock()
	}))
	t.Cleanup(c.hooks.Close)

	front := freePort(t)
	c.base = fmt.Sprintf("http://127.0.0.1:%d", front)
	ports := make([]int, n)
	for i := range ports {
		ports[i] = freePort(t)
	}
	env := append(os.Environ(), "DATABASE_URL="+dbURL, "LCRM_DATA_DIR="+filepath.Join(dir, "data"),
		"LCRM_PUBLIC_URL="+c.base, "LCRM_TRUSTED_PROXIES=127.0.0.1",
		fmt.Sprintf("LCRM_LOOKUPS_PER_MINUTE=%d", instancesLookups), "LCRM_SESSION_KEY=",
		"LCRM_2FA_REQUIRED_ROLES=none", "LCRM_DB_MAX_CONNS=4", "LCRM_LOG_LEVEL=warn",
		"TWILIO_ACCOUNT_SID="+c.fake.AccountSID, "TWILIO_AUTH_TOKEN="+c.fake.AuthToken,
		"TWILIO_FROM=+15005550006", "TWILIO_API_BASE="+c.fake.URL,
		"LCRM_SMS_QUIET=off", "LCRM_SMS_DAILY_CAP=0", "LCRM_SMS_RATE=0", "LCRM_STATUS_SMS_EVERY=300ms",
		"LCRM_WEBHOOK_ALLOW_PRIVATE=true",
		// Short leases: a killed instance's claims are taken over within seconds.
		"LCRM_SMS_LEASE=3s", "LCRM_WEBHOOK_LEASE=3s",
		// Every setting on in every instance: that is what must be safe.
		"LCRM_JOBS=true", "LCRM_SMS_DISPATCH=true", "LCRM_WEBHOOK_SEND=true")
	for i, p := range ports {
		cmd := exec.Command(bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", p))
		cmd.Env = env
		logs, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := &syncBuf{}
		go func() {
			sc := bufio.NewScanner(logs)
			for sc.Scan() {
				buf.add(sc.Text())
			}
		}()
		c.procs, c.logs = append(c.procs, cmd), append(c.logs, buf)
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("instance %d log:\n%s", i+1, buf.String())
			}
		})
	}
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(haproxyConfig(t, front, ports)), 0o644); err != nil {
		t.Fatal(err)
	}
	hp := exec.Command(haproxy, "-db", "-f", cfgPath) // -db: foreground, no daemon
	var hpLog bytes.Buffer
	hp.Stdout, hp.Stderr = &hpLog, &hpLog
	if err := hp.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		hp.Process.Kill()
		hp.Wait()
		if t.Failed() {
			t.Logf("haproxy:\n%s", hpLog.String())
		}
	})
	// Ready when each instance answers /readyz through HAProxy.
	deadline := time.Now().Add(time.Minute)
	for {
		served := map[string]bool{}
		for range 2 * n {
			if resp, err := http.Get(c.base + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					served[resp.Header.Get("X-Served-By")] = true
				}
			}
		}
		if len(served) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("instances not ready behind haproxy (%v); haproxy:\n%s\ninstance 1:\n%s", served, hpLog.String(), c.logs[0])
		}
		time.Sleep(200 * time.Millisecond)
	}
	return c
}

// parcels makes n parcels of shipper ACME, each with a subscriber, and an ACME webhook
// endpoint on the receiver; it returns their numbers.
func (c *cluster) parcels(t *testing.T, from, n int) []string {
	t.Helper()
	ctx := context.Background()
	shp := shipments.NewStore(c.pool)
	var in []shipments.NewShipment
	var nos []string
	for i := from; i < from+n; i++ {
		no := fmt.Sprintf("SD8%011d", i)
		nos = append(nos, no)
		in = append(in, shipments.NewShipment{TrackingNo: no, Shipper: customers.Shipper{Code: "ACME", Name: "Acme"},
			Consignee:  customers.Consignee{Name: "张小明", Phone: fmt.Sprintf("1380013%04d", i), Address: customers.Address{City: "北京"}},
			OriginCity: "杭州", WeightG: 100})
	}
	if _, err := shp.CreateShipments(ctx, in); err != nil {
		t.Fatal(err)
	}
	for i, no := range nos {
		d, err := shp.Get(ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		if err := shp.Subscribe(ctx, d.ID, fmt.Sprintf("1390013%04d", from+i), "zh-CN"); err != nil {
			t.Fatal(err)
		}
	}
	return nos
}

// event posts one tracking event through HAProxy, as a carrier does; it returns the
// status (0: no answer).
func (c *cluster) event(client *http.Client, no, id string, code shipments.Code) int {
	body, _ := json.Marshal(map[string]any{"events": []map[string]string{{"tracking_no": no, "event_id": id,
		"code": string(code), "occurred_at": time.Now().Format(time.RFC3339Nano), "location": "北京"}}})
	req, _ := http.NewRequest("POST", c.base+"/api/v1/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// lookup is one public tracking lookup through HAProxy from client address from; it
// returns the status (0: no answer) and the instance that answered.
func (c *cluster) lookup(client *http.Client, no, from string) (int, string) {
	req, _ := http.NewRequest("GET", c.base+"/api/v1/track/"+no, nil)
	req.Header.Set("X-Forwarded-For", from)
	resp, err := client.Do(req)
	if err != nil {
		return 0, ""
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("X-Served-By")
}

// settled waits until the outboxes hold at least sms messages and hooks deliveries, none
// of them still to send, and the fake Twilio holds as many messages as the outbox sent.
func (c *cluster) settled(t *testing.T, sms, hooks int, within time.Duration) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(within)
	for {
		var smsAll, smsOpen, sent, hooksAll, hooksOpen int
		if err := c.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status IN ('queued', 'sending')),
			count(*) FILTER (WHERE status = 'sent') FROM sms_outbox`).Scan(&smsAll, &smsOpen, &sent); err != nil {
			t.Fatal(err)
		}
		if err := c.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status IN ('pending', 'sending'))
			FROM webhook_deliveries`).Scan(&hooksAll, &hooksOpen); err != nil {
			t.Fatal(err)
		}
		if smsAll >= sms && smsOpen == 0 && hooksAll >= hooks && hooksOpen == 0 && len(c.fake.Messages()) >= sent {
			return
		}
		if time.Now().After(deadline) {
			var missing string
			c.pool.QueryRow(ctx, `SELECT string_agg(s.tracking_no || ':' || s.status || ':' ||
				(SELECT count(*) FROM tracking_events e WHERE e.shipment_id = s.id) || ':' ||
				(SELECT count(*) FROM shipment_status_changes x WHERE x.shipment_id = s.id), ' ')
				FROM shipments s WHERE NOT EXISTS (SELECT 1 FROM sms_outbox o WHERE o.shipment_id = s.id)`).Scan(&missing)
			t.Logf("parcels without an SMS (number:status:events:changes): %s", missing)
			t.Fatalf("outboxes not settled in %v: SMS %d (want %d), %d open, %d sent, %d at the fake; webhooks %d (want %d), %d open",
				within, smsAll, sms, smsOpen, sent, len(c.fake.Messages()), hooksAll, hooks, hooksOpen)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// exactlyOnce checks that the fake Twilio got every sent outbox message once, and the
// receiver every delivered webhook; it returns the webhook event ids received more than
// once.
func (c *cluster) exactlyOnce(t *testing.T) (dupHooks []string) {
	t.Helper()
	ctx := context.Background()
	var sent int
	if err := c.pool.QueryRow(ctx, `SELECT count(*) FROM sms_outbox WHERE status = 'sent'`).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	perMsg := map[string]int{}
	for _, m := range c.fake.Messages() {
		perMsg[m.To+" "+m.Body]++
	}
	for k, n := range perMsg {
		if n != 1 {
			t.Errorf("SMS sent %d times: %s", n, k)
		}
	}
	if len(c.fake.Messages()) != sent {
		t.Errorf("fake Twilio got %d messages, the outbox sent %d", len(c.fake.Messages()), sent)
	}
	rows, err := c.pool.Query(ctx, `SELECT event_id FROM webhook_deliveries WHERE status = 'delivered'`)
	if err != nil {
		t.Fatal(err)
	}
	var delivered []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		delivered = append(delivered, id)
	}
	rows.Close()
	got := c.hooks.counts()
	for _, id := range delivered {
		switch n := got[id]; {
		case n == 0:
			t.Errorf("webhook %s delivered in the outbox, never received", id)
		case n > 1:
			dupHooks = append(dupHooks, id)
		}
	}
	if len(got) != len(delivered) {
		t.Errorf("receiver got %d distinct events, the outbox delivered %d", len(got), len(delivered))
	}
	return dupHooks
}
