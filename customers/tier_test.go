package customers_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"lcrm/audit"
	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/testdb"
)

// TestSetTier: a tier change is written with its audit entry (tier before and after, the
// store's instant); the same change sent again does nothing more; a change decided on a
// tier that is no longer current is refused; unknown tiers and shippers are refused.
func TestSetTier(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := customers.NewStore(pool)
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	st.Now = clock.NewManual(at).Now
	sh, err := st.CreateShipper(ctx, &customers.Shipper{Code: "TIER1", Name: "等级商家", Tier: customers.TierSmall})
	if err != nil {
		t.Fatal(err)
	}
	by := customers.Viewer{UserID: 0, Name: "mgr@x.test"}
	for i := 0; i < 2; i++ { // the second is a retry: no second entry
		if err := st.SetTier(ctx, by, sh.ID, customers.TierSmall, customers.TierKey); err != nil {
			t.Fatalf("set tier (try %d): %v", i+1, err)
		}
	}
	got, err := st.ShipperByID(ctx, sh.ID)
	if err != nil || got.Tier != customers.TierKey {
		t.Fatalf("tier = %v, %v; want key", got, err)
	}
	entries, err := audit.List(ctx, pool, audit.Filter{Action: customers.ActionTier, ObjectID: sh.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("audit entries = %d, want 1", len(entries))
	}
	e := entries[0]
	var before, after struct{ Tier string }
	_ = json.Unmarshal(e.Before.(json.RawMessage), &before)
	_ = json.Unmarshal(e.After.(json.RawMessage), &after)
	if e.Actor != "mgr@x.test" || before.Tier != "small" || after.Tier != "key" || !e.At.Equal(at) || e.Object != "shipper" {
		t.Errorf("audit entry = %+v (before %s, after %s)", e, before.Tier, after.Tier)
	}
	cases := []struct {
		name     string
		id       int64
		from, to customers.Tier
		want     error
	}{
		{"stale", sh.ID, customers.TierSmall, customers.TierRegular, customers.ErrTierChanged},
		{"unknown tier", sh.ID, customers.TierKey, "gold", customers.ErrBadTier},
		{"unknown shipper", sh.ID + 999, customers.TierKey, customers.TierRegular, customers.ErrNotFound},
	}
	for _, c := range cases {
		if err := st.SetTier(ctx, by, c.id, c.from, c.to); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if got, _ := st.ShipperByID(ctx, sh.ID); got.Tier != customers.TierKey {
		t.Errorf("a refused change moved the tier to %s", got.Tier)
	}
}
