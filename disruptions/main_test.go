package disruptions_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/complaints"
	"lcrm/disruptions"
	"lcrm/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// sh is a time in Shanghai in November 2026 (the 23rd is a Monday).
func sh(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, complaints.DefaultZone)
}

// fixture is one test's database, a disruptions store and a complaints store wired as
// lcrm serve wires them, on a clock the test moves.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	cs   *complaints.Store
	ds   *disruptions.Store
	now  time.Time
	n    int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), pool: testdb.New(t), now: sh(23, 10, 0)}
	clock := func() time.Time { return f.now }
	f.cs = complaints.NewStore(f.pool)
	f.cs.Now = clock
	f.ds = disruptions.NewStore(f.pool, f.cs)
	f.ds.Now = clock
	f.cs.Pauses = f.ds
	return f
}

func (f *fixture) id(sql string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(&id); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return id
}

// parcel is a crafted shipment.
type parcel struct {
	province, city, origin string
	created                time.Time
	status                 string     // default in_transit
	delivered              *time.Time // delivered_at (or the last event's time when returned)
}

// shipment stores p for a regular shipper and a consignee of its own; it returns the id.
func (f *fixture) shipment(p parcel) int64 {
	f.t.Helper()
	f.n++
	if p.status == "" {
		p.status = "in_transit"
	}
	if p.origin == "" {
		p.origin = "杭州"
	}
	shipper := f.id(`INSERT INTO shippers (code, name, tier) VALUES ('S1', 'Shipper', 'regular')
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id`)
	consignee := f.id(`INSERT INTO consignees (name, phone) VALUES ('张三', '+86138001' || lpad($1::int::text, 5, '0')) RETURNING id`, f.n)
	var deliveredAt, lastEvent *time.Time
	if p.status == "delivered" {
		deliveredAt = p.delivered
	}
	lastEvent = p.delivered
	return f.id(`INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city, dest_province,
		dest_city, weight_g, promised_at, status, created_at, delivered_at, last_event_at)
		VALUES ('LD' || lpad($1::int::text, 8, '0'), $2, $3, 'standard', $4, $5, $6, 1000, $7::timestamptz + interval '3 days', $8, $7, $9, $10)
		RETURNING id`, f.n, shipper, consignee, p.origin, p.province, p.city, p.created, p.status, deliveredAt, lastEvent)
}

// declare declares a disruption or fails the test.
func (f *fixture) declare(in disruptions.Input) *disruptions.Disruption {
	f.t.Helper()
	res, err := f.ds.Declare(f.ctx, in, complaints.Actor{UserID: 0, Name: "supervisor"})
	if err != nil {
		f.t.Fatalf("declare: %v", err)
	}
	return res.Disruption
}

func snow(provinces, cities []string, from, to time.Time) disruptions.Input {
	return disruptions.Input{Provinces: provinces, Cities: cities, StartsAt: from, EndsAt: to, Reason: disruptions.Weather,
		NoticeZH: "受暴雪影响，派送延迟。", NoticeEN: "Heavy snow: deliveries are late."}
}
