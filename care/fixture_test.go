package care_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/care"
	"lcrm/complaints"
	"lcrm/internal/testdb"
	"lcrm/notify"
)

// quiet discards the log of the rules under test.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// now is the fixed clock of the care tests.
var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// outboxTable is where notify keeps queued messages; tests count its rows by key.
const outboxTable = "sms_outbox"

// fixture builds crafted rows for the care tests.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	deps care.Deps
	n    int
}

func newFixture(t *testing.T) *fixture {
	pool := testdb.New(t)
	return &fixture{t: t, ctx: context.Background(), pool: pool, deps: care.Deps{
		Pool: pool, Outbox: notify.New(pool, notify.Config{}), Complaints: complaints.NewStore(pool),
		PublicURL: "https://lcrm.test/", Secret: []byte("0123456789abcdef0123456789abcdef"), Zone: time.UTC, Log: quiet,
	}}
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) id(sql string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(&id); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return id
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	return int(f.id(sql, args...))
}

// outbox counts queued messages whose key starts with prefix.
func (f *fixture) outbox(prefix string) int {
	f.t.Helper()
	return f.count(`SELECT count(*) FROM `+outboxTable+` WHERE key LIKE $1 || '%'`, prefix)
}

func (f *fixture) shipper(code, tier, phone string) int64 {
	return f.id(`INSERT INTO shippers (code, name, tier, phone) VALUES ($1, $1 || ' 公司', $2, $3) RETURNING id`, code, tier, phone)
}

func (f *fixture) consignee() int64 {
	f.n++
	return f.id(`INSERT INTO consignees (name, phone) VALUES ('张三', '+86138001' || lpad($1::int::text, 5, '0')) RETURNING id`, f.n)
}

// parcel is a crafted shipment: times are offsets before now (0: not reached).
type parcel struct {
	no, level, status       string
	shipper                 int64
	promised                time.Duration // promised_at = now + promised
	station, ofd, delivered time.Duration // hours before now; 0: not set
	created                 time.Duration // before now; default 2 days
}

func ago(d time.Duration) *time.Time {
	if d == 0 {
		return nil
	}
	t := now.Add(-d)
	return &t
}

func (f *fixture) shipment(p parcel) int64 {
	f.t.Helper()
	if p.created == 0 {
		p.created = 48 * time.Hour
	}
	return f.id(`INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city, dest_city,
		weight_g, promised_at, status, created_at, arrived_at_station_at, out_for_delivery_at, delivered_at)
		VALUES ($1, $2, $3, $4, '杭州', '北京', 1000, $5, $6, $7, $8, $9, $10) RETURNING id`,
		p.no, p.shipper, f.consignee(), p.level, now.Add(p.promised), p.status, now.Add(-p.created), ago(p.station), ago(p.ofd), ago(p.delivered))
}
