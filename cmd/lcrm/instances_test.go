package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/hooks"
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

// TestInstancesBehindHAProxy runs three `lcrm serve` on one database behind HAProxy
// (deploy/haproxy.cfg), every instance with jobs, the SMS dispatcher and the webhook
// sender on, and checks what must hold across instances: a session and its CSRF token work
// whichever instance answers; the lookup limit is shared (a burst gets the limit through,
// not three times it); each scheduled job runs once per slot; every SMS and webhook goes
// out exactly once; and killing an instance mid-load fails no GET (HAProxy retries them)
// and loses no message.
func TestInstancesBehindHAProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three instances behind haproxy")
	}
	ctx := context.Background()
	begun := time.Now()
	c := startCluster(t, 3)
	started := time.Now() // every scheduler runs from here
	acc := accounts.NewStore(c.pool)
	const password = "correct horse battery"
	if _, err := acc.CreateUser(ctx, accounts.NewUser{Email: "admin@staff.test", Name: "管理员", Password: password, Role: accounts.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	key, _, err := acc.CreateAPIKey(ctx, "carrier", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.key = key
	first := c.parcels(t, 0, 20)
	second := c.parcels(t, 20, 20)
	cus := customers.NewStore(c.pool)
	acme, err := cus.ShipperByCode(ctx, "ACME")
	if err != nil {
		t.Fatal(err)
	}
	hs := hooks.NewStore(c.pool)
	hs.AllowPrivate = true
	if _, _, err := hs.Register(ctx, acme.ID, c.hooks.URL+"/lcrm", []string{hooks.ShipmentStatusChanged}); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}

	t.Run("session and CSRF on every instance", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		b := &http.Client{Jar: jar, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		served := map[string]map[string]bool{} // step -> instances
		do := func(step, method, path string, form url.Values) int {
			var body io.Reader
			if form != nil {
				body = strings.NewReader(form.Encode())
			}
			req, _ := http.NewRequest(method, c.base+path, body)
			if form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := b.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if served[step] == nil {
				served[step] = map[string]bool{}
			}
			served[step][resp.Header.Get("X-Served-By")] = true
			return resp.StatusCode
		}
		do("login page", "GET", "/login", nil)
		u, _ := url.Parse(c.base)
		csrf := ""
		for _, ck := range jar.Cookies(u) {
			if ck.Name == "lcrm_csrf" {
				csrf = ck.Value
			}
		}
		if code := do("login", "POST", "/login", url.Values{"email": {"admin@staff.test"}, "password": {password}, "_csrf": {csrf}}); code != 303 {
			t.Fatalf("login: %d", code)
		}
		// Each step again until every instance has answered it (round robin: a few tries).
		steps := []struct {
			name, method, path string
			form               url.Values
			want               int
		}{
			{"page", "GET", "/console/desk", nil, 200},
			{"post", "POST", "/console/desk/seen", url.Values{"_csrf": {csrf}}, 303},
			{"forged", "POST", "/console/desk/seen", url.Values{"_csrf": {"forged"}}, 403},
		}
		for _, st := range steps {
			for i := 0; i < 20 && len(served[st.name]) < 3; i++ {
				if code := do(st.name, st.method, st.path, st.form); code != st.want {
					t.Errorf("%s %s (%s), try %d: %d, want %d", st.method, st.path, st.name, i, code, st.want)
				}
			}
			if len(served[st.name]) != 3 {
				t.Errorf("%s answered by %v, want all three instances", st.name, served[st.name])
			}
		}
	})

	t.Run("lookup limit shared", func(t *testing.T) {
		// One window of the limit: not across a minute's end.
		if s := time.Now().Second(); s > 50 {
			time.Sleep(time.Duration(61-s) * time.Second)
		}
		const tried = 4 * instancesLookups
		var ok, limited atomic.Int32
		var wg sync.WaitGroup
		var mu sync.Mutex
		served := map[string]int{}
		start := make(chan struct{})
		for i := 0; i < tried; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				code, by := c.lookup(client, first[i%len(first)], "203.0.113.77")
				switch code {
				case 200:
					ok.Add(1)
				case 429:
					limited.Add(1)
				default:
					t.Errorf("lookup: %d", code)
				}
				if code == 200 {
					mu.Lock()
					served[by]++
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		// Each instance reserves shares of ceil(30/20) = 2: at most one unused in each
		// of the other two, so 28 to 30 get through.
		t.Logf("lookup burst: %d at once through 3 instances, %d allowed (limit %d per minute), %d refused; allowed by instance %v",
			tried, ok.Load(), instancesLookups, limited.Load(), served)
		if n := int(ok.Load()); n > instancesLookups || n < instancesLookups-2 {
			t.Errorf("%d lookups allowed over three instances, want %d (at least %d)", n, instancesLookups, instancesLookups-2)
		}
	})

	t.Run("messages once", func(t *testing.T) {
		for i, no := range first {
			for range 2 { // carriers resend: the event key makes it one change
				if code := c.event(client, no, fmt.Sprintf("ofd-%d", i), shipments.OutForDelivery); code/100 != 2 {
					t.Fatalf("POST /api/v1/events: %d", code)
				}
			}
		}
		c.settled(t, len(first), len(first), 20*time.Second)
		if dups := c.exactlyOnce(t); len(dups) > 0 {
			t.Errorf("webhooks received twice with no instance stopped: %v", dups)
		}
		if got := len(c.fake.Messages()); got < len(first) {
			t.Errorf("%d SMS for %d status changes with a subscriber each", got, len(first))
		}
	})

	t.Run("kill one instance mid-load", func(t *testing.T) {
		var gets, getFail, posts, postFail atomic.Int32
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var failMu sync.Mutex
		var fails []string
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if w%2 == 0 { // idempotent POSTs: the events of the second batch, again and again
						k := (i*3 + w) % len(second)
						posts.Add(1)
						if code := c.event(client, second[k], fmt.Sprintf("ofd-%d", 20+k), shipments.OutForDelivery); code/100 != 2 {
							postFail.Add(1)
							failMu.Lock()
							fails = append(fails, fmt.Sprintf("POST %d", code))
							failMu.Unlock()
						}
						continue
					}
					gets.Add(1) // GET lookups, each from its own address (under the limit)
					from := fmt.Sprintf("198.18.%d.%d", w, i%250+1)
					if code, _ := c.lookup(client, first[i%len(first)], from); code != 200 {
						getFail.Add(1)
						failMu.Lock()
						fails = append(fails, fmt.Sprintf("GET %d", code))
						failMu.Unlock()
					}
				}
			}()
		}
		time.Sleep(700 * time.Millisecond) // the second batch's messages are on their way
		victim := c.procs[1]
		victim.Process.Kill() // kill -9: no shutdown, claims left as they are
		killed := time.Now()
		time.Sleep(3 * time.Second)
		close(stop)
		wg.Wait()
		t.Logf("load with instance 2 killed at 0.7 s: %d GETs (%d failed), %d idempotent POSTs (%d failed) in %v; failures %v",
			gets.Load(), getFail.Load(), posts.Load(), postFail.Load(), time.Since(killed)+700*time.Millisecond, fails)
		if getFail.Load() > 0 {
			t.Errorf("%d GETs failed: HAProxy should have retried them on a live instance", getFail.Load())
		}
		// A POST HAProxy cannot replay is failed back; the carrier resends it (the event
		// key makes that safe), so every event does arrive.
		for i, no := range second {
			if code := c.event(client, no, fmt.Sprintf("ofd-%d", 20+i), shipments.OutForDelivery); code/100 != 2 {
				t.Fatalf("POST /api/v1/events after the kill: %d", code)
			}
		}
		c.settled(t, len(first)+len(second), len(first)+len(second), 25*time.Second)
		dups := c.exactlyOnce(t)
		// A webhook in flight when its sender died is sent again after the lease (at least
		// once, by design: receivers dedupe by Lcrm-Event-Id); only those may repeat.
		for _, id := range dups {
			var attempts int
			c.pool.QueryRow(ctx, `SELECT attempts FROM webhook_deliveries WHERE event_id = $1`, id).Scan(&attempts)
			if attempts < 2 {
				t.Errorf("webhook %s received twice but attempted once", id)
			}
		}
		var smsTakenOver, hooksTakenOver int
		c.pool.QueryRow(ctx, `SELECT count(*) FROM sms_outbox WHERE attempts > 1`).Scan(&smsTakenOver)
		c.pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE attempts > 1`).Scan(&hooksTakenOver)
		t.Logf("after the kill: %d SMS and %d webhooks claimed more than once; %d webhooks received twice (at least once)",
			smsTakenOver, hooksTakenOver, len(dups))
	})

	t.Run("each scheduled job once per slot", func(t *testing.T) {
		// complaint-escalations runs every minute: wait for a minute's start after all
		// three schedulers started, if the test has not crossed one yet (the one wait of
		// this test that may reach tens of seconds).
		boundary := started.Truncate(time.Minute).Add(time.Minute)
		if d := time.Until(boundary.Add(3 * time.Second)); d > 0 {
			time.Sleep(d)
		}
		var runs, slots int
		deadline := time.Now().Add(10 * time.Second)
		for {
			if err := c.pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT slot) FROM job_runs
				WHERE job = 'complaint-escalations' AND trigger = 'schedule'`).Scan(&runs, &slots); err != nil {
				t.Fatal(err)
			}
			if runs > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if runs == 0 {
			t.Fatal("complaint-escalations never ran on its schedule")
		}
		rows, err := c.pool.Query(ctx, `SELECT job, slot, count(*), string_agg(instance, ' ') FROM job_runs
			WHERE trigger = 'schedule' GROUP BY job, slot HAVING count(*) > 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var job, instances string
			var slot time.Time
			var n int
			rows.Scan(&job, &slot, &n, &instances)
			t.Errorf("job %s ran %d times in slot %v (%s)", job, n, slot, instances)
		}
		var total, distinct int
		c.pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT (job, slot)) FROM job_runs WHERE trigger = 'schedule'`).Scan(&total, &distinct)
		t.Logf("scheduled runs: %d in %d (job, slot) pairs; complaint-escalations %d runs in %d slots", total, distinct, runs, slots)
	})
	t.Logf("took %v (%v with the build)", time.Since(started).Round(time.Second), time.Since(begun).Round(time.Second))
}
