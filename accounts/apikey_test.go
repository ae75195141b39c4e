package accounts_test

import (
	"context"
	"errors"
	"testing"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/testdb"
)

func TestMain(m *testing.M) {
	accounts.UseTestHashCost() // tests check rules, not the cost of a guess
	testdb.Main(m)
}

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := accounts.NewStore(pool)
	sh, err := customers.NewStore(pool).CreateShipper(ctx, &customers.Shipper{Code: "ACME", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	key, k, err := st.CreateAPIKey(ctx, "warehouse", sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Authenticate(ctx, key)
	if err != nil || got.ID != k.ID || got.ShipperID != sh.ID || got.LastUsedAt == nil {
		t.Fatalf("authenticate = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "lcrm_", key + "x", "Bearer " + key, key[:len(key)-1]} {
		if _, err := st.Authenticate(ctx, bad); !errors.Is(err, accounts.ErrBadKey) {
			t.Errorf("Authenticate(%q) err = %v, want ErrBadKey", bad, err)
		}
	}
	if _, _, err := st.CreateAPIKey(ctx, "  ", 0); err == nil {
		t.Error("a key without a name was created")
	}
	list, err := st.ListAPIKeys(ctx, sh.ID)
	if err != nil || len(list) != 1 || list[0].Prefix != k.Prefix {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if staff, _ := st.ListAPIKeys(ctx, 0); len(staff) != 0 {
		t.Errorf("staff list shows shipper keys: %+v", staff)
	}
	// Another shipper (or staff scope) cannot revoke it; its owner can, and then it stops working.
	if err := st.RevokeAPIKey(ctx, k.ID, 0); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("revoke from the wrong scope: %v", err)
	}
	if err := st.RevokeAPIKey(ctx, k.ID, sh.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeAPIKey(ctx, k.ID, sh.ID); err != nil {
		t.Errorf("revoking twice should be harmless: %v", err)
	}
	if _, err := st.Authenticate(ctx, key); !errors.Is(err, accounts.ErrBadKey) {
		t.Errorf("revoked key still works: %v", err)
	}
}
