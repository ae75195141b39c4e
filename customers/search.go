package customers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/config"
)

// Match is one customer found by Search.
type Match struct {
	Kind    Kind
	ID      int64
	Name    string // consignee name or shipper company
	Contact string // the shipper's contact person
	Phone   string // E.164
	Tier    Tier   // shippers only
	Via     string // what matched: "phone", "tracking_no", "complaint", "name", "last4"
	City    string // the consignee's city ("" for shippers), to tell same-named people apart
}

// likeEscape escapes LIKE's wildcards so a typed "%" or "_" matches itself.
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// The two ways Search matches consignee names (constant SQL, chosen by input length).
const (
	namePrefix   = `c.name COLLATE "C" LIKE $3 || '%' ORDER BY c.name COLLATE "C"`
	nameContains = `c.name ILIKE '%' || $3 || '%' ORDER BY c.name ILIKE $3 || '%' DESC, c.name`
)

// Search finds customers by what a caller gives on the phone, in one query: a phone number
// in any format (consignees and shippers with that number, merges followed), a tracking
// number (its consignee, then its shipper), a complaint reference (its consignee), or part
// of a name (consignee names, shipper company and contact names; prefix matches first;
// one or two characters match the start of a consignee's name first).
// Four digits alone or with words ("1234", "1234 张", "王 上海 5678") are the last 4 digits
// of a phone, narrowed by each word matching the name or city (SearchLast4).
// At most limit matches (20 when 0), exact identifiers before names.
func (st *Store) Search(ctx context.Context, q string, limit int) ([]Match, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if limit <= 0 || limit > config.MaxSearchPage {
		limit = config.DefaultSearchPage
	}
	if last4, words, ok := splitLast4(q); ok {
		return st.SearchLast4(ctx, last4, words, limit)
	}
	phone, _ := NormalizePhone(q, "") // "" when q is not a phone number
	ident := strings.ToUpper(strings.Join(strings.Fields(q), ""))
	name := likeEscape.Replace(q)
	// Chinese names are mostly two or three characters: "contains" needs three for the
	// trigram index, so shorter input first matches the start of the name (surname, or a
	// whole two-character name) through the prefix index, and reads every consignee name
	// only when that finds nobody (a given name alone).
	if utf8.RuneCountInString(q) < 3 {
		out, err := st.search(ctx, phone, ident, name, namePrefix, limit)
		if err != nil || len(out) > 0 {
			return out, err
		}
	}
	return st.search(ctx, phone, ident, name, nameContains, limit)
}

// splitLast4 reads q as the last 4 digits of a phone and narrowing words: exactly one
// word of exactly four ASCII digits.
func splitLast4(q string) (last4 string, words []string, ok bool) {
	for _, w := range strings.Fields(q) {
		if len(w) == 4 && strings.Trim(w, "0123456789") == "" {
			if ok {
				return "", nil, false // two groups of four digits: not this form
			}
			last4, ok = w, true
			continue
		}
		words = append(words, w)
	}
	return last4, words, ok
}

// SearchLast4 finds consignees and shippers whose phone ends in last4, each word of words
// matching (case-insensitive, part of) the consignee's name, city, district or province, or
// the shipper's company or contact name. Consignees first, by name; at most limit. Phones
// are returned in full: the console masks them in lists as for any search.
func (st *Store) SearchLast4(ctx context.Context, last4 string, words []string, limit int) ([]Match, error) {
	if limit <= 0 || limit > config.MaxSearchPage {
		limit = config.DefaultSearchPage
	}
	pats := make([]string, len(words))
	for i, w := range words {
		pats[i] = "%" + likeEscape.Replace(w) + "%"
	}
	rows, err := st.pool.Query(ctx, `
(SELECT 'consignee', c.id, c.name, '', c.phone, '', c.city, 0 AS k FROM consignees c
  WHERE c.merged_into IS NULL AND right(c.phone, 4) = $1
    AND NOT EXISTS (SELECT 1 FROM unnest($2::text[]) p
        WHERE NOT (c.name ILIKE p OR c.city ILIKE p OR c.district ILIKE p OR c.province ILIKE p))
  ORDER BY c.name, c.id LIMIT $3)
UNION ALL
(SELECT 'shipper', s.id, s.name, s.contact_name, s.phone, s.tier, '', 1 FROM shippers s
  WHERE s.phone <> '' AND right(s.phone, 4) = $1
    AND NOT EXISTS (SELECT 1 FROM unnest($2::text[]) p WHERE NOT (s.name ILIKE p OR s.contact_name ILIKE p))
  ORDER BY s.name, s.id LIMIT $3)
ORDER BY k, 3, 2 LIMIT $3`, last4, pats, limit)
	if err != nil {
		return nil, fmt.Errorf("customers: search last 4: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Match, error) {
		m := Match{Via: "last4"}
		var k int
		return m, r.Scan(&m.Kind, &m.ID, &m.Name, &m.Contact, &m.Phone, &m.Tier, &m.City, &k)
	})
	if err != nil {
		return nil, fmt.Errorf("customers: search last 4: %w", err)
	}
	return out, nil
}

// search runs Search's query with one of the two consignee name conditions.
func (st *Store) search(ctx context.Context, phone, ident, name, consigneeName string, limit int) ([]Match, error) {
	rows, err := st.pool.Query(ctx, `
WITH hits AS (
    SELECT 'consignee'::text AS kind, COALESCE(c.merged_into, c.id) AS id, 'phone'::text AS via, 0 AS rank
      FROM consignees c WHERE $1 <> '' AND c.phone = $1
    UNION ALL
    SELECT 'shipper', s.id, 'phone', 0 FROM shippers s WHERE $1 <> '' AND s.phone = $1
    UNION ALL
    SELECT 'consignee', COALESCE(c.merged_into, c.id), 'tracking_no', 0
      FROM shipments sh JOIN consignees c ON c.id = sh.consignee_id WHERE sh.tracking_no = $2
    UNION ALL
    SELECT 'shipper', sh.shipper_id, 'tracking_no', 1 FROM shipments sh WHERE sh.tracking_no = $2
    UNION ALL
    SELECT 'consignee', COALESCE(c.merged_into, c.id), 'complaint', 0
      FROM complaints cp JOIN consignees c ON c.id = cp.consignee_id WHERE cp.ref = $2
    UNION ALL
    (SELECT 'consignee', c.id, 'name', CASE WHEN c.name ILIKE $3 || '%' THEN 2 ELSE 3 END
       FROM consignees c WHERE c.merged_into IS NULL AND `+consigneeName+` LIMIT $4)
    UNION ALL
    (SELECT 'shipper', s.id, 'name', CASE WHEN s.name ILIKE $3 || '%' OR s.contact_name ILIKE $3 || '%' OR s.code = $2 THEN 2 ELSE 3 END
       FROM shippers s WHERE s.name ILIKE '%' || $3 || '%' OR s.contact_name ILIKE '%' || $3 || '%' OR s.code = $2
      ORDER BY s.name LIMIT $4)
), best AS (
    SELECT DISTINCT ON (kind, id) kind, id, via, rank FROM hits ORDER BY kind, id, rank
)
SELECT b.kind, b.id, b.via, COALESCE(c.name, s.name, ''), COALESCE(s.contact_name, ''),
       COALESCE(c.phone, s.phone, ''), COALESCE(s.tier, ''), COALESCE(c.city, '')
  FROM best b
  LEFT JOIN consignees c ON b.kind = 'consignee' AND c.id = b.id
  LEFT JOIN shippers s ON b.kind = 'shipper' AND s.id = b.id
 ORDER BY b.rank, b.kind, 4, b.id
 LIMIT $4`, phone, ident, name, limit)
	if err != nil {
		return nil, fmt.Errorf("customers: search: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Match, error) {
		var m Match
		return m, r.Scan(&m.Kind, &m.ID, &m.Via, &m.Name, &m.Contact, &m.Phone, &m.Tier, &m.City)
	})
	if err != nil {
		return nil, fmt.Errorf("customers: search: %w", err)
	}
	return out, nil
}

// ProfileShipment is one of a customer's recent shipments.
type ProfileShipment struct {
	ID          int64
	TrackingNo  string
	Status      string
	Party       string // the other side: the shipper of a consignee's parcel, the consignee of a shipper's
	DestCity    string
	PromisedAt  time.Time
	DeliveredAt *time.Time
	CreatedAt   time.Time
}

// ProfileComplaint is one of a customer's complaints, as listed on the customer page.
type ProfileComplaint struct {
	ID         int64
	Ref        string
	TrackingNo string
	Category   string
	Status     string
	Priority   string
	CreatedAt  time.Time
}

// ProfileSurvey is one satisfaction answer about a customer's shipment.
type ProfileSurvey struct {
	TrackingNo string
	CSAT       int
	NPS        int
	Comment    string
	CreatedAt  time.Time
}

// Profile is everything the console shows about one customer at once.
type Profile struct {
	Kind       Kind
	Consignee  *Consignee // set for KindConsignee
	Shipper    *Shipper   // set for KindShipper
	Shipments  []ProfileShipment
	Complaints []ProfileComplaint
	Contacts   []Contact
	Surveys    []ProfileSurvey
}

// LastContact returns the newest logged contact at or after since, or nil.
func (p *Profile) LastContact(since time.Time) *Contact {
	if len(p.Contacts) > 0 && !p.Contacts[0].CreatedAt.Before(since) {
		return &p.Contacts[0]
	}
	return nil
}

// profileRows is how many rows each section of a profile holds.
const profileRows = 20

// Profile loads a customer with their recent shipments, complaints, contacts and surveys
// in one round trip (one query per section, sent as a batch). The complaints section reads
// the complaints table directly because complaints imports customers, not the reverse. A
// consignee that was merged is returned as stored (MergedInto set): the caller follows it.
func (st *Store) Profile(ctx context.Context, kind Kind, id int64) (*Profile, error) {
	if !kind.Valid() {
		return nil, ErrNotFound
	}
	p := &Profile{Kind: kind}
	side := "consignee_id"
	if kind == KindShipper {
		side = "shipper_id"
	}
	b := &pgx.Batch{}
	if kind == KindConsignee {
		b.Queue(`SELECT `+consigneeCols+` FROM consignees WHERE id = $1`, id).QueryRow(func(r pgx.Row) error {
			c, err := scanConsignee(r)
			p.Consignee = c
			return err
		})
	} else {
		b.Queue(`SELECT `+shipperCols+` FROM shippers WHERE id = $1`, id).QueryRow(func(r pgx.Row) error {
			s, err := scanShipper(r)
			p.Shipper = s
			return err
		})
	}
	// side is one of two constant column names, never input.
	b.Queue(`SELECT sh.id, sh.tracking_no, sh.status, CASE WHEN $2 THEN s.name ELSE c.name END, sh.dest_city,
		sh.promised_at, sh.delivered_at, sh.created_at
		FROM shipments sh JOIN shippers s ON s.id = sh.shipper_id JOIN consignees c ON c.id = sh.consignee_id
		WHERE sh.`+side+` = $1 ORDER BY sh.created_at DESC, sh.id DESC LIMIT $3`, id, kind == KindConsignee, profileRows).
		Query(func(rows pgx.Rows) error {
			var err error
			p.Shipments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProfileShipment, error) {
				var s ProfileShipment
				return s, r.Scan(&s.ID, &s.TrackingNo, &s.Status, &s.Party, &s.DestCity, &s.PromisedAt, &s.DeliveredAt, &s.CreatedAt)
			})
			return err
		})
	b.Queue(`SELECT cp.id, cp.ref, sh.tracking_no, cp.category, cp.status, cp.priority, cp.created_at
		FROM complaints cp JOIN shipments sh ON sh.id = cp.shipment_id
		WHERE cp.`+side+` = $1 ORDER BY cp.created_at DESC, cp.id DESC LIMIT $2`, id, profileRows).
		Query(func(rows pgx.Rows) error {
			var err error
			p.Complaints, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProfileComplaint, error) {
				var c ProfileComplaint
				return c, r.Scan(&c.ID, &c.Ref, &c.TrackingNo, &c.Category, &c.Status, &c.Priority, &c.CreatedAt)
			})
			return err
		})
	b.Queue(contactsQuery, contactArgs(ContactFilter{Kind: kind, CustomerID: id}, profileRows)...).
		Query(func(rows pgx.Rows) error {
			var err error
			p.Contacts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Contact, error) { return scanContact(r) })
			return err
		})
	b.Queue(`SELECT sh.tracking_no, sv.csat, sv.nps, sv.comment, sv.created_at
		FROM surveys sv JOIN shipments sh ON sh.id = sv.shipment_id
		WHERE sh.`+side+` = $1 ORDER BY sv.created_at DESC, sv.id DESC LIMIT $2`, id, profileRows).
		Query(func(rows pgx.Rows) error {
			var err error
			p.Surveys, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProfileSurvey, error) {
				var s ProfileSurvey
				return s, r.Scan(&s.TrackingNo, &s.CSAT, &s.NPS, &s.Comment, &s.CreatedAt)
			})
			return err
		})
	if err := st.pool.SendBatch(ctx, b).Close(); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("customers: profile %s %d: %w", kind, id, err)
	}
	return p, nil
}
