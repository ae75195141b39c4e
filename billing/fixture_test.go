package billing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/billing"
	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var zone = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// local is a wall-clock time in Asia/Shanghai.
func local(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, zone) }

func fen(n int64) *int64 { return &n }

// fixture is a database with a billing store and a shipments store on one manual clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	clock *clock.Manual
	ship  *shipments.Store
	bill  *billing.Store
	n     int
}

func newFixture(t *testing.T, at time.Time) *fixture {
	t.Helper()
	pool := testdb.New(t)
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock.NewManual(at)}
	f.ship = shipments.NewStore(pool)
	f.ship.Now = f.clock.Now
	f.bill = billing.NewStore(pool, zone)
	f.bill.Now = f.clock.Now
	return f
}

// shipment creates one shipment of shipper code at created with the given charges (nil:
// unknown) and returns its tracking number.
func (f *fixture) shipment(code string, created time.Time, freight, surcharge *int64) string {
	f.t.Helper()
	f.n++
	tn := fmt.Sprintf("SD%012d", f.n)
	res, err := f.ship.CreateShipments(f.ctx, []shipments.NewShipment{{
		TrackingNo: tn,
		Shipper:    customers.Shipper{Code: code, Name: code + " 有限公司", Tier: customers.TierRegular},
		Consignee: customers.Consignee{Name: "张小明", Phone: fmt.Sprintf("+861380013%04d", f.n%10000),
			Address: customers.Address{Province: "北京市", City: "北京", District: "朝阳区", Street: "望京街10号"}},
		ServiceLevel: shipments.Standard, OriginCity: "杭州", WeightG: 1000 + f.n,
		Charges:   shipments.Charges{FreightFen: freight, SurchargeFen: surcharge},
		CreatedAt: &created,
	}})
	if err != nil || res[0].Status != shipments.ResultCreated {
		f.t.Fatalf("create %s: %+v %v", tn, res, err)
	}
	return tn
}

// complaint records a resolved complaint about shipment tn with compensation.
func (f *fixture) complaint(tn string, resolved time.Time, compensation int64) int64 {
	f.t.Helper()
	var id int64
	err := f.pool.QueryRow(f.ctx, `INSERT INTO complaints (ref, shipment_id, shipper_id, consignee_id, category, description,
			contact_phone, status, priority, first_response_due, resolution_due, clock_start, resolved_at,
			compensation_fen, created_at, updated_at)
		SELECT 'C-' || s.tracking_no, s.id, s.shipper_id, s.consignee_id, 'damaged', '破损', '+8613800138000', 'resolved', 'P2',
			$2::timestamptz, $2::timestamptz, $2::timestamptz - interval '1 day', $2, $3, $2::timestamptz - interval '1 day', $2
		FROM shipments s WHERE s.tracking_no = $1 RETURNING id`, tn, resolved, compensation).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) shipperID(code string) int64 {
	f.t.Helper()
	var id int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM shippers WHERE code = $1`, code).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// statement returns shipper code's statement of the month starting at ps.
func (f *fixture) statement(code string, ps time.Time) billing.Statement {
	f.t.Helper()
	list, err := f.bill.Statements(f.ctx, f.shipperID(code))
	if err != nil {
		f.t.Fatal(err)
	}
	for _, s := range list {
		if s.PeriodStart.Equal(ps) {
			return s
		}
	}
	f.t.Fatalf("no statement of %s for %s (have %d)", code, ps.Format("2006-01"), len(list))
	return billing.Statement{}
}

func (f *fixture) close() billing.CloseResult {
	f.t.Helper()
	r, err := f.bill.CloseMonths(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}
