package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// Session lifetimes: idle sessions end after SessionIdle, every session after SessionMax
// (the defaults in internal/config).
const (
	SessionIdle = config.DefaultSessionIdle
	SessionMax  = config.DefaultSessionMax
	// sessionPurgeAfter: a logout also deletes sessions that ended this long ago.
	sessionPurgeAfter = config.DefaultSessionPurgeAfter
)

// ErrNoSession means the cookie names no live session.
var ErrNoSession = errs.New(errs.Unauthorized, "error.accounts.no_session", "accounts: no session")

func sessionHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// StartSession creates a session for a user and returns the id to put in the cookie.
func (st *Store) StartSession(ctx context.Context, userID int64, ip, userAgent string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(raw)
	now := st.Now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	_, err := st.pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3::timestamptz, $3::timestamptz, $4::timestamptz, $5, $6)`,
		sessionHash(id), userID, now, now.Add(SessionMax), ip, userAgent)
	if err != nil {
		return "", fmt.Errorf("accounts: start session: %w", err)
	}
	return id, nil
}

// SessionUser returns the user of a live session and keeps it alive; it is one round trip.
func (st *Store) SessionUser(ctx context.Context, id string) (*User, error) {
	if id == "" || len(id) > 100 {
		return nil, ErrNoSession
	}
	now := st.Now()
	u, err := scanUser(st.pool.QueryRow(ctx, `
WITH s AS (
    UPDATE sessions SET last_seen_at = $2::timestamptz
    WHERE id_hash = $1 AND expires_at > $2::timestamptz AND last_seen_at > $3::timestamptz
    RETURNING user_id
)
SELECT `+userCols+` FROM users WHERE id = (SELECT user_id FROM s) AND active`, sessionHash(id), now, now.Add(-SessionIdle)))
	if errors.Is(err, ErrNotFound) || errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoSession
	}
	return u, err
}

// EndSession deletes a session (logout). Ending an unknown session is not an error.
func (st *Store) EndSession(ctx context.Context, id string) error {
	_, err := st.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1 OR expires_at < $2::timestamptz`,
		sessionHash(id), st.Now().Add(-sessionPurgeAfter))
	return err
}

// EndOtherSessions deletes every session of userID but the one whose cookie id is keep
// (after turning two-factor login on: sessions started with the password alone end).
func (st *Store) EndOtherSessions(ctx context.Context, userID int64, keep string) error {
	if _, err := st.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, userID, sessionHash(keep)); err != nil {
		return fmt.Errorf("accounts: end other sessions: %w", err)
	}
	return nil
}
