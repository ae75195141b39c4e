package hooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"lcrm/hooks"
	"lcrm/internal/testdb"
)

// BenchmarkDeliveries measures signed deliveries per second from a 4-worker sender to a
// local receiver that answers 204 at once (b.N deliveries spread over 100 shipments).
func BenchmarkDeliveries(b *testing.B) {
	ctx := context.Background()
	pool := testdb.New(b)
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	st := hooks.NewStore(pool)
	st.AllowPrivate = true
	sh := shipper(b, pool, "ACME")
	if _, _, err := st.Register(ctx, sh, srv.URL, []string{hooks.ShipmentStatusChanged}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := st.Emit(ctx, pool, hooks.Event{ShipperID: sh, Type: hooks.ShipmentStatusChanged, Key: fmt.Sprint(i),
			OrderKey: fmt.Sprint("shipment:", i%100), Data: map[string]any{"tracking_no": fmt.Sprint("SD", i), "to": "delivered"}}); err != nil {
			b.Fatal(err)
		}
	}
	d := st.Sender(hooks.SenderConfig{Workers: 4, Poll: 5 * time.Millisecond})
	rctx, cancel := context.WithCancel(ctx)
	b.ResetTimer()
	start := time.Now()
	done := make(chan struct{})
	go func() { d.Run(rctx); close(done) }()
	for got.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	el := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/el.Seconds(), "deliveries/s")
}
