package customers_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lcrm/audit"
	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/internal/testdb"
)

func TestMaskStaffPhone(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"+8613800138000", "138****8000"},
		{"+861065529988", "106***9988"},
		{"+14155552671", "141****2671"},
		{"", ""},
		{"+86123", "*23"},
	} {
		if got := customers.MaskStaffPhone(tt.in); got != tt.want {
			t.Errorf("MaskStaffPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if customers.MaskStreet("幸福路88号") != "****" || customers.MaskStreet(" ") != "" {
		t.Errorf("MaskStreet")
	}
}

func TestRevealValidate(t *testing.T) {
	t.Parallel()
	by := customers.Viewer{UserID: 1, Name: "A"}
	tests := []struct {
		name  string
		r     customers.RevealRequest
		field string // the field at fault, "" when valid
	}{
		{"phone", customers.RevealRequest{By: by, Kind: customers.KindConsignee, Field: customers.RevealPhone, Reason: "callback"}, ""},
		{"shipper phone", customers.RevealRequest{By: by, Kind: customers.KindShipper, Field: customers.RevealPhone, Reason: "delivery"}, ""},
		{"other with a note", customers.RevealRequest{By: by, Kind: customers.KindConsignee, Field: customers.RevealAddress, Reason: "other", Note: " 改约 "}, ""},
		{"no viewer", customers.RevealRequest{Kind: customers.KindConsignee, Field: customers.RevealPhone, Reason: "callback"}, "by"},
		{"no reason", customers.RevealRequest{By: by, Kind: customers.KindConsignee, Field: customers.RevealPhone}, "reason"},
		{"other without a note", customers.RevealRequest{By: by, Kind: customers.KindConsignee, Field: customers.RevealPhone, Reason: "other", Note: "  "}, "note"},
		{"long note", customers.RevealRequest{By: by, Kind: customers.KindConsignee, Field: customers.RevealPhone, Reason: "callback", Note: strings.Repeat("长", 201)}, "note"},
		{"shipper address", customers.RevealRequest{By: by, Kind: customers.KindShipper, Field: customers.RevealAddress, Reason: "callback"}, "field"},
		{"contact phone without complaint", customers.RevealRequest{By: by, Kind: customers.KindConsignee, Field: customers.RevealContactPhone, Reason: "callback"}, "field"},
		{"bad kind", customers.RevealRequest{By: by, Kind: "user", Field: customers.RevealPhone, Reason: "callback"}, "kind"},
	}
	for _, tt := range tests {
		err := tt.r.Validate()
		var ve *errs.ValidationError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &ve) || ve.Fields[0].Field != tt.field):
			t.Errorf("%s: %v, want field %s", tt.name, err, tt.field)
		}
	}
}

// Reveal returns the value and writes its entry in one transaction; a missing customer
// returns ErrNotFound and leaves none.
func TestReveal(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	st := customers.NewStore(pool)
	ctx := context.Background()
	c, err := st.CreateConsignee(ctx, &customers.Consignee{Name: "张小明", Phone: "13800138000",
		Address: customers.Address{Province: "北京市", City: "北京市", District: "朝阳区", Street: "幸福路88号"}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 13, 30, 0, 0, time.UTC)
	by := customers.Viewer{UserID: 7, Name: "Agent"}
	for _, tt := range []struct {
		field customers.RevealField
		want  string
	}{{customers.RevealPhone, "+8613800138000"}, {customers.RevealAddress, "北京市 北京市 朝阳区 幸福路88号"}} {
		got, err := st.Reveal(ctx, customers.RevealRequest{By: by, Kind: customers.KindConsignee, CustomerID: c.ID,
			Field: tt.field, Reason: "callback"}, at)
		if err != nil || got != tt.want {
			t.Errorf("Reveal %s = %q, %v; want %q", tt.field, got, err, tt.want)
		}
	}
	if _, err := st.Reveal(ctx, customers.RevealRequest{By: by, Kind: customers.KindConsignee, CustomerID: c.ID + 100,
		Field: customers.RevealPhone, Reason: "callback"}, at); !errors.Is(err, customers.ErrNotFound) {
		t.Errorf("missing consignee: %v", err)
	}
	list, err := audit.List(ctx, pool, audit.Filter{Action: customers.ActionReveal})
	if err != nil || len(list) != 2 || list[0].ActorID != 7 || list[0].ObjectID != c.ID || !list[0].At.Equal(at) {
		t.Fatalf("entries %+v, %v", list, err)
	}
	// Revealed lists them within the window and for that user only.
	for _, tt := range []struct {
		user  int64
		since time.Time
		n     int
	}{{7, at.Add(-time.Minute), 2}, {7, at.Add(time.Second), 0}, {8, at.Add(-time.Minute), 0}} {
		got, err := st.Revealed(ctx, tt.user, customers.KindConsignee, c.ID, tt.since)
		if err != nil || len(got) != tt.n {
			t.Errorf("Revealed(user %d, since %s) = %v, %v; want %d", tt.user, tt.since, got, err, tt.n)
		}
	}
}
