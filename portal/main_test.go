package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/testdb"
	"lcrm/portal"
	"lcrm/shipments"
)

func TestMain(m *testing.M) {
	accounts.UseTestHashCost() // tests check rules, not the cost of a guess
	testdb.Main(m)
}

// env is a portal over a fresh database, with a staff API key.
type env struct {
	t   *testing.T
	srv *portal.Server
	key string
	acc *accounts.Store
	cus *customers.Store
	shp *shipments.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := testdb.New(t)
	e := &env{t: t, acc: accounts.NewStore(pool), cus: customers.NewStore(pool), shp: shipments.NewStore(pool)}
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc}, portal.Config{PublicURL: "http://lcrm.test"})
	key, _, err := e.acc.CreateAPIKey(context.Background(), "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	e.key = key
	return e
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (e *env) do(method, path, key string, body any, out any) int {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := e.srv.App.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %d, body %q is not JSON: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Field, Message string
		} `json:"fields"`
	} `json:"error"`
}

var _ = http.MethodGet

// testShipper is a minimal valid shipper.
func testShipper(code string) *customers.Shipper {
	return &customers.Shipper{Code: code, Name: code + " Ltd"}
}
