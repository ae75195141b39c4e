//go:build load

package portal_test

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
)

// TestReplicaLookupLatency compares one client's tracking-API lookup latency read from the
// streaming standby with the same lookup read from the primary (both servers on this
// machine, so it shows the cost of the routing, not a replica's extra capacity),
// interleaved over rounds: go test -tags load -run TestReplicaLookupLatency ./portal -v
func TestReplicaLookupLatency(t *testing.T) {
	e := newReplEnv(t, 5*time.Second)
	primaryOnly := portal.New(portal.Deps{Shipments: e.shp, Customers: customers.NewStore(e.shp.Pool()), Accounts: e.acc,
		Limiter: ratelimit.New(e.shp.Pool())}, portal.Config{PublicURL: "http://lcrm.test", LookupsPerMinute: 1_000_000})
	n := 2000
	run := func(srv *portal.Server) (p50, p99 time.Duration) {
		lat := make([]time.Duration, n)
		for i := range lat {
			start := time.Now()
			resp, err := srv.App.Test(httptest.NewRequest("GET", "/api/v1/track/"+replNo, nil), -1)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("lookup: %v %v", err, resp)
			}
			resp.Body.Close()
			lat[i] = time.Since(start)
		}
		slices.Sort(lat)
		return lat[n/2], lat[n*99/100]
	}
	for round := 1; round <= 3; round++ {
		rp50, rp99 := run(e.srv)
		pp50, pp99 := run(primaryOnly)
		t.Logf("round %d: replica p50 %v p99 %v | primary p50 %v p99 %v | p50 ratio %.2f",
			round, rp50, rp99, pp50, pp99, float64(rp50)/float64(pp50))
	}
}
