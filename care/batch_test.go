package care_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/care"
	"lcrm/notify"
)

// refusedPhone is the consignee phone whose SMS the test database refuses (a trigger), as
// a stand-in for a message the outbox cannot store.
const refusedPhone = "+8613899999999"

// batchParcels is the size of the batching tests' data set: more than one batch of the
// detector, so a batch boundary falls inside it.
const batchParcels = 2100

// bigLate fills the database of f with batchParcels late parcels of one run: most out for
// delivery for 9 h (twice the standard 4 h window: flagged and alerted at once), every
// seventh for 5 h (flagged, alerted only later), every fifth of a key shipper (a notice to
// its phone, held to the daily cap), twelve of one consignee (three apologies queued, the
// rest suppressed at the cap), one consignee without a phone (parcel 11), and one whose SMS
// the database refuses (parcel 1501). Two supervisors are active, one with a phone.
func bigLate(t *testing.T, f *fixture) {
	t.Helper()
	out := notify.New(f.pool, notify.Config{})
	out.Now = func() time.Time { return now }
	f.deps.Outbox = out
	f.exec(`INSERT INTO users (email, password_hash, role, phone, active) VALUES
		('sup1@x.test', 'x', 'supervisor', '+8613600000001', true), ('sup2@x.test', 'x', 'supervisor', '', true)`)
	reg := f.shipper("REG", "regular", "+8613900000002")
	key := f.shipper("KEY", "key", "+8613900000001")
	f.exec(`INSERT INTO consignees (name, phone) SELECT '王' || i, '+86137' || lpad(i::text, 8, '0') FROM generate_series(1, $1) i`, batchParcels)
	f.exec(`UPDATE consignees SET phone = '' WHERE name = '王11'`)
	f.exec(`UPDATE consignees SET phone = $1 WHERE name = '王1501'`, refusedPhone)
	f.exec(`INSERT INTO shipments (tracking_no, shipper_id, consignee_id, service_level, origin_city, dest_city,
		weight_g, promised_at, status, created_at, out_for_delivery_at)
		SELECT 'BT' || lpad(i::text, 10, '0'), CASE WHEN i % 5 = 0 THEN $2::bigint ELSE $3::bigint END, c.id,
		       'standard', '杭州', '北京', 1000, $4::timestamptz + interval '5 hours', 'out_for_delivery', $4::timestamptz - interval '2 days',
		       $4::timestamptz - CASE WHEN i % 7 = 0 THEN interval '5 hours' ELSE interval '9 hours' END
		FROM generate_series(1, $1) i
		JOIN consignees c ON c.name = '王' || CASE WHEN i BETWEEN 100 AND 111 THEN 100 ELSE i END
		ORDER BY i`, batchParcels, key, reg, now)
	f.exec(`CREATE FUNCTION refuse_sms() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.to_phone = '` + refusedPhone + `' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`)
	f.exec(`CREATE TRIGGER refuse_sms BEFORE INSERT ON sms_outbox FOR EACH ROW EXECUTE FUNCTION refuse_sms()`)
}

// dump is what a run left, in an order and form that do not depend on how it was batched
// (row ids and insertion order do).
func dump(t *testing.T, f *fixture) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT s.tracking_no || ' ' || g.reason || ' ' || g.lag || ' ' || g.window_allowed || ' ' || (g.alerted_at IS NOT NULL) || ' ' || g.flagged_at
		 FROM slow_signoffs g JOIN shipments s ON s.id = g.shipment_id ORDER BY 1`,
		`SELECT o.kind || ' ' || o.to_phone || ' ' || o.status || ' ' || o.suppressed_reason || ' ' || o.next_attempt_at || ' ' || o.send_by ||
		        ' ' || COALESCE(s.tracking_no, '') || ' ' || regexp_replace(o.key, '[0-9]+', 'N', 'g') || ' ' || o.body
		 FROM sms_outbox o LEFT JOIN shipments s ON s.id = o.shipment_id ORDER BY 1`,
		`SELECT t.kind || ' ' || t.text || ' ' || s.tracking_no || ' ' || t.created_at || ' ' || (t.key = 'slow-signoff:' || g.id)
		 FROM staff_tasks t JOIN shipments s ON s.id = t.shipment_id
		 JOIN slow_signoffs g ON g.shipment_id = t.shipment_id AND t.text = s.tracking_no || ' ' || g.reason ORDER BY 1`,
		`SELECT u.email || ' ' || n.kind || ' ' || n.text || ' ' || n.data::text FROM notifications n JOIN users u ON u.id = n.user_id ORDER BY 1`,
	} {
		rows, err := f.pool.Query(f.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		b.WriteString("--\n")
	}
	return b.String()
}

// TestSignoffBatchesAsParcelByParcel: the detector's batches of thousands, alerting new
// flags in their batch, leave exactly what one transaction per parcel with a final alert
// pass leaves (flags, alerts, tasks, notifications and every
// SMS with its status, cap and opt-out decision, due time and body), with the same counts;
// the parcel whose SMS the database refuses fails alone and is named in the error, in both;
// a second run adds nothing, and once the refusal is lifted the next run flags that parcel
// only. Later, the flags flagged below their alert point are alerted by the alert pass.
func TestSignoffBatchesAsParcelByParcel(t *testing.T) {
	type outcome struct {
		res        care.SignoffResult
		err        error
		state      string
		again      care.SignoffResult
		lifted     care.SignoffResult
		later      care.SignoffResult
		laterState string
	}
	run := func(batch int, inline bool) outcome {
		defer care.SetSignoffBatch(batch, inline)()
		f := newFixture(t)
		bigLate(t, f)
		// One opted-out consignee: suppressed, in the same place of the order either way.
		f.exec(`INSERT INTO sms_optouts (phone, opted_out_at, source) VALUES ('+8613700000020', $1, 'staff')`, now)
		var o outcome
		o.res, o.err = care.FlagSlowSignoffs(f.ctx, f.deps, now)
		o.state = dump(t, f)
		var err error
		if o.again, err = care.FlagSlowSignoffs(f.ctx, f.deps, now); err == nil {
			t.Errorf("batch %d: second run: the refused parcel did not fail again", batch)
		}
		f.exec(`DROP TRIGGER refuse_sms ON sms_outbox`)
		if o.lifted, err = care.FlagSlowSignoffs(f.ctx, f.deps, now); err != nil {
			t.Errorf("batch %d: run after the refusal is lifted: %v", batch, err)
		}
		later := now.Add(4 * time.Hour)
		f.deps.Outbox.Now = func() time.Time { return later }
		if o.later, err = care.FlagSlowSignoffs(f.ctx, f.deps, later); err != nil {
			t.Errorf("batch %d: later run: %v", batch, err)
		}
		o.laterState = dump(t, f)
		return o
	}
	// The reference: one transaction per parcel, alerts in the run's final pass (the
	// detector before batching).
	one, many := run(1, false), run(2000, true)

	late, slow := batchParcels, batchParcels/7 // flags; those alerted only later
	key := batchParcels / 5
	// 12 parcels of one consignee: 3 apologies queued, 9 suppressed; no phone: none; opted
	// out: suppressed; refused: no flag, no SMS.
	wantRes := care.SignoffResult{Flagged: late - 1, Apologies: late - 2, Notices: key, Alerted: late - slow - 1}
	if many.res != wantRes || one.res != wantRes {
		t.Errorf("first run: batched %+v, parcel by parcel %+v, want %+v", many.res, one.res, wantRes)
	}
	for _, o := range []outcome{one, many} {
		if o.err == nil || !strings.Contains(o.err.Error(), "refused") || strings.Count(o.err.Error(), "shipment ") != 1 {
			t.Errorf("first run error %v: want the refused parcel alone", o.err)
		}
		if o.again != (care.SignoffResult{}) {
			t.Errorf("second run %+v, want nothing new", o.again)
		}
		wantLifted := care.SignoffResult{Flagged: 1, Apologies: 1, Alerted: 1}
		if o.lifted != wantLifted {
			t.Errorf("run after the refusal is lifted %+v, want %+v", o.lifted, wantLifted)
		}
		if o.later != (care.SignoffResult{Alerted: slow}) {
			t.Errorf("later run %+v, want %d alerted", o.later, slow)
		}
	}
	if many.state != one.state {
		t.Errorf("batched and parcel-by-parcel runs differ:\n%s", firstDiff(many.state, one.state))
	}
	if many.laterState != one.laterState {
		t.Errorf("after the later runs, batched and parcel-by-parcel differ:\n%s", firstDiff(many.laterState, one.laterState))
	}
	// The rules held per set: counted in the batched state.
	for _, c := range []struct {
		what string
		want int
	}{
		{"delay_apology +8613700000100 queued", 3},
		{"delay_apology +8613700000100 suppressed daily_cap", 9},
		{"delay_apology +8613700000020 suppressed opted_out", 1},
		{"shipper_notice +8613900000001 queued", 3},
		{"shipper_notice +8613900000001 suppressed daily_cap", key - 3},
		{"staff_alert +8613600000001 queued", late - slow - 1},
	} {
		if n := strings.Count(many.state, "\n"+c.what+" "); n != c.want {
			t.Errorf("%q: %d, want %d", c.what, n, c.want)
		}
	}
	if strings.Contains(many.state, refusedPhone) || strings.Contains(many.state, "BT0000001501") {
		t.Errorf("the refused parcel left something behind")
	}
	if n := strings.Count(many.state, "sup1@x.test slow_signoff "); n != late-slow-1 {
		t.Errorf("%d notifications to a supervisor, want %d", n, late-slow-1)
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines and %d lines", len(la), len(lb))
}

// TestSignoffTwoRunsAtOnce: two detector runs at the same time on two pools (no job
// lock: two instances' schedulers are the usual guard, not the only one) share out the
// work: every flag, apology, notice, task, notification and alert SMS exists once, and the
// two results add up to one run's.
func TestSignoffTwoRunsAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bigLate(t, f)
	f.exec(`DROP TRIGGER refuse_sms ON sms_outbox`)
	other, err := pgxpool.New(f.ctx, f.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	d2 := f.deps
	d2.Pool = other
	out2 := notify.New(other, notify.Config{})
	out2.Now = f.deps.Outbox.Now
	d2.Outbox = out2
	var wg sync.WaitGroup
	res := make([]care.SignoffResult, 2)
	errs := make([]error, 2)
	for i, d := range []care.Deps{f.deps, d2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], errs[i] = care.FlagSlowSignoffs(f.ctx, d, now)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	late, slow, key := batchParcels, batchParcels/7, batchParcels/5
	sum := care.SignoffResult{Flagged: res[0].Flagged + res[1].Flagged, Apologies: res[0].Apologies + res[1].Apologies,
		Notices: res[0].Notices + res[1].Notices, Alerted: res[0].Alerted + res[1].Alerted}
	if want := (care.SignoffResult{Flagged: late, Apologies: late - 1, Notices: key, Alerted: late - slow}); sum != want {
		t.Errorf("two runs: %+v + %+v, want %+v in all", res[0], res[1], want)
	}
	for _, c := range []struct {
		sql  string
		want int
	}{
		{`SELECT count(*) FROM slow_signoffs`, late},
		{`SELECT count(*) FROM slow_signoffs WHERE alerted_at IS NOT NULL`, late - slow},
		{`SELECT count(*) FROM staff_tasks WHERE kind = 'slow_signoff'`, late - slow},
		{`SELECT count(*) FROM notifications WHERE kind = 'slow_signoff'`, 2 * (late - slow)},
		{`SELECT count(*) FROM sms_outbox WHERE kind = 'staff_alert'`, late - slow},
		{`SELECT count(*) FROM sms_outbox WHERE kind = 'delay_apology'`, late - 1},
		// The cap held across the two runs' batches: the locks per phone bucket.
		{`SELECT count(*) FROM sms_outbox WHERE kind = 'delay_apology' AND to_phone = '+8613700000100' AND status = 'queued'`, 3},
		{`SELECT count(*) FROM sms_outbox WHERE kind = 'shipper_notice' AND status = 'queued'`, 3},
		{`SELECT count(*) FROM sms_outbox WHERE kind = 'shipper_notice'`, key},
	} {
		if n := f.count(c.sql); n != c.want {
			t.Errorf("%s: %d, want %d", c.sql, n, c.want)
		}
	}
}
