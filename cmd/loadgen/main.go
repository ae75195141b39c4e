// Command loadgen measures lcrm under load for BENCHMARKS.md. It is a tool, not part of the
// product:
//
//	loadgen numbers -db URL -n 100000 > numbers.txt     random tracking numbers for wrk
//	loadgen events  -db URL -url http://127.0.0.1:8080 -key KEY -events 200000 -batch 1000 -conns 4
//	loadgen copy    -db URL -events 200000              the same rows by raw COPY, for comparison
//
// events posts tracking events for random existing shipments through POST /api/v1/events
// and reports events/s; copy writes rows of the same shape straight into tracking_events.
//
// -overlap F (0 to 1; the reported figure uses 0.5) draws that share of the events from a
// small hot set of parcels (-window, default 2,000) instead of at random, as real hub scans
// do: concurrent batches then share parcels. Each hot parcel gets its scans in a plausible
// order and later times (in_transit ×3, arrived_at_station, out_for_delivery, delivered)
// and then leaves the set for a fresh one. The other events are random in_transit scans.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen numbers|events|copy [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dbURL := fs.String("db", os.Getenv("DATABASE_URL"), "database URL")
	n := fs.Int("n", 100000, "numbers to print")
	base := fs.String("url", "http://127.0.0.1:8080", "lcrm base URL")
	key := fs.String("key", "", "staff API key")
	total := fs.Int("events", 200000, "events to send")
	batch := fs.Int("batch", 1000, "events per request")
	conns := fs.Int("conns", 4, "concurrent requests")
	overlap := fs.Float64("overlap", 0, "share of events drawn from a hot set of parcels shared by concurrent batches")
	window := fs.Int("window", 2000, "parcels in the hot set (with -overlap)")
	fs.Parse(os.Args[2:])
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		fail(err)
	}
	defer pool.Close()
	switch os.Args[1] {
	case "numbers":
		nums := sample(ctx, pool, *n)
		for _, s := range nums {
			fmt.Println(s)
		}
	case "events":
		runEvents(*base, *key, makeEvents(sample(ctx, pool, 50000), *total, *overlap, *window), *batch, *conns)
	case "copy":
		runCopy(ctx, pool, *total, *overlap, *window)
	default:
		fail(fmt.Errorf("unknown mode %q", os.Args[1]))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}

// sample returns n tracking numbers of random existing shipments.
func sample(ctx context.Context, pool *pgxpool.Pool, n int) []string {
	rows, err := pool.Query(ctx, `SELECT tracking_no FROM shipments TABLESAMPLE SYSTEM_ROWS($1)`, n)
	if err != nil { // tsm_system_rows may be missing: fall back to a random id range
		rows, err = pool.Query(ctx, `SELECT tracking_no FROM shipments WHERE id % 10 = 0 LIMIT $1`, n)
		if err != nil {
			fail(err)
		}
	}
	nums, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		fail(err)
	}
	rand.Shuffle(len(nums), func(i, j int) { nums[i], nums[j] = nums[j], nums[i] })
	return nums
}

type event struct {
	TrackingNo string    `json:"tracking_no"`
	EventID    string    `json:"event_id"`
	Code       string    `json:"code"`
	OccurredAt string    `json:"occurred_at"`
	Location   string    `json:"location"`
	Note       string    `json:"note"`
	SignedBy   string    `json:"signed_by,omitempty"` // a delivered event needs its signer
	at         time.Time // OccurredAt, for copy
}

// plan is the scans a hot parcel gets, in order, before it leaves the hot set.
var plan = []string{"in_transit", "in_transit", "in_transit", "arrived_at_station", "out_for_delivery", "delivered"}

// makeEvents builds total events over the sampled shipments, unique per run: with overlap 0
// in_transit scans spread over them all; otherwise that share from a sliding hot set of
// window parcels (see the package comment), with times rising through the run.
func makeEvents(nums []string, total int, overlap float64, window int) []event {
	run := time.Now().UnixNano()
	at := time.Now().Add(-time.Hour)
	evs := make([]event, total)
	if overlap <= 0 {
		for i := range evs {
			evs[i] = event{TrackingNo: nums[i%len(nums)], EventID: fmt.Sprintf("load-%d-%d", run, i),
				Code: "in_transit", OccurredAt: at.Format(time.RFC3339), Location: "上海转运中心", Note: "load test", at: at}
		}
		return evs
	}
	window = min(window, len(nums)/2)
	hot := make([]int, window) // slot -> index into nums; the hot parcels are nums[:...]
	for i := range hot {
		hot[i] = i
	}
	fresh := window
	scans := map[int]int{}
	start := time.Now().Add(-6 * time.Hour)
	step := 5 * time.Hour / time.Duration(total)
	for i := range evs {
		t := start.Add(time.Duration(i) * step).Truncate(time.Millisecond)
		e := event{EventID: fmt.Sprintf("load-%d-%d", run, i), Code: "in_transit", Location: "上海转运中心", Note: "load test", at: t}
		if rand.Float64() < overlap {
			slot := rand.IntN(window)
			p := hot[slot]
			k := scans[p]
			scans[p]++
			e.TrackingNo, e.Code = nums[p], plan[k]
			if e.Code == "delivered" {
				e.SignedBy = "本人"
			}
			if k == len(plan)-1 { // delivered: a fresh parcel takes the slot
				hot[slot] = fresh % len(nums)
				fresh++
			}
		} else {
			e.TrackingNo = nums[rand.IntN(len(nums))]
		}
		e.OccurredAt = t.Format(time.RFC3339Nano)
		evs[i] = e
	}
	return evs
}

func runEvents(base, key string, evs []event, batch, conns int) {
	total := len(evs)
	var next, stored, failed atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	client := &http.Client{Timeout: 60 * time.Second}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(int64(batch))) - batch
				if i >= len(evs) {
					return
				}
				body, _ := json.Marshal(map[string]any{"events": evs[i:min(i+batch, len(evs))]})
				req, _ := http.NewRequest("POST", base+"/api/v1/events", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+key)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					fail(err)
				}
				var out struct{ Stored int }
				json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode != 200 { // a timed-out batch (503) is counted, not fatal
					failed.Add(1)
				}
				stored.Add(int64(out.Stored))
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("api: %d events (%d stored, %d requests failed) in %.2fs = %.0f stored events/s; per request p50 %v p99 %v\n",
		total, stored.Load(), failed.Load(), took.Seconds(), float64(stored.Load())/took.Seconds(), lat[len(lat)/2], lat[len(lat)*99/100])
}

func runCopy(ctx context.Context, pool *pgxpool.Pool, total int, overlap float64, window int) {
	nums := sample(ctx, pool, 50000)
	rows, err := pool.Query(ctx, `SELECT tracking_no, id FROM shipments WHERE tracking_no = ANY($1)`, nums)
	if err != nil {
		fail(err)
	}
	ids := map[string]int64{}
	var tn string
	var id int64
	pgx.ForEachRow(rows, []any{&tn, &id}, func() error { ids[tn] = id; return nil })
	evs := makeEvents(nums, total, overlap, window)
	start := time.Now()
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"tracking_events"},
		[]string{"shipment_id", "event_key", "code", "occurred_at", "location", "note", "signed_by"},
		pgx.CopyFromSlice(len(evs), func(i int) ([]any, error) {
			e := evs[i]
			return []any{ids[e.TrackingNo], e.EventID, e.Code, e.at, e.Location, e.Note, e.SignedBy}, nil
		}))
	if err != nil {
		fail(err)
	}
	took := time.Since(start)
	fmt.Printf("copy: %d rows in %.2fs = %.0f rows/s\n", n, took.Seconds(), float64(n)/took.Seconds())
}
