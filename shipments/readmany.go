package shipments

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// MaxLookup is how many numbers one lookup may ask for.
const MaxLookup = 20

// SplitNumbers reads tracking numbers typed into one box, separated by spaces, commas
// (also the Chinese comma), semicolons or new lines; it upper-cases, drops repeats and
// keeps the typed order. Malformed entries are kept, so the page can say what is wrong with
// them. At most MaxLookup are returned; over is the typed numbers past those (at most
// MaxLookup of them, so a pasted list cannot make the page long), which are not looked up.
func SplitNumbers(input string) (numbers, over []string) {
	fields := strings.FieldsFunc(input, func(r rune) bool {
		return r == ',' || r == '，' || r == ';' || r == '；' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '　'
	})
	seen := map[string]bool{}
	for _, f := range fields {
		f = strings.ToUpper(strings.TrimSpace(f))
		if f == "" || seen[f] || len(f) > 40 {
			continue
		}
		seen[f] = true
		switch {
		case len(numbers) < MaxLookup:
			numbers = append(numbers, f)
		case len(over) < MaxLookup:
			over = append(over, f)
		default:
			return numbers, over
		}
	}
	return numbers, over
}

// GetMany returns the shipments of the given numbers that exist, keyed by their normalized
// number, in one SQL round trip.
func (st *Store) GetMany(ctx context.Context, numbers []string) (map[string]*Detail, error) {
	q := strings.Replace(detailSQL, "WHERE s.tracking_no = $1", "WHERE s.tracking_no = ANY($1)", 1)
	return st.readMany(ctx, "get many", q, numbers, scanDetail)
}

// readOne is the read of one parcel shared by Get and Track: q takes the normalized number
// as $1 and scan reads its row; an invalid or unknown number is ErrNotFound.
func (st *Store) readOne(ctx context.Context, what, q, trackingNo string, scan func(pgx.Row) (*Detail, error)) (*Detail, error) {
	tn, err := NormalizeTrackingNo(trackingNo)
	if err != nil {
		return nil, ErrNotFound
	}
	d, err := scan(st.pool.QueryRow(ctx, q, tn))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("shipments: %s %s: %w", what, tn, err)
	}
	if err := st.markArchived(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// readMany is the read of several parcels shared by GetMany and TrackMany: q takes the
// valid normalized numbers as $1; the parcels that exist, keyed by their number.
func (st *Store) readMany(ctx context.Context, what, q string, numbers []string, scan func(pgx.Row) (*Detail, error)) (map[string]*Detail, error) {
	var valid []string
	for _, n := range numbers {
		if tn, err := NormalizeTrackingNo(n); err == nil {
			valid = append(valid, tn)
		}
	}
	out := map[string]*Detail{}
	if len(valid) == 0 {
		return out, nil
	}
	rows, err := st.pool.Query(ctx, q, valid)
	if err != nil {
		return nil, fmt.Errorf("shipments: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("shipments: %s: %w", what, err)
		}
		out[d.TrackingNo] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("shipments: %s: %w", what, err)
	}
	ds := make([]*Detail, 0, len(out))
	for _, d := range out {
		ds = append(ds, d)
	}
	return out, st.markArchived(ctx, ds...)
}

// scanDetail reads one row of detailSQL.
func scanDetail(row pgx.Row) (*Detail, error) {
	var d Detail
	s, sh, c := &d.Shipment, &d.Shipper, &d.Consignee
	var keys, codes, locs, notes, signers []string
	var ats []time.Time
	var est estimateRow
	err := row.Scan(
		&s.ID, &s.TrackingNo, &s.ServiceLevel, &s.OriginCity, &s.Dest.Province, &s.Dest.City,
		&s.Dest.District, &s.Dest.Street, &s.Dest.PostalCode, &s.WeightG, &s.DeclaredValueFen,
		&s.PromisedAt, &s.CreatedAt, &s.Status, &s.PickedUpAt, &s.ArrivedAtStationAt,
		&s.OutForDeliveryAt, &s.DeliveredAt, &s.SignedBy, &s.SignedAt, &s.PODURL, &s.LastEventAt,
		&d.Addressee.Name, &d.Addressee.Phone, &d.Addressee.Email,
		&s.FreightFen, &s.SurchargeFen, &s.CostFen,
		&sh.ID, &sh.Code, &sh.Name, &sh.ContactName, &sh.Phone, &sh.Email, &sh.Tier, &sh.TimeZone, &sh.Locale,
		&c.ID, &c.Name, &c.Phone, &c.Email, &c.Address.Province, &c.Address.City, &c.Address.District, &c.Address.Street, &c.Address.PostalCode,
		&keys, &codes, &ats, &locs, &notes, &signers,
		&est.basis, &est.milestone, &est.n, &est.p10, &est.p50, &est.p90)
	if err != nil {
		return nil, err
	}
	s.ShipperID, s.ConsigneeID = sh.ID, c.ID
	s.Model = est.model()
	d.Events = make([]Event, len(keys))
	for i := range keys {
		d.Events[i] = Event{Key: keys[i], Code: Code(codes[i]), OccurredAt: ats[i], Location: locs[i], Note: notes[i], SignedBy: signers[i]}
	}
	sort.SliceStable(d.Events, func(i, j int) bool { return Less(d.Events[i], d.Events[j]) })
	return &d, nil
}
