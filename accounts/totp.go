package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"lcrm/internal/errs"
)

// Two-factor login with time-based one-time codes (RFC 6238: 6 digits, 30 s, SHA-1, the
// form every authenticator app reads). A code is accepted one step early or late, and each
// step at most once per user (replay refused). RecoveryCodes one-time recovery codes are
// made at enrolment, shown once and kept as SHA-256 hashes. Wrong codes are throttled per
// user like passwords per address: PairFreeFailures, then growing delays; someone who
// knows the password can so delay the owner's second step, which is the price of not
// letting them guess codes.
const (
	TOTPIssuer    = "lcrm"
	RecoveryCodes = 8
)

// Two-factor errors.
var (
	ErrBadCode       = errs.New(errs.Unauthorized, "tfa.bad_code", "accounts: wrong or already used code")
	ErrTOTPEnabled   = errs.New(errs.Conflict, "error.accounts.totp_enabled", "accounts: two-factor login is already on")
	ErrTOTPNotActive = errs.New(errs.Conflict, "error.accounts.totp_not_active", "accounts: two-factor login is not on")
)

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enrolment is a pending two-factor secret to show once: the base32 secret to type and
// the otpauth:// URI to scan.
type Enrolment struct {
	Secret string
	URI    string
	Key    *otp.Key // draws the QR code (Key.Image)
}

// BeginTOTP makes a new pending secret for a user without two-factor login; it is only
// used once ConfirmTOTP accepts a code made from it.
func (st *Store) BeginTOTP(ctx context.Context, userID int64) (*Enrolment, error) {
	u, err := st.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.TOTPEnabled {
		return nil, ErrTOTPEnabled
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: u.Email, Period: 30,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("accounts: totp: %w", err)
	}
	tag, err := st.pool.Exec(ctx, `UPDATE users SET totp_secret = $2 WHERE id = $1 AND NOT totp_enabled`, userID, key.Secret())
	if err != nil {
		return nil, fmt.Errorf("accounts: totp: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil, ErrTOTPEnabled
	}
	return &Enrolment{Secret: key.Secret(), URI: key.URL(), Key: key}, nil
}

// matchStep returns the time step whose code is code, within the allowed skew.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	skew, period := int(totpOpts.Skew), int(totpOpts.Period)
	for d := -skew; d <= skew; d++ {
		at := now.Add(time.Duration(d*period) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / int64(totpOpts.Period), true
		}
	}
	return 0, false
}

// useStep records step as used, in one statement: false when it (or a later one) was.
func useStep(ctx context.Context, q pgx.Tx, userID, step int64, enabled bool) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_enabled = $3 AND totp_last_step < $2`,
		userID, step, enabled)
	if err != nil {
		return false, fmt.Errorf("accounts: totp: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

func recoveryHash(userID int64, code string) []byte {
	code = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	h := sha256.Sum256([]byte(strconv.FormatInt(userID, 10) + ":" + code))
	return h[:]
}

// ConfirmTOTP turns two-factor login on when code matches the pending secret, and
// returns the recovery codes (shown once; only their hashes are kept).
func (st *Store) ConfirmTOTP(ctx context.Context, userID int64, code string) ([]string, error) {
	var secret string
	var enabled bool
	if err := st.pool.QueryRow(ctx, `SELECT totp_secret, totp_enabled FROM users WHERE id = $1`, userID).Scan(&secret, &enabled); err != nil {
		return nil, fmt.Errorf("accounts: totp: %w", err)
	}
	if enabled {
		return nil, ErrTOTPEnabled
	}
	if secret == "" {
		return nil, ErrTOTPNotActive
	}
	step, ok := matchStep(secret, code, st.Now())
	if !ok {
		return nil, ErrBadCode
	}
	codes := make([]string, RecoveryCodes)
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		if ok, err := useStep(ctx, tx, userID, step, false); err != nil || !ok {
			if err == nil {
				err = ErrBadCode
			}
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_enabled = true WHERE id = $1`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for i := range codes {
			raw := make([]byte, 5)
			if _, err := rand.Read(raw); err != nil {
				return err
			}
			c := strings.ToLower(base32.StdEncoding.EncodeToString(raw)) // 8 characters
			codes[i] = c[:4] + "-" + c[4:]
			if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, recoveryHash(userID, c)); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrBadCode) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: totp confirm: %w", err)
	}
	return codes, nil
}

// CheckSecondFactor checks a code from the user's authenticator, or one of their recovery
// codes (used up by this), at the second login step. Each try is counted before the code
// is compared; past the limit it returns a *LockedError without comparing.
func (st *Store) CheckSecondFactor(ctx context.Context, userID int64, code string) error {
	now := st.Now()
	key := "totp:" + strconv.FormatInt(userID, 10)
	ok, _, err := st.reservePair(ctx, key, now)
	if err != nil {
		return err
	}
	if !ok {
		return &LockedError{Scope: ScopeAccount, Retry: st.blockedFor(ctx, key, now)}
	}
	var secret string
	var enabled bool
	if err := st.pool.QueryRow(ctx, `SELECT totp_secret, totp_enabled FROM users WHERE id = $1`, userID).Scan(&secret, &enabled); err != nil {
		return fmt.Errorf("accounts: totp: %w", err)
	}
	if !enabled {
		return ErrTOTPNotActive
	}
	used := false
	err = pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		if step, ok := matchStep(secret, code, now); ok {
			used, err = useStep(ctx, tx, userID, step, true)
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
			userID, recoveryHash(userID, code), now)
		used = err == nil && tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return fmt.Errorf("accounts: second factor: %w", err)
	}
	if !used {
		return ErrBadCode
	}
	_, err = st.pool.Exec(ctx, `UPDATE login_throttle SET failures = 0, blocked_until = NULL WHERE key = $1`, key)
	return err
}

// DisableTOTP turns two-factor login off after a valid code (or recovery code).
func (st *Store) DisableTOTP(ctx context.Context, userID int64, code string) error {
	if err := st.CheckSecondFactor(ctx, userID, code); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_enabled = false, totp_secret = '' WHERE id = $1`, userID); err != nil {
			return fmt.Errorf("accounts: totp disable: %w", err)
		}
		_, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID)
		return err
	})
}

// RecoveryCodesLeft counts a user's unused recovery codes.
func (st *Store) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := st.pool.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("accounts: recovery codes: %w", err)
	}
	return n, nil
}
