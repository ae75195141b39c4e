package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/billing"
)

// BillingSummary counts what Billing wrote.
type BillingSummary struct {
	Statements, Payments int
}

// demoActor is who changes terms in the demo (the audit log says so).
var demoActor = billing.Actor{Name: "demo"}

// How a demo shipper pays its statements.
type payer int

const (
	payOnTime     payer = iota // in full, a few days before the due date
	payLate                    // in full, one to four weeks after it
	payPart                    // about half when the statement arrives, the rest weeks late
	payDelinquent              // on the due date's terms of zero days, and hardly at all
)

// Billing closes the demo's past months and pays their statements as the shippers of a
// real company would. Each month is closed through billing.Store.CloseMonths at the
// instant the statement-close job would have closed it (02:30 on the 1st, in zone), so
// the statements are exactly the job's. Before that, two shippers (the second and third
// by code) are put on terms of zero days; after it, payments are recorded through
// RecordPayment: most shippers pay on time in full, some late, a few part, the two on
// zero days hardly at all (their oldest statements end up more than 60 days overdue),
// and the fourth gets a credit limit below its balance (both terms changes audited as
// "demo"). The first shipper by code (the demo shipper login's) pays on time, except its
// latest statement, part paid since it arrived. Deterministic for a seed and now; a second run
// adds nothing (closed months stay closed, payment references are unique, terms that do
// not change are not audited).
func Billing(ctx context.Context, pool *pgxpool.Pool, seed int64, now time.Time, zone *time.Location) (BillingSummary, error) {
	var sum BillingSummary
	st := billing.NewStore(pool, zone)
	var clock time.Time
	st.Now = func() time.Time { return clock }
	rows, err := pool.Query(ctx, `SELECT id FROM shippers ORDER BY code`)
	if err != nil {
		return sum, fmt.Errorf("demo: billing shippers: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return sum, fmt.Errorf("demo: billing shippers: %w", err)
	}
	var first *time.Time
	if err := pool.QueryRow(ctx, `SELECT min(created_at) FROM shipments`).Scan(&first); err != nil || first == nil {
		return sum, err
	}
	ps := first.In(zone)
	ps = time.Date(ps.Year(), ps.Month(), 1, 0, 0, 0, 0, zone)
	profile := make(map[int64]payer, len(ids))
	for i, id := range ids {
		r := rand.New(rand.NewPCG(uint64(seed), uint64(id)+3<<40))
		switch p := r.IntN(10); {
		case i == 0:
			profile[id] = payOnTime
		case i == 1 || i == 2:
			profile[id] = payDelinquent
			clock = ps // terms agreed before the first month the demo bills
			if err := st.SetTerms(ctx, id, billing.Terms{PaymentTermsDays: 0}, demoActor); err != nil {
				return sum, fmt.Errorf("demo: terms of shipper %d: %w", id, err)
			}
		case i == 3 || p >= 8:
			profile[id] = payLate
		case p >= 6:
			profile[id] = payPart
		default:
			profile[id] = payOnTime
		}
	}
	for pe := ps.AddDate(0, 1, 0); ; pe = pe.AddDate(0, 1, 0) {
		clock = pe.Add(2*time.Hour + 30*time.Minute) // the job's first run after the month
		if clock.After(now) {
			break
		}
		res, err := st.CloseMonths(ctx)
		sum.Statements += res.Statements
		if err != nil {
			return sum, fmt.Errorf("demo: %w", err)
		}
	}
	clock = now
	for i, id := range ids {
		list, err := st.Statements(ctx, id) // newest first
		if err != nil {
			return sum, fmt.Errorf("demo: statements of shipper %d: %w", id, err)
		}
		for j, s := range list {
			for k, p := range payments(profile[id], i == 0 && j == 0, j, s, seed, now, zone) {
				p.ShipperCode, p.Statement = s.ShipperCode, s.Number
				p.Reference = fmt.Sprintf("DEMO-%d-%s-%d", seed, s.Number, k+1)
				pay, err := st.RecordPayment(ctx, p, billing.SourceImport)
				if err != nil {
					return sum, fmt.Errorf("demo: payment on %s: %w", s.Number, err)
				}
				if !pay.Existed {
					sum.Payments++
				}
			}
		}
		if i == 3 {
			a, err := st.ShipperAgeing(ctx, id)
			if err != nil {
				return sum, fmt.Errorf("demo: ageing of shipper %d: %w", id, err)
			}
			// A limit at about two thirds of the balance, in whole hundreds of yuan.
			limit := a.BalanceFen * 2 / 3 / 10_000 * 10_000
			if a.BalanceFen > limit {
				if err := st.SetTerms(ctx, id, billing.Terms{PaymentTermsDays: a.PaymentTermsDays, CreditLimitFen: &limit}, demoActor); err != nil {
					return sum, fmt.Errorf("demo: credit limit of shipper %d: %w", id, err)
				}
			}
		}
	}
	return sum, nil
}

// payments are the payments (without shipper, statement and reference) a payer of the
// given kind has made on statement s by now; j is the statement's place, 0 the newest,
// and partLatest makes the newest part paid whatever the kind.
func payments(kind payer, partLatest bool, j int, s billing.Statement, seed int64, now time.Time, zone *time.Location) []billing.NewPayment {
	if s.TotalDueFen <= 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(seed), uint64(s.ID)+4<<40))
	due := s.DueAt.In(zone).AddDate(0, 0, -1) // the due date, at midnight
	at := func(days int) time.Time {          // a working-hours instant days after the due date
		t := due.AddDate(0, 0, days).Add(time.Duration(9*60+r.IntN(8*60)) * time.Minute)
		return later(t, s.ClosedAt.Add(time.Hour))
	}
	type part struct {
		fen int64
		at  time.Time
	}
	var plan []part
	half := s.TotalDueFen * int64(40+r.IntN(31)) / 100
	switch {
	case partLatest && j == 0: // some days after it arrived, before now
		plan = []part{{half, s.ClosedAt.Add(time.Hour + time.Duration(r.Int64N(int64(max(now.Sub(s.ClosedAt)/2, time.Hour)))))}}
	case kind == payOnTime:
		plan = []part{{s.TotalDueFen, at(-r.IntN(8))}}
	case kind == payLate:
		plan = []part{{s.TotalDueFen, at(7 + r.IntN(22))}}
	case kind == payPart:
		// what it can when the statement arrives, the rest weeks late
		arrived := s.ClosedAt.Add(time.Duration(3+r.IntN(8))*24*time.Hour + time.Duration(r.IntN(8*60))*time.Minute)
		plan = []part{{half, arrived}, {s.TotalDueFen - half, at(20 + r.IntN(20))}}
	case kind == payDelinquent && j == 1:
		plan = []part{{half / 2, at(10 + r.IntN(10))}}
	}
	var out []billing.NewPayment
	for _, p := range plan {
		if p.fen > 0 && !p.at.Truncate(time.Minute).After(now) {
			out = append(out, billing.NewPayment{AmountFen: p.fen, PaidAt: p.at.Truncate(time.Minute)}) // stored to the µs
		}
	}
	return out
}

// later is the later of two instants.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
