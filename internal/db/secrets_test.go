package db_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"lcrm/internal/db"
	"lcrm/internal/testdb"
)

// TestSecretShared starts many "instances" at once on a fresh database: all must get the
// same key, a later start (a restart) the same again, and another name its own key.
func TestSecretShared(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	const n = 16
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			keys[i], errs[i] = db.Secret(ctx, pool, "link_key", 32)
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if len(keys[i]) != 32 || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("instance %d got key %x, instance 0 %x", i, keys[i], keys[0])
		}
	}
	again, err := db.Secret(ctx, pool, "link_key", 32)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Errorf("after a restart: %x %v, want %x", again, err, keys[0])
	}
	other, err := db.Secret(ctx, pool, "other", 32)
	if err != nil || bytes.Equal(other, keys[0]) {
		t.Errorf("another name: %x %v", other, err)
	}
	var rows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM app_secrets`).Scan(&rows); err != nil || rows != 2 {
		t.Errorf("%d rows (%v), want 2", rows, err)
	}
}
