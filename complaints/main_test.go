package complaints_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture is one test's database with a clock the test moves.
type fixture struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store *complaints.Store
	now   time.Time
	seq   atomic.Int64
}

// monday10 is Monday 2026-11-23 10:00 in Shanghai: inside business hours.
var monday10 = time.Date(2026, 11, 23, 10, 0, 0, 0, complaints.DefaultZone)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, pool: testdb.New(t), now: monday10}
	f.store = complaints.NewStore(f.pool)
	f.store.Now = func() time.Time { return f.now }
	return f
}

// shipment creates a shipment of a shipper of the given tier and returns its ID.
func (f *fixture) shipment(tier customers.Tier, phone string) int64 {
	f.t.Helper()
	n := f.seq.Add(1)
	tn := fmt.Sprintf("LCT%09d", n)
	res, err := shipments.NewStore(f.pool).CreateShipments(context.Background(), []shipments.NewShipment{{
		TrackingNo: tn,
		Shipper:    customers.Shipper{Code: "S" + string(tier), Name: "Shipper " + string(tier), Tier: tier},
		Consignee: customers.Consignee{Name: "张小明", Phone: phone,
			Address: customers.Address{Province: "北京市", City: "北京", Street: "望京街10号"}},
		ServiceLevel: shipments.Express, OriginCity: "杭州", WeightG: 1000,
	}})
	if err != nil || res[0].Status != shipments.ResultCreated {
		f.t.Fatalf("create shipment: %+v %v", res, err)
	}
	var id int64
	if err := f.pool.QueryRow(context.Background(), `SELECT id FROM shipments WHERE tracking_no = $1`, tn).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// user inserts a staff user with a manager (0 = none) and returns it as an Actor.
func (f *fixture) user(name, role string, manager int64) complaints.Actor {
	f.t.Helper()
	var id int64
	var mgr *int64
	if manager != 0 {
		mgr = &manager
	}
	err := f.pool.QueryRow(context.Background(), `INSERT INTO users (email, name, password_hash, role, manager_id)
		VALUES ($1, $2, 'x', $3, $4) RETURNING id`, name+"@lcrm.test", name, role, mgr).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	return complaints.Actor{UserID: id, Name: name}
}

// file files a complaint of a category about a new shipment of a shipper of tier.
func (f *fixture) file(cat complaints.Category, tier customers.Tier) *complaints.Complaint {
	f.t.Helper()
	c, err := f.store.File(context.Background(), complaints.Filing{
		ShipmentID: f.shipment(tier, "13800138000"), Category: cat,
		Description: "包裹没有收到", ContactPhone: "138 0013 8000",
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// status reads the complaint's status.
func (f *fixture) get(id int64) *complaints.Complaint {
	f.t.Helper()
	c, err := f.store.ByID(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}
