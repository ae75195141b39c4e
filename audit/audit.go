// Package audit records who changed what, when, from what to what: one row per staff
// action, written in the same transaction as the change it describes, read by the console.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lcrm/internal/clock"
	"lcrm/internal/config"
)

// Querier is what Record needs: a pool or, better, the transaction making the change.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Reader is what List needs (a pool or a transaction).
type Reader interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Entry is one audited action. Before and After are any JSON-encodable values (nil is
// stored as NULL); read back, they are json.RawMessage.
type Entry struct {
	ID       int64
	ActorID  int64 // 0 = the system
	Actor    string
	Action   string // e.g. "complaint.assign"
	Object   string // e.g. "complaint"
	ObjectID int64
	Before   any
	After    any
	At       time.Time // the caller's instant (its store's clock); clock.System when zero
}

// Record stores e.
func Record(ctx context.Context, q Querier, e Entry) error {
	before, err := encode(e.Before)
	if err != nil {
		return fmt.Errorf("audit: record: before: %w", err)
	}
	after, err := encode(e.After)
	if err != nil {
		return fmt.Errorf("audit: record: after: %w", err)
	}
	if e.At.IsZero() {
		e.At = clock.System()
	}
	_, err = q.Exec(ctx, `INSERT INTO audit_log (actor_id, actor, action, object, object_id, before, after, at)
		VALUES (NULLIF($1, 0), $2, $3, $4, $5, $6, $7, $8)`,
		e.ActorID, e.Actor, e.Action, e.Object, e.ObjectID, before, after, e.At)
	if err != nil {
		return fmt.Errorf("audit: record: %w", err)
	}
	return nil
}

// encode turns v into JSON text, nil for nil.
func encode(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// Filter selects audit entries; zero fields match everything.
type Filter struct {
	ActorID  int64
	Action   string
	Object   string
	ObjectID int64
	Since    time.Time
	Until    time.Time
	// BeforeID, with Until, makes Until a keyset cursor: entries at Until are kept when
	// their id is below BeforeID. Paging by time alone skips entries that share the
	// boundary instant (those recorded in one transaction share now()).
	BeforeID int64
	Limit    int // 100 when 0, at most 1000
}

// List returns the entries matching f, newest first. The ids are bigint like the columns
// (an untyped "$1 = 0" would make them int4 and refuse ids past 2^31 with an error).
func List(ctx context.Context, q Reader, f Filter) ([]Entry, error) {
	if f.Limit <= 0 {
		f.Limit = config.DefaultAuditPage
	}
	f.Limit = min(f.Limit, config.MaxAuditPage)
	var since, until *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	if !f.Until.IsZero() {
		until = &f.Until
	}
	rows, err := q.Query(ctx, `SELECT id, COALESCE(actor_id, 0), actor, action, object, object_id, before, after, at
		FROM audit_log
		WHERE ($1::bigint = 0 OR actor_id = $1::bigint) AND ($2 = '' OR action = $2) AND ($3 = '' OR object = $3)
		  AND ($4::bigint = 0 OR object_id = $4::bigint) AND ($5::timestamptz IS NULL OR at >= $5)
		  AND ($6::timestamptz IS NULL OR at < $6 OR ($8::bigint > 0 AND at = $6 AND id < $8::bigint))
		ORDER BY at DESC, id DESC LIMIT $7`,
		f.ActorID, f.Action, f.Object, f.ObjectID, since, until, f.Limit, f.BeforeID)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		var before, after []byte
		err := r.Scan(&e.ID, &e.ActorID, &e.Actor, &e.Action, &e.Object, &e.ObjectID, &before, &after, &e.At)
		if before != nil {
			e.Before = json.RawMessage(before)
		}
		if after != nil {
			e.After = json.RawMessage(after)
		}
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}
