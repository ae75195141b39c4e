package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/complaints"
)

// CareSummary counts what Care wrote.
type CareSummary struct {
	Surveys, Complaints, Resolved int
}

// Care adds what customers and staff did with the demo shipments, so the console, the
// progress pages and the KPIs have a history to show:
//
//   - survey answers for about a fifth of the parcels delivered in the last 60 days (late
//     deliveries score lower), written in one INSERT … SELECT;
//   - complaints on about one parcel in a hundred (late ones first), filed and handled
//     through the complaints package itself — deadlines, transitions, replies, root
//     causes and ratings follow its rules — each at its own moment in the past, by the
//     given agents. Recent complaints are left open in various states, so the queue has
//     work in it, some of it close to or past its deadline.
//
// Care is deterministic for a seed and now and safe to run twice: surveys are one per
// shipment and each complaint is filed with an idempotency key, so a second run adds
// nothing. agents must not be empty.
func Care(ctx context.Context, pool *pgxpool.Pool, agents []complaints.Actor, seed int64, now time.Time) (*CareSummary, error) {
	if len(agents) == 0 {
		return nil, fmt.Errorf("demo: care needs at least one agent")
	}
	sum := &CareSummary{}
	tag, err := pool.Exec(ctx, surveySQL, seed, now)
	if err != nil {
		return nil, fmt.Errorf("demo: surveys: %w", err)
	}
	sum.Surveys = int(tag.RowsAffected())

	rows, err := pool.Query(ctx, `
SELECT s.id, c.phone, s.delivered_at, s.promised_at, s.status, coalesce(s.last_event_at, s.created_at)
FROM shipments s JOIN consignees c ON c.id = s.consignee_id
WHERE s.created_at > $2::timestamptz - interval '60 days'
  AND ((s.id * 7919 + $1) % 100 = 0
       OR (s.delivered_at > s.promised_at AND (s.id * 104729 + $1) % 25 = 0)
       OR (s.status IN ('exception', 'delivery_failed') AND (s.id + $1) % 5 = 0))
ORDER BY s.id LIMIT 3000`, seed, now)
	if err != nil {
		return nil, fmt.Errorf("demo: complaint candidates: %w", err)
	}
	type candidate struct {
		id                  int64
		phone               string
		delivered, promised *time.Time
		status              string
		last                time.Time
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (candidate, error) {
		var c candidate
		err := r.Scan(&c.id, &c.phone, &c.delivered, &c.promised, &c.status, &c.last)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("demo: complaint candidates: %w", err)
	}

	done := map[string]bool{} // complaints an earlier run filed (and handled) already
	rows, err = pool.Query(ctx, `SELECT idempotency_key FROM complaints WHERE idempotency_key LIKE 'demo:%'`)
	if err != nil {
		return nil, fmt.Errorf("demo: complaints: %w", err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("demo: complaints: %w", err)
	}
	for _, k := range keys {
		done[k] = true
	}

	// A store of its own whose clock the loop moves: every action happens at its time.
	var clock time.Time
	st := complaints.NewStore(pool)
	st.Now = func() time.Time { return clock }
	for _, c := range cands {
		r := rand.New(rand.NewPCG(uint64(seed), uint64(c.id)))
		filed := c.last.Add(time.Duration(1+r.IntN(20)) * time.Hour)
		if filed.After(now) {
			filed = now.Add(-time.Duration(5+r.IntN(120)) * time.Minute)
		}
		key := fmt.Sprintf("demo:%d:%d", seed, c.id)
		if done[key] {
			continue
		}
		cat, text := complaintFor(r, c.status, c.delivered != nil && c.promised != nil && c.delivered.After(*c.promised))
		clock = filed
		comp, err := st.File(ctx, complaints.Filing{ShipmentID: c.id, Category: cat, Description: text,
			ContactPhone: c.phone, IdempotencyKey: key})
		if err != nil {
			return sum, fmt.Errorf("demo: file a complaint on shipment %d: %w", c.id, err)
		}
		sum.Complaints++
		resolved, err := handle(ctx, st, &clock, r, comp, agents, now)
		if err != nil {
			return sum, fmt.Errorf("demo: handle complaint %s: %w", comp.Ref, err)
		}
		if resolved {
			sum.Resolved++
		}
	}
	clock = now
	if _, err := st.AutoClose(ctx, now); err != nil {
		return sum, fmt.Errorf("demo: auto-close: %w", err)
	}
	return sum, nil
}

// handle walks one complaint through what staff and the customer did, stopping at now:
// older complaints are usually resolved (and some rated, a few reopened), recent ones are
// left new, claimed or in progress.
func handle(ctx context.Context, st *complaints.Store, clock *time.Time, r *rand.Rand, c *complaints.Complaint,
	agents []complaints.Actor, now time.Time) (resolved bool, err error) {
	agent := agents[r.IntN(len(agents))]
	at := func(d time.Duration) bool { // advance the clock unless that passes now
		next := clock.Add(d)
		if next.After(now) {
			return false
		}
		*clock = next
		return true
	}
	if r.IntN(10) == 0 || !at(time.Duration(5+r.IntN(240))*time.Minute) {
		return false, nil // nobody has taken it yet
	}
	if err := st.Claim(ctx, c.ID, agent); err != nil {
		return false, err
	}
	if !at(time.Duration(5+r.IntN(90)) * time.Minute) {
		return false, nil
	}
	if err := st.Transition(ctx, c.ID, complaints.StatusInProgress, agent); err != nil {
		return false, err
	}
	if _, err := st.Reply(ctx, c.ID, agent, replies[r.IntN(len(replies))], true); err != nil {
		return false, err
	}
	if r.IntN(6) == 0 && at(time.Duration(30+r.IntN(300))*time.Minute) {
		if _, err := st.Reply(ctx, c.ID, agent, "已联系网点核实,等待回复。", false); err != nil {
			return false, err
		}
	}
	if !at(time.Duration(2+r.IntN(60)) * time.Hour) {
		return false, nil
	}
	cause := complaints.RootCauses[weighted(r, []int{30, 15, 12, 14, 6, 10, 5, 8})]
	res := complaints.Resolution{RootCause: cause, Department: departments[cause], Code: complaints.ResolutionCodes[r.IntN(len(complaints.ResolutionCodes))],
		Note: "已为您处理完毕,感谢您的耐心。"}
	if res.Code == "compensated" {
		res.CompensationFen = int64(10+r.IntN(20)) * 500
	}
	if err := st.Resolve(ctx, c.ID, agent, res); err != nil {
		return false, err
	}
	if r.IntN(12) == 0 && at(time.Duration(1+r.IntN(48))*time.Hour) {
		if err := st.Reopen(ctx, c.ID, "问题没有解决,包裹还是没有收到。"); err != nil {
			return false, err
		}
		return false, nil
	}
	if r.IntN(5) < 3 && at(time.Duration(1+r.IntN(24))*time.Hour) {
		if err := st.Rate(ctx, c.ID, []int{5, 5, 5, 4, 4, 4, 3, 2, 1}[r.IntN(9)]); err != nil {
			return false, err
		}
	}
	return true, nil
}

// complaintFor picks a category and a customer's words for a shipment in this state.
func complaintFor(r *rand.Rand, status string, late bool) (complaints.Category, string) {
	switch {
	case status == "exception" || status == "delivery_failed":
		return complaints.Lost, "快递一直没有送到,物流信息也不更新了,请尽快帮我查一下。"
	case late:
		return complaints.Delayed, "承诺的时间早就过了,包裹才送到,耽误了我的事情。"
	}
	options := []struct {
		cat  complaints.Category
		text string
	}{
		{complaints.Damaged, "收到的包裹外箱破损,里面的东西有磕碰。"},
		{complaints.NotReceivedButSigned, "显示已签收,但我本人没有收到包裹。"},
		{complaints.CourierAttitude, "快递员电话里态度很差,直接把包裹放在门口。"},
		{complaints.WrongAddress, "包裹被送到了隔壁小区,地址写得很清楚。"},
		{complaints.Billing, "运费比下单时显示的多收了。"},
		{complaints.Other, "希望以后派送前能提前打电话。"},
	}
	o := options[r.IntN(len(options))]
	return o.cat, o.text
}

// weighted returns an index drawn with the given weights.
func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

var replies = []string{
	"您好,已收到您的反馈,我们正在联系派送网点核实,会尽快给您答复。",
	"非常抱歉给您带来不便,已安排专人跟进,今天内给您回电。",
	"您好,我们已查到包裹的位置,正在安排重新派送。",
}

// departments is the department usually responsible for each root cause.
var departments = map[string]string{
	"courier": "派送部", "sorting_hub": "分拨中心", "linehaul": "干线运输部", "address_data": "客服部",
	"weather": "运营部", "customer": "客服部", "system": "信息技术部", "other": "客服部",
}

// surveySQL answers the survey for about 22% of the parcels delivered in the 60 days before
// $2, a few hours after delivery and never after $2. On-time parcels score mostly 4–5,
// late ones lower; one answer in three has a comment. Numbers come from the shipment id
// and the seed ($1), so the same data gives the same answers.
const surveySQL = `
INSERT INTO surveys (shipment_id, consignee_id, csat, nps, comment, created_at, updated_at)
SELECT id, consignee_id, csat, nps, comment, at, at
FROM (
  SELECT s.id, s.consignee_id,
         CASE WHEN s.delivered_at <= s.promised_at THEN (ARRAY[5,5,5,5,4,4,4,3,5,4])[1 + h % 10]
              ELSE (ARRAY[2,3,1,4,3,2,5,3,2,1])[1 + h % 10] END AS csat,
         CASE WHEN s.delivered_at <= s.promised_at THEN (ARRAY[10,9,9,8,10,7,9,10,6,8])[1 + (h / 10) % 10]
              ELSE (ARRAY[3,5,6,2,7,0,4,8,5,1])[1 + (h / 10) % 10] END AS nps,
         CASE WHEN h % 3 <> 0 THEN ''
              WHEN s.delivered_at <= s.promised_at THEN (ARRAY['快递员很负责,送货及时','包装完好,速度快','服务很好,下次还用','Fast delivery, thank you'])[1 + (h / 100) % 4]
              ELSE (ARRAY['比承诺的时间晚了一天','物流信息更新太慢','派送前没有打电话','Late, and nobody told me why'])[1 + (h / 100) % 4] END AS comment,
         least(s.delivered_at + (1 + h % 20) * interval '1 hour', $2::timestamptz) AS at
  FROM (SELECT *, (id * 2654435761 + $1) % 1000003 AS h FROM shipments
        WHERE delivered_at > $2::timestamptz - interval '60 days' AND delivered_at <= $2::timestamptz) s
  WHERE s.h % 100 < 22
) a
ON CONFLICT (shipment_id) DO NOTHING`
