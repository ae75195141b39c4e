package complaints

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/internal/safetext"
)

// Limits of a filing (the portal checks them too, before reading the whole upload).
const (
	MaxPhotos         = 5
	MaxPhotoBytes     = 5 << 20
	MaxDescription    = 2000 // characters
	maxIdempotencyKey = 200
	maxPhotoName      = 200
)

// MaxFilingsPerDay is how many complaints the public form takes about one parcel in 24
// hours (Filing.PerDay), so a script cannot bury the desk under one parcel's complaints
// (40 were filed in 0.2 s).
const MaxFilingsPerDay = 3

// ErrTooManyFilings means the parcel already has Filing.PerDay complaints filed in the last
// 24 hours.
var ErrTooManyFilings = errs.New(errs.Limited, "limits.complaints_full", "complaints: this parcel already has the most complaints allowed for today")

// PhotoTypes are the accepted photo formats, checked against the bytes, not the name.
var PhotoTypes = []string{"image/jpeg", "image/png", "image/webp"}

// normalize trims the filing, puts the phone in E.164, reads each photo's real type from its
// bytes and reports every invalid field at once (*errs.ValidationError).
func (f *Filing) normalize() error {
	var v errs.ValidationError
	f.Description = strings.TrimSpace(f.Description)
	f.IdempotencyKey = strings.TrimSpace(f.IdempotencyKey)
	if f.ShipmentID <= 0 {
		v.AddKey("shipment_id", errs.KeyRequired, nil)
	}
	if !f.Category.Valid() {
		v.AddKey("category", "field.complaints.category", nil)
	}
	if f.Description == "" {
		v.AddKey("description", errs.KeyRequired, nil)
	} else {
		v.Text("description", f.Description, MaxDescription, true)
	}
	phone, err := customers.NormalizePhone(f.ContactPhone, "")
	if err != nil {
		v.AddKey("contact_phone", errs.KeyPhone, map[string]any{"Value": strconv.Quote(f.ContactPhone)})
	}
	f.ContactPhone = phone
	if len(f.IdempotencyKey) > maxIdempotencyKey {
		v.AddKey("idempotency_key", "field.longer_than", map[string]any{"Max": maxIdempotencyKey})
	} else {
		v.Text("idempotency_key", f.IdempotencyKey, maxIdempotencyKey, false)
	}
	if len(f.Photos) > MaxPhotos {
		v.AddKey("photos", "field.complaints.photos_max", map[string]any{"Max": MaxPhotos})
	}
	for i := range f.Photos {
		cleanFile(&v, "photos", &f.Photos[i], i, "photo", PhotoTypes, func(name string) {
			v.AddKey("photos", "field.complaints.photo_type", map[string]any{"Name": name})
		})
	}
	return v.Err()
}

// cleanFile makes an upload safe to keep: a name without folders or odd characters
// (fallback-N when none is left), at most maxPhotoName bytes, and the real type read from
// its bytes. An empty or too large file, or one whose type is not in types (badType is told
// its name), is recorded on field of v.
func cleanFile(v *errs.ValidationError, field string, p *Photo, i int, fallback string, types []string, badType func(name string)) {
	p.Name = strings.TrimSpace(path.Base(strings.ReplaceAll(p.Name, "\\", "/")))
	if p.Name == "." || p.Name == "/" || p.Name == "" || safetext.Problem(p.Name, false) != "" {
		p.Name = fmt.Sprintf("%s-%d", fallback, i+1)
	}
	if len(p.Name) > maxPhotoName {
		p.Name = p.Name[:maxPhotoName]
	}
	switch sniffed := http.DetectContentType(p.Data); {
	case len(p.Data) == 0:
		v.AddKey(field, "field.complaints.photo_empty", map[string]any{"Name": p.Name})
	case len(p.Data) > MaxPhotoBytes:
		v.AddKey(field, "field.complaints.photo_large", map[string]any{"Name": p.Name, "MB": MaxPhotoBytes >> 20})
	case !slices.Contains(types, sniffed):
		badType(p.Name)
	default:
		p.ContentType = sniffed
	}
}

// File stores a new complaint from the portal: it validates the filing (a
// *errs.ValidationError lists the bad fields), sets the priority from the category and
// the shipper's tier, the deadlines from the SLA policy, and a random reference (see
// newRef). The same IdempotencyKey returns the complaint already filed and stores nothing
// new, also when two submissions race. Past f.PerDay complaints about the parcel it is
// ErrTooManyFilings, exactly, however many filings arrive at once.
func (s *Store) File(ctx context.Context, f Filing) (*Complaint, error) {
	f.IdempotencyKey = strings.TrimSpace(f.IdempotencyKey)
	if c, err := s.byKey(ctx, f.IdempotencyKey); err == nil || !errors.Is(err, ErrNotFound) {
		return sameFiling(c, f, err)
	}
	if err := f.normalize(); err != nil {
		return nil, err
	}
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		id, err = s.fileTx(ctx, tx, &f)
		return err
	})
	var ve *errs.ValidationError
	switch {
	case errors.As(err, &ve), errors.Is(err, ErrTooManyFilings):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("complaints: file: %w", err)
	case id == 0: // a concurrent submission with the same key won
		c, err := s.byKey(ctx, f.IdempotencyKey)
		return sameFiling(c, f, err)
	}
	return s.ByID(ctx, id)
}

// sameFiling passes on the complaint filed earlier with f's key, refusing a key reused for
// another shipment (so a key never reveals someone else's complaint).
func sameFiling(c *Complaint, f Filing, err error) (*Complaint, error) {
	if err != nil {
		return nil, err
	}
	if c.ShipmentID != f.ShipmentID {
		v := &errs.ValidationError{}
		v.AddKey("idempotency_key", "field.complaints.idempotency_used", nil)
		return nil, v
	}
	return c, nil
}

// byKey returns the complaint filed with an idempotency key (ErrNotFound for "" or none).
func (s *Store) byKey(ctx context.Context, key string) (*Complaint, error) {
	if key == "" {
		return nil, ErrNotFound
	}
	c, err := s.one(ctx, s.pool, "WHERE c.idempotency_key = $1", key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("complaints: file: %w", err)
	}
	return c, err
}

// fileTx inserts the complaint, its photos and first timeline entry; it returns id 0 when
// the idempotency key is already taken. The shipment row is locked first, so filings about
// one parcel take turns and each one counts the filings committed before it.
func (s *Store) fileTx(ctx context.Context, tx pgx.Tx, f *Filing) (int64, error) {
	now := s.Now()
	c := &Complaint{ShipmentID: f.ShipmentID, Category: f.Category, Status: StatusNew, CreatedAt: now, ClockStart: now}
	err := tx.QueryRow(ctx, `SELECT s.shipper_id, s.consignee_id, sh.tier FROM shipments s
		JOIN shippers sh ON sh.id = s.shipper_id WHERE s.id = $1 FOR NO KEY UPDATE OF s`, f.ShipmentID).
		Scan(&c.ShipperID, &c.ConsigneeID, &c.ShipperTier)
	if errors.Is(err, pgx.ErrNoRows) {
		v := &errs.ValidationError{}
		v.AddKey("shipment_id", "field.complaints.no_shipment", nil)
		return 0, v
	}
	if err != nil {
		return 0, err
	}
	// A later statement than the lock: it sees the filings of the transactions it waited for.
	var taken bool
	var today int
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM complaints WHERE idempotency_key = NULLIF($1, '')),
		(SELECT count(*) FROM complaints WHERE shipment_id = $2 AND created_at > $3)`,
		f.IdempotencyKey, f.ShipmentID, now.Add(-24*time.Hour)).Scan(&taken, &today); err != nil {
		return 0, err
	}
	switch {
	case taken: // the same form again, filed while we waited
		return 0, nil
	case f.PerDay > 0 && today >= f.PerDay:
		return 0, ErrTooManyFilings
	}
	c.Priority = PriorityFor(c.Category, c.ShipperTier)
	if err := s.recompute(ctx, tx, c); err != nil {
		return 0, err
	}
	for try := 1; c.ID == 0; try++ {
		c.Ref = newRef()
		// A new random reference until one is free (ref is unique); a taken idempotency key
		// (another parcel's filing with the same key) ends it with id 0.
		rows, err := tx.Query(ctx, `INSERT INTO complaints (ref, idempotency_key, shipment_id, shipper_id, consignee_id,
			category, description, contact_phone, priority, first_response_due, resolution_due, clock_start, created_at, updated_at)
			VALUES ($1, NULLIF($2, ''), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12)
			ON CONFLICT DO NOTHING RETURNING id`,
			c.Ref, f.IdempotencyKey, c.ShipmentID, c.ShipperID, c.ConsigneeID, c.Category, f.Description,
			f.ContactPhone, c.Priority, c.FirstResponseDue, c.ResolutionDue, now)
		if err != nil {
			return 0, err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return 0, err
		}
		if len(ids) == 1 {
			c.ID = ids[0]
			break
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM complaints WHERE idempotency_key = NULLIF($1, ''))`,
			f.IdempotencyKey).Scan(&taken); err != nil || taken {
			return 0, err
		}
		if try == 5 {
			return 0, errors.New("no free reference after 5 tries")
		}
	}
	for _, p := range f.Photos {
		if _, err := tx.Exec(ctx, `INSERT INTO complaint_photos (complaint_id, name, content_type, data, created_at)
			VALUES ($1, $2, $3, $4, $5)`, c.ID, p.Name, p.ContentType, p.Data, now); err != nil {
			return 0, err
		}
	}
	if _, err = addEntry(ctx, tx, c.ID, Actor{}, ActorCustomer, Entry{At: now, Kind: KindStatus, ToStatus: StatusNew, Public: true}); err != nil {
		return 0, err
	}
	if err := s.tagAtFiling(ctx, tx, c, now); err != nil {
		return 0, err
	}
	return c.ID, s.emit(ctx, tx, c, EventCreated, "created", "", now)
}

// PhotoList returns a complaint's photos without their bytes, in upload order.
func (s *Store) PhotoList(ctx context.Context, complaintID int64) ([]Photo, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, content_type FROM complaint_photos WHERE complaint_id = $1 ORDER BY id`, complaintID)
	if err != nil {
		return nil, fmt.Errorf("complaints: photo list: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Photo, error) {
		var p Photo
		return p, r.Scan(&p.ID, &p.Name, &p.ContentType)
	})
	if err != nil {
		return nil, fmt.Errorf("complaints: photo list: %w", err)
	}
	return out, nil
}

// Photo returns one photo of a complaint with its bytes (ErrNotFound when the photo does
// not belong to that complaint).
func (s *Store) Photo(ctx context.Context, complaintID, photoID int64) (*Photo, error) {
	var p Photo
	err := s.pool.QueryRow(ctx, `SELECT id, name, content_type, data FROM complaint_photos WHERE complaint_id = $1 AND id = $2`,
		complaintID, photoID).Scan(&p.ID, &p.Name, &p.ContentType, &p.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("complaints: photo: %w", err)
	}
	return &p, nil
}
