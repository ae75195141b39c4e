package complaints

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/errs"
)

// repeatWindow is how long an identical message or reply counts as a retry of the last one.
const repeatWindow = 10 * time.Minute

// messageText trims a message and checks its length (a *errs.ValidationError on field).
func messageText(field, text string) (string, error) {
	text = strings.TrimSpace(text)
	var v errs.ValidationError
	if text == "" {
		v.AddKey(field, errs.KeyRequired, nil)
	} else {
		v.Text(field, text, MaxDescription, true)
	}
	return text, v.Err()
}

// repeated reports whether the last entry of a kind on a complaint has the same text and
// was written within repeatWindow (a double submit), and returns it.
func repeated(ctx context.Context, q querier, id int64, kind, text string, now time.Time) (Entry, bool, error) {
	var e Entry
	err := q.QueryRow(ctx, `SELECT id, at, kind, actor, text, from_status, to_status, public FROM complaint_entries
		WHERE complaint_id = $1 AND kind = $2 ORDER BY at DESC, id DESC LIMIT 1`, id, kind).
		Scan(&e.ID, &e.At, &e.Kind, &e.ActorName, &e.Text, &e.FromStatus, &e.ToStatus, &e.Public)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, err
	}
	return e, e.Text == text && now.Sub(e.At) < repeatWindow, nil
}

// AddCustomerMessage adds the customer's message to the timeline. A complaint waiting on
// the customer goes back to in_progress and its resolution clock resumes. A closed
// complaint takes no messages (reopen it); the same text sent twice in a row is stored once.
func (s *Store) AddCustomerMessage(ctx context.Context, id int64, text string) error {
	text, err := messageText("message", text)
	if err != nil {
		return err
	}
	err = s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		if c.Status == StatusClosed {
			return fmt.Errorf("%w: a closed complaint takes no messages, reopen it", ErrIllegalTransition)
		}
		if _, dup, err := repeated(ctx, tx, id, KindCustomerMessage, text, now); err != nil || dup {
			return err
		}
		if _, err := addEntry(ctx, tx, id, Actor{}, ActorCustomer, Entry{At: now, Kind: KindCustomerMessage, Text: text, Public: true}); err != nil {
			return err
		}
		if c.Status == StatusWaitingCustomer {
			return s.move(ctx, tx, c, StatusInProgress, Actor{}, ActorCustomer, "", now)
		}
		return save(ctx, tx, c, now)
	})
	return wrap("add customer message", err)
}

// ConfirmResolved is the customer agreeing that a resolved complaint is settled: it closes.
// Confirming a closed complaint again changes nothing.
func (s *Store) ConfirmResolved(ctx context.Context, id int64) error {
	err := s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		if c.Status == StatusClosed {
			return nil
		}
		return s.move(ctx, tx, c, StatusClosed, Actor{}, ActorCustomer, "", now)
	})
	return wrap("confirm resolved", err)
}

// Reopen is the customer saying a resolved or closed complaint is not settled, within
// ReopenWindow of its resolution (else ErrReopenExpired). The resolution clock starts
// again. Reopening a complaint already reopened changes nothing.
func (s *Store) Reopen(ctx context.Context, id int64, reason string) error {
	reason, err := messageText("reason", reason)
	if err != nil {
		return err
	}
	err = s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		if c.Status == StatusReopened {
			return nil
		}
		if (c.Status == StatusResolved || c.Status == StatusClosed) && (c.ResolvedAt == nil || now.Sub(*c.ResolvedAt) > ReopenWindow) {
			return ErrReopenExpired
		}
		return s.move(ctx, tx, c, StatusReopened, Actor{}, ActorCustomer, reason, now)
	})
	return wrap("reopen", err)
}

// Rate records the customer's rating (1-5 stars) of a resolved or closed complaint
// (ErrNotResolved before that); rating again overwrites.
func (s *Store) Rate(ctx context.Context, id int64, stars int) error {
	if stars < 1 || stars > 5 {
		v := &errs.ValidationError{}
		v.AddKey("rating", "field.complaints.rating", nil)
		return v
	}
	err := s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		if c.Status != StatusResolved && c.Status != StatusClosed {
			return ErrNotResolved
		}
		if c.Rating == stars {
			return nil
		}
		c.Rating = stars
		if err := save(ctx, tx, c, now); err != nil {
			return err
		}
		_, err := addEntry(ctx, tx, id, Actor{}, ActorCustomer, Entry{At: now, Kind: KindRating, Text: fmt.Sprintf("%d/5", stars), Public: true})
		return err
	})
	return wrap("rate", err)
}

// wrap puts the operation's name on unexpected errors and passes the sentinel errors and
// validation errors through unchanged for callers to test.
func wrap(op string, err error) error {
	var ve *errs.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve), errors.Is(err, ErrNotFound), errors.Is(err, ErrReopenExpired),
		errors.Is(err, ErrNotResolved), errors.Is(err, ErrIllegalTransition), errors.Is(err, ErrAlreadyClaimed),
		errors.Is(err, ErrNeedsResolution), errors.Is(err, ErrNotYours), errors.Is(err, ErrCrossed):
		return err
	}
	return fmt.Errorf("complaints: %s: %w", op, err)
}
