package hooks_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/hooks"
	"lcrm/internal/clock"
	"lcrm/internal/errs"
	"lcrm/internal/testdb"
)

var t0 = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// A delivery is a signed POST with the payload and headers; the receiver checks them.
func TestDeliverSigned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	clk := clock.NewManual(t0)
	st := store(pool, clk)
	rcv := newReceiver(t, clk.Now)
	sh := shipper(t, pool, "ACME")
	ep, secret, err := st.Register(ctx, sh, rcv.URL+"/hook", []string{hooks.ShipmentStatusChanged, hooks.ComplaintCreated})
	if err != nil {
		t.Fatal(err)
	}
	rcv.setSecrets(secret)
	emit(t, st, pool, sh, hooks.ComplaintCreated, "complaint:1", "", map[string]any{"no": "C1"})
	emit(t, st, pool, sh, hooks.ComplaintCreated, "complaint:1", "", map[string]any{"no": "C1"}) // same key: nothing new
	emit(t, st, pool, sh, hooks.SurveyAnswered, "survey:1", "", nil)                             // not subscribed
	if n := drain(t, st.Sender(hooks.SenderConfig{})); n != 1 {
		t.Fatalf("claimed %d, want 1", n)
	}
	got := rcv.received()
	if len(got) != 1 || rcv.bad != 0 {
		t.Fatalf("received %+v (%d bad), want one valid", got, rcv.bad)
	}
	g := got[0]
	if g.Type != hooks.ComplaintCreated || !strings.HasPrefix(g.ID, "evt_") || g.CreatedAt != t0.Format(time.RFC3339) ||
		string(g.Data) != `{"no":"C1"}` || !strings.HasPrefix(g.Signature, "t="+strconv.FormatInt(t0.Unix(), 10)+",v1=") {
		t.Errorf("received %+v", g)
	}
	ds, err := st.Deliveries(ctx, sh, ep.ID, 10)
	if err != nil || len(ds) != 1 || ds[0].Status != hooks.StatusDelivered || len(ds[0].Log) != 1 || ds[0].Log[0].StatusCode != 204 {
		t.Fatalf("log %+v, %v", ds, err)
	}
	// A receiver holding another secret rejects it: the signature binds the secret.
	if hooks.Verify(g.Signature, []byte(`{"tampered":1}`), secret, t0, 5*time.Minute) {
		t.Error("a changed body verified")
	}
	if hooks.Verify(g.Signature, nil, secret, t0.Add(6*time.Minute), 5*time.Minute) {
		t.Error("an old signature verified outside the window")
	}
}

// A receiver that fails, then recovers: the delivery is retried with growing delays and
// arrives once it answers 2xx; the log keeps every attempt with the first KiB of answers.
func TestFailThenRecover(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	clk := clock.NewManual(t0)
	st := store(pool, clk)
	rcv := newReceiver(t, clk.Now)
	rcv.fail = func(n int, _ hooks.Payload) int {
		if n <= 4 {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	sh := shipper(t, pool, "ACME")
	ep, secret, err := st.Register(ctx, sh, rcv.URL, []string{hooks.ComplaintResolved})
	if err != nil {
		t.Fatal(err)
	}
	rcv.setSecrets(secret)
	emit(t, st, pool, sh, hooks.ComplaintResolved, "c:9", "", map[string]int{"id": 9})
	d := st.Sender(hooks.SenderConfig{})
	var delays []time.Duration
	for i := 0; i < 10 && len(rcv.received()) == 0; i++ {
		drain(t, d)
		ds, err := st.Deliveries(ctx, sh, ep.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if ds[0].Status == hooks.StatusPending {
			delays = append(delays, ds[0].NextAt.Sub(clk.Now()))
			clk.Set(ds[0].NextAt)
		}
	}
	if len(rcv.received()) != 1 {
		t.Fatalf("received %d after retries", len(rcv.received()))
	}
	if len(delays) != 4 {
		t.Fatalf("delays %v, want 4", delays)
	}
	for i, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute} {
		if delays[i] < want*8/10 || delays[i] > want*12/10 {
			t.Errorf("retry %d after %v, want %v ±20%%", i+1, delays[i], want)
		}
	}
	ds, _ := st.Deliveries(ctx, sh, ep.ID, 1)
	if ds[0].Status != hooks.StatusDelivered || ds[0].Attempts != 5 || len(ds[0].Log) != 5 {
		t.Fatalf("delivery %+v", ds[0])
	}
	if a := ds[0].Log[0]; a.StatusCode != 503 || len(a.Response) != 1024 || !strings.HasPrefix(a.Response, "<b>down</b>") || a.N != 1 {
		t.Errorf("first attempt logged as %+v", a)
	}
	if e, _ := st.Get(ctx, sh, ep.ID); e.FailingSince != nil || !e.Enabled {
		t.Errorf("endpoint after recovery: %+v", e)
	}
	// Send again: one more delivery of the same event.
	if err := st.Resend(ctx, sh, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	drain(t, d)
	if got := rcv.received(); len(got) != 2 || got[1].ID != got[0].ID {
		t.Errorf("after send again: %+v", got)
	}
}

// A receiver that never answers 2xx: retried for 3 days, then failed, and the endpoint
// (failing every delivery for 3 days) is disabled, its other pending deliveries failed.
func TestGiveUpAndDisable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	clk := clock.NewManual(t0)
	st := store(pool, clk)
	rcv := newReceiver(t, clk.Now)
	rcv.fail = func(int, hooks.Payload) int { return http.StatusInternalServerError }
	sh := shipper(t, pool, "ACME")
	ep, _, err := st.Register(ctx, sh, rcv.URL, []string{hooks.ComplaintCreated})
	if err != nil {
		t.Fatal(err)
	}
	emit(t, st, pool, sh, hooks.ComplaintCreated, "a", "", 1)
	var told []string
	d := st.Sender(hooks.SenderConfig{OnDisable: func(_ context.Context, _ pgx.Tx, e hooks.DisabledEndpoint, _ time.Time) error {
		told = append(told, e.ShipperCode+" "+e.URL)
		return nil
	}})
	attempts := 0
	for i := 0; i < 100; i++ {
		attempts += drain(t, d)
		ds, _ := st.Deliveries(ctx, sh, ep.ID, 1)
		if ds[0].Status != hooks.StatusPending {
			break
		}
		clk.Set(ds[0].NextAt)
		if i == 50 {
			emit(t, st, pool, sh, hooks.ComplaintCreated, "b", "", 2) // a later event, also failing
		}
	}
	ds, _ := st.Deliveries(ctx, sh, ep.ID, 10)
	last := ds[len(ds)-1]
	span := last.Log[len(last.Log)-1].At.Sub(last.CreatedAt)
	t.Logf("gave up after %d attempts over %v", last.Attempts, span)
	if last.Status != hooks.StatusFailed || span < 72*time.Hour || last.Attempts < 14 {
		t.Errorf("delivery %s after %d attempts over %v, want failed after >= 14 attempts over >= 72h", last.Status, last.Attempts, span)
	}
	e, _ := st.Get(ctx, sh, ep.ID)
	if e.Enabled || e.DisabledReason != hooks.ReasonFailing {
		t.Errorf("endpoint %+v, want disabled", e)
	}
	for _, x := range ds {
		if x.Status != hooks.StatusFailed {
			t.Errorf("delivery %d is %s after disabling", x.ID, x.Status)
		}
	}
	if len(told) != 1 || told[0] != "ACME "+rcv.URL {
		t.Errorf("staff told %v, want once about ACME's endpoint", told)
	}
	dis, err := st.Disabled(ctx, 10)
	if err != nil || len(dis) != 1 || dis[0].ShipperCode != "ACME" {
		t.Errorf("staff notice: %+v, %v", dis, err)
	}
	// Nothing is enqueued for a disabled endpoint.
	if n, _ := st.Emit(ctx, pool, hooks.Event{ShipperID: sh, Type: hooks.ComplaintCreated, Key: "c"}); n != 0 {
		t.Errorf("enqueued %d for a disabled endpoint", n)
	}
}

// In order per shipment: while the first event of a shipment is being retried, the later
// ones of that shipment wait; another shipment's events go on.
func TestOrderPerShipment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	clk := clock.NewManual(t0)
	st := store(pool, clk)
	rcv := newReceiver(t, clk.Now)
	failed := 0
	rcv.fail = func(_ int, p hooks.Payload) int {
		if string(p.Data) == `"A1"` && failed < 2 {
			failed++
			return http.StatusBadGateway
		}
		return 0
	}
	sh := shipper(t, pool, "ACME")
	ep, secret, err := st.Register(ctx, sh, rcv.URL, []string{hooks.ShipmentStatusChanged})
	if err != nil {
		t.Fatal(err)
	}
	rcv.setSecrets(secret)
	for i := 1; i <= 3; i++ {
		emit(t, st, pool, sh, hooks.ShipmentStatusChanged, "A"+itoa(i), "shipment:1", "A"+itoa(i))
		emit(t, st, pool, sh, hooks.ShipmentStatusChanged, "B"+itoa(i), "shipment:2", "B"+itoa(i))
	}
	d := st.Sender(hooks.SenderConfig{Workers: 4})
	drain(t, d)
	var got []string
	for _, r := range rcv.received() {
		got = append(got, string(r.Data))
	}
	if strings.Join(got, ",") != `"B1","B2","B3"` {
		t.Fatalf("while A1 fails received %v, want B1..B3 only", got)
	}
	for i := 0; i < 5; i++ {
		clk.Add(time.Hour)
		drain(t, d)
	}
	got = nil
	for _, r := range rcv.received() {
		got = append(got, string(r.Data))
	}
	if strings.Join(got, ",") != `"B1","B2","B3","A1","A2","A3"` {
		t.Errorf("received %v, want A1..A3 in order after B", got)
	}
	_ = ep
}

// Rotation: during 24 h each delivery carries a v1 for the new and the old secret; after,
// only the new.
func TestRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	clk := clock.NewManual(t0)
	st := store(pool, clk)
	rcv := newReceiver(t, clk.Now)
	sh := shipper(t, pool, "ACME")
	ep, old, err := st.Register(ctx, sh, rcv.URL, []string{hooks.SurveyAnswered})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := st.Rotate(ctx, sh, ep.ID)
	if err != nil || fresh == old {
		t.Fatal(err)
	}
	rcv.setSecrets(old, fresh)
	d := st.Sender(hooks.SenderConfig{})
	steps := []struct {
		after time.Duration
		want  []string
		v1s   int
	}{
		{time.Hour, []string{fresh, old}, 2},
		{23*time.Hour - time.Second, []string{fresh, old}, 2},
		{24*time.Hour + time.Second, []string{fresh}, 1},
	}
	for i, s := range steps {
		clk.Set(t0.Add(s.after))
		emit(t, st, pool, sh, hooks.SurveyAnswered, "s"+itoa(i), "", i)
		drain(t, d)
		got := rcv.received()
		if len(got) != i+1 {
			t.Fatalf("step %d: received %d", i, len(got))
		}
		g := got[i]
		if strings.Count(g.Signature, "v1=") != s.v1s || len(g.ValidFor) != len(s.want) {
			t.Errorf("after %v: signature %q verified with %d secrets, want %d v1 and %d", s.after, g.Signature, len(g.ValidFor), s.v1s, len(s.want))
		}
	}
	// Another shipper cannot rotate, read or delete this endpoint.
	other := shipper(t, pool, "EVIL")
	if _, err := st.Rotate(ctx, other, ep.ID); !errors.Is(err, hooks.ErrNotFound) {
		t.Errorf("rotate by another shipper: %v", err)
	}
	if _, err := st.Deliveries(ctx, other, ep.ID, 10); !errors.Is(err, hooks.ErrNotFound) {
		t.Errorf("log read by another shipper: %v", err)
	}
	if err := st.Delete(ctx, other, ep.ID); !errors.Is(err, hooks.ErrNotFound) {
		t.Errorf("delete by another shipper: %v", err)
	}
	if _, err := st.Get(ctx, sh, ep.ID); err != nil {
		t.Errorf("endpoint gone after another shipper's delete: %v", err)
	}
}

// SSRF: with private addresses not allowed, registration refuses URLs naming or resolving
// to loopback, private and link-local addresses, and the sender's dialer refuses them too
// (an endpoint whose name later re-resolves to loopback).
func TestSSRF(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	clk := clock.NewManual(t0)
	st := hooks.NewStore(pool)
	st.Now = clk.Now
	sh := shipper(t, pool, "ACME")
	for _, tc := range []struct {
		url, key string
	}{
		{"http://127.0.0.1:8080/hook", hooks.KeyPrivateURL},
		{"http://10.1.2.3/hook", hooks.KeyPrivateURL},
		{"http://192.168.0.10/hook", hooks.KeyPrivateURL},
		{"http://169.254.169.254/latest/meta-data", hooks.KeyPrivateURL},
		{"http://[::1]:9000/", hooks.KeyPrivateURL},
		{"http://[::ffff:127.0.0.1]/", hooks.KeyPrivateURL},
		{"http://0.0.0.0/", hooks.KeyPrivateURL},
		{"http://localhost:8080/hook", hooks.KeyPrivateURL},
		{"ftp://example.com/", hooks.KeyBadURL},
		{"http://user:pw@example.com/", hooks.KeyBadURL},
		{"/relative", hooks.KeyBadURL},
		{"http://no-such-host.invalid/", hooks.KeyUnresolvable},
	} {
		_, _, err := st.Register(ctx, sh, tc.url, []string{hooks.ComplaintCreated})
		fs := errs.FieldsOf(err)
		if len(fs) != 1 || fs[0].Field != "url" || fs[0].Key != tc.key {
			t.Errorf("%s: %v (fields %+v), want url field %s", tc.url, err, fs, tc.key)
		}
	}
	if _, _, err := st.Register(ctx, sh, "https://93.184.215.14/hook", []string{"shipment.nope"}); len(errs.FieldsOf(err)) != 1 || errs.FieldsOf(err)[0].Field != "events" {
		t.Errorf("bad event type: %v", err)
	}
	// Send time: a loopback receiver is refused at the dialer.
	rcv := newReceiver(t, clk.Now)
	client := hooks.NewClient(2*time.Second, false)
	if resp, err := client.Post(rcv.URL, "application/json", strings.NewReader("{}")); err == nil || !strings.Contains(err.Error(), "private address") {
		if resp != nil {
			resp.Body.Close()
		}
		t.Errorf("dialer let a loopback connection through: %v", err)
	}
	if len(rcv.received()) != 0 || rcv.n != 0 {
		t.Errorf("receiver reached")
	}
	// An endpoint stored while private addresses were allowed is refused at send time.
	st.AllowPrivate = true
	ep, _, err := st.Register(ctx, sh, rcv.URL, []string{hooks.ComplaintCreated})
	if err != nil {
		t.Fatal(err)
	}
	st.AllowPrivate = false
	emit(t, st, pool, sh, hooks.ComplaintCreated, "x", "", 1)
	drain(t, st.Sender(hooks.SenderConfig{}))
	ds, _ := st.Deliveries(ctx, sh, ep.ID, 1)
	if rcv.n != 0 || ds[0].Status != hooks.StatusPending || !strings.Contains(ds[0].LastError, "private address") {
		t.Errorf("send to a private address: receiver hit %d, delivery %+v", rcv.n, ds[0])
	}
}
