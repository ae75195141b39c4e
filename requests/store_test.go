package requests_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/hooks"
	"lcrm/internal/clock"
	"lcrm/internal/config"
	"lcrm/internal/errs"
	"lcrm/internal/testdb"
	"lcrm/notify"
	"lcrm/reports"
	"lcrm/requests"
	"lcrm/shipments"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var zone = config.DefaultZone

// fixture is a store over a fresh database with two parcels to 北京 (on the road) and a
// manual clock on a Tuesday morning.
type fixture struct {
	pool  *pgxpool.Pool
	st    *requests.Store
	clk   *clock.Manual
	ids   map[string]int64
	hooks *hooks.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	pool := testdb.New(t)
	f := &fixture{pool: pool, clk: clock.NewManual(time.Date(2026, 12, 1, 10, 0, 0, 0, zone)), ids: map[string]int64{}}
	shp := shipments.NewStore(pool)
	shp.Now = f.clk.Now
	for _, no := range []string{"SD500000000001", "SD500000000002"} {
		if _, err := shp.CreateShipments(ctx, []shipments.NewShipment{{TrackingNo: no,
			Shipper:    customers.Shipper{Code: "ACME", Name: "Acme"},
			Consignee:  customers.Consignee{Name: "张小明", Phone: "13800138000", Address: customers.Address{City: "北京", Street: "望京街10号"}},
			OriginCity: "杭州", WeightG: 100}}); err != nil {
			t.Fatal(err)
		}
		d, err := shp.Get(ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		f.ids[no] = d.ID
	}
	out := notify.New(pool, notify.Config{DailyCap: -1, NoQuiet: true})
	out.Now = f.clk.Now
	f.hooks = hooks.NewStore(pool)
	f.hooks.Now = f.clk.Now
	f.st = requests.NewStore(pool)
	f.st.Now, f.st.Outbox, f.st.PublicURL, f.st.Events = f.clk.Now, out, "http://lcrm.test", f.hooks.Sink()
	return f
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (f *fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// A double submit (the same form token) is one request and one confirming SMS; a second
// request of the same kind while the first is open is refused.
func TestSubmitIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	id := f.ids["SD500000000001"]
	n := requests.NewRequest{Key: "form-1", ShipmentID: id, Kind: requests.Refuse}
	first, err := f.st.Submit(ctx, n)
	if err != nil || !first.Created {
		t.Fatalf("first submit: %+v, %v", first, err)
	}
	again, err := f.st.Submit(ctx, n)
	if err != nil || again.Created || again.Request.ID != first.Request.ID {
		t.Fatalf("double submit: %+v, %v", again, err)
	}
	if got := f.count(t, `SELECT count(*) FROM delivery_requests`); got != 1 {
		t.Errorf("%d requests stored, want 1", got)
	}
	if got := f.count(t, `SELECT count(*) FROM sms_outbox WHERE kind = 'request_received' AND to_phone = '+8613800138000'`); got != 1 {
		t.Errorf("%d confirming SMS, want 1", got)
	}
	n.Key = "form-2"
	if _, err := f.st.Submit(ctx, n); !errors.Is(err, requests.ErrAlreadyOpen) {
		t.Errorf("second open refuse: %v, want ErrAlreadyOpen", err)
	}
	// Another parcel, the same kind: its own request.
	n.ShipmentID = f.ids["SD500000000002"]
	if r, err := f.st.Submit(ctx, n); err != nil || !r.Created {
		t.Errorf("other parcel: %+v, %v", r, err)
	}
}

// Each kind's checks: offered windows only, an address needs city and street and is
// refused once the parcel is out for delivery, pickup points of the parcel's city only,
// nothing for a delivered parcel. A refused request stores nothing.
func TestSubmitChecks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	id := f.ids["SD500000000001"]
	admin := requests.Actor{Name: "admin"}
	bj, err := f.st.SavePickupPoint(ctx, requests.PickupPoint{Name: "望京驿站", Address: "望京街1号", City: "北京", Hours: "08:00-21:00", Kind: requests.KindStation, Active: true}, admin)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := f.st.SavePickupPoint(ctx, requests.PickupPoint{Name: "徐汇柜", Address: "漕溪路1号", City: "上海", Kind: requests.KindLocker, Active: true}, admin)
	if err != nil {
		t.Fatal(err)
	}
	off, err := f.st.SavePickupPoint(ctx, requests.PickupPoint{Name: "旧驿站", Address: "旧街1号", City: "北京", Kind: requests.KindStation}, admin)
	if err != nil {
		t.Fatal(err)
	}
	tomorrow9 := time.Date(2026, 12, 2, 9, 0, 0, 0, zone)
	tests := []struct {
		name  string
		n     requests.NewRequest
		setup string
		want  error
		field string
	}{
		{"window not offered (07:00)", requests.NewRequest{Kind: requests.Window, WindowFrom: time.Date(2026, 12, 2, 7, 0, 0, 0, zone)}, "", requests.ErrBadWindow, ""},
		{"window already started (09:00 today)", requests.NewRequest{Kind: requests.Window, WindowFrom: time.Date(2026, 12, 1, 9, 0, 0, 0, zone)}, "", requests.ErrBadWindow, ""},
		{"window past the third day", requests.NewRequest{Kind: requests.Window, WindowFrom: time.Date(2026, 12, 4, 9, 0, 0, 0, zone)}, "", requests.ErrBadWindow, ""},
		{"address without street", requests.NewRequest{Kind: requests.Address, NewAddress: customers.Address{City: "北京"}}, "", nil, "street"},
		{"address too long", requests.NewRequest{Kind: requests.Address, NewAddress: customers.Address{City: "北京", Street: string(make([]rune, 501))}}, "", nil, "street"},
		{"pickup in another city", requests.NewRequest{Kind: requests.Pickup, PickupPointID: sh.ID}, "", requests.ErrBadPickup, ""},
		{"inactive pickup point", requests.NewRequest{Kind: requests.Pickup, PickupPointID: off.ID}, "", requests.ErrBadPickup, ""},
		{"address out for delivery", requests.NewRequest{Kind: requests.Address, NewAddress: customers.Address{City: "北京", Street: "酒仙桥路2号"}},
			`UPDATE shipments SET status = 'out_for_delivery', out_for_delivery_at = $2 WHERE id = $1`, requests.ErrOutForDelivery, ""},
		{"delivered", requests.NewRequest{Kind: requests.Refuse}, `UPDATE shipments SET status = 'delivered', delivered_at = $2 WHERE id = $1`, requests.ErrFinished, ""},
	}
	for i, tt := range tests {
		if tt.setup != "" {
			f.exec(t, tt.setup, id, f.clk.Now())
		}
		tt.n.Key, tt.n.ShipmentID = "k"+string(rune('a'+i)), id
		_, err := f.st.Submit(ctx, tt.n)
		switch {
		case tt.want != nil && !errors.Is(err, tt.want):
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		case tt.field != "" && (len(errs.FieldsOf(err)) == 0 || errs.FieldsOf(err)[0].Field != tt.field):
			t.Errorf("%s: %v, want a field error on %s", tt.name, err, tt.field)
		}
	}
	if got := f.count(t, `SELECT count(*) FROM delivery_requests`); got != 0 {
		t.Errorf("refused requests stored %d rows", got)
	}
	other := f.ids["SD500000000002"]
	r, err := f.st.Submit(ctx, requests.NewRequest{Key: "ok-window", ShipmentID: other, Kind: requests.Window, WindowFrom: tomorrow9})
	if err != nil || !r.Request.WindowTo.Equal(tomorrow9.Add(3*time.Hour)) {
		t.Fatalf("window: %+v, %v", r, err)
	}
	r, err = f.st.Submit(ctx, requests.NewRequest{Key: "ok-pickup", ShipmentID: other, Kind: requests.Pickup, PickupPointID: bj.ID})
	if err != nil || r.Request.Pickup == nil || r.Request.Pickup.Name != "望京驿站" {
		t.Fatalf("pickup: %+v, %v", r, err)
	}
	r, err = f.st.Submit(ctx, requests.NewRequest{Key: "ok-addr", ShipmentID: other, Kind: requests.Address,
		NewAddress: customers.Address{City: " 北京 ", District: "朝阳区", Street: "酒仙桥路2号"}})
	if err != nil || r.Request.NewAddress.City != "北京" {
		t.Fatalf("address: %+v, %v", r, err)
	}
	if got := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'pickup_point.save'`); got != 3 {
		t.Errorf("pickup point saves audited %d times, want 3", got)
	}
}

// requested → accepted → done, and requested → declined with a reason; repeating an
// action is a no-op, everything else names both statuses; the answer is texted once.
func TestAnswerTransitions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a, err := f.st.Submit(ctx, requests.NewRequest{Key: "a", ShipmentID: f.ids["SD500000000001"], Kind: requests.Refuse})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.st.Submit(ctx, requests.NewRequest{Key: "b", ShipmentID: f.ids["SD500000000002"], Kind: requests.Refuse, Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	agent := requests.Actor{Name: "Agent Wang"}
	steps := []struct {
		id     int64
		act    requests.Action
		reason string
		want   requests.Status
		err    error
	}{
		{a.Request.ID, requests.Finish, "", "", requests.ErrTransition},
		{a.Request.ID, requests.Accept, "", requests.Accepted, nil},
		{a.Request.ID, requests.Accept, "", requests.Accepted, nil},
		{a.Request.ID, requests.Decline, "too late", "", requests.ErrTransition},
		{a.Request.ID, requests.Finish, "", requests.Done, nil},
		{a.Request.ID, requests.Finish, "", requests.Done, nil},
		{b.Request.ID, requests.Decline, "  ", "", requests.ErrNeedReason},
		{b.Request.ID, requests.Decline, "already on the truck", requests.Declined, nil},
		{b.Request.ID, requests.Accept, "", "", requests.ErrTransition},
		{999, requests.Accept, "", "", requests.ErrNotFound},
	}
	for i, s := range steps {
		r, err := f.st.Answer(ctx, s.id, s.act, s.reason, agent)
		switch {
		case s.err == requests.ErrNeedReason:
			if len(errs.FieldsOf(err)) == 0 || errs.FieldsOf(err)[0].Field != "reason" {
				t.Errorf("step %d: %v, want a field error on reason", i, err)
			}
		case s.err != nil:
			if !errors.Is(err, s.err) {
				t.Errorf("step %d: %s: %v, want %v", i, s.act, err, s.err)
			}
		case err != nil || r.Status != s.want:
			t.Errorf("step %d: %s: %+v, %v, want %s", i, s.act, r, err, s.want)
		}
	}
	if _, err := f.st.Answer(ctx, b.Request.ID, requests.Finish, "", agent); errs.DataOf(err)["From"] != "declined" || errs.DataOf(err)["To"] != "done" {
		t.Errorf("the transition error does not name both statuses: %v %v", err, errs.DataOf(err))
	}
	if got := f.count(t, `SELECT count(*) FROM sms_outbox WHERE kind = 'request_answered'`); got != 2 {
		t.Errorf("%d answer SMS, want 2 (one accept, one decline)", got)
	}
	var body string
	if err := f.pool.QueryRow(ctx, `SELECT body FROM sms_outbox WHERE key = $1`, "request:"+strconv.FormatInt(b.Request.ID, 10)+":answered").Scan(&body); err != nil || !strings.Contains(body, "declined: already on the truck") {
		t.Errorf("decline SMS = %q, %v", body, err)
	}
	if got := f.count(t, `SELECT count(*) FROM audit_log WHERE object = 'delivery_request'`); got != 3 {
		t.Errorf("%d audited answers, want 3", got)
	}
}

// "Where is my parcel" only on a late parcel; presses within the gap are one urge; the
// third counted urge opens exactly one staff task, and finishing the request closes it.
func TestUrgeOpensOneTask(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	id := f.ids["SD500000000001"]
	urge := func(key string) *requests.Result {
		t.Helper()
		r, err := f.st.Submit(ctx, requests.NewRequest{Key: key, ShipmentID: id, Kind: requests.Urge})
		if err != nil {
			t.Fatalf("urge %s: %v", key, err)
		}
		return r
	}
	if _, err := f.st.Submit(ctx, requests.NewRequest{Key: "early", ShipmentID: id, Kind: requests.Urge}); !errors.Is(err, requests.ErrNotLate) {
		t.Fatalf("urge on time: %v, want ErrNotLate", err)
	}
	f.exec(t, `UPDATE shipments SET promised_at = $2 WHERE id = $1`, id, f.clk.Now().Add(-time.Hour))
	steps := []struct {
		key                    string
		after                  time.Duration
		created, counted, task bool
		urges                  int
	}{
		{"u1", 0, true, true, false, 1},
		{"u1", time.Minute, false, false, false, 1}, // double submit
		{"u2", time.Minute, false, false, false, 1},
		{"u3", config.DefaultUrgeGap, false, true, false, 2},
		{"u4", config.DefaultUrgeGap, false, true, true, 3},
		{"u5", config.DefaultUrgeGap, false, true, false, 4},
	}
	var reqID int64
	for _, s := range steps {
		f.clk.Add(s.after)
		r := urge(s.key)
		if r.Created != s.created || r.Counted != s.counted || r.TaskOpened != s.task || r.Request.Urges != s.urges {
			t.Errorf("%s: created %v counted %v task %v urges %d, want %v %v %v %d", s.key, r.Created, r.Counted, r.TaskOpened, r.Request.Urges,
				s.created, s.counted, s.task, s.urges)
		}
		reqID = r.Request.ID
	}
	if got := f.count(t, `SELECT count(*) FROM staff_tasks WHERE kind = 'urge' AND shipment_id = $1 AND done_at IS NULL`, id); got != 1 {
		t.Fatalf("%d open urge tasks, want 1", got)
	}
	if got := f.count(t, `SELECT count(*) FROM sms_outbox WHERE kind = 'request_received'`); got != 1 {
		t.Errorf("%d confirming SMS for one urge request, want 1", got)
	}
	for _, act := range []requests.Action{requests.Accept, requests.Finish} {
		if _, err := f.st.Answer(ctx, reqID, act, "", requests.Actor{Name: "agent"}); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.count(t, `SELECT count(*) FROM staff_tasks WHERE kind = 'urge' AND done_at IS NULL`); got != 0 {
		t.Errorf("the urge task stayed open after the request was done")
	}
}

// The answer deadline counts working time on the service desk's calendar (Mon-Fri
// 09:00-18:00 by default), and the queue puts overdue requests first.
func TestAnswerDueAndQueueOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.clk.Set(time.Date(2026, 12, 4, 17, 30, 0, 0, zone)) // a Friday
	late, err := f.st.Submit(ctx, requests.NewRequest{Key: "fri", ShipmentID: f.ids["SD500000000001"], Kind: requests.Refuse})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 7, 10, 30, 0, 0, zone); !late.Request.AnswerDue.Equal(want) {
		t.Errorf("answer due %v, want %v (30 minutes on Friday, 90 on Monday)", late.Request.AnswerDue, want)
	}
	f.clk.Set(time.Date(2026, 12, 7, 11, 0, 0, 0, zone))
	fresh, err := f.st.Submit(ctx, requests.NewRequest{Key: "mon", ShipmentID: f.ids["SD500000000002"], Kind: requests.Refuse})
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.st.List(ctx, requests.Filter{Status: requests.Requested})
	if err != nil || len(list) != 2 || list[0].ID != late.Request.ID || !list[0].Overdue(f.clk.Now()) || list[1].Overdue(f.clk.Now()) {
		t.Fatalf("queue = %+v, %v; want the overdue one first", list, err)
	}
	if list, _ := f.st.List(ctx, requests.Filter{TrackingNo: "sd500000000002"}); len(list) != 1 || list[0].ID != fresh.Request.ID {
		t.Errorf("filter by tracking number: %+v", list)
	}
}

// request.created reaches the shipper's endpoint subscribed to it through a real HTTP
// receiver, once for a double submit, signed with the endpoint's secret.
func TestRequestCreatedEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var mu sync.Mutex
	var got []hooks.Payload
	var secret string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p hooks.Payload
		_ = json.Unmarshal(body, &p)
		mu.Lock()
		defer mu.Unlock()
		if !hooks.Verify(r.Header.Get("Lcrm-Signature"), body, secret, f.clk.Now(), 5*time.Minute) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got = append(got, p)
	}))
	defer rcv.Close()
	f.hooks.AllowPrivate = true
	var shipperID int64
	if err := f.pool.QueryRow(ctx, `SELECT shipper_id FROM shipments WHERE id = $1`, f.ids["SD500000000001"]).Scan(&shipperID); err != nil {
		t.Fatal(err)
	}
	_, sec, err := f.hooks.Register(ctx, shipperID, rcv.URL, []string{hooks.RequestCreated})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = sec
	mu.Unlock()
	n := requests.NewRequest{Key: "x", ShipmentID: f.ids["SD500000000001"], Kind: requests.Refuse}
	for range 2 {
		if _, err := f.st.Submit(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	sender := f.hooks.Sender(hooks.SenderConfig{Workers: 1})
	for range 3 {
		if _, err := sender.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Type != hooks.RequestCreated {
		t.Fatalf("receiver got %+v, want one request.created", got)
	}
	var data requests.EventData
	if err := json.Unmarshal(got[0].Data, &data); err != nil || data.TrackingNo != "SD500000000001" || data.Kind != requests.Refuse || data.Status != requests.Requested {
		t.Errorf("data = %+v, %v", data, err)
	}
	if requests.EventCreated != hooks.RequestCreated {
		t.Errorf("event type %q differs from hooks' %q", requests.EventCreated, hooks.RequestCreated)
	}
}

// A consent is stored and audited; the same one again writes nothing; unknown is refused;
// a consignee without one is "ask first".
func TestConsent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var cid int64
	if err := f.pool.QueryRow(ctx, `SELECT consignee_id FROM shipments WHERE id = $1`, f.ids["SD500000000001"]).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	if c, err := f.st.Consent(ctx, cid); err != nil || c.Preference != requests.AskFirst || !c.SetAt.IsZero() {
		t.Fatalf("default consent = %+v, %v", c, err)
	}
	steps := []struct {
		p      requests.Preference
		source string
		audits int
	}{
		{requests.LockersOK, requests.SourceTrackingPage, 1},
		{requests.LockersOK, requests.SourceTrackingPage, 1},
		{requests.BothOK, requests.SourceStaff, 2},
	}
	for _, s := range steps {
		if err := f.st.SetConsent(ctx, cid, s.p, s.source, requests.Actor{}); err != nil {
			t.Fatal(err)
		}
		c, err := f.st.Consent(ctx, cid)
		if err != nil || c.Preference != s.p || c.Source != s.source {
			t.Errorf("after %s: %+v, %v", s.p, c, err)
		}
		if got := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'consent.set' AND object_id = $1`, cid); got != s.audits {
			t.Errorf("after %s: %d audit entries, want %d", s.p, got, s.audits)
		}
	}
	if err := f.st.SetConsent(ctx, cid, "whatever", requests.SourceStaff, requests.Actor{}); !errors.Is(err, requests.ErrBadConsent) {
		t.Errorf("unknown preference: %v", err)
	}
}

// A complaint "left in a locker or station without consent" is stored (the category CHECK
// allows it) and counted in the complaint KPIs per category like the others.
func TestUnconsentedLockerComplaintCounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	cs := complaints.NewStore(f.pool)
	cs.Now = f.clk.Now
	for _, c := range []complaints.Category{complaints.UnconsentedLocker, complaints.UnconsentedLocker, complaints.Delayed} {
		if _, err := cs.File(ctx, complaints.Filing{ShipmentID: f.ids["SD500000000001"], Category: c, Description: "没经过我同意就放快递柜了", ContactPhone: "13800138000"}); err != nil {
			t.Fatalf("file %s: %v", c, err)
		}
	}
	rs := reports.NewStore(f.pool)
	rs.Now = f.clk.Now
	stats, err := rs.Complaints(ctx, reports.Period{From: f.clk.Now().Add(-time.Hour), To: f.clk.Now().Add(time.Hour), Zone: zone}, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range stats.ByCategory {
		got[c.Category] = c.Filed
	}
	if stats.Total.Filed != 3 || got["unconsented_locker"] != 2 || got["delayed"] != 1 {
		t.Errorf("total %d, per category %v; want 3 with unconsented_locker 2", stats.Total.Filed, got)
	}
	if complaints.PriorityFor(complaints.UnconsentedLocker, "regular") != complaints.P3 {
		t.Errorf("priority %s, want P3", complaints.PriorityFor(complaints.UnconsentedLocker, "regular"))
	}
}
