package customers_test

import (
	"context"
	"errors"

	"github.com/nyaruka/phonenumbers"
	"testing"

	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "138 0013 8000", want: "+8613800138000"},
		{in: "+86-138-0013-8000", want: "+8613800138000"},
		{in: "8613800138000", want: "+8613800138000"},
		{in: "(+86) 13800138000", want: "+8613800138000"},
		{in: "010 6552 9988", want: "+861065529988"},
		{in: "+1 415 555 2671", want: "+14155552671"},
		{in: "12345", bad: true},
		{in: "", bad: true},
		{in: "not a phone", bad: true},
		{in: "1380013800", bad: true}, // one digit short
	}
	for _, tt := range tests {
		got, err := customers.NormalizePhone(tt.in, "")
		if tt.bad {
			if err == nil {
				t.Errorf("NormalizePhone(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestMasking(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fn       func(string) string
		in, want string
	}{
		{customers.MaskName, "张小明", "张*明"},
		{customers.MaskName, "张明", "张*"},
		{customers.MaskName, "欧阳娜娜", "欧**娜"},
		{customers.MaskName, "李", "*"},
		{customers.MaskName, "", ""},
		{customers.MaskName, "John Smith", "J********h"},
		{customers.MaskPhone, "+8613800138000", "138********"},
		{customers.MaskPhone, "+861065529988", "106*******"},
		{customers.MaskPhone, "+85221234567", "212*****"},
		{customers.MaskPhone, "1234567", "123****"},
		{customers.MaskPhone, "123456", "12****"},
		{customers.MaskPhone, "1234", "****"},
		{customers.MaskPhone, "", ""},
		{customers.PhoneLast4, "+8613800138000", "8000"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOnePersonOneRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := customers.NewStore(testdb.New(t))
	var ids []int64
	for _, phone := range []string{"138 0013 8000", "+86-138-0013-8000", "8613800138000"} {
		c, err := st.CreateConsignee(ctx, &customers.Consignee{Name: "张小明", Phone: phone})
		if err != nil {
			t.Fatalf("create %q: %v", phone, err)
		}
		ids = append(ids, c.ID)
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("three spellings of one phone gave records %v, want one", ids)
	}
	_, err := st.CreateConsignee(ctx, &customers.Consignee{Name: "", Phone: "12345"})
	var ve *errs.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 2 {
		t.Fatalf("invalid consignee: err = %v, want two field errors", err)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := customers.NewStore(pool)
	a, err := st.CreateConsignee(ctx, &customers.Consignee{Name: "王芳", Phone: "13900001111"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.CreateConsignee(ctx, &customers.Consignee{Name: "王 芳", Phone: "13700002222"})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := st.CreateShipper(ctx, &customers.Shipper{Code: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	for i, cid := range []int64{a.ID, b.ID, b.ID} {
		_, err := pool.Exec(ctx, `INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city, dest_city, weight_g, promised_at)
			VALUES ($1, $2, $3, 'standard', '上海', '北京', 100, now())`, "TESTNO0000"+string(rune('1'+i)), sh.ID, cid)
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := st.Merge(ctx, a.ID, b.ID, "test")
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	if res.Moved["shipments"] != 2 {
		t.Errorf("moved %d shipments, want 2", res.Moved["shipments"])
	}
	var n int
	pool.QueryRow(ctx, `SELECT count(*) FROM shipments WHERE consignee_id = $1`, a.ID).Scan(&n)
	if n != 3 {
		t.Errorf("survivor has %d shipments, want 3", n)
	}
	// The merged phone now finds the survivor, and a new shipment for it goes there too.
	got, err := st.ConsigneeByPhone(ctx, "+86 137 0000 2222")
	if err != nil || got.ID != a.ID {
		t.Fatalf("lookup merged phone = %v, %v; want survivor %d", got, err, a.ID)
	}
	again, err := st.CreateConsignee(ctx, &customers.Consignee{Name: "王芳", Phone: "13700002222"})
	if err != nil || again.ID != a.ID {
		t.Fatalf("create with merged phone = %v, %v; want survivor", again, err)
	}
	if _, err := st.Merge(ctx, a.ID, b.ID, "test"); !errors.Is(err, customers.ErrBadMerge) {
		t.Fatalf("second merge err = %v, want ErrBadMerge", err)
	}
	if _, err := st.Merge(ctx, a.ID, a.ID, "test"); !errors.Is(err, customers.ErrBadMerge) {
		t.Fatalf("self merge err = %v, want ErrBadMerge", err)
	}
}

func TestMaskPhoneForeign(t *testing.T) {
	t.Parallel()
	if got := customers.MaskPhone("+14155552671"); got != "415*******" {
		t.Errorf("MaskPhone(US) = %q, want 415*******", got)
	}
}

// The fast path and the library must agree on every shape of mainland mobile.
func TestFastPathAgreesWithLibrary(t *testing.T) {
	t.Parallel()
	library := func(raw string) string {
		num, err := phonenumbers.Parse(raw, "CN")
		if err != nil || !phonenumbers.IsValidNumber(num) {
			return ""
		}
		return phonenumbers.Format(num, phonenumbers.E164)
	}
	for _, raw := range []string{"13800138000", "+86 138-0013-8000", "0086 13800138000", "(+86) 138.0013.8000",
		"12000138000", "19912345678", "14012345678", "10086", "+8613800138000", "+1 138 0013 8000", "17012345678", "16612345678"} {
		got, _ := customers.NormalizePhone(raw, "")
		if want := library(raw); got != want {
			t.Errorf("%q: NormalizePhone %q, library %q", raw, got, want)
		}
	}
}
