package reports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/testdb"
	"lcrm/reports"
	"lcrm/shipments"
)

// TestPreviousPeriod: a month compares with the previous calendar month, a period cut
// at today (SoFar) with the same number of days of its previous period, anything else
// with the period of equal length before it.
func TestPreviousPeriod(t *testing.T) {
	t.Parallel()
	z := shipments.DefaultZone
	d := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, z) }
	at := func(y int, m time.Month, dd, h int) time.Time { return time.Date(y, m, dd, h, 0, 0, 0, z) }
	cases := []struct {
		name             string
		p                reports.Period
		now              time.Time // zero: no SoFar
		from, to         time.Time // of p after SoFar
		prevFrom, prevTo time.Time
		partial          bool
	}{
		{"March vs February", reports.Month(at(2026, 3, 15, 12), z), time.Time{},
			d(2026, 3, 1), d(2026, 4, 1), d(2026, 2, 1), d(2026, 3, 1), false},
		{"December vs November (30 days, not 31)", reports.Month(at(2026, 12, 15, 12), z), time.Time{},
			d(2026, 12, 1), d(2027, 1, 1), d(2026, 11, 1), d(2026, 12, 1), false},
		{"a past month read today stays whole", reports.Month(at(2026, 11, 15, 12), z), at(2026, 12, 2, 15),
			d(2026, 11, 1), d(2026, 12, 1), d(2026, 10, 1), d(2026, 11, 1), false},
		{"month-to-date on the 2nd", reports.Month(at(2026, 12, 2, 15), z), at(2026, 12, 2, 15),
			d(2026, 12, 1), d(2026, 12, 3), d(2026, 11, 1), d(2026, 11, 3), true},
		{"month-to-date on the 1st", reports.Month(at(2026, 12, 1, 8), z), at(2026, 12, 1, 8),
			d(2026, 12, 1), d(2026, 12, 2), d(2026, 11, 1), d(2026, 11, 2), true},
		{"March 30th: clamped to February", reports.Month(at(2026, 3, 30, 9), z), at(2026, 3, 30, 9),
			d(2026, 3, 1), d(2026, 3, 31), d(2026, 2, 1), d(2026, 3, 1), true},
		{"the month's last day is the whole month", reports.Month(at(2026, 12, 31, 9), z), at(2026, 12, 31, 9),
			d(2026, 12, 1), d(2027, 1, 1), d(2026, 11, 1), d(2026, 12, 1), false},
		{"week-to-date on Wednesday", reports.Week(at(2026, 12, 2, 15), z), at(2026, 12, 2, 15),
			d(2026, 11, 30), d(2026, 12, 3), d(2026, 11, 23), d(2026, 11, 26), true},
		{"a day vs the day before", reports.Period{From: d(2026, 12, 2), To: d(2026, 12, 3), Zone: z}, at(2026, 12, 2, 15),
			d(2026, 12, 2), d(2026, 12, 3), d(2026, 12, 1), d(2026, 12, 2), false},
		{"21 custom days vs the 21 before", reports.Period{From: d(2026, 11, 1), To: d(2026, 11, 22), Zone: z}, time.Time{},
			d(2026, 11, 1), d(2026, 11, 22), d(2026, 10, 11), d(2026, 11, 1), false},
		{"instants: equal length", reports.Period{From: at(2026, 11, 1, 6), To: at(2026, 11, 1, 18), Zone: z}, time.Time{},
			at(2026, 11, 1, 6), at(2026, 11, 1, 18), at(2026, 10, 31, 18), at(2026, 11, 1, 6), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			if !c.now.IsZero() {
				p = p.SoFar(c.now)
				if !p.AsOf.Equal(c.now) {
					t.Errorf("AsOf = %v, want %v", p.AsOf, c.now)
				}
			}
			if !p.From.Equal(c.from) || !p.To.Equal(c.to) || p.Partial() != c.partial {
				t.Errorf("period %v..%v partial %v, want %v..%v partial %v", p.From.In(z), p.To.In(z), p.Partial(), c.from, c.to, c.partial)
			}
			pp := p.Previous()
			if !pp.From.Equal(c.prevFrom) || !pp.To.Equal(c.prevTo) {
				t.Errorf("previous %v..%v, want %v..%v", pp.From.In(z), pp.To.In(z), c.prevFrom, c.prevTo)
			}
		})
	}
}

// soFarFixture: one key shipper "MTD" with a parcel created (and delivered the day
// after) at 10:00 on each day of November and on 1 and 2 December 2026; a shipper "OLD"
// whose only parcel is from August; now is 2 December 15:00. Complaints, all filed on
// 1 December and held by one agent: A answered and resolved in time, B unanswered with
// both deadlines passed (2 December 10:00), C unanswered and due tomorrow (3 December),
// D about OLD's August parcel.
func soFarFixture(t *testing.T) (*pgxpool.Pool, *reports.Store, time.Time) {
	t.Helper()
	ctx := context.Background()
	pool := testdb.New(t)
	var parcels []parcel
	add := func(no, shipper string, created time.Time) {
		parcels = append(parcels, parcel{no: no, shipper: shipper, tier: customers.TierKey, created: created,
			out: created.Add(20 * time.Hour), delivered: created.Add(24 * time.Hour)})
	}
	for i := 1; i <= 30; i++ {
		add(fmt.Sprintf("MT%08d", i), "MTD", local(11, i, 10, 0))
	}
	add("MT00000031", "MTD", local(12, 1, 10, 0))
	parcels = append(parcels, parcel{no: "MT00000032", shipper: "MTD", tier: customers.TierKey, created: local(12, 2, 10, 0)})
	add("OL00000001", "OLD", local(8, 3, 10, 0))
	seed(t, pool, parcels)
	var agent int64
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, role) VALUES ('mtd@example.com', '赵敏', 'x', 'agent') RETURNING id`).Scan(&agent); err != nil {
		t.Fatal(err)
	}
	filed := local(12, 1, 9, 0)
	for _, c := range []struct {
		ref, no             string
		frDue, resDue       time.Time
		responded, resolved any
	}{
		{"A", "MT00000030", local(12, 1, 11, 0), local(12, 2, 9, 0), local(12, 1, 10, 0), local(12, 1, 18, 0)},
		{"B", "MT00000029", local(12, 2, 10, 0), local(12, 2, 10, 0), nil, nil},
		{"C", "MT00000028", local(12, 3, 10, 0), local(12, 3, 10, 0), nil, nil},
		{"D", "OL00000001", local(12, 1, 11, 0), local(12, 2, 9, 0), local(12, 1, 10, 0), nil},
	} {
		if _, err := pool.Exec(ctx, `INSERT INTO complaints (ref, shipment_id, shipper_id, consignee_id, category,
			description, contact_phone, status, priority, assignee_id, first_response_due, resolution_due,
			clock_start, first_responded_at, resolved_at, created_at, updated_at)
			SELECT $1, s.id, s.shipper_id, s.consignee_id, 'delayed', '没收到', '+8613800138000', 'in_progress', 'P2', $3,
			       $4, $5, $6, $7, $8, $6, $6
			FROM shipments s WHERE s.tracking_no = $2`, c.ref, c.no, agent, c.frDue, c.resDue, filed, c.responded, c.resolved); err != nil {
			t.Fatal(err)
		}
	}
	st := reports.NewStore(pool)
	now := local(12, 2, 15, 0)
	st.Now = clock.NewManual(now).Now
	return pool, st, now
}

// TestSLAWithDeadlinesAhead: in the month through today a complaint due tomorrow is
// neither met nor missed yet; one whose deadline passed this morning is missed. The
// Agents table follows the same rule, and so does a period read with no AsOf (the
// store's clock).
func TestSLAWithDeadlinesAhead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, now := soFarFixture(t)
	dec := reports.Month(now, nil)
	for _, c := range []struct {
		name string
		p    reports.Period
	}{{"month so far", dec.SoFar(now)}, {"whole month, store clock", dec}} {
		t.Run(c.name, func(t *testing.T) {
			stats, err := st.Complaints(ctx, c.p, reports.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			// A and D answered, B missed; C (due tomorrow) is not counted: 3 due, 2 met.
			// Resolution: A met, B missed, C and D not yet due (D is due 2 Dec 09:00 and
			// open: missed). So due A, B, D; met A.
			tot := stats.Total
			sameInt(t, "filed", tot.Filed, 4)
			sameInt(t, "first response due", tot.FRTDue, 3)
			sameInt(t, "first response met", tot.FRTMet, 2)
			sameInt(t, "resolution due", tot.ResDue, 3)
			sameInt(t, "resolution met", tot.ResMet, 1)
			agents, err := st.Agents(ctx, c.p, reports.Filter{})
			if err != nil || len(agents) != 1 {
				t.Fatalf("agents %v, %v", agents, err)
			}
			a := agents[0].ComplaintFigures
			sameInt(t, "agent first response due", a.FRTDue, 3)
			sameInt(t, "agent resolution due", a.ResDue, 3)
			sameFloat(t, "agent first-response compliance", a.FRTCompliance(), rate(2, 3))
		})
	}
	// Read as of tomorrow noon, C's deadlines have passed too.
	later := dec.SoFar(now.Add(21 * time.Hour))
	stats, err := st.Complaints(ctx, later, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	sameInt(t, "first response due tomorrow", stats.Total.FRTDue, 4)
	sameInt(t, "resolution due tomorrow", stats.Total.ResDue, 4)
}

// TestMonthToDate: on 2 December the month so far (1–2 December) compares with 1–2
// November, live and from the rollup (which holds every closed day after Refresh), and
// the per-shipper table has no row for OLD, whose only parcel is from August although a
// complaint about it was filed in the period.
func TestMonthToDate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, now := soFarFixture(t)
	p := reports.Month(now, nil).SoFar(now)
	check := func(t *testing.T) {
		d, err := st.Dashboard(ctx, p, reports.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		cur, prev := d.Summary.Current, d.Summary.Previous
		// Created 1, 2 Dec vs 1, 2 Nov; delivered 2 Dec (the 1 Dec parcel) vs 2 Nov (the 1
		// Nov parcel); 30 Nov's delivery on 1 Dec counts in December too.
		sameInt(t, "created", cur.Created, 2)
		sameInt(t, "previous created", prev.Created, 2)
		sameInt(t, "delivered", cur.Delivered, 2)
		sameInt(t, "previous delivered", prev.Delivered, 1)
		if got := d.Summary.PreviousPeriod; !got.From.Equal(local(11, 1, 0, 0)) || !got.To.Equal(local(11, 3, 0, 0)) {
			t.Errorf("previous period %v..%v", got.From, got.To)
		}
		if len(d.Days) != 2 {
			t.Errorf("daily rows %d, want 2", len(d.Days))
		}
		var codes []string
		for _, g := range d.Shippers {
			codes = append(codes, g.Code)
			if g.Code == "MTD" {
				sameInt(t, "MTD delivered", g.Current.Delivered, 2)
				sameInt(t, "MTD previous delivered", g.Previous.Delivered, 1)
				sameInt(t, "MTD complaints", g.Complaints, 3)
			}
		}
		if len(codes) != 1 || codes[0] != "MTD" {
			t.Errorf("shippers %v, want only MTD (OLD has no shipments in either period)", codes)
		}
		stats, err := st.Complaints(ctx, p, reports.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		sameInt(t, "complaints tile still counts OLD's", stats.Total.Filed, 4)
	}
	t.Run("live", check)
	if _, err := st.Refresh(ctx, shipments.DefaultZone, now); err != nil {
		t.Fatal(err)
	}
	t.Run("rollup", check)
}
