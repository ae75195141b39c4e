package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/demo"
	"lcrm/internal/ratelimit"
	"lcrm/internal/testdb"
	"lcrm/portal"
)

// site is one started instance: the app as `lcrm serve` opens it and its portal.
type site struct {
	a   *app
	srv *portal.Server
	key []byte
}

func startSite(t *testing.T) *site {
	t.Helper()
	a, err := open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	key, err := a.secret(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := portal.New(portal.Deps{Shipments: a.shipments, Customers: a.customers, Accounts: a.accounts,
		Limiter: ratelimit.New(a.pool), Log: a.log}, portal.Config{Secret: key, Zone: a.cfg.Zone})
	return &site{a: a, srv: srv, key: key}
}

func (s *site) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := s.srv.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// TestLinkKeySharedAcrossStarts: with LCRM_SESSION_KEY unset, two instances on one
// database, and an instance started after the first stopped (a restart), accept each
// other's survey links and signed cookies; a link signed with any other key is refused.
func TestLinkKeySharedAcrossStarts(t *testing.T) {
	ctx := context.Background()
	pool, dbURL := testdb.NewWithURL(t)
	if _, err := demo.Load(ctx, pool, demo.Options{Shipments: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	var number, phone, street string
	if err := pool.QueryRow(ctx, `SELECT s.tracking_no, c.phone, s.dest_street FROM shipments s
		JOIN consignees c ON c.id = s.consignee_id WHERE s.dest_street <> '' ORDER BY s.id LIMIT 1`).Scan(&number, &phone, &street); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("LCRM_SESSION_KEY", "")

	first := startSite(t)
	second := startSite(t) // another instance, started while the first runs
	link := customers.SurveyToken(first.key, 42, time.Now().Add(30*24*time.Hour))
	forged := customers.SurveyToken([]byte("0123456789abcdef0123456789abcdef"), 42, time.Now().Add(time.Hour))

	// The first instance grants this browser the parcel (last four digits of the phone).
	form := url.Values{"_csrf": {"tok"}, "last4": {phone[len(phone)-4:]}}
	req := httptest.NewRequest("POST", "/track/"+number+"/verify", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "lcrm_csrf", Value: "tok"})
	resp, _ := first.do(t, req)
	var grant *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "lcrm_verified" {
			grant = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || grant == nil {
		t.Fatalf("verify on the first instance: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	first.a.close()
	restarted := startSite(t) // the first instance, restarted

	for name, s := range map[string]*site{"second instance": second, "restarted": restarted} {
		resp, _ := s.do(t, httptest.NewRequest("GET", "/survey/"+link, nil))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: survey link from the first instance = %d, want 200", name, resp.StatusCode)
		}
		if resp, _ := s.do(t, httptest.NewRequest("GET", "/survey/"+forged, nil)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: survey link signed with another key = %d, want 404", name, resp.StatusCode)
		}
		if _, body := s.do(t, httptest.NewRequest("GET", "/track/"+number, nil)); strings.Contains(body, street) {
			t.Fatalf("%s: the address shows without the grant cookie", name)
		}
		req := httptest.NewRequest("GET", "/track/"+number, nil)
		req.AddCookie(grant)
		if _, body := s.do(t, req); !strings.Contains(body, street) {
			t.Errorf("%s: the first instance's grant cookie does not unmask the parcel", name)
		}
	}

	// A configured key wins over the stored one.
	t.Setenv("LCRM_SESSION_KEY", "configured-key-of-at-least-16-bytes")
	if s := startSite(t); string(s.key) != "configured-key-of-at-least-16-bytes" {
		t.Errorf("LCRM_SESSION_KEY set: key %q", s.key)
	}
}
