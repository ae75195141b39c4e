package hooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/hooks"
	"lcrm/internal/clock"
)

// verify is the receiver's check as the README shows it: the timestamp within 5 minutes
// and one v1 equal to the HMAC of "<t>.<body>" with the secret.
func verify(r *http.Request, body []byte, secret string, now time.Time) bool {
	return hooks.Verify(r.Header.Get("Lcrm-Signature"), body, secret, now, 5*time.Minute)
}

// received is one request a receiver accepted.
type received struct {
	hooks.Payload
	EventID   string
	Signature string
	ValidFor  []string // which of the receiver's secrets verified it
}

// receiver is a real HTTP server on loopback that checks every signature against its
// secrets and answers fail(n) for the n-th request (1-based), 200 otherwise.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	secrets []string
	clk     func() time.Time
	fail    func(n int, p hooks.Payload) int
	n       int
	got     []received
	bad     int
}

func newReceiver(t *testing.T, clk func() time.Time) *receiver {
	r := &receiver{clk: clk}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var p hooks.Payload
		_ = json.Unmarshal(body, &p)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.n++
		if r.fail != nil {
			if code := r.fail(r.n, p); code != 0 {
				w.WriteHeader(code)
				_, _ = w.Write([]byte("<b>down</b> " + strings.Repeat("x", 2000)))
				return
			}
		}
		rec := received{Payload: p, EventID: req.Header.Get("Lcrm-Event-Id"), Signature: req.Header.Get("Lcrm-Signature")}
		for _, s := range r.secrets {
			if verify(req, body, s, r.clk()) {
				rec.ValidFor = append(rec.ValidFor, s)
			}
		}
		if len(rec.ValidFor) == 0 || rec.EventID != p.ID {
			r.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		r.got = append(r.got, rec)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) setSecrets(s ...string) {
	r.mu.Lock()
	r.secrets = s
	r.mu.Unlock()
}

// shipper makes a shipper row and returns its id.
func shipper(t testing.TB, pool *pgxpool.Pool, code string) int64 {
	t.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(), `INSERT INTO shippers (code, name) VALUES ($1, $1) RETURNING id`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// store is a hooks store over pool on a manual clock, allowing loopback endpoints.
func store(pool *pgxpool.Pool, clk *clock.Manual) *hooks.Store {
	st := hooks.NewStore(pool)
	st.Now = clk.Now
	st.AllowPrivate = true
	return st
}

// drain runs the sender until a claim finds nothing due.
func drain(t *testing.T, d *hooks.Sender) int {
	t.Helper()
	total := 0
	for {
		n, err := d.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

func emit(t *testing.T, st *hooks.Store, pool *pgxpool.Pool, shipperID int64, typ, key, order string, data any) {
	t.Helper()
	if _, err := st.Emit(context.Background(), pool, hooks.Event{ShipperID: shipperID, Type: typ, Key: key, OrderKey: order, Data: data}); err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
