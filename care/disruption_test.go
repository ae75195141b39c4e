package care_test

import (
	"strings"
	"testing"
	"time"

	"lcrm/care"
	"lcrm/complaints"
	"lcrm/disruptions"
	"lcrm/internal/faketwilio"
	"lcrm/notify"
)

// TestDisruptionOneSMSPerConsignee: in a declared disruption the slow sign-off job texts
// each consignee of late parcels in the area once, with the disruption's notice, instead
// of one apology per parcel, and raises no supervisor alert for them; a late parcel
// elsewhere still gets its apology and its alert. Counted at the fake Twilio.
func TestDisruptionOneSMSPerConsignee(t *testing.T) {
	f := newFixture(t)
	const acct, token = "AC00000000000000000000000000000001", "secret"
	fake := faketwilio.New(t, acct, token)
	out := notify.New(f.pool, notify.Config{NoQuiet: true, DailyCap: -1})
	out.Now = func() time.Time { return now }
	f.deps.Outbox = out
	ds := disruptions.NewStore(f.pool, f.deps.Complaints)
	ds.Now = func() time.Time { return now }
	f.deps.Disruptions = ds
	f.exec(`INSERT INTO users (email, password_hash, role, phone, active) VALUES ('sup@x.test', 'x', 'supervisor', '+8613600000001', true)`)
	reg := f.shipper("REG", "regular", "+8613900000002")
	key := f.shipper("KEY", "key", "+8613900000003")
	person := func(phone string) int64 {
		return f.id(`INSERT INTO consignees (name, phone) VALUES ('李四', $1) RETURNING id`, phone)
	}
	many, one, elsewhere := person("+8613800000001"), person("+8613800000002"), person("+8613800000003")
	n := 0
	late := func(consignee, shipper int64, province string) int64 {
		n++
		// 30 hours past the promise: flagged past_promise and at its alert point (24 h).
		return f.id(`INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city, dest_province,
			dest_city, weight_g, promised_at, status, created_at) VALUES ('DS' || lpad($1::int::text, 10, '0'), $2, $3, 'standard',
			'杭州', $4, '某市', 1000, $5, 'in_transit', $6) RETURNING id`, n, shipper, consignee, province, now.Add(-30*time.Hour), now.Add(-4*24*time.Hour))
	}
	for range 3 {
		late(many, reg, "广东省")
	}
	late(one, key, "广东省")
	bj := late(elsewhere, reg, "北京市")
	if _, err := ds.Declare(f.ctx, disruptions.Input{Provinces: []string{"广东"}, StartsAt: now.Add(-48 * time.Hour), EndsAt: now.Add(24 * time.Hour),
		Reason: disruptions.Weather, NoticeZH: "受台风影响，广东地区派送延迟，敬请谅解。", NoticeEN: "Typhoon: deliveries in Guangdong are late."}, complaints.Actor{}); err != nil {
		t.Fatal(err)
	}
	res, err := care.FlagSlowSignoffs(f.ctx, f.deps, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Flagged != 5 || res.Disrupted != 2 || res.Apologies != 1 || res.Notices != 0 || res.Alerted != 1 {
		t.Errorf("result %+v, want 5 flagged, 2 disruption SMS, 1 apology, no shipper notice, 1 alert", res)
	}
	if again, err := care.FlagSlowSignoffs(f.ctx, f.deps, now.Add(time.Hour)); err != nil || again.Disrupted+again.Apologies+again.Alerted != 0 {
		t.Errorf("second run: %+v %v, want nothing new", again, err)
	}
	if got := f.count(`SELECT count(*) FROM staff_tasks WHERE kind = 'slow_signoff' AND shipment_id <> $1`, bj); got != 0 {
		t.Errorf("%d supervisor tasks for parcels in the disruption, want 0", got)
	}
	drv := notify.NewTwilio(notify.TwilioConfig{AccountSID: acct, AuthToken: token, From: "+15005550006", APIBase: fake.URL, Timeout: 5 * time.Second})
	if _, err := out.Dispatcher(drv, notify.DispatchConfig{Workers: 1}).RunOnce(f.ctx); err != nil {
		t.Fatal(err)
	}
	byPhone := map[string][]string{}
	for _, m := range fake.Messages() {
		byPhone[m.To] = append(byPhone[m.To], m.Body)
	}
	for _, tc := range []struct {
		phone, want string
	}{
		{"+8613800000001", "受台风影响"},
		{"+8613800000002", "受台风影响"},
		{"+8613800000003", "未能按时送达"},
		{"+8613600000001", "升级提醒"},
	} {
		if got := byPhone[tc.phone]; len(got) != 1 || !strings.Contains(got[0], tc.want) {
			t.Errorf("%s got %q, want one message with %q", tc.phone, got, tc.want)
		}
	}
	if len(byPhone) != 4 {
		t.Errorf("messages went to %d phones, want 4: %v", len(byPhone), byPhone)
	}
}
