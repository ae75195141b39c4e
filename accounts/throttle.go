package accounts

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Login throttling. Three counters, each counted in one statement before the password is
// checked, so a burst of parallel attempts gets no more checks than the limit allows:
//
//   - one account from one client address: PairFreeFailures wrong passwords, then one
//     attempt per delay, the delay doubling from PairFirstDelay up to PairMaxDelay; a
//     success resets it, and so does a day without attempts (PairForget). A stranger's
//     wrong passwords block only the stranger's address.
//   - one account from every address: past AccountFailuresPerHour failures in a clock
//     hour, an address that has not logged in to the account in the last KnownAddressFor
//     gets one password check per AccountSlowEvery for the whole account (shared with the
//     attacker). The account is never locked completely: addresses it logged in from
//     before are not slowed (their own pair limit still holds).
//   - one client address on any account: AddressFailures failed logins per AddressWindow
//     (fixed windows), against password spraying over many accounts. Successful logins
//     give their place back, so an office behind one address is not locked out at shift
//     start; an attempt in progress holds a place until its password is checked, and at
//     most CheckSlots checks run at once per process.
const (
	PairFreeFailures       = 5
	PairFirstDelay         = time.Minute
	PairMaxDelay           = time.Hour
	PairForget             = 24 * time.Hour // failures this old are forgotten
	AccountFailuresPerHour = 50
	AccountSlowEvery       = 30 * time.Second
	KnownAddressFor        = 30 * 24 * time.Hour
	AddressFailures        = 30
	AddressWindow          = 15 * time.Minute
)

// CheckSlots bounds the password checks running at once in this process: each argon2id
// check takes 64 MiB, so an unbounded burst would exhaust memory.
var CheckSlots = max(4, 2*runtime.NumCPU())

var checkSlots = make(chan struct{}, CheckSlots)

// Lock scopes of a LockedError.
const (
	ScopeAccount = "account" // this account from this address, or the account-wide slowdown
	ScopeAddress = "address" // failed logins from this client address
)

// LockedError says a login was refused without checking the password, and for how long.
// errors.Is(err, ErrLocked) holds for it.
type LockedError struct {
	Scope string
	Retry time.Duration
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("accounts: too many failed logins (%s); try again in %s", e.Scope, e.Retry.Round(time.Second))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// PasswordChecks is how many password hashes this Store has compared (tests count the
// checks a burst got; the number is also a plain operational figure).
func (st *Store) PasswordChecks() int64 { return st.checks.Load() }

func (st *Store) checkPassword(hash, password string) bool {
	st.checks.Add(1)
	return CheckPassword(hash, password)
}

func pairKey(userID int64, addr string) string {
	return "pair:" + strconv.FormatInt(userID, 10) + ":" + addr
}

// countWindow adds one to a fixed-window counter and returns the count in this window.
func (st *Store) countWindow(ctx context.Context, key string, start, now time.Time) (int, error) {
	var n int
	err := st.pool.QueryRow(ctx, `
INSERT INTO login_throttle AS t (key, failures, window_start, updated_at) VALUES ($1, 1, $2, $3)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN t.window_start = $2 THEN t.failures + 1 ELSE 1 END,
    window_start = $2, updated_at = $3
RETURNING failures`, key, start, now).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("accounts: login throttle %s: %w", key, err)
	}
	return n, nil
}

// giveBack returns the place a successful attempt took in a fixed-window counter.
func (st *Store) giveBack(ctx context.Context, key string, start time.Time) error {
	_, err := st.pool.Exec(ctx, `UPDATE login_throttle SET failures = failures - 1
WHERE key = $1 AND window_start = $2 AND failures > 0`, key, start)
	if err != nil {
		return fmt.Errorf("accounts: login throttle %s: %w", key, err)
	}
	return nil
}

// blockedFor reads how long key stays blocked.
func (st *Store) blockedFor(ctx context.Context, key string, now time.Time) time.Duration {
	var until *time.Time
	st.pool.QueryRow(ctx, `SELECT blocked_until FROM login_throttle WHERE key = $1`, key).Scan(&until)
	if until == nil || !until.After(now) {
		return time.Second
	}
	return until.Sub(now)
}

// reservePair counts one attempt on the account from addr, unless the pair is blocked
// (then ok is false and nothing is counted). The attempt that reaches PairFreeFailures
// and each later one set the next block, before their password is checked.
func (st *Store) reservePair(ctx context.Context, key string, now time.Time) (ok bool, lastOK *time.Time, err error) {
	// n is this attempt's number; failures a day old are forgotten (a pair's count does
	// not wait a week to punish the next typo).
	const n = `(CASE WHEN t.updated_at < $2 - make_interval(secs => $6) THEN 1 ELSE t.failures + 1 END)`
	err = st.pool.QueryRow(ctx, `
INSERT INTO login_throttle AS t (key, failures, updated_at) VALUES ($1, 1, $2)
ON CONFLICT (key) DO UPDATE SET
    failures = `+n+`,
    blocked_until = CASE WHEN `+n+` >= $3
        THEN $2 + make_interval(secs => least($4 * power(2, least(`+n+` - $3, 30)), $5))
        ELSE NULL END,
    updated_at = $2
WHERE t.blocked_until IS NULL OR t.blocked_until <= $2
RETURNING last_ok_at`, key, now, PairFreeFailures, PairFirstDelay.Seconds(), PairMaxDelay.Seconds(), PairForget.Seconds()).Scan(&lastOK)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("accounts: login throttle: %w", err)
	}
	return true, lastOK, nil
}

// slowSlot takes the account's one check per AccountSlowEvery.
func (st *Store) slowSlot(ctx context.Context, key string, now time.Time) (bool, error) {
	tag, err := st.pool.Exec(ctx, `UPDATE login_throttle SET blocked_until = $2 + make_interval(secs => $3)
WHERE key = $1 AND (blocked_until IS NULL OR blocked_until <= $2)`, key, now, AccountSlowEvery.Seconds())
	if err != nil {
		return false, fmt.Errorf("accounts: login throttle: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// admit runs the three throttles for one attempt on userID (0: no such account) from
// addr. It returns a *LockedError when the password must not be checked, and settle,
// which gives back the places of a successful attempt.
func (st *Store) admit(ctx context.Context, userID int64, addr string, now time.Time) (settle func(context.Context) error, err error) {
	addrKey, addrStart := "addr:"+addr, now.Truncate(AddressWindow)
	n, err := st.countWindow(ctx, addrKey, addrStart, now)
	if err != nil {
		return nil, err
	}
	if n > AddressFailures {
		return nil, &LockedError{Scope: ScopeAddress, Retry: addrStart.Add(AddressWindow).Sub(now)}
	}
	if rand.IntN(500) == 0 { // now and then, drop counters idle for two days
		st.pool.Exec(ctx, `DELETE FROM login_throttle WHERE updated_at < $1`, now.Add(-48*time.Hour))
	}
	if userID == 0 {
		return nil, nil
	}
	pk := pairKey(userID, addr)
	ok, lastOK, err := st.reservePair(ctx, pk, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &LockedError{Scope: ScopeAccount, Retry: st.blockedFor(ctx, pk, now)}
	}
	acctKey, acctStart := "acct:"+strconv.FormatInt(userID, 10), now.Truncate(time.Hour)
	if n, err = st.countWindow(ctx, acctKey, acctStart, now); err != nil {
		return nil, err
	}
	known := lastOK != nil && lastOK.After(now.Add(-KnownAddressFor))
	if n > AccountFailuresPerHour && !known {
		ok, err := st.slowSlot(ctx, acctKey, now)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &LockedError{Scope: ScopeAccount, Retry: st.blockedFor(ctx, acctKey, now)}
		}
	}
	return func(ctx context.Context) error {
		if _, err := st.pool.Exec(ctx, `UPDATE login_throttle SET failures = 0, blocked_until = NULL, last_ok_at = $2
WHERE key = $1`, pk, now); err != nil {
			return fmt.Errorf("accounts: login throttle: %w", err)
		}
		if err := st.giveBack(ctx, acctKey, acctStart); err != nil {
			return err
		}
		return st.giveBack(ctx, addrKey, addrStart)
	}, nil
}

// LoginFrom checks an email and password sent from a client address (see the throttling
// policy above). An unknown email looks and takes the same as a wrong password; a
// throttled attempt is refused with a *LockedError without checking the password.
func (st *Store) LoginFrom(ctx context.Context, email, password, addr string) (*User, error) {
	select {
	case checkSlots <- struct{}{}:
		defer func() { <-checkSlots }()
	case <-ctx.Done():
		return nil, fmt.Errorf("accounts: login: %w", ctx.Err())
	}
	now := st.Now()
	var id int64
	var hash string
	var active bool
	err := st.pool.QueryRow(ctx, `SELECT id, password_hash, active FROM users WHERE email = lower($1)`,
		trimEmail(email)).Scan(&id, &hash, &active)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("accounts: login: %w", err)
	}
	settle, err := st.admit(ctx, id, addr, now)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		st.checkPassword(dummyHash(), password)
		return nil, ErrBadLogin
	}
	if !st.checkPassword(hash, password) || !active {
		return nil, ErrBadLogin
	}
	if err := settle(ctx); err != nil {
		return nil, err
	}
	return scanUser(st.pool.QueryRow(ctx, `UPDATE users SET last_login_at = $2 WHERE id = $1 RETURNING `+userCols, id, now))
}

// clearLoginDelays forgets the failures counted against a user's account (a new password
// was set), so its owner can log in at once from anywhere.
func clearLoginDelays(ctx context.Context, tx pgx.Tx, userID int64) error {
	id := strconv.FormatInt(userID, 10)
	_, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE key LIKE $1 OR key = $2`, "pair:"+id+":%", "acct:"+id)
	return err
}
