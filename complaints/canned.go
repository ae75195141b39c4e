package complaints

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/audit"
	"lcrm/internal/errs"
)

// CannedReply is a prepared answer for a complaint category, with placeholders such as
// {tracking_no}, {name} and {ref} filled by RenderCanned.
type CannedReply struct {
	ID        int64
	Category  Category // "" = any category
	Locale    string   // "zh" or "en"
	Title     string
	Body      string
	UpdatedAt time.Time
}

// cannedLocale reduces a locale tag ("zh-CN", "en_US") to the catalogue's "zh" or "en".
func cannedLocale(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if strings.HasPrefix(l, "en") {
		return "en"
	}
	return "zh"
}

// Canned returns the canned replies of a category (and those for any category) in a
// locale ("zh-CN", "en", ...; Chinese unless English), ordered by title.
func (s *Store) Canned(ctx context.Context, category Category, locale string) ([]CannedReply, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, category, locale, title, body, updated_at FROM canned_replies
		WHERE (category = $1 OR category = '') AND locale = $2 ORDER BY category DESC, title, id`,
		category, cannedLocale(locale))
	if err != nil {
		return nil, fmt.Errorf("complaints: canned: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CannedReply, error) {
		var c CannedReply
		return c, r.Scan(&c.ID, &c.Category, &c.Locale, &c.Title, &c.Body, &c.UpdatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("complaints: canned: %w", err)
	}
	return out, nil
}

// SaveCanned stores a canned reply (an admin's edit): a new one when ID is 0 (or the same
// category, locale and title exists: it is updated, so a retried save stores one), else
// the one with that ID. It returns the stored reply and writes an audit entry.
func (s *Store) SaveCanned(ctx context.Context, r CannedReply, by Actor) (CannedReply, error) {
	var v errs.ValidationError
	r.Title, r.Body, r.Locale = strings.TrimSpace(r.Title), strings.TrimSpace(r.Body), cannedLocale(r.Locale)
	if r.Category != "" && !r.Category.Valid() {
		v.AddKey("category", "field.complaints.category_or_empty", nil)
	}
	if r.Title == "" || len(r.Title) > 200 {
		v.AddKey("title", "field.required_at_most", map[string]any{"Max": 200})
	} else {
		v.Text("title", r.Title, 200, false)
	}
	if r.Body == "" || len(r.Body) > 4000 {
		v.AddKey("body", "field.required_at_most", map[string]any{"Max": 4000})
	} else {
		v.Text("body", r.Body, 4000, true)
	}
	if err := v.Err(); err != nil {
		return r, err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.Now()
		before, err := cannedRow(ctx, tx, r)
		if err != nil {
			return err
		}
		if r.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO canned_replies (category, locale, title, body, updated_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (category, locale, title) DO UPDATE SET body = EXCLUDED.body,
				updated_at = EXCLUDED.updated_at RETURNING id`, r.Category, r.Locale, r.Title, r.Body, now).Scan(&r.ID)
		} else {
			err = tx.QueryRow(ctx, `UPDATE canned_replies SET category = $2, locale = $3, title = $4, body = $5, updated_at = $6
				WHERE id = $1 RETURNING id`, r.ID, r.Category, r.Locale, r.Title, r.Body, now).Scan(&r.ID)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		r.UpdatedAt = now
		return s.auditCanned(ctx, tx, by, "canned.save", r.ID, before, cannedAudit(r), now)
	})
	return r, wrap("save canned", err)
}

// DeleteCanned removes a canned reply; deleting one already gone is a no-op.
func (s *Store) DeleteCanned(ctx context.Context, id int64, by Actor) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM canned_replies WHERE id = $1 RETURNING category, locale, title, body`, id)
		if err != nil {
			return err
		}
		gone, err := pgx.CollectRows(rows, scanCannedAudit)
		if err != nil || len(gone) == 0 {
			return err
		}
		return s.auditCanned(ctx, tx, by, "canned.delete", id, gone[0], nil, s.Now())
	})
	return wrap("delete canned", err)
}

// auditCanned records an admin's change of the canned replies.
func (s *Store) auditCanned(ctx context.Context, q querier, by Actor, action string, id int64, before, after any, now time.Time) error {
	name := by.Name
	if name == "" {
		name = ActorSystem
	}
	return audit.Record(ctx, q, audit.Entry{ActorID: by.UserID, Actor: name, Action: action,
		Object: "canned_reply", ObjectID: id, Before: before, After: after, At: now})
}

// cannedAudit is a canned reply as the audit log keeps it.
func cannedAudit(r CannedReply) map[string]string {
	return map[string]string{"category": string(r.Category), "locale": r.Locale, "title": r.Title, "body": r.Body}
}

func scanCannedAudit(row pgx.CollectableRow) (map[string]string, error) {
	var r CannedReply
	err := row.Scan(&r.Category, &r.Locale, &r.Title, &r.Body)
	return cannedAudit(r), err
}

// cannedRow is the stored reply r will replace, for the audit log (nil: none): the one with
// r's id, or for a new one the one with its category, language and title (which it updates).
func cannedRow(ctx context.Context, q querier, r CannedReply) (any, error) {
	rows, err := q.Query(ctx, `SELECT category, locale, title, body FROM canned_replies
		WHERE CASE WHEN $1 > 0 THEN id = $1 ELSE (category, locale, title) = ($2, $3, $4) END FOR UPDATE`,
		r.ID, r.Category, r.Locale, r.Title)
	if err != nil {
		return nil, err
	}
	old, err := pgx.CollectRows(rows, scanCannedAudit)
	if err != nil || len(old) == 0 {
		return nil, err
	}
	return old[0], nil
}

// RenderCanned fills {placeholder}s of a canned body from vars (e.g. "tracking_no", "name",
// "ref"); placeholders without a value stay as they are, so staff see what to fill in.
func RenderCanned(body string, vars map[string]string) string {
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(body)
}

// CannedVars are the placeholder values of a complaint (name is the customer's name,
// which the caller knows from the consignee).
func CannedVars(c *Complaint, name string) map[string]string {
	return map[string]string{"tracking_no": c.TrackingNo, "ref": c.Ref, "name": name}
}
