package complaints

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lcrm/accounts"
	"lcrm/internal/errs"
)

// ErrNotYours means a staff user tried to work on a complaint for the customer (a public
// reply, a status change, resolving) that is neither theirs nor within their role.
var ErrNotYours = errs.New(errs.Forbidden, "error.desk_not_yours", "complaints: only the assignee or a supervisor may do this")

// MayWork is the rule for acting on c for the customer (a public reply, a status change,
// resolving): its assignee may, and so may every supervisor and up; anyone else gets an
// error wrapping ErrNotYours. Internal notes and claiming are open to all staff. The store
// applies it inside Reply, Transition and Resolve, so every caller (console, API, a job)
// gets the same answer; pages call it to decide which buttons to show.
func MayWork(userID int64, role accounts.Role, c *Complaint) error {
	if role.AtLeast(accounts.RoleSupervisor) || (c.AssigneeID != 0 && c.AssigneeID == userID) {
		return nil
	}
	return fmt.Errorf("%w (complaint %d)", ErrNotYours, c.ID)
}

// mayWork applies MayWork to by on the locked complaint c, with by's role as the users
// table holds it now (not as the caller says), so a caller cannot claim a role and a
// reassignment between reading the complaint and acting on it counts. An inactive or
// unknown user may not. The zero Actor is the system or the customer, not a staff user:
// the rule is not theirs.
func mayWork(ctx context.Context, q querier, by Actor, c *Complaint) error {
	if by.UserID == 0 {
		return nil
	}
	role, err := roleOf(ctx, q, by.UserID)
	if err != nil {
		return err
	}
	return MayWork(by.UserID, role, c)
}

// roleOf is a staff user's role as the users table holds it now; an inactive or unknown
// user is an error wrapping ErrNotYours.
func roleOf(ctx context.Context, q querier, userID int64) (accounts.Role, error) {
	var role accounts.Role
	var active bool
	err := q.QueryRow(ctx, `SELECT role, active FROM users WHERE id = $1`, userID).Scan(&role, &active)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !active) {
		return "", fmt.Errorf("%w (no active staff user %d)", ErrNotYours, userID)
	}
	if err != nil {
		return "", fmt.Errorf("complaints: role of user %d: %w", userID, err)
	}
	return role, nil
}
