// Package accounts holds who may use lcrm: integration API keys, and (with the portal and
// console) users with roles, passwords and sessions.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/clock"
	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// ErrBadKey means an API key is unknown, malformed or revoked.
var ErrBadKey = errs.New(errs.Unauthorized, "error.accounts.bad_key", "accounts: invalid API key")

// ErrNotFound means no such record exists.
var ErrNotFound = errs.New(errs.NotFound, errs.KeyNotFound, "accounts: not found")

// APIKey describes an integration key; the secret itself is never stored.
type APIKey struct {
	ID         int64
	Name       string
	Prefix     string // shown in lists so people can tell keys apart
	ShipperID  int64  // 0: a staff integration that may act for any shipper
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Store reads and writes accounts in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// Now is the clock of the login throttle, 2FA, password resets, sessions and API keys
	// (clock.System from NewStore), read once per operation; tests set it.
	Now clock.Clock
	// checks counts password comparisons (PasswordChecks).
	checks atomic.Int64
}

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool, Now: clock.System} }

// keyUseEvery is how often an API key's last use is written at most.
const keyUseEvery = config.DefaultKeyUseEvery

// keyHash is SHA-256: keys are 32 random bytes, so a slow hash adds nothing but latency.
func keyHash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// CreateAPIKey makes a new key and returns it in clear text together with its record. The
// clear key is shown once; only its hash is kept.
func (st *Store) CreateAPIKey(ctx context.Context, name string, shipperID int64) (string, *APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", nil, errs.New(errs.Invalid, "error.accounts.key_name", "accounts: a key needs a name (at most 100 characters)")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("accounts: random key: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	prefix := secret[:8]
	key := "lcrm_" + secret
	var shipper *int64
	if shipperID != 0 {
		shipper = &shipperID
	}
	k := APIKey{Name: name, Prefix: prefix, ShipperID: shipperID}
	err := st.pool.QueryRow(ctx, `INSERT INTO api_keys (name, prefix, key_hash, shipper_id) VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
		name, prefix, keyHash(key), shipper).Scan(&k.ID, &k.CreatedAt)
	if err != nil {
		return "", nil, fmt.Errorf("accounts: create key: %w", err)
	}
	return key, &k, nil
}

// Authenticate returns the live key record for a clear key, or ErrBadKey. It notes the
// last use at most once a minute, so a busy integration does not write on every request.
func (st *Store) Authenticate(ctx context.Context, key string) (*APIKey, error) {
	if !strings.HasPrefix(key, "lcrm_") || len(key) > 100 {
		return nil, ErrBadKey
	}
	var k APIKey
	var shipper *int64
	now := st.Now()
	err := st.pool.QueryRow(ctx, `
UPDATE api_keys SET last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < $3::timestamptz THEN $2::timestamptz ELSE last_used_at END
WHERE key_hash = $1 AND revoked_at IS NULL
RETURNING id, name, prefix, shipper_id, created_at, last_used_at`, keyHash(key), now, now.Add(-keyUseEvery)).Scan(&k.ID, &k.Name, &k.Prefix, &shipper, &k.CreatedAt, &k.LastUsedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrBadKey
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: authenticate: %w", err)
	}
	if shipper != nil {
		k.ShipperID = *shipper
	}
	return &k, nil
}

// ListAPIKeys lists the keys of one shipper (or the staff keys when shipperID is 0).
func (st *Store) ListAPIKeys(ctx context.Context, shipperID int64) ([]APIKey, error) {
	rows, err := st.pool.Query(ctx, `SELECT id, name, prefix, COALESCE(shipper_id, 0), created_at, last_used_at, revoked_at
FROM api_keys WHERE COALESCE(shipper_id, 0) = $1 ORDER BY created_at DESC`, shipperID)
	if err != nil {
		return nil, fmt.Errorf("accounts: list keys: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKey, error) {
		var k APIKey
		err := r.Scan(&k.ID, &k.Name, &k.Prefix, &k.ShipperID, &k.CreatedAt, &k.LastUsedAt, &k.RevokedAt)
		return k, err
	})
}

// RevokeAPIKey stops a key from working; it is kept for the record. shipperID scopes the
// revocation to one shipper's keys (0 for staff keys).
func (st *Store) RevokeAPIKey(ctx context.Context, id, shipperID int64) error {
	tag, err := st.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3::timestamptz) WHERE id = $1 AND COALESCE(shipper_id, 0) = $2`,
		id, shipperID, st.Now())
	if err != nil {
		return fmt.Errorf("accounts: revoke key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
