package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/complaints"
	"lcrm/customers"
)

// demoSummaries are what an agent writes after a call, by outcome.
var demoSummaries = map[string][]string{
	"resolved":     {"已说明原因并确认新的派送时间，客户接受", "客户确认已收到包裹"},
	"callback":     {"客户正在开会，约好下午再打", "需要先核实网点情况，稍后回电"},
	"no_answer":    {"无人接听", "电话占线"},
	"left_message": {"已发短信告知处理进度", "已语音留言"},
	"escalated":    {"客户要求赔偿，已转主管处理"},
}

// Contacts logs the staff's calls about the demo complaints through the customers package:
// one or two contacts per complaint in the hours after it was filed, by the given agents,
// and for the few newest complaints a call a few minutes ago, so the console's "last
// contacted by" banner has something to show. Deterministic for a seed and now; each
// contact has an idempotency key, so a second run adds nothing. It returns how many
// contacts it logged or found logged.
func Contacts(ctx context.Context, pool *pgxpool.Pool, agents []complaints.Actor, seed int64, now time.Time) (int, error) {
	if len(agents) == 0 {
		return 0, fmt.Errorf("demo: contacts need at least one agent")
	}
	rows, err := pool.Query(ctx, `SELECT id, consignee_id, created_at FROM complaints ORDER BY created_at DESC, id DESC LIMIT 500`)
	if err != nil {
		return 0, fmt.Errorf("demo: contacts: %w", err)
	}
	type filed struct {
		id, consignee int64
		at            time.Time
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (filed, error) {
		var f filed
		return f, r.Scan(&f.id, &f.consignee, &f.at)
	})
	if err != nil {
		return 0, fmt.Errorf("demo: contacts: %w", err)
	}
	st := customers.NewStore(pool)
	n := 0
	for i, f := range list {
		r := rand.New(rand.NewPCG(uint64(seed), uint64(f.id)))
		calls := 1 + r.IntN(2)
		for k := 0; k < calls; k++ {
			at := f.at.Add(time.Duration(30+r.IntN(600)) * time.Minute)
			if i < 3 && k == calls-1 {
				at = now.Add(-time.Duration(3+r.IntN(40)) * time.Minute) // the newest: just now
				if at.Before(f.at) {
					at = f.at.Add(time.Minute) // never before the complaint was filed
				}
			}
			if at.After(now) {
				continue
			}
			outcome := customers.ContactOutcomes[r.IntN(len(customers.ContactOutcomes))]
			texts := demoSummaries[outcome]
			a := agents[r.IntN(len(agents))]
			_, err := st.LogContact(ctx, customers.Contact{Kind: customers.KindConsignee, CustomerID: f.consignee,
				ComplaintID: f.id, UserID: a.UserID, Channel: "phone", Direction: "outbound", Outcome: outcome,
				Summary: texts[r.IntN(len(texts))], IdempotencyKey: fmt.Sprintf("demo:%d:%d:%d", seed, f.id, k), CreatedAt: at})
			if err != nil {
				return n, fmt.Errorf("demo: log a contact about complaint %d: %w", f.id, err)
			}
			n++
		}
	}
	return n, nil
}
