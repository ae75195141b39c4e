//go:build load

package reports_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/demo"
	"lcrm/internal/db"
	"lcrm/internal/testdb"
	"lcrm/reports"
	"lcrm/shipments"
)

// TestBigDataset is a load run (built only with -tags load): it measures the dashboard
// queries and the workbook at 1,000,000 shipments (LCRM_LOAD_SIZE to change). It loads
// the demo data set (seed 7) into a fresh test database with a survey for every delivered
// shipment, so a 91-day workbook has about a million detail rows. Run:
//
//	go test -tags load ./reports -run TestBigDataset -v -timeout 30m
func TestBigDataset(t *testing.T) {
	n := testdb.LoadSize(1_000_000)
	ctx := context.Background()
	pool := bigPool(t)
	if empty, err := demo.Empty(ctx, pool); err != nil || !empty {
		t.Logf("using the data already in LCRM_LOAD_DB (%v)", err)
		measure(t, pool)
		return
	}
	start := time.Now()
	if _, err := demo.Load(ctx, pool, demo.Options{Shipments: n, Seed: 7, Now: now}); err != nil {
		t.Fatal(err)
	}
	_, err := pool.Exec(ctx, `
INSERT INTO surveys (shipment_id, consignee_id, csat, nps, comment, created_at, updated_at)
SELECT id, consignee_id, 1 + (id * 7919) % 5, (id * 104729) % 11,
       CASE WHEN id % 3 = 0 THEN '快递员态度很好,送货及时 #' || id ELSE '' END,
       delivered_at + interval '3 hours', delivered_at + interval '3 hours'
FROM shipments WHERE delivered_at IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	// A complaint on every 50th delivered shipment (about 19,000), handled by ten agents.
	_, err = pool.Exec(ctx, `
INSERT INTO users (email, name, password_hash, role)
SELECT 'agent' || i || '@example.com', '坐席' || i, 'x', 'agent' FROM generate_series(1, 10) i;
INSERT INTO complaints (ref, shipment_id, shipper_id, consignee_id, category, description, contact_phone,
    status, priority, assignee_id, first_response_due, resolution_due, clock_start, first_responded_at,
    resolved_at, rating, root_cause, department, reopen_count, created_at, updated_at)
SELECT 'CB' || id, id, shipper_id, consignee_id, (ARRAY['delayed','damaged','lost','other'])[1 + id % 4],
       '测试', '+8613800138000', 'resolved', 'P3', (SELECT min(id) FROM users) + id % 10,
       delivered_at + interval '5 hours', delivered_at + interval '2 days', delivered_at + interval '3 hours',
       delivered_at + interval '3 hours' + (id % 240) * interval '1 minute',
       delivered_at + interval '4 hours' + (id % 3000) * interval '1 minute', id % 6,
       (ARRAY['courier','sorting_hub','linehaul','weather','address_data'])[1 + id % 5], '部门' || id % 3,
       (id % 13 = 0)::int, delivered_at + interval '3 hours', delivered_at + interval '3 hours'
FROM shipments WHERE delivered_at IS NOT NULL AND id % 50 = 0`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d shipments with surveys in %v", n, time.Since(start).Round(time.Second))
	measure(t, pool)
}

// bigPool is a fresh test database, or LCRM_LOAD_DB (migrated here) to keep a loaded
// data set between runs.
func bigPool(t *testing.T) *pgxpool.Pool {
	url := os.Getenv("LCRM_LOAD_DB")
	if url == "" {
		return testdb.New(t)
	}
	ctx := context.Background()
	if _, err := db.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(ctx, url, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// measure times the dashboard for 30 days and the workbook for the whole data set.
func measure(t *testing.T, pool *pgxpool.Pool) {
	st := reports.NewStore(pool)
	month := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	rollup(t, st, pool, month)
	dashboard(t, st, month)
	if os.Getenv("LCRM_LOAD_SKIP_WORKBOOK") == "" {
		full := reports.Period{From: now.AddDate(0, 0, -91), To: now.Add(time.Hour)}
		workbookMemory(t, st, full)
	}
}

// rollup times the dashboard with nothing rolled up (all live), the first Refresh, and a
// Refresh after a day's surveys changed (each Refresh once: they change the state).
func rollup(t *testing.T, st *reports.Store, pool *pgxpool.Pool, p reports.Period) {
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "DELETE FROM kpi_cells; DELETE FROM kpi_days"); err != nil {
		t.Fatal(err)
	}
	var runs []time.Duration
	for i := 0; i < 3; i++ {
		t0 := time.Now()
		if _, err := st.Dashboard(ctx, p, reports.Filter{}); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, time.Since(t0))
	}
	t.Logf("%-40s %v", "Dashboard, nothing rolled up (3 runs)", runs)
	t0 := time.Now()
	res, err := st.Refresh(ctx, shipments.DefaultZone, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%-40s %v: %+v", "first Refresh", time.Since(t0).Round(time.Millisecond), res)
	if _, err := pool.Exec(ctx, `UPDATE surveys SET csat = 6 - csat WHERE shipment_id IN (
        SELECT id FROM shipments WHERE delivered_at >= $1 ORDER BY delivered_at LIMIT 500)`, p.From.AddDate(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	t0 = time.Now()
	if _, err := st.Dashboard(ctx, p, reports.Filter{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%-40s %v", "Dashboard with one day's change pending", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	res, err = st.Refresh(ctx, shipments.DefaultZone, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%-40s %v: %+v", "Refresh after 500 surveys changed", time.Since(t0).Round(time.Millisecond), res)
}

// dashboard times each dashboard query for p (best of 5 after a warm-up) and the total.
func dashboard(t *testing.T, st *reports.Store, p reports.Period) {
	ctx := context.Background()
	f := reports.Filter{}
	steps := []struct {
		name string
		run  func() error
	}{
		{"Dashboard (all of the below in one query)", func() error { _, err := st.Dashboard(ctx, p, f); return err }},
		{"Summary (period + previous)", func() error { _, err := st.Summary(ctx, p, f); return err }},
		{"Daily", func() error { _, err := st.Daily(ctx, p, f); return err }},
		{"ByShipper", func() error { _, err := st.ByShipper(ctx, p, f); return err }},
		{"ByProvince", func() error { _, err := st.ByProvince(ctx, p, f); return err }},
		{"Complaints (period + previous)", func() error {
			if _, err := st.Complaints(ctx, p, f); err != nil {
				return err
			}
			_, err := st.Complaints(ctx, p.Previous(), f)
			return err
		}},
		{"Agents", func() error { _, err := st.Agents(ctx, p, f); return err }},
		{"RootCauses", func() error { _, err := st.RootCauses(ctx, p, f); return err }},
		{"ChurnRisk", func() error { _, err := st.ChurnRisk(ctx, p, f); return err }},
	}
	var total time.Duration
	for i, s := range steps {
		var runs []time.Duration
		for i := 0; i < 6; i++ {
			t0 := time.Now()
			if err := s.run(); err != nil {
				t.Fatal(err)
			}
			runs = append(runs, time.Since(t0))
		}
		runs = runs[1:]
		sort.Slice(runs, func(i, j int) bool { return runs[i] < runs[j] })
		t.Logf("%-40s best %v  median %v", s.name, runs[0].Round(time.Millisecond), runs[2].Round(time.Millisecond))
		if i == 0 || i >= 5 {
			total += runs[2]
		}
	}
	t.Logf("dashboard page (Dashboard, Complaints ×2, Agents, RootCauses, ChurnRisk; medians): %v", total.Round(time.Millisecond))
}

// workbookMemory writes the workbook for p to a file and reports time, size, rows and
// the process's peak resident memory while writing (VmHWM after resetting it).
func workbookMemory(t *testing.T, st *reports.Store, p reports.Period) {
	ctx := context.Background()
	sum, err := st.Summary(ctx, p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	resetPeak := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	var peakHeap atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peakHeap.Load() {
					peakHeap.Store(ms.HeapInuse)
				}
			}
		}
	}()
	path := filepath.Join(t.TempDir(), reports.FileName(p))
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := reports.WriteWorkbook(ctx, out, st, p, reports.Filter{}, "zh"); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(t0)
	close(done)
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	t.Logf("workbook: %d survey detail rows, %.1f MB, written in %v", sum.Current.Surveys,
		float64(info.Size())/1e6, elapsed.Round(time.Millisecond))
	t.Logf("workbook: peak Go heap in use %d MB; peak RSS (VmHWM, reset=%v) %s",
		peakHeap.Load()>>20, resetPeak, vmHWM())
}

// vmHWM is the process's peak resident set size from /proc/self/status.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
