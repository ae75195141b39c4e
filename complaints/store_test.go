package complaints_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/errs"
)

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)

func TestFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ship := f.shipment(customers.TierKey, "13900001111")
	c, err := f.store.File(ctx, complaints.Filing{
		ShipmentID: ship, Category: complaints.Lost, Description: "  丢件了  ", ContactPhone: "139-0000-1111",
		Photos: []complaints.Photo{{Name: `C:\photos\box.png`, ContentType: "image/jpeg", Data: pngBytes}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^C-[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}$`).MatchString(c.Ref) {
		t.Errorf("ref = %q", c.Ref)
	}
	if c.Status != complaints.StatusNew || c.Priority != complaints.P1 || c.ContactPhone != "+8613900001111" ||
		c.Description != "丢件了" || c.TrackingNo == "" || c.ShipperTier != "key" || c.ShipperID == 0 || c.ConsigneeID == 0 {
		t.Errorf("complaint = %+v", c)
	}
	// P1 key: 30 minutes / 8 hours around the clock.
	if !c.FirstResponseDue.Equal(monday10.Add(30*time.Minute)) || !c.ResolutionDue.Equal(monday10.Add(8*time.Hour)) {
		t.Errorf("deadlines = %v, %v", c.FirstResponseDue, c.ResolutionDue)
	}
	byRef, err := f.store.ByRef(ctx, strings.ToLower(c.Ref))
	if err != nil || byRef.ID != c.ID {
		t.Fatalf("ByRef lower case = %v, %v", byRef, err)
	}
	photos, err := f.store.PhotoList(ctx, c.ID)
	if err != nil || len(photos) != 1 || photos[0].Name != "box.png" || photos[0].ContentType != "image/png" || photos[0].Data != nil {
		t.Fatalf("photos = %+v, %v", photos, err)
	}
	p, err := f.store.Photo(ctx, c.ID, photos[0].ID)
	if err != nil || !bytes.Equal(p.Data, pngBytes) {
		t.Fatalf("photo = %v", err)
	}
	if _, err := f.store.Photo(ctx, c.ID+1, photos[0].ID); !errors.Is(err, complaints.ErrNotFound) {
		t.Errorf("photo of another complaint: %v", err)
	}
	if _, err := f.store.ByRef(ctx, "C2611-999999"); !errors.Is(err, complaints.ErrNotFound) {
		t.Errorf("unknown ref: %v", err)
	}
	tl, err := f.store.Timeline(ctx, c.ID, false)
	if err != nil || len(tl) != 1 || tl[0].ToStatus != complaints.StatusNew || tl[0].ActorName != complaints.ActorCustomer {
		t.Errorf("timeline = %+v, %v", tl, err)
	}
	for name, list := range map[string]func() ([]complaints.Complaint, error){
		"shipment":  func() ([]complaints.Complaint, error) { return f.store.ListByShipment(ctx, ship) },
		"shipper":   func() ([]complaints.Complaint, error) { return f.store.ListByShipper(ctx, c.ShipperID, 10) },
		"consignee": func() ([]complaints.Complaint, error) { return f.store.ListByConsignee(ctx, c.ConsigneeID) },
	} {
		if got, err := list(); err != nil || len(got) != 1 || got[0].ID != c.ID {
			t.Errorf("list by %s = %v, %v", name, got, err)
		}
	}
}

func TestFileValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ship := f.shipment(customers.TierRegular, "13900001111")
	big := append(append([]byte{}, pngBytes...), make([]byte, complaints.MaxPhotoBytes)...)
	good := complaints.Filing{ShipmentID: ship, Category: complaints.Damaged, Description: "破了", ContactPhone: "13900001111"}
	for _, tc := range []struct {
		name  string
		edit  func(*complaints.Filing)
		field string
	}{
		{"no category", func(x *complaints.Filing) { x.Category = "" }, "category"},
		{"blank description", func(x *complaints.Filing) { x.Description = "  " }, "description"},
		{"long description", func(x *complaints.Filing) { x.Description = strings.Repeat("长", complaints.MaxDescription+1) }, "description"},
		{"bad phone", func(x *complaints.Filing) { x.ContactPhone = "12345" }, "contact_phone"},
		{"unknown shipment", func(x *complaints.Filing) { x.ShipmentID = ship + 1000 }, "shipment_id"},
		{"six photos", func(x *complaints.Filing) { x.Photos = make([]complaints.Photo, 6) }, "photos"},
		{"not an image", func(x *complaints.Filing) {
			x.Photos = []complaints.Photo{{Name: "a.png", ContentType: "image/png", Data: []byte("<html>hi</html>")}}
		}, "photos"},
		{"too big", func(x *complaints.Filing) { x.Photos = []complaints.Photo{{Name: "a.png", Data: big}} }, "photos"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good
			tc.edit(&in)
			_, err := f.store.File(context.Background(), in)
			var ve *errs.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != tc.field {
				t.Fatalf("err = %v, want a validation error on %s", err, tc.field)
			}
		})
	}
	var n int
	_ = f.pool.QueryRow(context.Background(), `SELECT count(*) FROM complaints`).Scan(&n)
	if n != 0 {
		t.Errorf("%d complaints stored from invalid filings", n)
	}
}

func TestFileIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := complaints.Filing{ShipmentID: f.shipment(customers.TierSmall, "13900001111"), Category: complaints.Delayed,
		Description: "太慢", ContactPhone: "13900001111", IdempotencyKey: "tok-1",
		Photos: []complaints.Photo{{Name: "a.png", Data: pngBytes}}}
	a, err := f.store.File(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.store.File(ctx, in)
	if err != nil || b.ID != a.ID || b.Ref != a.Ref {
		t.Fatalf("second submit = %+v, %v; want complaint %d", b, err, a.ID)
	}
	// Two racing submissions with a new key file one complaint, and both get it.
	in.IdempotencyKey = "tok-2"
	var wg sync.WaitGroup
	got := make([]*complaints.Complaint, 2)
	fileErrs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], fileErrs[i] = f.store.File(ctx, in)
		}()
	}
	wg.Wait()
	if fileErrs[0] != nil || fileErrs[1] != nil || got[0].ID != got[1].ID || got[0].ID == a.ID {
		t.Fatalf("concurrent: %v %v, ids %v", fileErrs[0], fileErrs[1], got)
	}
	var complaintsN, photosN, entriesN int
	_ = f.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM complaints), (SELECT count(*) FROM complaint_photos),
		(SELECT count(*) FROM complaint_entries)`).Scan(&complaintsN, &photosN, &entriesN)
	if complaintsN != 2 || photosN != 2 || entriesN != 2 {
		t.Errorf("stored %d complaints, %d photos, %d entries; want 2 each", complaintsN, photosN, entriesN)
	}
	// A key used for another shipment is refused rather than revealing that complaint.
	other := in
	other.ShipmentID = f.shipment(customers.TierSmall, "13900002222")
	var ve *errs.ValidationError
	if _, err := f.store.File(ctx, other); !errors.As(err, &ve) || ve.Fields[0].Field != "idempotency_key" {
		t.Errorf("key reused for another shipment: %v", err)
	}
	// Without a key, every submission is a complaint of its own.
	in.IdempotencyKey = ""
	c1, _ := f.store.File(ctx, in)
	c2, _ := f.store.File(ctx, in)
	if c1 == nil || c2 == nil || c1.ID == c2.ID {
		t.Errorf("keyless filings share an id")
	}
}

// A burst of filings about one parcel stores at most MaxFilingsPerDay; the next day takes
// filings again, and the same form sent again still returns its complaint.
func TestFilingLimitBurst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ship := f.shipment(customers.TierRegular, "13900001111")
	const tried = 40
	start := make(chan struct{})
	type res struct {
		c   *complaints.Complaint
		key string
		err error
	}
	out := make(chan res, tried)
	for i := 0; i < tried; i++ {
		go func() {
			<-start
			key := fmt.Sprintf("burst-%d", i)
			c, err := f.store.File(ctx, complaints.Filing{ShipmentID: ship, Category: complaints.Delayed,
				Description: "太慢", ContactPhone: "13900001111", IdempotencyKey: key, PerDay: complaints.MaxFilingsPerDay})
			out <- res{c, key, err}
		}()
	}
	close(start)
	filed, refused := 0, 0
	var first res
	for i := 0; i < tried; i++ {
		switch r := <-out; {
		case r.err == nil:
			filed++
			first = r
		case errors.Is(r.err, complaints.ErrTooManyFilings):
			refused++
		default:
			t.Errorf("file: %v", r.err)
		}
	}
	var stored int
	_ = f.pool.QueryRow(ctx, `SELECT count(*) FROM complaints WHERE shipment_id = $1`, ship).Scan(&stored)
	t.Logf("filing burst: %d tried, %d filed, %d stored", tried, filed, stored)
	if filed != complaints.MaxFilingsPerDay || stored != complaints.MaxFilingsPerDay || refused != tried-filed {
		t.Fatalf("%d concurrent filings: %d filed, %d stored, %d refused; want %d", tried, filed, stored, refused, complaints.MaxFilingsPerDay)
	}
	// The same form again: its complaint, not a refusal.
	again, err := f.store.File(ctx, complaints.Filing{ShipmentID: ship, Category: complaints.Delayed,
		Description: "太慢", ContactPhone: "13900001111", IdempotencyKey: first.key, PerDay: complaints.MaxFilingsPerDay})
	if err != nil || again.ID != first.c.ID {
		t.Errorf("the same form again at the limit: %v, %v; want complaint %d", again, err, first.c.ID)
	}
	if _, err := f.store.File(ctx, complaints.Filing{ShipmentID: ship, Category: complaints.Delayed,
		Description: "太慢", ContactPhone: "13900001111", PerDay: complaints.MaxFilingsPerDay}); !errors.Is(err, complaints.ErrTooManyFilings) {
		t.Errorf("a 4th filing: %v, want ErrTooManyFilings", err)
	}
	f.now = f.now.Add(24 * time.Hour)
	if _, err := f.store.File(ctx, complaints.Filing{ShipmentID: ship, Category: complaints.Delayed,
		Description: "还是没到", ContactPhone: "13900001111", PerDay: complaints.MaxFilingsPerDay}); err != nil {
		t.Errorf("the next day: %v", err)
	}
	// Staff tools file without a limit.
	if _, err := f.store.File(ctx, complaints.Filing{ShipmentID: ship, Category: complaints.Delayed,
		Description: "客服代填", ContactPhone: "13900001111"}); err != nil {
		t.Errorf("a filing without PerDay: %v", err)
	}
}

// References made before random ones keep working, typed loosely.
func TestOldReference(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := f.file(complaints.Lost, customers.TierRegular)
	if _, err := f.pool.Exec(ctx, `UPDATE complaints SET ref = 'C2611-000123' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"C2611-000123", "c2611 000123", "C2611000123"} {
		if got, err := f.store.ByRef(ctx, in); err != nil || got.ID != c.ID {
			t.Errorf("ByRef(%q) = %v, %v", in, got, err)
		}
	}
}
