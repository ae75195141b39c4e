package customers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// Kind names which sort of customer a record is.
type Kind string

// The customer kinds.
const (
	KindConsignee Kind = "consignee"
	KindShipper   Kind = "shipper"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindConsignee || k == KindShipper }

// Contact channels, directions and outcomes as stored in the contact log.
var (
	ContactChannels   = []string{"phone", "sms", "email", "wechat", "visit"}
	ContactDirections = []string{"outbound", "inbound"}
	ContactOutcomes   = []string{"resolved", "callback", "no_answer", "left_message", "escalated"}
)

// maxContactSummary bounds a contact's summary (in characters).
const maxContactSummary = 2000

// Contact is one logged contact with a customer: who talked to them, how, and how it ended.
type Contact struct {
	ID             int64
	Kind           Kind
	CustomerID     int64 // the consignee or shipper, by Kind
	ComplaintID    int64 // 0 when not about a complaint
	UserID         int64 // the staff member; 0 = system
	UserName       string
	Channel        string
	Direction      string
	Summary        string
	Outcome        string
	IdempotencyKey string    // a nonce from the form: the same key stores one contact
	CreatedAt      time.Time // when it happened; now when zero (set by imports and the demo)
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if v == x {
			return true
		}
	}
	return false
}

// Validate checks a contact before it is logged.
func (c *Contact) Validate() error {
	var v errs.ValidationError
	c.Summary = strings.TrimSpace(c.Summary)
	if !c.Kind.Valid() || c.CustomerID <= 0 {
		v.AddKey("customer", "field.customers.contact_customer", nil)
	}
	if !oneOf(c.Channel, ContactChannels) {
		v.AddKey("channel", "field.one_of", map[string]any{"Choices": strings.Join(ContactChannels, ", ")})
	}
	if !oneOf(c.Direction, ContactDirections) {
		v.AddKey("direction", "field.customers.direction", nil)
	}
	if !oneOf(c.Outcome, ContactOutcomes) {
		v.AddKey("outcome", "field.one_of", map[string]any{"Choices": strings.Join(ContactOutcomes, ", ")})
	}
	if len([]rune(c.Summary)) > maxContactSummary {
		v.AddKey("summary", "field.at_most", map[string]any{"Max": maxContactSummary})
	} else {
		v.Text("summary", c.Summary, maxContactSummary, true)
	}
	if len(c.IdempotencyKey) > 100 {
		v.AddKey("idempotency_key", "field.at_most", map[string]any{"Max": 100})
	}
	return v.Err()
}

// ids returns the consignee and shipper columns for a kind and id (0 = NULL).
func ids(k Kind, id int64) (consignee, shipper int64) {
	if k == KindShipper {
		return 0, id
	}
	return id, 0
}

const contactCols = `c.id, CASE WHEN c.shipper_id IS NULL THEN 'consignee' ELSE 'shipper' END,
	COALESCE(c.consignee_id, c.shipper_id), COALESCE(c.complaint_id, 0), COALESCE(c.user_id, 0),
	COALESCE(u.name, ''), c.channel, c.direction, c.summary, c.outcome, COALESCE(c.idempotency_key, ''), c.created_at`

func scanContact(row pgx.Row) (Contact, error) {
	var c Contact
	err := row.Scan(&c.ID, &c.Kind, &c.CustomerID, &c.ComplaintID, &c.UserID, &c.UserName,
		&c.Channel, &c.Direction, &c.Summary, &c.Outcome, &c.IdempotencyKey, &c.CreatedAt)
	return c, err
}

// LogContact stores a contact and returns it as stored. A contact with an IdempotencyKey
// already stored is not stored again: the first one is returned, so a double submit or a
// retried request logs one contact. An unknown customer or complaint is ErrNotFound.
func (st *Store) LogContact(ctx context.Context, c Contact) (Contact, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	cons, ship := ids(c.Kind, c.CustomerID)
	var key *string
	if c.IdempotencyKey != "" {
		key = &c.IdempotencyKey
	}
	at := c.CreatedAt
	if at.IsZero() {
		at = st.Now()
	}
	// ON CONFLICT DO NOTHING returns no row for a repeat; the second statement then reads
	// the first row. Both in one round trip would need a CTE that cannot see the conflict
	// row, so two statements it is (the repeat is rare).
	var id int64
	err := st.pool.QueryRow(ctx, `INSERT INTO contacts (consignee_id, shipper_id, complaint_id, user_id, channel,
		direction, summary, outcome, idempotency_key, created_at)
		VALUES (NULLIF($1, 0), NULLIF($2, 0), NULLIF($3, 0), NULLIF($4, 0), $5, $6, $7, $8, $9, $10::timestamptz)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		cons, ship, c.ComplaintID, c.UserID, c.Channel, c.Direction, c.Summary, c.Outcome, key, at).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = st.pool.QueryRow(ctx, `SELECT id FROM contacts WHERE idempotency_key = $1`, key).Scan(&id)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" { // no such customer, complaint or user
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("customers: log contact: %w", err)
	}
	return scanContact(st.pool.QueryRow(ctx, `SELECT `+contactCols+` FROM contacts c LEFT JOIN users u ON u.id = c.user_id
		WHERE c.id = $1`, id))
}

// ContactFilter selects contacts: by customer (Kind and CustomerID) and/or by complaint.
// Zero fields match everything.
type ContactFilter struct {
	Kind        Kind
	CustomerID  int64
	ComplaintID int64
	Since       time.Time
}

// contactsQuery is the SQL of Contacts, shared with Profile's batch.
const contactsQuery = `SELECT ` + contactCols + ` FROM contacts c LEFT JOIN users u ON u.id = c.user_id
	WHERE ($1::bigint = 0 OR c.consignee_id = $1::bigint) AND ($2::bigint = 0 OR c.shipper_id = $2::bigint) AND ($3::bigint = 0 OR c.complaint_id = $3::bigint)
	  AND ($4::timestamptz IS NULL OR c.created_at >= $4)
	ORDER BY c.created_at DESC, c.id DESC LIMIT $5`

func contactArgs(f ContactFilter, limit int) []any {
	var cons, ship int64
	if f.CustomerID != 0 {
		cons, ship = ids(f.Kind, f.CustomerID)
	}
	var since *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	if limit <= 0 || limit > config.MaxContactPage {
		limit = config.DefaultContactPage
	}
	return []any{cons, ship, f.ComplaintID, since, limit}
}

// Contacts returns the contacts matching f, newest first, at most limit (50 when 0).
// The complaint detail page lists a complaint's contacts with ContactFilter{ComplaintID: id}.
func (st *Store) Contacts(ctx context.Context, f ContactFilter, limit int) ([]Contact, error) {
	rows, err := st.pool.Query(ctx, contactsQuery, contactArgs(f, limit)...)
	if err != nil {
		return nil, fmt.Errorf("customers: contacts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Contact, error) { return scanContact(r) })
	if err != nil {
		return nil, fmt.Errorf("customers: contacts: %w", err)
	}
	return out, nil
}

// LastContact returns the newest contact with a customer since a time (the console's "last
// contacted by X, N minutes ago" banner), or ErrNotFound when there is none.
func (st *Store) LastContact(ctx context.Context, kind Kind, id int64, since time.Time) (Contact, error) {
	list, err := st.Contacts(ctx, ContactFilter{Kind: kind, CustomerID: id, Since: since}, 1)
	if err != nil {
		return Contact{}, err
	}
	if len(list) == 0 {
		return Contact{}, ErrNotFound
	}
	return list[0], nil
}
