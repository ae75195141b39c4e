package jobs_test

import (
	"context"
	"testing"
	"time"

	"lcrm/care"
	"lcrm/complaints"
	"lcrm/internal/testdb"
	"lcrm/notify"
)

// now is the fixed clock of the tests that run the standard jobs.
var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// fixture is a test database and the care rules over it, wired as cmd/lcrm wires them, for
// the tests that run the standard jobs through the scheduler (the rules' own tests, with
// their crafted parcels, are in package care).
type fixture struct {
	t    *testing.T
	ctx  context.Context
	deps care.Deps // deps.Pool is the test database
}

func newFixture(t *testing.T) *fixture {
	pool := testdb.New(t)
	return &fixture{t: t, ctx: context.Background(), deps: care.Deps{Pool: pool, Outbox: notify.New(pool, notify.Config{}),
		Complaints: complaints.NewStore(pool), Log: quiet, Zone: time.UTC,
		PublicURL: "https://lcrm.test/", Secret: []byte("0123456789abcdef0123456789abcdef")}}
}

// count returns the number the query counts.
func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.deps.Pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// outbox counts queued messages whose key starts with prefix.
func (f *fixture) outbox(prefix string) int {
	return f.count(`SELECT count(*) FROM sms_outbox WHERE key LIKE $1 || '%'`, prefix)
}

// shipper adds a shipper of tier (key, regular, small) with phone.
func (f *fixture) shipper(code, tier, phone string) int64 {
	return int64(f.count(`INSERT INTO shippers (code, name, tier, phone) VALUES ($1, $1, $2, $3) RETURNING id`, code, tier, phone))
}

// parcels adds n standard parcels of shipper numbered from SD<series>0000001, each with a
// consignee of its own, promised in an hour: out for delivery for 5 hours after 15 hours at
// the station (late), or, with delivered, delivered an hour ago.
func (f *fixture) parcels(series string, shipper int64, n int, delivered bool) {
	f.t.Helper()
	_, err := f.deps.Pool.Exec(f.ctx, `
		WITH k AS (
			INSERT INTO consignees (name, phone)
			SELECT '张三', '+86138' || $1::text || lpad(i::text, 5, '0') FROM generate_series(1, $2::int) i
			RETURNING id)
		INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city, dest_city,
			weight_g, promised_at, status, created_at, arrived_at_station_at, out_for_delivery_at, delivered_at)
		SELECT 'SD' || $1::text || lpad((row_number() OVER (ORDER BY id))::text, 7, '0'), $3, id, 'standard', '杭州', '北京',
		       1000, $4::timestamptz + interval '1 hour', CASE WHEN $5 THEN 'delivered' ELSE 'out_for_delivery' END,
		       $4::timestamptz - interval '48 hours',
		       CASE WHEN NOT $5 THEN $4::timestamptz - interval '20 hours' END,
		       CASE WHEN NOT $5 THEN $4::timestamptz - interval '5 hours' END,
		       CASE WHEN $5 THEN $4::timestamptz - interval '1 hour' END
		FROM k`, series, n, shipper, now, delivered)
	if err != nil {
		f.t.Fatal(err)
	}
}
