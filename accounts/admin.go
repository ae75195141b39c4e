package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lcrm/audit"
	"lcrm/internal/errs"
)

// Errors of the admin's user management; each is a refusal a person can act on.
var (
	ErrSelfManager   = errs.New(errs.Invalid, "admin.err_self_manager", "accounts: a user cannot be their own manager")
	ErrManagerCycle  = errs.New(errs.Invalid, "admin.err_cycle", "accounts: that manager reports (directly or not) to this user")
	ErrBadManager    = errs.New(errs.Invalid, "admin.err_bad_manager", "accounts: the manager must be an active staff member")
	ErrEmailTaken    = errs.New(errs.Conflict, "admin.err_email_taken", "accounts: a user with that email exists")
	ErrShortPassword = errs.New(errs.Invalid, "admin.err_short_password", "accounts: an admin-set password needs at least 12 characters")
	ErrSelfLockout   = errs.New(errs.Forbidden, "admin.err_self_lockout", "accounts: you cannot remove your own admin role or deactivate yourself")
	ErrNotStaffRole  = errs.New(errs.Invalid, "admin.err_role", "accounts: the role must be agent, supervisor, manager or admin")
	ErrBadEmail      = errs.New(errs.Invalid, "admin.err_email", "accounts: not an email address")
)

// AdminMinPassword is the shortest password an admin may set for someone.
const AdminMinPassword = 12

// ListUsers returns every user, staff first by role then by email.
func (st *Store) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := st.pool.Query(ctx, `SELECT `+userCols+` FROM users
		ORDER BY array_position(ARRAY['admin', 'manager', 'supervisor', 'agent', 'shipper'], role), email`)
	if err != nil {
		return nil, fmt.Errorf("accounts: list users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) {
		u, err := scanUser(r)
		if err != nil {
			return User{}, err
		}
		return *u, nil
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: list users: %w", err)
	}
	return out, nil
}

// userState is what the audit log records of a user before and after a change (never the
// password).
type userState struct {
	Role      Role  `json:"role"`
	ManagerID int64 `json:"manager_id"`
	Active    bool  `json:"active"`
}

// record writes an audit entry for an admin's action on user id, stamped by the store's clock.
func (st *Store) record(ctx context.Context, tx pgx.Tx, by *User, action string, id int64, before, after any) error {
	return audit.Record(ctx, tx, audit.Entry{ActorID: by.ID, Actor: by.Name, Action: action, Object: "user",
		ObjectID: id, Before: before, After: after, At: st.Now()})
}

// checkManager refuses a manager who is id themselves, not an active staff member, or
// (directly or through others) managed by id. The caller holds the ladder lock.
func checkManager(ctx context.Context, tx pgx.Tx, id, managerID int64) error {
	if managerID == 0 {
		return nil
	}
	if managerID == id {
		return ErrSelfManager
	}
	var role Role
	var active bool
	err := tx.QueryRow(ctx, `SELECT role, active FROM users WHERE id = $1`, managerID).Scan(&role, &active)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && (!role.AtLeast(RoleAgent) || !active)) {
		return ErrBadManager
	}
	if err != nil || id == 0 {
		return err
	}
	// Walk up from the proposed manager; meeting id means a cycle. depth bounds a ladder
	// that is somehow already cyclic.
	var cycle bool
	err = tx.QueryRow(ctx, `WITH RECURSIVE up (id, depth) AS (
			SELECT $1::bigint, 0
			UNION ALL
			SELECT u.manager_id, up.depth + 1 FROM users u JOIN up ON u.id = up.id
			 WHERE u.manager_id IS NOT NULL AND up.depth < 100)
		SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)`, managerID, id).Scan(&cycle)
	if err != nil {
		return err
	}
	if cycle {
		return ErrManagerCycle
	}
	return nil
}

// lockLadder serialises changes of the manager ladder, so two concurrent edits cannot
// together make a cycle that each alone would not.
func lockLadder(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('accounts.ladder'))`)
	return err
}

// CreateStaff creates a staff member on an admin's behalf (audited). The password needs
// AdminMinPassword characters; an email already in use is ErrEmailTaken.
func (st *Store) CreateStaff(ctx context.Context, in NewUser, by *User) (*User, error) {
	if !in.Role.AtLeast(RoleAgent) {
		return nil, ErrNotStaffRole
	}
	if len([]rune(in.Password)) < AdminMinPassword {
		return nil, ErrShortPassword
	}
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	if !strings.Contains(in.Email, "@") || len(in.Email) > 200 {
		return nil, ErrBadEmail
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, fmt.Errorf("accounts: hash: %w", err)
	}
	var id int64
	err = pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		if err := lockLadder(ctx, tx); err != nil {
			return err
		}
		if err := checkManager(ctx, tx, 0, in.ManagerID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, role, manager_id, phone)
			VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6) RETURNING id`,
			in.Email, strings.TrimSpace(in.Name), hash, in.Role, in.ManagerID, strings.TrimSpace(in.Phone)).Scan(&id)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return ErrEmailTaken
		}
		if err != nil {
			return err
		}
		return st.record(ctx, tx, by, "user.create", id, nil,
			map[string]any{"email": in.Email, "name": in.Name, "role": in.Role, "manager_id": in.ManagerID})
	})
	if err != nil {
		return nil, wrapAdmin("create staff", err)
	}
	return st.UserByID(ctx, id)
}

// UserChange is an admin's edit of a staff member's role, manager and active flag.
type UserChange struct {
	Role      Role
	ManagerID int64 // 0 = none (top of the ladder)
	Active    bool
}

// UpdateUser applies an admin's change to user id and records it in the audit log with
// the values before and after. Setting the same values again changes nothing and records
// nothing, so a retried request is harmless. A manager cycle or self-management is
// refused, and so is an admin removing their own admin role or deactivating themselves.
func (st *Store) UpdateUser(ctx context.Context, id int64, ch UserChange, by *User) error {
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		if err := lockLadder(ctx, tx); err != nil {
			return err
		}
		var before userState
		err := tx.QueryRow(ctx, `SELECT role, COALESCE(manager_id, 0), active FROM users WHERE id = $1 FOR UPDATE`, id).
			Scan(&before.Role, &before.ManagerID, &before.Active)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if before.Role == RoleShipper {
			// A shipper user stays one (the role is tied to their shipper) and is on no
			// staff escalation ladder.
			ch.Role, ch.ManagerID = RoleShipper, 0
		} else if !ch.Role.AtLeast(RoleAgent) {
			return ErrNotStaffRole
		}
		if id == by.ID && (ch.Role != RoleAdmin || !ch.Active) {
			return ErrSelfLockout
		}
		after := userState(ch)
		if after == before {
			return nil
		}
		if after.ManagerID != before.ManagerID {
			if err := checkManager(ctx, tx, id, ch.ManagerID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET role = $2, manager_id = NULLIF($3, 0), active = $4 WHERE id = $1`,
			id, ch.Role, ch.ManagerID, ch.Active); err != nil {
			return err
		}
		if !ch.Active {
			// A deactivated user is logged out everywhere at once.
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
		}
		return st.record(ctx, tx, by, "user.update", id, before, after)
	})
	return wrapAdmin("update user", err)
}

// ResetPassword sets a new password for user id on an admin's behalf (audited, without
// the password), clears any lockout and ends the user's sessions.
func (st *Store) ResetPassword(ctx context.Context, id int64, password string, by *User) error {
	if len([]rune(password)) < AdminMinPassword {
		return ErrShortPassword
	}
	hash, err := HashPassword(password)
	if err != nil {
		return fmt.Errorf("accounts: hash: %w", err)
	}
	err = pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1`, id, hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
		if err := clearLoginDelays(ctx, tx, id); err != nil {
			return err
		}
		return st.record(ctx, tx, by, "user.password_reset", id, nil, nil)
	})
	return wrapAdmin("reset password", err)
}

// AuditLog returns audit entries matching f, newest first (the admin's audit page).
func (st *Store) AuditLog(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	return audit.List(ctx, st.pool, f)
}

// wrapAdmin keeps the package's refusals recognisable (errors.Is) and places the rest.
func wrapAdmin(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, known := range []error{ErrSelfManager, ErrManagerCycle, ErrBadManager, ErrEmailTaken, ErrShortPassword,
		ErrSelfLockout, ErrNotStaffRole, ErrBadEmail, ErrNotFound} {
		if errors.Is(err, known) {
			return known
		}
	}
	return fmt.Errorf("accounts: %s: %w", op, err)
}
