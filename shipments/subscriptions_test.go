package shipments_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"lcrm/internal/errs"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := shipments.NewStore(testdb.New(t))
	if _, err := st.CreateShipments(ctx, []shipments.NewShipment{newShipment("SD100000000001", "13800138000")}); err != nil {
		t.Fatal(err)
	}
	d, err := st.Get(ctx, "SD100000000001")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name          string
		op            func() error
		wantErr       error
		wantInvalid   bool
		wantPhones    []string
		wantLocaleOf0 string
	}{
		{name: "subscribe", op: func() error { return st.Subscribe(ctx, d.ID, "138 0013 8000", "zh") },
			wantPhones: []string{"+8613800138000"}, wantLocaleOf0: "zh-CN"},
		{name: "again, other spelling and language", op: func() error { return st.Subscribe(ctx, d.ID, "+86-138-0013-8000", "en-US") },
			wantPhones: []string{"+8613800138000"}, wantLocaleOf0: "en"},
		{name: "second phone", op: func() error { return st.Subscribe(ctx, d.ID, "13900139000", "") },
			wantPhones: []string{"+8613800138000", "+8613900139000"}, wantLocaleOf0: "en"},
		{name: "bad phone", op: func() error { return st.Subscribe(ctx, d.ID, "12345", "en") }, wantInvalid: true,
			wantPhones: []string{"+8613800138000", "+8613900139000"}, wantLocaleOf0: "en"},
		{name: "unknown shipment", op: func() error { return st.Subscribe(ctx, d.ID+100, "13800138000", "en") }, wantErr: shipments.ErrNotFound,
			wantPhones: []string{"+8613800138000", "+8613900139000"}, wantLocaleOf0: "en"},
		{name: "third phone", op: func() error { return st.Subscribe(ctx, d.ID, "13700137000", "") },
			wantPhones: []string{"+8613800138000", "+8613900139000", "+8613700137000"}, wantLocaleOf0: "en"},
		{name: "fourth phone refused", op: func() error { return st.Subscribe(ctx, d.ID, "13600136000", "") }, wantErr: shipments.ErrTooManySubscribers,
			wantPhones: []string{"+8613800138000", "+8613900139000", "+8613700137000"}, wantLocaleOf0: "en"},
		{name: "a subscribed phone again when full", op: func() error { return st.Subscribe(ctx, d.ID, "13700137000", "en") },
			wantPhones: []string{"+8613800138000", "+8613900139000", "+8613700137000"}, wantLocaleOf0: "en"},
		{name: "unsubscribe", op: func() error { return st.Unsubscribe(ctx, d.ID, "8613800138000") },
			wantPhones: []string{"+8613900139000", "+8613700137000"}, wantLocaleOf0: "zh-CN"},
		{name: "unsubscribe again", op: func() error { return st.Unsubscribe(ctx, d.ID, "13800138000") },
			wantPhones: []string{"+8613900139000", "+8613700137000"}, wantLocaleOf0: "zh-CN"},
	}
	for _, s := range steps {
		err := s.op()
		var ve *errs.ValidationError
		switch {
		case s.wantInvalid:
			if !errors.As(err, &ve) {
				t.Errorf("%s: err = %v, want a validation error", s.name, err)
			}
		case !errors.Is(err, s.wantErr):
			t.Errorf("%s: err = %v, want %v", s.name, err, s.wantErr)
		}
		subs, err := st.Subscribers(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var phones []string
		for _, sub := range subs {
			phones = append(phones, sub.Phone)
		}
		if len(phones) != len(s.wantPhones) || (len(phones) > 0 && subs[0].Locale != s.wantLocaleOf0) {
			t.Errorf("%s: subscribers %+v, want %v (first in %s)", s.name, subs, s.wantPhones, s.wantLocaleOf0)
			continue
		}
		for i := range phones {
			if phones[i] != s.wantPhones[i] {
				t.Errorf("%s: subscriber %d = %s, want %s", s.name, i, phones[i], s.wantPhones[i])
			}
		}
	}
	if ok, err := st.IsSubscribed(ctx, d.ID, "139 0013 9000"); !ok || err != nil {
		t.Errorf("IsSubscribed = %v, %v; want true", ok, err)
	}
}

// A burst of subscriptions from different phones at once stores exactly MaxSubscribers.
func TestSubscribeBurst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := shipments.NewStore(pool)
	if _, err := st.CreateShipments(ctx, []shipments.NewShipment{newShipment("SD100000000001", "13800138000")}); err != nil {
		t.Fatal(err)
	}
	d, err := st.Get(ctx, "SD100000000001")
	if err != nil {
		t.Fatal(err)
	}
	const tried = 50
	start := make(chan struct{})
	errs := make(chan error, tried)
	for i := 0; i < tried; i++ {
		go func() {
			<-start
			errs <- st.Subscribe(ctx, d.ID, fmt.Sprintf("1390013%04d", i), "zh")
		}()
	}
	close(start)
	ok, full := 0, 0
	for i := 0; i < tried; i++ {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, shipments.ErrTooManySubscribers):
			full++
		default:
			t.Errorf("subscribe: %v", err)
		}
	}
	subs, err := st.Subscribers(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("subscribe burst: %d tried, %d accepted, %d stored", tried, ok, len(subs))
	if len(subs) != shipments.MaxSubscribers || ok != shipments.MaxSubscribers || full != tried-shipments.MaxSubscribers {
		t.Errorf("%d concurrent phones: %d stored, %d accepted, %d refused; want %d stored", tried, len(subs), ok, full, shipments.MaxSubscribers)
	}
}
