package hooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/clock"
	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// Store keeps endpoints and deliveries in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// Now is the clock of registration, rotation, enqueueing and sending (clock.System
	// from NewStore), read once per operation; tests set it.
	Now clock.Clock
	// AllowPrivate lets endpoints resolve to loopback, private and link-local addresses
	// (LCRM_WEBHOOK_ALLOW_PRIVATE; tests and intranet deployments).
	AllowPrivate bool
	// Resolver resolves endpoint hosts at registration (net.DefaultResolver when nil).
	Resolver *net.Resolver
	// RetryFor is how long a delivery is retried before it is failed (default 72 h).
	RetryFor time.Duration
	// RotateGrace is how long a rotated secret keeps signing (default 24 h).
	RotateGrace time.Duration
}

// NewStore returns a Store over pool with the default settings.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, Now: clock.System, RetryFor: config.DefaultWebhookRetryFor, RotateGrace: config.DefaultWebhookRotateGrace}
}

const endpointCols = `id, shipper_id, url, events, enabled, old_secret_until, failing_since, disabled_at, disabled_reason, created_at`

func scanEndpoint(r pgx.Row) (Endpoint, error) {
	var e Endpoint
	err := r.Scan(&e.ID, &e.ShipperID, &e.URL, &e.Events, &e.Enabled, &e.OldSecretUntil, &e.FailingSince,
		&e.DisabledAt, &e.DisabledReason, &e.CreatedAt)
	return e, err
}

// Register adds an endpoint for shipperID and returns it with its secret, which is shown
// this once. An invalid URL (or one resolving to a private address) or event list is an
// *errs.ValidationError naming "url" or "events".
func (s *Store) Register(ctx context.Context, shipperID int64, rawURL string, events []string) (Endpoint, string, error) {
	var v errs.ValidationError
	if key := CheckURL(ctx, s.Resolver, rawURL, s.AllowPrivate); key != "" {
		v.AddField(field("url", key))
	}
	evs, ok := normalizeEvents(events)
	if !ok {
		v.AddField(field("events", KeyBadEvents))
	}
	if len(v.Fields) > 0 {
		return Endpoint{}, "", &v
	}
	secret := newSecret()
	e, err := scanEndpoint(s.pool.QueryRow(ctx, `INSERT INTO webhook_endpoints (shipper_id, url, events, secret, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+endpointCols, shipperID, strings.TrimSpace(rawURL), evs, secret, s.Now()))
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("hooks: register: %w", err)
	}
	return e, secret, nil
}

// List returns shipperID's endpoints, newest first.
func (s *Store) List(ctx context.Context, shipperID int64) ([]Endpoint, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE shipper_id = $1 ORDER BY id DESC`, shipperID)
	if err != nil {
		return nil, fmt.Errorf("hooks: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endpoint, error) { return scanEndpoint(r) })
	if err != nil {
		return nil, fmt.Errorf("hooks: list: %w", err)
	}
	return out, nil
}

// Get returns shipperID's endpoint id; another shipper's is ErrNotFound.
func (s *Store) Get(ctx context.Context, shipperID, id int64) (Endpoint, error) {
	e, err := scanEndpoint(s.pool.QueryRow(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE id = $1 AND shipper_id = $2`, id, shipperID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Endpoint{}, ErrNotFound
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("hooks: get %d: %w", id, err)
	}
	return e, nil
}

// Delete removes shipperID's endpoint id and its deliveries; another shipper's is ErrNotFound.
func (s *Store) Delete(ctx context.Context, shipperID, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhook_endpoints WHERE id = $1 AND shipper_id = $2`, id, shipperID)
	if err != nil {
		return fmt.Errorf("hooks: delete %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// Rotate gives endpoint id a new secret, returned this once; the old one keeps signing
// (a second v1) for RotateGrace.
func (s *Store) Rotate(ctx context.Context, shipperID, id int64) (string, error) {
	secret := newSecret()
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_endpoints SET old_secret = secret, secret = $3, old_secret_until = $4
		WHERE id = $1 AND shipper_id = $2`, id, shipperID, secret, s.Now().Add(s.RotateGrace))
	if err != nil {
		return "", fmt.Errorf("hooks: rotate %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return "", ErrNotFound
	}
	return secret, nil
}

// Enable turns a disabled endpoint back on (its failure count starts again).
func (s *Store) Enable(ctx context.Context, shipperID, id int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_endpoints SET enabled = true, failing_since = NULL, disabled_at = NULL,
		disabled_reason = '' WHERE id = $1 AND shipper_id = $2`, id, shipperID)
	if err != nil {
		return fmt.Errorf("hooks: enable %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// DisabledEndpoint is an endpoint the sender disabled, with its shipper, for staff.
type DisabledEndpoint struct {
	Endpoint
	ShipperCode, ShipperName string
}

// Disabled lists the endpoints of every shipper that are disabled, newest first (the
// console's notice).
func (s *Store) Disabled(ctx context.Context, limit int) ([]DisabledEndpoint, error) {
	rows, err := s.pool.Query(ctx, `SELECT e.id, e.shipper_id, e.url, e.events, e.enabled, e.old_secret_until, e.failing_since,
		e.disabled_at, e.disabled_reason, e.created_at, sh.code, sh.name
		FROM webhook_endpoints e JOIN shippers sh ON sh.id = e.shipper_id
		WHERE NOT e.enabled ORDER BY e.disabled_at DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("hooks: disabled: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DisabledEndpoint, error) {
		var d DisabledEndpoint
		err := r.Scan(&d.ID, &d.ShipperID, &d.URL, &d.Events, &d.Enabled, &d.OldSecretUntil, &d.FailingSince,
			&d.DisabledAt, &d.DisabledReason, &d.CreatedAt, &d.ShipperCode, &d.ShipperName)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("hooks: disabled: %w", err)
	}
	return out, nil
}
