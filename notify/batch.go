package notify

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// BatchQuerier is satisfied by *pgxpool.Pool and pgx.Tx: EnqueueMany reads rows back.
type BatchQuerier interface {
	Querier
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Enqueued is the outcome of one message of EnqueueMany, as Enqueue would return it.
type Enqueued struct {
	ID      int64
	Created bool
}

// prepared is a message with everything Enqueue decides before it writes: the body, when
// it is due and until when it is worth sending, and the recipient's day for the cap.
type prepared struct {
	m                  Message
	body               string
	segs               int
	care               bool
	due, deadline      time.Time
	dayStart, dayEnd   time.Time
	capN               int // -1: not held to the cap
	counted            bool
	status, suppressed string
}

// prepare applies the rules of a message that need no database: key and recipient,
// locale, template, quiet hours, freshness limit and the day the cap counts in.
func (o *Outbox) prepare(m Message, now time.Time) (prepared, error) {
	if m.Key == "" || m.To == "" {
		return prepared{}, ErrBadMessage
	}
	if m.Locale != "en" {
		m.Locale = "zh"
	}
	body, err := render(m.Kind, m.Locale, o.cfg.Signature, m.Vars, o.cfg.MaxSegments)
	if err != nil {
		return prepared{}, err
	}
	p := prepared{m: m, body: body, care: m.Kind.Care()}
	p.segs, _ = Segments(body)
	p.due = now
	if m.NotBefore.After(p.due) {
		p.due = m.NotBefore
	}
	p.deadline = p.due.Add(sendBy[m.Kind])
	if m.Kind.Quiet() {
		p.due = o.afterQuiet(m.To, p.due)
	}
	lt := p.due.In(o.zoneOf(m.To))
	p.dayStart = time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, lt.Location())
	p.dayEnd = p.dayStart.AddDate(0, 0, 1)
	p.capN = o.cfg.DailyCap
	if !m.Kind.Capped() || p.capN < 0 {
		p.capN = -1
	}
	// The rows the cap counts: care messages other than status SMS (the same test as the
	// count in Enqueue's SQL), once they are not suppressed.
	p.counted = p.care && !slices.Contains(statusKinds, string(m.Kind))
	return p, nil
}

// capLockClass is the first key of the advisory locks EnqueueMany takes per phone (the
// two-key form, apart from the jobs' one-key locks).
const capLockClass = 0x534d53 // "SMS"

// capLockBuckets bounds the advisory locks of one batch: a phone locks its bucket (hash
// modulo this), so a batch of thousands of phones holds at most this many locks of the
// server's shared lock table (max_locks_per_transaction × connections, 6,400 by default)
// instead of one per phone. Two phones in one bucket only serialise their batches.
const capLockBuckets = 1024

// EnqueueMany enqueues msgs as if Enqueue were called on each in order, in a few
// statements instead of one round trip per message: the same keys (a key already stored,
// or repeated in msgs, stores nothing and returns the first message's id with created
// false), the same template, quiet hours and freshness limit, the same opt-out and daily
// cap (a message is over the cap when the messages already stored for its phone and day
// plus the earlier ones of msgs that went in queued reach it). One message the rules
// refuse (no key, unknown kind) fails the call and stores nothing of it.
//
// Given a transaction, it first takes a transaction-scoped advisory lock per capped phone
// (per bucket of phones, see capLockBuckets; in a fixed order, so two batches cannot
// deadlock on them) and only then counts, so two concurrent batches cannot both take a
// phone's last slot. The order is fixed within one call: a transaction that hands over
// capped messages in two calls can deadlock with another such transaction, so give one
// call a transaction's capped messages. Enqueue does not take the lock: a single Enqueue
// racing a batch can still pass the cap, as two Enqueues can.
func (o *Outbox) EnqueueMany(ctx context.Context, q BatchQuerier, msgs []Message) ([]Enqueued, error) {
	out := make([]Enqueued, len(msgs))
	if len(msgs) == 0 {
		return out, nil
	}
	now := o.Now()
	ps := make([]prepared, len(msgs))
	first := make(map[string]int, len(msgs)) // key -> index of its first message
	keys := make([]string, 0, len(msgs))
	var phones []string // capped recipients, for the locks and the counts
	for i, m := range msgs {
		p, err := o.prepare(m, now)
		if err != nil {
			return nil, fmt.Errorf("notify: enqueue %s: %w", m.Key, err)
		}
		ps[i] = p
		if _, dup := first[m.Key]; dup {
			continue
		}
		first[m.Key] = i
		keys = append(keys, m.Key)
		if p.capN >= 0 {
			phones = append(phones, m.To)
		}
	}
	slices.Sort(phones)
	phones = slices.Compact(phones)
	if len(phones) > 0 {
		if _, ok := q.(pgx.Tx); ok {
			locks := make([]int32, len(phones))
			for i, ph := range phones {
				h := fnv.New32a()
				h.Write([]byte(ph))
				locks[i] = int32(h.Sum32() % capLockBuckets)
			}
			slices.Sort(locks)
			locks = slices.Compact(locks)
			if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1, k) FROM unnest($2::int[]) k ORDER BY k`, capLockClass, locks); err != nil {
				return nil, fmt.Errorf("notify: enqueue: lock phones: %w", err)
			}
		}
	}

	// What is stored already: keys, opt-outs, and the cap's count per phone and day.
	existing := map[string]int64{}
	opted := map[string]bool{}
	type day struct {
		phone string
		start int64 // UnixNano of the day's start in the recipient's zone
	}
	count := map[day]int{}
	var cPhones []string
	var cStart, cEnd []time.Time
	for _, i := range first {
		p := ps[i]
		if p.capN >= 0 {
			d := day{p.m.To, p.dayStart.UnixNano()}
			if _, seen := count[d]; !seen {
				count[d] = 0
				cPhones, cStart, cEnd = append(cPhones, p.m.To), append(cStart, p.dayStart), append(cEnd, p.dayEnd)
			}
		}
	}
	var optPhones []string
	for _, i := range first {
		if ps[i].care {
			optPhones = append(optPhones, ps[i].m.To)
		}
	}
	rows, err := q.Query(ctx, `
		SELECT 'key', key, id, NULL::timestamptz FROM sms_outbox WHERE key = ANY($1)
		UNION ALL
		SELECT 'opt', phone, 0, NULL FROM sms_optouts WHERE phone = ANY($2)
		UNION ALL
		SELECT 'cap', d.phone, (SELECT count(*) FROM sms_outbox
		        WHERE to_phone = d.phone AND care AND kind <> ALL($6) AND status NOT IN ('suppressed', 'expired', 'failed')
		          AND next_attempt_at >= d.s AND next_attempt_at < d.e), d.s
		FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[]) d(phone, s, e)`,
		keys, optPhones, cPhones, cStart, cEnd, statusKinds)
	if err != nil {
		return nil, fmt.Errorf("notify: enqueue: %w", err)
	}
	for rows.Next() {
		var what, s string
		var n int64
		var start *time.Time
		if err := rows.Scan(&what, &s, &n, &start); err != nil {
			rows.Close()
			return nil, fmt.Errorf("notify: enqueue: %w", err)
		}
		switch what {
		case "key":
			existing[s] = n
		case "opt":
			opted[s] = true
		case "cap":
			count[day{s, start.UnixNano()}] = int(n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: enqueue: %w", err)
	}

	// Decide each new message in order, counting the queued ones against later messages
	// to the same phone and day, as a run of Enqueue calls would.
	var ins []int
	for i := range ps {
		p := &ps[i]
		if first[p.m.Key] != i {
			continue
		}
		if id, ok := existing[p.m.Key]; ok {
			out[i] = Enqueued{ID: id}
			continue
		}
		d := day{p.m.To, p.dayStart.UnixNano()}
		switch {
		case p.care && opted[p.m.To]:
			p.status, p.suppressed = string(StatusSuppressed), ReasonOptedOut
		case p.capN >= 0 && count[d] >= p.capN:
			p.status, p.suppressed = string(StatusSuppressed), ReasonDailyCap
		default:
			p.status = string(StatusQueued)
			if p.counted {
				count[d]++
			}
		}
		ins = append(ins, i)
	}
	if len(ins) > 0 {
		if err := o.insertMany(ctx, q, ps, ins, now, out); err != nil {
			return nil, err
		}
	}
	for i := range ps {
		if j := first[ps[i].m.Key]; j != i {
			out[i] = Enqueued{ID: out[j].ID}
		}
	}
	return out, nil
}

// insertMany writes the decided messages ps[ins] in one INSERT ... SELECT FROM unnest and
// fills out; a key another transaction stored meanwhile is read back, created false.
func (o *Outbox) insertMany(ctx context.Context, q BatchQuerier, ps []prepared, ins []int, now time.Time, out []Enqueued) error {
	n := len(ins)
	var (
		key, kind, to, locale, body, status, reason = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		segs                                        = make([]int32, n)
		care                                        = make([]bool, n)
		due, deadline                               = make([]time.Time, n), make([]time.Time, n)
		shipment, consignee, shipper, complaint     = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	)
	at := make(map[string]int, n)
	for j, i := range ins {
		p := ps[i]
		key[j], kind[j], to[j], locale[j], body[j] = p.m.Key, string(p.m.Kind), p.m.To, p.m.Locale, p.body
		status[j], reason[j], segs[j], care[j], due[j], deadline[j] = p.status, p.suppressed, int32(p.segs), p.care, p.due, p.deadline
		shipment[j], consignee[j], shipper[j], complaint[j] = p.m.ShipmentID, p.m.ConsigneeID, p.m.ShipperID, p.m.ComplaintID
		at[p.m.Key] = i
	}
	rows, err := q.Query(ctx, `
		INSERT INTO sms_outbox (key, kind, to_phone, locale, body, segments, care, status,
		    suppressed_reason, next_attempt_at, send_by, shipment_id, consignee_id, shipper_id,
		    complaint_id, created_at, updated_at)
		SELECT k, kd, tp, lc, b, sg, c, st, r, d, sb, NULLIF(sh, 0), NULLIF(cn, 0), NULLIF(sp, 0), NULLIF(cp, 0), $16, $16
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bool[], $8::text[],
		            $9::text[], $10::timestamptz[], $11::timestamptz[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[])
		     WITH ORDINALITY AS u(k, kd, tp, lc, b, sg, c, st, r, d, sb, sh, cn, sp, cp, ord)
		ORDER BY ord
		ON CONFLICT (key) DO NOTHING
		RETURNING id, key`,
		key, kind, to, locale, body, segs, care, status, reason, due, deadline, shipment, consignee, shipper, complaint, now)
	if err != nil {
		return fmt.Errorf("notify: enqueue: %w", err)
	}
	got := 0
	if err := scanIDs(rows, func(id int64, k string) { out[at[k]] = Enqueued{ID: id, Created: true}; got++ }); err != nil {
		return err
	}
	if got == n {
		return nil
	}
	var missing []string
	for j, i := range ins {
		if !out[i].Created {
			missing = append(missing, key[j])
		}
	}
	rows, err = q.Query(ctx, `SELECT id, key FROM sms_outbox WHERE key = ANY($1)`, missing)
	if err != nil {
		return fmt.Errorf("notify: enqueue: %w", err)
	}
	return scanIDs(rows, func(id int64, k string) { out[at[k]] = Enqueued{ID: id} })
}

func scanIDs(rows pgx.Rows, f func(int64, string)) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var k string
		if err := rows.Scan(&id, &k); err != nil {
			return fmt.Errorf("notify: enqueue: %w", err)
		}
		f(id, k)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("notify: enqueue: %w", err)
	}
	return nil
}
