package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/argon2"

	"lcrm/internal/errs"
)

// Role is what a user may do. Staff roles are ordered: each includes the ones before it.
type Role string

// The roles.
const (
	RoleShipper    Role = "shipper"
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
	RoleManager    Role = "manager"
	RoleAdmin      Role = "admin"
)

// staffRank orders staff roles; shippers are outside the ladder.
var staffRank = map[Role]int{RoleAgent: 1, RoleSupervisor: 2, RoleManager: 3, RoleAdmin: 4}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleShipper || staffRank[r] > 0 }

// AtLeast reports whether r is a staff role at or above min.
func (r Role) AtLeast(min Role) bool { return staffRank[r] > 0 && staffRank[r] >= staffRank[min] }

// User is a person who logs in.
type User struct {
	ID          int64
	Email       string
	Name        string
	Role        Role
	ShipperID   int64 // set for role shipper only
	ManagerID   int64 // the next step up the escalation ladder; 0 at the top
	Phone       string
	Active      bool
	LastLoginAt *time.Time
	// TOTPEnabled: logging in also takes a code from the user's authenticator app.
	TOTPEnabled bool
}

// Login errors. ErrBadLogin never says whether the email exists; ErrLocked is matched by
// every *LockedError (errors.Is).
var (
	ErrBadLogin = errs.New(errs.Unauthorized, "login.bad", "accounts: wrong email or password")
	ErrLocked   = errs.New(errs.Limited, "login.locked", "accounts: too many failed logins")

	// errPasswordShort refuses a password a user sets for themselves (admins: ErrShortPassword).
	errPasswordShort = errs.New(errs.Invalid, "error.accounts.password_short", "accounts: the password needs at least 10 characters")
)

// MaxFailures is how many wrong passwords one address may try on one account before
// the growing delays start (PairFreeFailures).
const MaxFailures = PairFreeFailures

// HashCost is the argon2id cost of new password hashes: RFC 9106's second recommended
// option (3 passes over 64 MiB), lighter on memory. CheckPassword reads the cost from each
// hash, so hashes of any cost keep verifying after it changes. Test binaries lower it with
// UseTestHashCost: a test is about a rule, not the price of a guess.
var HashCost = Argon2Cost{Time: 3, MemoryKiB: 64 * 1024, Threads: 2}

// Argon2Cost is one setting of argon2id's cost parameters.
type Argon2Cost struct {
	Time      uint32 // passes over the memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8
}

// argonKeyLen is the length of the derived key.
const argonKeyLen = 32

// UseTestHashCost makes new hashes cheap (1 pass over 1 MiB) for the rest of the process.
// Only tests call it (from TestMain, before any test runs); production never does.
func UseTestHashCost() { HashCost = Argon2Cost{Time: 1, MemoryKiB: 1024, Threads: 1} }

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	c := HashCost
	key := argon2.IDKey([]byte(password), salt, c.Time, c.MemoryKiB, c.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.MemoryKiB, c.Time, c.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by HashPassword.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked when the email is unknown, so both answers take the same time. It
// is made on first use, at the cost real hashes have then.
var dummyHash = sync.OnceValue(func() string { h, _ := HashPassword("no such user"); return h })

// NewUser is the input for CreateUser.
type NewUser struct {
	Email, Name, Password, Phone string
	Role                         Role
	ShipperID, ManagerID         int64
}

// CreateUser stores a user with a hashed password. Passwords need 10 characters or more.
func (st *Store) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	switch {
	case !strings.Contains(in.Email, "@") || len(in.Email) > 200:
		return nil, &errs.Error{Kind: errs.Invalid, Key: "admin.err_email", Msg: fmt.Sprintf("accounts: %q is not an email address", in.Email)}
	case !in.Role.Valid():
		return nil, &errs.Error{Kind: errs.Invalid, Key: "admin.err_role", Msg: fmt.Sprintf("accounts: unknown role %q (shipper, agent, supervisor, manager, admin)", in.Role)}
	case (in.Role == RoleShipper) != (in.ShipperID != 0):
		return nil, errs.New(errs.Invalid, "error.accounts.shipper_mismatch", "accounts: a shipper user needs a shipper, and only shipper users have one")
	case len([]rune(in.Password)) < 10:
		return nil, errPasswordShort
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, fmt.Errorf("accounts: hash: %w", err)
	}
	var id int64
	err = st.pool.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, role, shipper_id, manager_id, phone)
VALUES ($1, $2, $3, $4, NULLIF($5, 0), NULLIF($6, 0), $7) RETURNING id`,
		in.Email, strings.TrimSpace(in.Name), hash, in.Role, in.ShipperID, in.ManagerID, in.Phone).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("accounts: create user: %w", err)
	}
	return st.UserByID(ctx, id)
}

const userCols = `id, email, name, role, COALESCE(shipper_id, 0), COALESCE(manager_id, 0), phone, active, last_login_at, totp_enabled`

func scanUser(row pgx.Row) (*User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.ShipperID, &u.ManagerID, &u.Phone, &u.Active, &u.LastLoginAt, &u.TOTPEnabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: scan user: %w", err)
	}
	return &u, nil
}

// UserByID returns one user.
func (st *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return scanUser(st.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
}

// UserByEmail returns one user by email (any case).
func (st *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	return scanUser(st.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE email = lower($1)`, strings.TrimSpace(email)))
}

// Login checks an email and password with no client address (the command line, tests);
// see LoginFrom.
func (st *Store) Login(ctx context.Context, email, password string) (*User, error) {
	return st.LoginFrom(ctx, email, password, "")
}

func trimEmail(email string) string { return strings.TrimSpace(email) }

// ChangePassword replaces a user's password and ends their other sessions.
func (st *Store) ChangePassword(ctx context.Context, userID int64, password string) error {
	if len([]rune(password)) < 10 {
		return errPasswordShort
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := st.pool.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash); err != nil {
		return fmt.Errorf("accounts: change password: %w", err)
	}
	_, err = st.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return err
}
