package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/hooks"
	"lcrm/shipments"
)

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
