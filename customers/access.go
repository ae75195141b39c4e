package customers

// Staff access to personal data. Courier staff selling customer records is a known problem
// in the trade, so the console masks phones and streets by default; seeing one in full is
// a reveal with a reason, and every reveal and every export holding personal data is an
// entry in the audit log (who, whose, what, when, why), written in the same transaction
// as the read it describes.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"lcrm/audit"
	"lcrm/internal/errs"
)

// Audit actions of personal-data access.
const (
	ActionReveal = "customer.reveal"
	ActionExport = "export.download"
)

// RevealField names a piece of personal data the console masks.
type RevealField string

// The fields a reveal can show.
const (
	RevealPhone        RevealField = "phone"         // a consignee's or shipper's phone
	RevealAddress      RevealField = "address"       // a consignee's street address
	RevealContactPhone RevealField = "contact_phone" // the callback number of one complaint
)

// RevealReasons are the reasons a staff member picks from; "other" needs a note.
var RevealReasons = []string{"callback", "delivery", "complaint", "other"}

// RevealWindow is how long a revealed value stays visible to the one who revealed it
// (on that customer's pages); after it the value is masked again and needs a new reveal.
const RevealWindow = 10 * time.Minute

// RevealsPerHour is how many values one staff member may reveal per hour: enough for a
// busy shift of callbacks, slow for anyone copying records in bulk.
const RevealsPerHour = 50

// SearchMissesPerHour is how many console searches finding nobody one staff member may
// make per hour (searches finding someone are free). Without it the search box tells the
// hidden digits of a masked phone ("138****8000") in at most 10,000 tries, no reveal needed.
const SearchMissesPerHour = 30

// RevealNoteMax is the longest note a reveal keeps, in characters.
const RevealNoteMax = 200

// Viewer is the staff member reading personal data.
type Viewer struct {
	UserID int64
	Name   string // the name the audit log shows (email for staff)
}

// RevealRequest asks to see one masked value of one customer.
type RevealRequest struct {
	By          Viewer
	Kind        Kind
	CustomerID  int64
	Field       RevealField
	ComplaintID int64  // the complaint whose contact phone is asked for (RevealContactPhone only)
	Reason      string // one of RevealReasons
	Note        string // free text; required for "other"
}

// Validate trims the note and reports every field that makes r unacceptable: no staff
// member, an unknown field for the kind, a reason not on the list, a missing or long note.
func (r *RevealRequest) Validate() error {
	var v errs.ValidationError
	r.Note = strings.TrimSpace(r.Note)
	r.Reason = strings.TrimSpace(r.Reason)
	if r.By.UserID == 0 {
		v.AddKey("by", "field.customers.reveal_by", nil)
	}
	switch {
	case !r.Kind.Valid():
		v.AddKey("kind", "field.customers.reveal_kind", nil)
	case r.Field == RevealPhone:
	case r.Field == RevealAddress && r.Kind == KindConsignee:
	case r.Field == RevealContactPhone && r.Kind == KindConsignee && r.ComplaintID > 0:
	default:
		v.AddKey("field", "field.customers.reveal_field", nil)
	}
	known := false
	for _, k := range RevealReasons {
		known = known || r.Reason == k
	}
	if !known {
		v.AddKey("reason", "field.customers.reveal_reason", nil)
	}
	if r.Reason == "other" && r.Note == "" {
		v.AddKey("note", "field.customers.reveal_note", nil)
	}
	if utf8.RuneCountInString(r.Note) > RevealNoteMax {
		v.AddKey("note", "field.at_most", map[string]any{"Max": RevealNoteMax})
	}
	return v.Err()
}

// revealAudit is what a reveal entry stores after the fact.
type revealAudit struct {
	Field       RevealField `json:"field"`
	Reason      string      `json:"reason"`
	Note        string      `json:"note,omitempty"`
	ComplaintID int64       `json:"complaint_id,omitempty"`
}

// Reveal returns the full value r asks for and records who saw it, whose it is, which
// field, when (at) and why in the audit log, in the transaction that reads the value: no
// value without its entry. A customer (or complaint of theirs) that does not exist is
// ErrNotFound and leaves no entry. Rate limits are the caller's (RevealsPerHour).
func (st *Store) Reveal(ctx context.Context, r RevealRequest, at time.Time) (string, error) {
	if err := r.Validate(); err != nil {
		return "", err
	}
	var value string
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		var err error
		switch {
		case r.Kind == KindShipper:
			err = tx.QueryRow(ctx, `SELECT phone FROM shippers WHERE id = $1`, r.CustomerID).Scan(&value)
		case r.Field == RevealPhone:
			err = tx.QueryRow(ctx, `SELECT phone FROM consignees WHERE id = $1`, r.CustomerID).Scan(&value)
		case r.Field == RevealAddress:
			var a Address
			err = tx.QueryRow(ctx, `SELECT province, city, district, street, postal_code FROM consignees WHERE id = $1`,
				r.CustomerID).Scan(&a.Province, &a.City, &a.District, &a.Street, &a.PostalCode)
			value = a.Full()
		default: // RevealContactPhone: the complaints table, read directly as Profile does
			err = tx.QueryRow(ctx, `SELECT contact_phone FROM complaints WHERE id = $1 AND consignee_id = $2`,
				r.ComplaintID, r.CustomerID).Scan(&value)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: r.By.UserID, Actor: r.By.Name, Action: ActionReveal,
			Object: string(r.Kind), ObjectID: r.CustomerID, At: at,
			After: revealAudit{Field: r.Field, Reason: r.Reason, Note: r.Note, ComplaintID: r.ComplaintID}})
	})
	if errors.Is(err, ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("customers: reveal %s %d %s: %w", r.Kind, r.CustomerID, r.Field, err)
	}
	return value, nil
}

// Revealed is one value a staff member revealed recently.
type Revealed struct {
	Field       RevealField
	ComplaintID int64 // for RevealContactPhone
}

// Revealed lists what user revealed of the customer at or after since (normally
// now - RevealWindow): the pages show those values in full to that user alone.
func (st *Store) Revealed(ctx context.Context, userID int64, kind Kind, id int64, since time.Time) ([]Revealed, error) {
	rows, err := st.pool.Query(ctx, `SELECT DISTINCT after->>'field', COALESCE((after->>'complaint_id')::bigint, 0)
		FROM audit_log WHERE object = $1 AND object_id = $2 AND at >= $3 AND action = $4 AND actor_id = $5`,
		string(kind), id, since, ActionReveal, userID)
	if err != nil {
		return nil, fmt.Errorf("customers: revealed: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Revealed, error) {
		var v Revealed
		return v, r.Scan(&v.Field, &v.ComplaintID)
	})
	if err != nil {
		return nil, fmt.Errorf("customers: revealed: %w", err)
	}
	return out, nil
}

// Export describes one download of a workbook holding personal data.
type Export struct {
	By       Viewer
	Name     string // what export: "shipper_shipments", "kpi_workbook", "kpi_file"
	File     string // the file name sent
	Filters  string // the filters as the request gave them
	Rows     int    // data rows in the file (0 when not counted)
	Object   string // what the file is about when it is a stored thing ("report_file"), else "export"
	ObjectID int64
}

// exportAudit is what an export entry stores.
type exportAudit struct {
	Export  string `json:"export"`
	File    string `json:"file"`
	Filters string `json:"filters,omitempty"`
	Rows    int    `json:"rows"`
}

// RecordExport writes the audit entry of one export download at at (who, what export,
// filters, row count, when). The caller sends the file only once it succeeded.
func (st *Store) RecordExport(ctx context.Context, e Export, at time.Time) error {
	if e.By.UserID == 0 || e.Name == "" {
		return fmt.Errorf("customers: record export: viewer and name are required")
	}
	if e.Object == "" {
		e.Object = "export"
	}
	err := audit.Record(ctx, st.pool, audit.Entry{ActorID: e.By.UserID, Actor: e.By.Name, Action: ActionExport,
		Object: e.Object, ObjectID: e.ObjectID, At: at,
		After: exportAudit{Export: e.Name, File: e.File, Filters: e.Filters, Rows: e.Rows}})
	if err != nil {
		return fmt.Errorf("customers: record export: %w", err)
	}
	return nil
}

// Full is the whole address on one line, as a courier writes it.
func (a Address) Full() string {
	var parts []string
	for _, p := range []string{a.Province, a.City, a.District, a.Street, a.PostalCode} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// MaskStaffPhone masks a phone for staff pages: the first three and the last four digits
// of the national number stay ("138****8000"). Unlike the public MaskPhone (which may hide
// more), staff keep the last four because agents confirm a caller by them ("尾号8000?");
// the four hidden digits are what stops a page from being a calling list.
func MaskStaffPhone(e164 string) string {
	national, ok := strings.CutPrefix(e164, "+86")
	if !ok {
		national = e164
	}
	d := digits(national)
	switch {
	case len(d) == 0:
		return ""
	case len(d) <= 7:
		return strings.Repeat("*", len(d)-min(len(d), 2)) + d[len(d)-min(len(d), 2):]
	default:
		return d[:3] + strings.Repeat("*", len(d)-7) + d[len(d)-4:]
	}
}

// MaskStreet hides the street part of an address ("" stays ""): province, city and
// district are enough to route a call; the street is what a record seller wants.
func MaskStreet(street string) string {
	if strings.TrimSpace(street) == "" {
		return ""
	}
	return "****"
}
