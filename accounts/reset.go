package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/errs"
)

// Shipper password reset by SMS: a 6-digit code, valid ResetCodeFor, usable once, and
// refused after ResetTries wrong codes. A new code replaces the previous one. Staff
// passwords are reset by an admin (ResetPassword), never by SMS.
const (
	ResetCodeFor         = 10 * time.Minute
	ResetTries           = 5
	ResetRequestsPerHour = 3 // codes sent per account per clock hour
)

// Password reset errors. ErrBadResetCode covers a wrong, used, expired or exhausted code
// and an unknown account alike, so the answer never tells which.
var (
	ErrBadResetCode = errs.New(errs.Invalid, "password.bad_code", "accounts: the reset code is wrong or no longer valid")
	ErrResetLimited = errs.New(errs.Limited, "error.accounts.reset_limited", "accounts: too many reset codes asked for this account")
)

// ResetCode is a freshly made reset code and where to send it.
type ResetCode struct {
	ID     int64
	UserID int64
	Phone  string // E.164
	Code   string // six digits, shown to the person only through the SMS
}

func resetHash(userID int64, code string) []byte {
	h := sha256.Sum256([]byte(strconv.FormatInt(userID, 10) + ":" + code))
	return h[:]
}

// resetUser finds the one active shipper login named by login (its email, or its phone)
// that has a phone: its own, else its shipper's.
func (st *Store) resetUser(ctx context.Context, q pgx.Tx, login string) (id int64, phone string, err error) {
	login = strings.TrimSpace(login)
	rows, err := q.Query(ctx, `
SELECT u.id, p.phone FROM users u
JOIN shippers s ON s.id = u.shipper_id
CROSS JOIN LATERAL (SELECT COALESCE(NULLIF(u.phone, ''), s.phone) AS phone) p
WHERE u.role = 'shipper' AND u.active AND p.phone <> '' AND (u.email = lower($1) OR p.phone = $1)
LIMIT 2`, login)
	if err != nil {
		return 0, "", fmt.Errorf("accounts: reset: %w", err)
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(&id, &phone); err != nil {
			return 0, "", fmt.Errorf("accounts: reset: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, "", fmt.Errorf("accounts: reset: %w", err)
	}
	if n != 1 { // none, or a phone shared by two logins: send nothing
		return 0, "", ErrNotFound
	}
	return id, phone, nil
}

// StartPasswordReset makes a reset code for the shipper login named by login (its email,
// or its phone in E.164); the code goes to the login's phone, or its shipper's when the
// login has none. It returns ErrNotFound when there is no such login with a phone (or a
// phone names two logins), and ErrResetLimited past ResetRequestsPerHour; the caller answers the same in
// every case and sends the code by SMS.
func (st *Store) StartPasswordReset(ctx context.Context, login string) (*ResetCode, error) {
	now := st.Now()
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return nil, fmt.Errorf("accounts: reset: %w", err)
	}
	rc := &ResetCode{Code: fmt.Sprintf("%06d", n.Int64())}
	tx, err := st.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("accounts: reset: %w", err)
	}
	defer tx.Rollback(ctx)
	if rc.UserID, rc.Phone, err = st.resetUser(ctx, tx, login); err != nil {
		return nil, err
	}
	hour := now.Truncate(time.Hour)
	var sent int
	err = tx.QueryRow(ctx, `
INSERT INTO login_throttle AS t (key, failures, window_start, updated_at) VALUES ($1, 1, $2, $3)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN t.window_start = $2 THEN t.failures + 1 ELSE 1 END,
    window_start = $2, updated_at = $3
RETURNING failures`, "reset:"+strconv.FormatInt(rc.UserID, 10), hour, now).Scan(&sent)
	if err != nil {
		return nil, fmt.Errorf("accounts: reset: %w", err)
	}
	if sent > ResetRequestsPerHour {
		tx.Commit(ctx) // keep the count
		return nil, ErrResetLimited
	}
	if _, err := tx.Exec(ctx, `UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, rc.UserID, now); err != nil {
		return nil, fmt.Errorf("accounts: reset: %w", err)
	}
	err = tx.QueryRow(ctx, `INSERT INTO password_resets (user_id, code_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4) RETURNING id`, rc.UserID, resetHash(rc.UserID, rc.Code), now, now.Add(ResetCodeFor)).Scan(&rc.ID)
	if err != nil {
		return nil, fmt.Errorf("accounts: reset: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("accounts: reset: %w", err)
	}
	return rc, nil
}

// ResetPasswordWithCode sets a new password for the shipper login named by login when code is
// its latest reset code, unexpired, unused and with tries left. Each try is counted in
// the same statement that checks the limit, before the code is compared; a used code is
// spent for good. The user's sessions end and their login delays are cleared.
func (st *Store) ResetPasswordWithCode(ctx context.Context, login, code, password string) error {
	if len([]rune(password)) < 10 {
		return errPasswordShort
	}
	now := st.Now()
	tx, err := st.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("accounts: reset: %w", err)
	}
	defer tx.Rollback(ctx)
	userID, _, err := st.resetUser(ctx, tx, login)
	if errors.Is(err, ErrNotFound) {
		return ErrBadResetCode
	}
	if err != nil {
		return err
	}
	var id int64
	var want []byte
	err = tx.QueryRow(ctx, `
UPDATE password_resets SET tries = tries + 1
WHERE id = (SELECT id FROM password_resets WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1)
  AND used_at IS NULL AND expires_at > $2 AND tries < $3
RETURNING id, code_hash`, userID, now, ResetTries).Scan(&id, &want)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrBadResetCode
	}
	if err != nil {
		return fmt.Errorf("accounts: reset: %w", err)
	}
	if subtle.ConstantTimeCompare(want, resetHash(userID, strings.TrimSpace(code))) != 1 {
		if err := tx.Commit(ctx); err != nil { // the try counts
			return fmt.Errorf("accounts: reset: %w", err)
		}
		return ErrBadResetCode
	}
	hash, err := HashPassword(password) // only now: a wrong code costs no hashing
	if err != nil {
		return fmt.Errorf("accounts: reset: %w", err)
	}
	steps := []struct {
		sql  string
		args []any
	}{
		{`UPDATE password_resets SET used_at = $2 WHERE id = $1`, []any{id, now}},
		{`UPDATE users SET password_hash = $2 WHERE id = $1`, []any{userID, hash}},
		{`DELETE FROM sessions WHERE user_id = $1`, []any{userID}},
	}
	for _, s := range steps {
		if _, err := tx.Exec(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("accounts: reset: %w", err)
		}
	}
	if err := clearLoginDelays(ctx, tx, userID); err != nil {
		return fmt.Errorf("accounts: reset: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("accounts: reset: %w", err)
	}
	return nil
}
