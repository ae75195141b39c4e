package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
)

// The portal's decisions follow the clock it is given (portal.Deps.Now), not the wall
// clock: with a manual clock years away from today, a verified-parcel cookie unlocks the
// parcel until that clock passes the cookie's lifetime, and a survey link opens until that
// clock passes the link's expiry; the same cookie and the same link are refused afterwards.
func TestPortalFollowsInjectedClock(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	at := time.Date(2031, 3, 14, 9, 0, 0, 0, time.UTC) // far from the wall clock either way
	m := clock.NewManual(at)
	secret := []byte("clock-test-secret-0123456789abcd")
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Limiter: ratelimit.New(e.shp.Pool()), Now: m.Now},
		portal.Config{PublicURL: "http://lcrm.test", Secret: secret})
	d, err := e.shp.Get(context.Background(), "SD100000000001")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		open     func(b *browser) (path string) // gets the grant; the path it opens
		opened   func(code int, body string) bool
		lifetime time.Duration
	}{
		{"verified parcel cookie", func(b *browser) string {
			b.do("GET", "/track/SD100000000001", nil)
			b.do("POST", "/track/SD100000000001/verify", url.Values{"last4": {"8000"}})
			return "/track/SD100000000001"
		}, func(code int, body string) bool { return code == 200 && strings.Contains(body, "望京街10号") },
			30 * time.Minute}, // the verify rule's lifetime (web.verifyFor)
		{"survey link", func(b *browser) string {
			return "/survey/" + customers.SurveyToken(secret, d.ID, at.Add(time.Hour))
		}, func(code int, _ string) bool { return code == 200 }, time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m.Set(at)
			b := newBrowser(t, e.srv)
			path := tt.open(b)
			for _, step := range []struct {
				by   time.Duration
				want bool
			}{{0, true}, {tt.lifetime - time.Minute, true}, {2 * time.Minute, false}, {24 * time.Hour, false}} {
				now := m.Add(step.by)
				if code, body, _ := b.do("GET", path, nil); tt.opened(code, body) != step.want {
					t.Errorf("at %s (%s after the grant): %s opened = %v (status %d), want %v", now.Format(time.RFC3339),
						now.Sub(at), path, !step.want, code, step.want)
				}
			}
		})
	}
}

// The KPI pages' default period is the month of the portal's clock, not the wall clock's:
// the workbook asked for without a period is the injected month's days so far, and moving
// the clock to the next month moves the default with it.
func TestKPIDefaultPeriodFollowsInjectedClock(t *testing.T) {
	t.Parallel()
	m := clock.NewManual(time.Date(2031, 3, 14, 9, 0, 0, 0, time.UTC))
	e := newDeskEnv(t, withReports, func(d *portal.Deps) { d.Now = m.Now })
	for _, tt := range []struct {
		at   time.Time
		file string
	}{
		{time.Date(2031, 3, 14, 9, 0, 0, 0, time.UTC), "lcrm-kpi-2031-03-01_2031-03-14.xlsx"},
		{time.Date(2031, 3, 31, 16, 30, 0, 0, time.UTC), "lcrm-kpi-2031-04-01_2031-04-01.xlsx"}, // April 1st in Shanghai
	} {
		m.Set(tt.at)
		code, _, hdr := e.as("manager").do("GET", "/console/kpi/workbook.xlsx", nil)
		if want := `attachment; filename="` + tt.file + `"`; code != 200 || hdr.Get("Content-Disposition") != want {
			t.Errorf("at %s: status %d, Content-Disposition %q, want %s", tt.at.Format(time.RFC3339), code,
				hdr.Get("Content-Disposition"), want)
		}
	}
}
