package reports

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Customer value: per shipper over a period, revenue, cost, compensation and margin with
// the service figures beside them, ABC classes by revenue, RFM scores and segments, and
// tier advice. Revenue and cost come from the KPI rollup's cells (by creation day, see
// moneyColumns), so a year at a million shipments reads a few tens of thousands of rows;
// compensation and complaints come from the complaints table (small).

// money is the volume and money of one shipper over a range.
type money struct {
	created, delivered, surveys, satisfied int64
	revenue, cost, unknownCost, uncharged  int64
	last                                   *time.Time // local date of the last day with a shipment created
}

func (m *money) add(o *money) {
	m.created += o.created
	m.delivered += o.delivered
	m.surveys += o.surveys
	m.satisfied += o.satisfied
	m.revenue += o.revenue
	m.cost += o.cost
	m.unknownCost += o.unknownCost
	m.uncharged += o.uncharged
	if o.last != nil && (m.last == nil || o.last.After(*m.last)) {
		m.last = o.last
	}
}

// moneySums are the aggregates of moneyByShipper's two queries over cells aliased s.
const moneySums = `sum(s.created)::bigint, sum(s.delivered)::bigint, sum(s.surveys)::bigint,
    sum(s.satisfied)::bigint, sum(s.revenue_fen)::bigint, sum(s.cost_fen)::bigint,
    sum(s.unknown_cost)::bigint, sum(s.uncharged)::bigint, max(s.day) FILTER (WHERE s.created > 0)`

// storedMoneySQL adds up the rollup's cells of zone $1 on the days $2, with the deltas
// committed since (deltaCubeSQL), per shipper and bucket: width_bucket counts the split
// dates $3 (ascending) at or before the cell's day. The cells and deltas are first added
// up per day and shipper, so a day whose shipments a delta removed has no created ones.
// %[1]s is the filter (kpi_cells has the shipments' filter columns, so it is aliased s).
const storedMoneySQL = `
WITH c AS (
    SELECT s.day, s.shipper_id, s.created, s.delivered, s.surveys, s.satisfied, s.revenue_fen, s.cost_fen,
           s.unknown_cost, s.uncharged
    FROM kpi_cells s WHERE s.zone = $1 AND s.day = ANY($2::date[]) %[1]s
    UNION ALL
    SELECT day, shipper_id, created, delivered, surveys, satisfied, revenue_fen, cost_fen, unknown_cost, uncharged
    FROM (` + deltaCubeSQL + `) x
), k AS (
    SELECT day, shipper_id, sum(created) AS created, sum(delivered) AS delivered, sum(surveys) AS surveys,
           sum(satisfied) AS satisfied, sum(revenue_fen) AS revenue_fen, sum(cost_fen) AS cost_fen,
           sum(unknown_cost) AS unknown_cost, sum(uncharged) AS uncharged
    FROM c GROUP BY day, shipper_id
)
SELECT s.shipper_id, width_bucket(s.day, $3::date[]), ` + moneySums + `
FROM k s GROUP BY 1, 2`

// liveMoneySQL adds up live cells (cubeSQL) per shipper; the range lies in one bucket
// ($5), as the caller cut it at the splits.
const liveMoneySQL = `
SELECT s.shipper_id, $5::int, ` + moneySums + `
FROM (` + cubeSQL + `) s GROUP BY 1`

// moneyByShipper returns, per shipper, the money of [from, to) under f cut at the
// instants splits (ascending, inside the range): bucket i holds [splits[i-1], splits[i]).
// Closed days wholly inside one bucket come from the rollup, the rest is cut live, as
// cells does; one statement reads all the stored days.
func (st *Store) moneyByShipper(ctx context.Context, tx pgx.Tx, zone *time.Location, from, to time.Time, splits []time.Time, f Filter) (map[int64][]money, error) {
	days, live, err := coverage(ctx, tx, zone, from, from, to)
	if err != nil {
		return nil, err
	}
	// Without disrupted shipments (which the cells cannot leave out) everything is live.
	days, live = f.coverage(days, live, from, to)
	if st.allLive {
		days, live = nil, [][2]time.Time{{from, to}}
	}
	bucket := func(t time.Time) int {
		n := 0
		for _, sp := range splits {
			if !t.Before(sp) {
				n++
			}
		}
		return n
	}
	// A held day that a split cuts is read live; live ranges are cut at the splits.
	var stored []time.Time
	for _, d := range days {
		start := localMidnight(d, zone)
		if bucket(start) == bucket(start.AddDate(0, 0, 1).Add(-time.Nanosecond)) {
			stored = append(stored, d)
		} else {
			live = append(live, [2]time.Time{start, start.AddDate(0, 0, 1)})
		}
	}
	var pieces [][2]time.Time
	for _, r := range live {
		for _, sp := range splits {
			if sp.After(r[0]) && sp.Before(r[1]) {
				pieces = append(pieces, [2]time.Time{r[0], sp})
				r[0] = sp
			}
		}
		pieces = append(pieces, r)
	}
	out := map[int64][]money{}
	read := func(q string, args []any) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var b int
			var m money
			if err := rows.Scan(&id, &b, &m.created, &m.delivered, &m.surveys, &m.satisfied, &m.revenue,
				&m.cost, &m.unknownCost, &m.uncharged, &m.last); err != nil {
				return err
			}
			if out[id] == nil {
				out[id] = make([]money, len(splits)+1)
			}
			out[id][b].add(&m)
		}
		return rows.Err()
	}
	if len(stored) > 0 {
		// A stored day lies wholly in one bucket, so comparing dates is exact.
		dates := make([]time.Time, len(splits))
		for i, sp := range splits {
			dates[i] = dateOf(sp, zone)
		}
		cond, args := filterSQL(f, []any{zone.String(), stored, dates})
		if err := read(fmt.Sprintf(storedMoneySQL, cond), args); err != nil {
			return nil, err
		}
	}
	for _, r := range pieces {
		st.liveCuts.Add(1)
		cond, args := filterSQL(f, []any{r[0], r[1], zone.String(), r[0], bucket(r[0])})
		if err := read(fmt.Sprintf(liveMoneySQL, cond), args); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// complaintMoneySQL counts, per shipper, the complaints filed in [$1, $2) and adds up the
// compensation of complaints resolved in [$1, $2); %s is the filter on their shipment s.
const complaintMoneySQL = `
SELECT c.shipper_id, count(*) FILTER (WHERE c.created_at >= $1 AND c.created_at < $2),
       COALESCE(sum(c.compensation_fen) FILTER (WHERE c.resolved_at >= $1 AND c.resolved_at < $2), 0)::bigint
FROM complaints c JOIN shipments s ON s.id = c.shipment_id
WHERE ((c.created_at >= $1 AND c.created_at < $2)
    OR (c.resolved_at >= $1 AND c.resolved_at < $2 AND c.compensation_fen > 0)) %s
GROUP BY c.shipper_id`

// complaintMoney returns per shipper [complaints filed, compensation paid] in [from, to).
func complaintMoney(ctx context.Context, tx pgx.Tx, from, to time.Time, f Filter) (map[int64][2]int64, error) {
	cond, args := filterSQL(f, []any{from, to})
	rows, err := tx.Query(ctx, fmt.Sprintf(complaintMoneySQL, cond), args...)
	if err != nil {
		return nil, err
	}
	out := map[int64][2]int64{}
	var id, n, comp int64
	_, err = pgx.ForEachRow(rows, []any{&id, &n, &comp}, func() error {
		out[id] = [2]int64{n, comp}
		return nil
	})
	return out, err
}

// shipperInfo is a shipper's code, name and tier.
type shipperInfo struct{ code, name, tier string }

// shipperInfos reads the shippers ids, and every key shipper when withKey.
func shipperInfos(ctx context.Context, tx pgx.Tx, ids []int64, withKey bool) (map[int64]shipperInfo, error) {
	rows, err := tx.Query(ctx, `SELECT id, code, name, tier FROM shippers WHERE id = ANY($1) OR ($2 AND tier = 'key')`, ids, withKey)
	if err != nil {
		return nil, err
	}
	out := map[int64]shipperInfo{}
	var id int64
	var s shipperInfo
	_, err = pgx.ForEachRow(rows, []any{&id, &s.code, &s.name, &s.tier}, func() error {
		out[id] = s
		return nil
	})
	return out, err
}

// snapshot runs fn in one read-only repeatable-read transaction, with the settings the
// cell queries need.
func (st *Store) snapshot(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, st.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// JIT compile time exceeded the live query's own at a million rows; work_mem keeps
		// the grouping of a long live range in memory.
		if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off"); err != nil {
			return err
		}
		return fn(tx)
	})
}

// Segment is one of the eight RFM segments: whether recency, frequency and monetary are
// high (score 3 or more) or low.
type Segment struct {
	Code    string // important_value, …
	ZH, EN  string // its name
	R, F, M bool   // high or low
}

// Segments is the standard eight-segment RFM scheme (RFM 客户分群), most valuable first.
var Segments = []Segment{
	{"important_value", "重要价值", "Important value", true, true, true},
	{"important_develop", "重要发展", "Important to develop", true, false, true},
	{"important_keep", "重要保持", "Important to keep", false, true, true},
	{"important_retain", "重要挽留", "Important to win back", false, false, true},
	{"general_value", "一般价值", "General value", true, true, false},
	{"general_develop", "一般发展", "General to develop", true, false, false},
	{"general_keep", "一般保持", "General to keep", false, true, false},
	{"general_retain", "一般挽留", "General to win back", false, false, false},
}

// segmentOf is the segment of the scores r, f, m (each 1–5).
func segmentOf(r, f, m int) *Segment {
	for i := range Segments {
		s := &Segments[i]
		if s.R == (r >= 3) && s.F == (f >= 3) && s.M == (m >= 3) {
			return s
		}
	}
	return nil
}

// RFM are a shipper's RFM figures; zero scores (and a nil Segment) mean not scored: no
// shipment created in the period.
type RFM struct {
	RecencyDays int // days from the local date of the last shipment to the period's last day
	R, F, M     int // scores 1–5
	Segment     *Segment
}

// TierAdvice is a shipper whose ABC class does not fit its tier, with the tier it should
// have and why (Reason: a_not_key, key_in_c or small_in_b, see Definitions).
type TierAdvice struct {
	From, To string
	Reason   string
}

// ShipperValue is one shipper's value over a period.
type ShipperValue struct {
	ShipperID                            int64
	Code, Name, Tier                     string
	Shipments                            int64 // created in the period
	Delivered, Surveys, Satisfied        int64 // delivered in the period, their surveys, 4–5 answers
	RevenueFen, CostFen, CompensationFen int64
	UnknownCost, Uncharged               int64 // shipments whose cost is not known, with no charge at all
	Complaints                           int64 // filed in the period
	LastShipment                         *time.Time
	Share, CumShare                      float64 // of all revenue: this shipper's, and cumulative up to it
	Class                                string  // A, B or C
	RFM                                  RFM
	Advice                               *TierAdvice
}

// MarginFen is revenue − cost − compensation.
func (v *ShipperValue) MarginFen() int64 { return v.RevenueFen - v.CostFen - v.CompensationFen }

// MarginPct is MarginFen / RevenueFen, nil without revenue.
func (v *ShipperValue) MarginPct() *float64 { return ratio(v.MarginFen(), v.RevenueFen) }

// RevenuePerShipment is RevenueFen / Shipments in fen, nil without shipments.
func (v *ShipperValue) RevenuePerShipment() *float64 { return ratio(v.RevenueFen, v.Shipments) }

// ComplaintsPer1000 is complaints per 1,000 delivered, nil when nothing was delivered.
func (v *ShipperValue) ComplaintsPer1000() *float64 { return ratio(v.Complaints*1000, v.Delivered) }

// CSATShare is the share of surveys answering 4 or 5, nil without surveys.
func (v *ShipperValue) CSATShare() *float64 { return ratio(v.Satisfied, v.Surveys) }

// Value is the customer-value report of a period.
type Value struct {
	Period   Period
	Shippers []ShipperValue // largest revenue first (then code)
	// Totals over Shippers.
	RevenueFen, CostFen, CompensationFen, Shipments, UnknownCost int64
}

// MarginFen is the total margin.
func (v *Value) MarginFen() int64 { return v.RevenueFen - v.CostFen - v.CompensationFen }

// Advice lists the shippers with tier advice, in Shippers' order.
func (v *Value) Advice() []ShipperValue {
	var out []ShipperValue
	for _, s := range v.Shippers {
		if s.Advice != nil {
			out = append(out, s)
		}
	}
	return out
}

// Shipper returns the figures of shipper id, nil when it is not listed.
func (v *Value) Shipper(id int64) *ShipperValue {
	for i := range v.Shippers {
		if v.Shippers[i].ShipperID == id {
			return &v.Shippers[i]
		}
	}
	return nil
}

// Value computes the customer value of every shipper with shipments, deliveries,
// complaints or compensation in p, and of every key shipper (so a key shipper gone quiet
// shows as C), in one snapshot.
func (st *Store) Value(ctx context.Context, p Period) (*Value, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	zone := p.zone()
	var m map[int64][]money
	var comp map[int64][2]int64
	var info map[int64]shipperInfo
	err := st.snapshot(ctx, func(tx pgx.Tx) error {
		var err error
		if m, err = st.moneyByShipper(ctx, tx, zone, p.From, p.To, nil, Filter{}); err != nil {
			return err
		}
		if comp, err = complaintMoney(ctx, tx, p.From, p.To, Filter{}); err != nil {
			return err
		}
		ids := make([]int64, 0, len(m)+len(comp))
		for id := range m {
			ids = append(ids, id)
		}
		for id := range comp {
			ids = append(ids, id)
		}
		info, err = shipperInfos(ctx, tx, ids, true)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reports: value: %w", err)
	}
	v := &Value{Period: p}
	for id, s := range info {
		sv := ShipperValue{ShipperID: id, Code: s.code, Name: s.name, Tier: s.tier}
		if mm := m[id]; mm != nil {
			x := mm[0]
			sv.Shipments, sv.Delivered, sv.Surveys, sv.Satisfied = x.created, x.delivered, x.surveys, x.satisfied
			sv.RevenueFen, sv.CostFen, sv.UnknownCost, sv.Uncharged = x.revenue, x.cost, x.unknownCost, x.uncharged
			sv.LastShipment = x.last
		}
		c := comp[id]
		sv.Complaints, sv.CompensationFen = c[0], c[1]
		v.Shippers = append(v.Shippers, sv)
	}
	classify(v.Shippers)
	score(v.Shippers, dateOf(p.To.Add(-time.Nanosecond), zone))
	for i := range v.Shippers {
		s := &v.Shippers[i]
		s.Advice = advise(s.Class, s.Tier)
		v.RevenueFen += s.RevenueFen
		v.CostFen += s.CostFen
		v.CompensationFen += s.CompensationFen
		v.Shipments += s.Shipments
		v.UnknownCost += s.UnknownCost
	}
	return v, nil
}

// classify sorts shippers by revenue (largest first, then code) and gives each its share,
// cumulative share and ABC class: A while the revenue of the shippers before it is under
// 80 % of the total (so the shipper that crosses 80 % is still A), B while under 95 %, C
// after that; a shipper without revenue is always C.
func classify(ss []ShipperValue) {
	slices.SortFunc(ss, func(a, b ShipperValue) int {
		if a.RevenueFen != b.RevenueFen {
			if a.RevenueFen > b.RevenueFen {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Code, b.Code)
	})
	var total, before int64
	for _, s := range ss {
		total += max(s.RevenueFen, 0)
	}
	for i := range ss {
		s := &ss[i]
		switch {
		case s.RevenueFen <= 0:
			s.Class = "C"
		case before*100 < total*80:
			s.Class = "A"
		case before*100 < total*95:
			s.Class = "B"
		default:
			s.Class = "C"
		}
		before += max(s.RevenueFen, 0)
		if total > 0 {
			s.Share = float64(max(s.RevenueFen, 0)) / float64(total)
			s.CumShare = float64(before) / float64(total)
		}
	}
}

// score gives the shippers with shipments in the period their RFM scores and segment.
// Each score is ⌈5 × cume_dist⌉: the share of scored shippers whose value is no better
// than this one's, times 5, rounded up (quintiles; ties share the higher score). Better
// is a more recent last shipment (fewer days before last, the period's last local date),
// more shipments, more revenue.
func score(ss []ShipperValue, last time.Time) {
	var scored []*ShipperValue
	for i := range ss {
		if s := &ss[i]; s.Shipments > 0 && s.LastShipment != nil {
			s.RFM.RecencyDays = int(last.Sub(*s.LastShipment).Hours() / 24)
			scored = append(scored, s)
		}
	}
	n := len(scored)
	quintile := func(noBetter int) int { return (5*noBetter + n - 1) / n }
	for _, s := range scored {
		var r, f, m int
		for _, o := range scored {
			if o.RFM.RecencyDays >= s.RFM.RecencyDays {
				r++
			}
			if o.Shipments <= s.Shipments {
				f++
			}
			if o.RevenueFen <= s.RevenueFen {
				m++
			}
		}
		s.RFM.R, s.RFM.F, s.RFM.M = quintile(r), quintile(f), quintile(m)
		s.RFM.Segment = segmentOf(s.RFM.R, s.RFM.F, s.RFM.M)
	}
}

// advise is the tier advice for class and tier: an A shipper not on key should be key; a
// key shipper in C should be regular; a small shipper in B should be regular. Nil when the
// tier fits.
func advise(class, tier string) *TierAdvice {
	switch {
	case class == "A" && tier != "key":
		return &TierAdvice{From: tier, To: "key", Reason: "a_not_key"}
	case class == "C" && tier == "key":
		return &TierAdvice{From: tier, To: "regular", Reason: "key_in_c"}
	case class == "B" && tier == "small":
		return &TierAdvice{From: tier, To: "regular", Reason: "small_in_b"}
	}
	return nil
}
