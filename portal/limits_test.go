package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/complaints"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
)

// limitEnv is a portal with the limiter and the complaints store over a fresh database, two
// parcels (SD100000000001: consignee phone ends 8000, shipper 6666; SD100000000002), and
// app.Test's peer (0.0.0.0) as a trusted proxy, so each request's X-Forwarded-For names
// its client address.
type limitEnv struct {
	*env
	cs *complaints.Store
}

func newLimitEnv(t *testing.T, proxies ...string) *limitEnv {
	t.Helper()
	e := newEnv(t)
	e.do("POST", "/api/v1/shipments", e.key, map[string]any{"shipments": []any{shipmentJSON("SD100000000001"), shipmentJSON("SD100000000002")}}, nil)
	pool := e.shp.Pool()
	cs := complaints.NewStore(pool)
	if proxies == nil {
		proxies = []string{"0.0.0.0"}
	}
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Complaints: cs, Limiter: midWindowLimiter(pool)},
		portal.Config{PublicURL: "http://lcrm.test", TrustedProxies: proxies})
	srv := e.srv
	t.Cleanup(func() { srv.Shutdown(time.Second) })
	return &limitEnv{env: e, cs: cs}
}

// midWindowLimiter is a limiter whose clock runs at wall speed but starts at minute 30,
// second 30 of an hour: a test's burst never straddles the end of a minute or hour window,
// where fixed windows rightly allow a second limit's worth (a burst at 13:45:00 once got
// 120 lookups through a limit of 60, half in each minute).
func midWindowLimiter(pool *pgxpool.Pool) *ratelimit.Limiter {
	l := ratelimit.New(pool)
	now := time.Now()
	shift := 30*time.Minute + 30*time.Second - now.Sub(now.Truncate(time.Hour))
	l.Now = func() time.Time { return time.Now().Add(shift) }
	return l
}

// answer is what one request of a burst got back.
type answer struct {
	status         int
	location, body string
	retryAfter     string
}

// request builds a request from client address ip; a form gets the CSRF token.
func request(method, path, ip string, form url.Values, cookies map[string]string) *http.Request {
	var body io.Reader
	if form != nil {
		form.Set("_csrf", testCSRF)
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", ip)
	req.AddCookie(&http.Cookie{Name: "lcrm_csrf", Value: testCSRF})
	for k, v := range cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	return req
}

// burst sends n requests through app.Test all at once (every goroutine waits for one
// signal) and returns the answers in request order.
func burst(t *testing.T, srv *portal.Server, n int, req func(i int) *http.Request) []answer {
	t.Helper()
	out := make([]answer, n)
	reqs := make([]*http.Request, n)
	for i := range reqs {
		reqs[i] = req(i)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := srv.App.Test(reqs[i], -1)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			out[i] = answer{resp.StatusCode, resp.Header.Get("Location"), string(raw), resp.Header.Get("Retry-After")}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// ipOf is a distinct client address per i.
func ipOf(i int) string { return fmt.Sprintf("198.51.%d.%d", i/250, 1+i%250) }

// 1,000 simultaneous guesses of one parcel's last 4 digits, each from its own address:
// at most 5 wrong ones are ever checked, and the others are refused with Retry-After.
func TestVerifyBurst(t *testing.T) {
	t.Parallel()
	e := newLimitEnv(t)
	const tried = 1000
	got := burst(t, e.srv, tried, func(i int) *http.Request {
		guess := fmt.Sprintf("%04d", i) // 0000-0999: all wrong, but for the right one below
		if i == 500 {
			guess = "8000"
		}
		return request("POST", "/track/SD100000000001/verify", ipOf(i), url.Values{"last4": {guess}}, nil)
	})
	wrong, right, refused := 0, 0, 0
	for _, a := range got {
		switch {
		case a.status == 303 && strings.HasSuffix(a.location, "?vf=1"):
			wrong++
		case a.status == 303:
			right++
		case a.status == 429 && a.retryAfter != "":
			refused++
		default:
			t.Errorf("answer %+v", a)
		}
	}
	t.Logf("verify burst: %d tried, %d wrong checked, %d right, %d refused", tried, wrong, right, refused)
	if wrong > 5 || wrong+right+refused != tried {
		t.Errorf("%d simultaneous guesses: %d wrong answers checked, want at most 5", tried, wrong)
	}
	// The limit is the parcel's: another address with the right answer is refused now too.
	if a := burst(t, e.srv, 1, func(int) *http.Request {
		return request("POST", "/track/SD100000000001/verify", "203.0.113.50", url.Values{"last4": {"8000"}}, nil)
	}); a[0].status != 429 {
		t.Errorf("right answer after the burst = %d, want 429", a[0].status)
	}
}

// Right answers are not held against the person who typed them; wrong ones are.
func TestVerifyRightAnswersFree(t *testing.T) {
	t.Parallel()
	e := newLimitEnv(t)
	send := func(guess string) answer {
		return burst(t, e.srv, 1, func(int) *http.Request {
			return request("POST", "/track/SD100000000001/verify", "203.0.113.7", url.Values{"last4": {guess}}, nil)
		})[0]
	}
	for i := 0; i < 30; i++ { // more right answers than either limit
		if a := send([]string{"8000", "6666"}[i%2]); a.status != 303 || strings.Contains(a.location, "vf=1") {
			t.Fatalf("right answer %d: %+v", i+1, a)
		}
	}
	for i := 0; i < 5; i++ {
		if a := send("1234"); a.status != 303 || !strings.Contains(a.location, "vf=1") {
			t.Fatalf("wrong answer %d: %+v", i+1, a)
		}
	}
	if a := send("8000"); a.status != 429 {
		t.Errorf("after 5 wrong answers: %d, want 429", a.status)
	}
}

// One address may give at most 20 answers an hour over all numbers together, parcels and
// complaints alike, however they arrive.
func TestAnswersPerAddress(t *testing.T) {
	t.Parallel()
	e := newLimitEnv(t)
	const tried = 100
	got := burst(t, e.srv, tried, func(i int) *http.Request {
		no := fmt.Sprintf("SD9%011d", i%25) // 25 numbers, 4 guesses each: under each number's 5
		return request("POST", "/track/"+no+"/verify", "203.0.113.8", url.Values{"last4": {"1234"}}, nil)
	})
	checked := 0
	for _, a := range got {
		if a.status == 303 {
			checked++
		} else if a.status != 429 {
			t.Errorf("answer %+v", a)
		}
	}
	t.Logf("answers per address burst: %d tried over 25 numbers, %d checked", tried, checked)
	if checked > 20 {
		t.Errorf("%d answers from one address over 25 numbers: %d checked, want at most 20", tried, checked)
	}
	// The complaint lookup shares the address's count; another address is not limited.
	for ip, want := range map[string]int{"203.0.113.8": 429, "203.0.113.9": 422} {
		a := burst(t, e.srv, 1, func(int) *http.Request {
			return request("POST", "/complaint/lookup", ip, url.Values{"ref": {"C2611-000123"}, "last4": {"1234"}}, nil)
		})[0]
		if a.status != want {
			t.Errorf("complaint lookup from %s = %d, want %d", ip, a.status, want)
		}
	}
}

// 1,000 simultaneous reference + last-4 guesses of one complaint: at most 5 checked.
func TestComplaintLookupBurst(t *testing.T) {
	t.Parallel()
	e := newLimitEnv(t)
	d, err := e.shp.Get(context.Background(), "SD100000000001")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := e.cs.File(context.Background(), complaints.Filing{ShipmentID: d.ID, Category: complaints.Delayed,
		Description: "三天没有动静", ContactPhone: "13900139000"})
	if err != nil {
		t.Fatal(err)
	}
	spellings := []string{cp.Ref, strings.ToLower(cp.Ref), strings.ReplaceAll(cp.Ref, "-", " "), strings.ReplaceAll(cp.Ref, "-", "")}
	const tried = 1000
	got := burst(t, e.srv, tried, func(i int) *http.Request {
		guess := fmt.Sprintf("%04d", i)
		if i == 700 {
			guess = "9000"
		}
		return request("POST", "/complaint/lookup", ipOf(i), url.Values{"ref": {spellings[i%4]}, "last4": {guess}}, nil)
	})
	wrong, right, refused := 0, 0, 0
	for _, a := range got {
		switch {
		case a.status == 422:
			wrong++
		case a.status == 303:
			right++
		case a.status == 429 && a.retryAfter != "":
			refused++
		default:
			t.Errorf("answer %d %q", a.status, a.location)
		}
	}
	t.Logf("complaint lookup burst: %d tried, %d wrong checked, %d right, %d refused", tried, wrong, right, refused)
	if wrong > 5 {
		t.Errorf("%d simultaneous guesses: %d wrong answers checked, want at most 5", tried, wrong)
	}
	// A mistyped reference (check symbol) is said to be mistyped and costs no answer.
	typo := []byte(cp.Ref)
	typo[len(typo)-1] = map[bool]byte{true: '1', false: '2'}[typo[len(typo)-1] != '1']
	a := burst(t, e.srv, 1, func(int) *http.Request {
		return request("POST", "/complaint/lookup", "203.0.113.60", url.Values{"ref": {string(typo)}, "last4": {"9000"}}, nil)
	})[0]
	if a.status != 422 || !strings.Contains(a.body, "投诉单号有误") {
		t.Errorf("mistyped reference = %d, want 422 with the typo message", a.status)
	}
}

// Lookups count per number: a 20-number query is 20 lookups. The JSON API is limited the
// same way, with Retry-After and a JSON error.
func TestLookupLimits(t *testing.T) {
	t.Parallel()
	e := newLimitEnv(t)
	var twenty []string
	for i := 0; i < 20; i++ {
		twenty = append(twenty, fmt.Sprintf("SD1000000000%02d", i))
	}
	q := "/track?q=" + url.QueryEscape(strings.Join(twenty, " "))
	for i, want := range []int{200, 200, 200, 429} {
		a := burst(t, e.srv, 1, func(int) *http.Request { return request("GET", q, "203.0.113.20", nil, nil) })[0]
		if a.status != want || (want == 429 && a.retryAfter == "") {
			t.Errorf("20-number query %d = %d (Retry-After %q), want %d", i+1, a.status, a.retryAfter, want)
		}
	}
	// The pages and the API share one count per address.
	if a := burst(t, e.srv, 1, func(int) *http.Request {
		return request("GET", "/api/v1/track/SD100000000001", "203.0.113.20", nil, nil)
	})[0]; a.status != 429 {
		t.Errorf("API after 60 page lookups = %d, want 429", a.status)
	}
	const tried = 600
	got := burst(t, e.srv, tried, func(i int) *http.Request {
		return request("GET", "/api/v1/track/SD10000000000"+fmt.Sprint(1+i%2), "203.0.113.21", nil, nil)
	})
	ok := 0
	for _, a := range got {
		switch a.status {
		case 200:
			ok++
		case 429:
			var body apiErr
			if err := json.Unmarshal([]byte(a.body), &body); err != nil || body.Error.Code != "rate_limited" || a.retryAfter == "" {
				t.Errorf("429 answer: %q, Retry-After %q", a.body, a.retryAfter)
			}
		default:
			t.Errorf("status %d", a.status)
		}
	}
	t.Logf("API burst: %d tried, %d answered (limit 60 per minute)", tried, ok)
	if ok > 60 {
		t.Errorf("%d simultaneous API lookups: %d answered, want at most 60", tried, ok)
	}
}

// Through a real listener: with the test client as the trusted proxy, a random
// X-Forwarded-For value per request (what an attacker sends; the proxy appends the address
// it saw) gets no more than the limit. Without trusting the peer, the header is ignored.
func TestForgedForwardedFor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		proxies []string
		xff     func(i int) string
	}{
		{"trusted proxy appends the client", []string{"127.0.0.1"}, func(i int) string { return ipOf(i) + ", 203.0.113.77" }},
		{"trusted proxies in a chain", []string{"127.0.0.0/8", "10.0.0.0/8"}, func(i int) string { return ipOf(i) + ", 203.0.113.77, 10.0.0.2" }},
		{"untrusted peer", []string{"10.0.0.0/8"}, func(i int) string { return ipOf(i) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newLimitEnv(t, c.proxies...)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go e.srv.App.Listener(ln)
			const tried = 300
			client := &http.Client{Timeout: 30 * time.Second}
			start := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok := 0
			for i := 0; i < tried; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/track/SD100000000001", nil)
					req.Header.Set("X-Forwarded-For", c.xff(i))
					<-start
					resp, err := client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mu.Lock()
					if resp.StatusCode == 200 {
						ok++
					}
					mu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			t.Logf("forged X-Forwarded-For (%s): %d tried, %d answered (limit 60)", c.name, tried, ok)
			if ok > 60 {
				t.Errorf("%d requests with a random X-Forwarded-For each: %d answered, want at most 60", tried, ok)
			}
		})
	}
}

// 40 simultaneous filings about one parcel from a verified browser: 3 are filed.
func TestComplaintFilingBurst(t *testing.T) {
	t.Parallel()
	e := newLimitEnv(t)
	resp, err := e.srv.App.Test(request("POST", "/track/SD100000000001/verify", "203.0.113.30", url.Values{"last4": {"8000"}}, nil), -1)
	if err != nil || resp.StatusCode != 303 || strings.Contains(resp.Header.Get("Location"), "vf=1") {
		t.Fatalf("verify: %v %v", resp, err)
	}
	cookies := map[string]string{}
	for _, ck := range resp.Cookies() {
		cookies[ck.Name] = ck.Value
	}
	const tried = 40
	got := burst(t, e.srv, tried, func(i int) *http.Request {
		return request("POST", "/track/SD100000000001/complaint", "203.0.113.30", url.Values{"category": {"delayed"},
			"description": {"三天没有动静"}, "phone": {"13800138000"}, "idem": {fmt.Sprintf("burst-token-%08d", i)}}, cookies)
	})
	filed, refused := 0, 0
	for _, a := range got {
		switch {
		case a.status == 303 && strings.HasSuffix(a.location, "/filed"):
			filed++
		case a.status == 429 && strings.Contains(a.body, "已提交 3 条投诉"):
			refused++
		default:
			t.Errorf("answer %d %q", a.status, a.location)
		}
	}
	t.Logf("complaint filing burst: %d tried, %d filed, %d refused", tried, filed, refused)
	if filed != complaints.MaxFilingsPerDay {
		t.Errorf("%d simultaneous filings: %d filed, want %d", tried, filed, complaints.MaxFilingsPerDay)
	}
}

// Every answer is counted before it is compared. The test holds the parcel's (and the
// complaint's) counter row locked while a burst of answers, the right one among them,
// arrives: counting first, no answer can be compared, so nothing may come back before the
// lock is released. (The old code read the count, compared, and counted only wrong answers
// afterwards: the right answer came back at once, unlocked.)
func TestAnswersCountedBeforeChecked(t *testing.T) {
	t.Parallel()
	e := newLimitEnv(t)
	ctx := context.Background()
	d, err := e.shp.Get(ctx, "SD100000000001")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := e.cs.File(ctx, complaints.Filing{ShipmentID: d.ID, Category: complaints.Delayed,
		Description: "三天没有动静", ContactPhone: "13900139000"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, key string
		req       func(i int) *http.Request
	}{
		{"verify", "verify:SD100000000001", func(i int) *http.Request {
			guess := map[bool]string{true: "8000", false: fmt.Sprintf("%04d", i)}[i%10 == 0]
			return request("POST", "/track/SD100000000001/verify", ipOf(i), url.Values{"last4": {guess}}, nil)
		}},
		{"complaint lookup", "complaint:" + cp.Ref, func(i int) *http.Request {
			guess := map[bool]string{true: "9000", false: fmt.Sprintf("%04d", i)}[i%10 == 0]
			return request("POST", "/complaint/lookup", ipOf(i), url.Values{"ref": {cp.Ref}, "last4": {guess}}, nil)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx, err := e.shp.Pool().Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			now := time.Now().Truncate(time.Hour)
			for _, w := range []time.Time{now, now.Add(time.Hour)} { // this hour and, near its end, the next
				if _, err := tx.Exec(ctx, `INSERT INTO rate_counters (key, window_start, count) VALUES ($1, $2, 0)
					ON CONFLICT (key, window_start) DO UPDATE SET count = 0`, c.key, w); err != nil {
					t.Fatal(err)
				}
			}
			const tried = 50
			done := make(chan answer, tried)
			for i := 0; i < tried; i++ {
				go func() {
					resp, err := e.srv.App.Test(c.req(i), -1)
					if err != nil {
						t.Error(err)
						done <- answer{}
						return
					}
					resp.Body.Close()
					done <- answer{status: resp.StatusCode, location: resp.Header.Get("Location")}
				}()
			}
			select {
			case a := <-done:
				t.Fatalf("an answer came back while its counter was locked: %d %q", a.status, a.location)
			case <-time.After(time.Second):
			}
			if err := tx.Commit(ctx); err != nil { // counters at 0, lock released
				t.Fatal(err)
			}
			wrong := 0
			for i := 0; i < tried; i++ {
				if a := <-done; (a.status == 303 && strings.Contains(a.location, "vf=1")) || a.status == 422 {
					wrong++
				}
			}
			if wrong > 5 {
				t.Errorf("%d wrong answers checked, want at most 5", wrong)
			}
		})
	}
}

// IPv6 addresses of one /64 (what one subscriber line gets) share one client's limits.
func TestIPv6SharesSlash64(t *testing.T) {
	t.Parallel()
	e := newLimitEnv(t)
	const tried = 200
	got := burst(t, e.srv, tried, func(i int) *http.Request {
		return request("GET", "/api/v1/track/SD100000000001", fmt.Sprintf("2001:db8:1:2:%x::%x", i, i+1), nil, nil)
	})
	ok := 0
	for _, a := range got {
		if a.status == 200 {
			ok++
		}
	}
	t.Logf("IPv6 /64 burst: %d tried from %d addresses, %d answered", tried, tried, ok)
	if ok > 60 {
		t.Errorf("%d lookups from one /64: %d answered, want at most 60", tried, ok)
	}
	other := burst(t, e.srv, 1, func(int) *http.Request {
		return request("GET", "/api/v1/track/SD100000000001", "2001:db8:1:3::1", nil, nil)
	})[0]
	if other.status != 200 {
		t.Errorf("another /64 = %d, want 200", other.status)
	}
}
