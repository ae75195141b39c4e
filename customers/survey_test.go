package customers_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/internal/errs"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

func TestSurveyToken(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	good := customers.SurveyToken(secret, 42, now.Add(time.Hour))
	link := customers.SurveyLink("https://lcrm.example/", secret, 42, now.Add(time.Hour))
	if link != "https://lcrm.example/survey/"+good {
		t.Fatalf("SurveyLink = %q", link)
	}
	flip := []byte(good)
	flip[3] ^= 1 // alters the shipment id bytes
	tests := []struct {
		name   string
		secret []byte
		token  string
		now    time.Time
		wantID int64
		want   error
	}{
		{"valid", secret, good, now, 42, nil},
		{"expired", secret, good, now.Add(time.Hour), 0, customers.ErrSurveyTokenExpired},
		{"other secret", []byte("another secret"), good, now, 0, customers.ErrSurveyTokenInvalid},
		{"tampered", secret, string(flip), now, 0, customers.ErrSurveyTokenInvalid},
		{"truncated", secret, good[:len(good)-2], now, 0, customers.ErrSurveyTokenInvalid},
		{"not base64", secret, "!!!", now, 0, customers.ErrSurveyTokenInvalid},
		{"empty", secret, "", now, 0, customers.ErrSurveyTokenInvalid},
		{"empty secret", nil, customers.SurveyToken(nil, 42, now.Add(time.Hour)), now, 0, customers.ErrSurveyTokenInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := customers.VerifySurveyToken(tt.secret, tt.token, tt.now)
			if !errors.Is(err, tt.want) || id != tt.wantID {
				t.Errorf("VerifySurveyToken = %d, %v; want %d, %v", id, err, tt.wantID, tt.want)
			}
		})
	}
	if strings.ContainsAny(good, "+/=") {
		t.Errorf("token %q is not URL-safe", good)
	}
}

// surveyShipment stores one shipment and returns its id.
func surveyShipment(t *testing.T, st *shipments.Store) int64 {
	t.Helper()
	ctx := context.Background()
	_, err := st.CreateShipments(ctx, []shipments.NewShipment{{
		TrackingNo: "SD100000000001",
		Shipper:    customers.Shipper{Code: "ACME", Name: "Acme"},
		Consignee:  customers.Consignee{Name: "张小明", Phone: "13800138000", Address: customers.Address{City: "北京"}},
		OriginCity: "杭州", WeightG: 100,
	}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.Get(ctx, "SD100000000001")
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

func TestSaveSurvey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	cs := customers.NewStore(pool)
	id := surveyShipment(t, shipments.NewStore(pool))

	if _, err := cs.SurveyFor(ctx, id); !errors.Is(err, customers.ErrNotFound) {
		t.Fatalf("SurveyFor before any answer: %v, want ErrNotFound", err)
	}
	steps := []struct {
		name    string
		in      customers.Survey
		age     time.Duration // backdate the first answer before this step
		want    error
		wantCS  int
		invalid []string
	}{
		{name: "first answer", in: customers.Survey{ShipmentID: id, CSAT: 4, NPS: 9, Comment: " <b>fast</b> "}, wantCS: 4},
		{name: "retry same", in: customers.Survey{ShipmentID: id, CSAT: 4, NPS: 9, Comment: "<b>fast</b>"}, wantCS: 4},
		{name: "edit within window", in: customers.Survey{ShipmentID: id, CSAT: 2, NPS: 3}, age: 23 * time.Hour, wantCS: 2},
		{name: "out of range", in: customers.Survey{ShipmentID: id, CSAT: 6, NPS: 11}, invalid: []string{"csat", "nps"}, wantCS: 2},
		{name: "too long comment", in: customers.Survey{ShipmentID: id, CSAT: 1, NPS: 0, Comment: strings.Repeat("很", 2001)}, invalid: []string{"comment"}, wantCS: 2},
		{name: "unknown shipment", in: customers.Survey{ShipmentID: id + 999, CSAT: 5, NPS: 10}, want: customers.ErrNotFound, wantCS: 2},
		{name: "edit after window", in: customers.Survey{ShipmentID: id, CSAT: 5, NPS: 10}, age: 25 * time.Hour, want: customers.ErrSurveyClosed, wantCS: 2},
	}
	for _, s := range steps {
		if s.age > 0 {
			if _, err := pool.Exec(ctx, `UPDATE surveys SET created_at = now() - make_interval(secs => $1)`, s.age.Seconds()); err != nil {
				t.Fatal(err)
			}
		}
		got, err := cs.SaveSurvey(ctx, s.in)
		var ve *errs.ValidationError
		switch {
		case len(s.invalid) > 0:
			if !errors.As(err, &ve) || len(ve.Fields) != len(s.invalid) {
				t.Errorf("%s: err = %v, want invalid %v", s.name, err, s.invalid)
			}
		case s.want != nil:
			if !errors.Is(err, s.want) {
				t.Errorf("%s: err = %v, want %v", s.name, err, s.want)
			}
		case err != nil:
			t.Errorf("%s: %v", s.name, err)
		case got.CSAT != s.in.CSAT || got.NPS != s.in.NPS || got.ConsigneeID == 0:
			t.Errorf("%s: saved %+v", s.name, got)
		}
		stored, err := cs.SurveyFor(ctx, id)
		if err != nil || stored.CSAT != s.wantCS {
			t.Errorf("%s: stored %+v, %v; want csat %d", s.name, stored, err, s.wantCS)
		}
	}
	stored, _ := cs.SurveyFor(ctx, id)
	if stored.Editable(time.Now()) {
		t.Errorf("an answer 25 hours old reports editable")
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM surveys`).Scan(&n); err != nil || n != 1 {
		t.Errorf("surveys rows = %d, %v; want one per shipment", n, err)
	}
}
