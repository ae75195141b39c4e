//go:build load

package demo_test

import (
	"context"
	"testing"
	"time"

	"lcrm/demo"
	"lcrm/internal/testdb"
)

// TestBig is a load run (built only with -tags load): it loads 100,000 demo shipments
// (LCRM_LOAD_SIZE to change) and reports the time. Run:
//
//	go test -tags load ./demo -run TestBig -v -timeout 30m
func TestBig(t *testing.T) {
	n := testdb.LoadSize(100_000)
	pool := testdb.New(t)
	start := time.Now()
	sum, err := demo.Load(context.Background(), pool, demo.Options{Shipments: n, Seed: 1, Now: now,
		Progress: func(done int) { t.Logf("%d shipments, %s", done, time.Since(start).Round(time.Millisecond)) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %+v in %s", *sum, time.Since(start).Round(time.Millisecond))
}
