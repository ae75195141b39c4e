//go:build load

package billing_test

import (
	"context"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lcrm/billing"
	"lcrm/internal/testdb"
)

// TestBigClose is a load run (built only with -tags load): a month of 1,000,000 shipments
// (LCRM_LOAD_SIZE to change) over 200 shippers, half of them for one shipper, with 10,000
// compensated complaints; it measures the statement close (time, peak RSS, peak Go heap),
// the receivables query and the largest statement's Excel download. Run:
//
//	go test -tags load ./billing -run TestBigClose -v -timeout 30m
func TestBigClose(t *testing.T) {
	n := testdb.LoadSize(1_000_000)
	ctx := context.Background()
	f := newFixture(t, local(2026, 12, 2, 2))
	t0 := time.Now()
	_, err := f.pool.Exec(ctx, `
INSERT INTO shippers (code, name) SELECT 'S' || lpad(i::text, 3, '0'), '商户' || i FROM generate_series(1, 200) i;
INSERT INTO consignees (name, phone) SELECT '收件人' || i, '+86138' || lpad(i::text, 8, '0') FROM generate_series(1, 1000) i;`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.pool.Exec(ctx, `
INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city, dest_city, weight_g,
	promised_at, created_at, freight_fen, surcharge_fen)
SELECT 'SB' || lpad(i::text, 10, '0'),
	CASE WHEN i % 2 = 0 THEN 1 ELSE 1 + i % 200 END, 1 + i % 1000, 'standard', '杭州', '北京', 500 + i % 5000,
	$2::timestamptz + ((i - 1)::float8 / $1 * interval '30 days') + interval '3 days',
	$2::timestamptz + ((i - 1)::float8 / $1 * interval '30 days'),
	CASE WHEN i % 97 = 0 THEN NULL ELSE 800 + i % 2000 END, CASE WHEN i % 5 = 0 THEN 150 END
FROM generate_series(1, $1::int) i`, n, local(2026, 11, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.pool.Exec(ctx, `
INSERT INTO complaints (ref, shipment_id, shipper_id, consignee_id, category, description, contact_phone, status,
	priority, first_response_due, resolution_due, clock_start, resolved_at, compensation_fen, created_at, updated_at)
SELECT 'CB' || id, id, shipper_id, consignee_id, 'damaged', '破损', '+8613800138000', 'resolved', 'P3',
	created_at + interval '1 day', created_at + interval '2 days', created_at, created_at + interval '1 day',
	500 + id % 3000, created_at, created_at
FROM shipments WHERE id % 100 = 0 AND created_at < $1`, local(2026, 11, 29, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d shipments in %v", n, time.Since(t0).Round(time.Second))
	t.Logf("load average before: %s", loadavg())

	var res billing.CloseResult
	peak := measure(t, "close", func() error {
		var err error
		res, err = f.bill.CloseMonths(ctx)
		return err
	})
	t.Logf("close: %d months, %d statements; %s", res.Months, res.Statements, peak)
	var lines, billed int64
	if err := f.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM statement_lines),
		(SELECT sum(shipments) FROM statements)`).Scan(&lines, &billed); err != nil || lines != int64(n) || billed != int64(n) {
		t.Fatalf("lines %d, billed %d, want %d (%v)", lines, billed, n, err)
	}
	t.Logf("receivables: %s", measure(t, "receivables", func() error { _, err := f.bill.Receivables(ctx); return err }))
	big := f.statement("S001", local(2026, 11, 1, 0))
	t.Logf("largest statement: %d shipments", big.Shipments)
	t.Logf("statement workbook: %s", measure(t, "workbook", func() error {
		return f.bill.WriteStatement(ctx, io.Discard, big, "zh")
	}))
	t.Logf("load average after: %s", loadavg())
}

// measure runs fn and reports its time, the process's peak RSS while it ran (VmHWM after
// resetting it) and the peak Go heap in use (sampled every 50 ms).
func measure(t *testing.T, what string, fn func() error) string {
	runtime.GC()
	reset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	var heap atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > heap.Load() {
					heap.Store(ms.HeapInuse)
				}
			}
		}
	}()
	t0 := time.Now()
	err := fn()
	took := time.Since(t0)
	close(done)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return "took " + took.Round(time.Millisecond).String() + ", peak RSS " + procStatus("VmHWM") +
		" (reset " + map[bool]string{true: "ok", false: "failed"}[reset] + "), peak Go heap " +
		itoa(heap.Load()>>20) + " MB"
}

func itoa(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func procStatus(key string) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key+":") {
			return strings.TrimSpace(strings.TrimPrefix(line, key+":"))
		}
	}
	return "unknown"
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
