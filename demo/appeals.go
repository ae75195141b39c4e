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

// Appeals registers regulator appeals on about one demo complaint in eight, a few days
// after filing, through the complaints package at their own moments: older ones have had
// their formal reply and many a verdict (a third effective), recent ones are still waiting,
// some past half their reply time (the escalation job hands those to the demo manager).
// Deterministic for a seed and now; a second run adds nothing (appeal numbers are unique).
// It returns how many appeals it registered.
func Appeals(ctx context.Context, pool *pgxpool.Pool, seed int64, now time.Time) (int, error) {
	rows, err := pool.Query(ctx, `SELECT id, created_at FROM complaints
		WHERE (id * 7919 + $1) % 8 = 0 AND created_at < $2::timestamptz - interval '1 day' ORDER BY id`, seed, now)
	if err != nil {
		return 0, fmt.Errorf("demo: appeal candidates: %w", err)
	}
	type candidate struct {
		id    int64
		filed time.Time
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (candidate, error) {
		var c candidate
		return c, r.Scan(&c.id, &c.filed)
	})
	if err != nil {
		return 0, fmt.Errorf("demo: appeal candidates: %w", err)
	}
	var clock time.Time
	st := complaints.NewStore(pool)
	st.Now = func() time.Time { return clock }
	n := 0
	sources := complaints.AppealSources
	for _, c := range cands {
		r := rand.New(rand.NewPCG(uint64(seed), uint64(c.id)+1<<40))
		received := c.filed.Add(time.Duration(24+r.IntN(9*24)) * time.Hour)
		if received.After(now) { // a recent complaint: appealed since, before now
			received = c.filed.Add(now.Sub(c.filed) / 2).Truncate(time.Minute)
		}
		clock = received.Add(time.Duration(10+r.IntN(120)) * time.Minute)
		if clock.After(now) {
			clock = now
		}
		_, created, err := st.RegisterAppeal(ctx, c.id, complaints.Actor{}, complaints.AppealRegistration{
			Source: sources[r.IntN(len(sources))], No: fmt.Sprintf("12305-%s-%06d", received.Format("20060102"), c.id),
			ReceivedAt: received, ReplyDue: received.Add(7 * 24 * time.Hour)})
		if err != nil {
			return n, fmt.Errorf("demo: appeal on complaint %d: %w", c.id, err)
		}
		if !created {
			continue
		}
		n++
		replied := received.Add(time.Duration(36+r.IntN(4*24)) * time.Hour)
		if replied.After(now) {
			continue // still waiting for its formal reply
		}
		clock = replied
		if _, err := st.AddFormalReply(ctx, c.id, complaints.Actor{}, complaints.FormalReplyInput{
			Text: formalReplies[r.IntN(len(formalReplies))], IdempotencyKey: fmt.Sprintf("demo:%d:appeal:%d", seed, c.id)}); err != nil {
			return n, fmt.Errorf("demo: formal reply on complaint %d: %w", c.id, err)
		}
		ruled := replied.Add(time.Duration(3+r.IntN(10)) * 24 * time.Hour)
		if ruled.After(now) {
			continue
		}
		clock = ruled
		if err := st.SetVerdict(ctx, c.id, complaints.Actor{}, r.IntN(3) == 0, ruled); err != nil {
			return n, fmt.Errorf("demo: verdict on complaint %d: %w", c.id, err)
		}
	}
	return n, nil
}

// formalReplies are the demo's formal replies to the regulator.
var formalReplies = []string{
	"经核查，该快件因分拨中心操作失误滞留两天，现已妥投；我司已向用户致歉并按规定赔付，对责任人作出处理。",
	"经核实，快递员未按约定时间派送且未提前联系用户，我司已对快递员进行处罚和培训，并与用户达成和解。",
	"经调取监控和签收记录，快件已由用户家人签收，我司已向用户说明情况，用户表示认可。",
}
