package portal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/portal"
	"lcrm/shipments"
)

// estimateParcel creates an express parcel 杭州市 → 北京市 picked up at picked, delivered
// after (when after > 0); promised, when not nil, replaces the service-level promise.
func estimateParcel(t *testing.T, e *env, tn string, picked time.Time, after time.Duration, promised *time.Time) {
	t.Helper()
	ctx := context.Background()
	created := picked.Add(-time.Hour)
	ns := shipments.NewShipment{TrackingNo: tn, Shipper: customers.Shipper{Code: "ACME", Name: "杭州云裳服饰有限公司"},
		Consignee: customers.Consignee{Name: "张小明", Phone: "1380013" + tn[len(tn)-4:],
			Address: customers.Address{Province: "北京市", City: "北京市", District: "朝阳区", Street: "望京街10号"}},
		ServiceLevel: shipments.Express, OriginCity: "杭州市", WeightG: 1200, CreatedAt: &created, PromisedAt: promised}
	if _, err := e.shp.CreateShipments(ctx, []shipments.NewShipment{ns}); err != nil {
		t.Fatal(err)
	}
	evs := []shipments.NewEvent{{TrackingNo: tn, Event: shipments.Event{Key: "p", Code: shipments.PickedUp, OccurredAt: picked, Location: "杭州西湖营业部"}}}
	if after > 0 {
		evs = append(evs, shipments.NewEvent{TrackingNo: tn, Event: shipments.Event{Key: "d", Code: shipments.Delivered, OccurredAt: picked.Add(after), SignedBy: "本人"}})
	}
	if res, err := e.shp.RecordEvents(ctx, evs); err != nil || res[0].Status == shipments.ResultInvalid {
		t.Fatalf("%+v %v", res, err)
	}
}

type estimateJSON struct {
	Estimate *struct {
		From, To time.Time
		Basis    string
	} `json:"estimate"`
}

// The tracking page (both languages), the public JSON API and the shipment API show the
// learned window; a delivered parcel has none; after a missed promise the page gives the
// new estimate instead of only the apology.
func TestEstimateOnPageAndAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Now()
	for i := range 40 {
		estimateParcel(t, e, fmt.Sprintf("SD4%011d", i), now.Add(-10*24*time.Hour+time.Duration(i)*time.Hour), 10*time.Hour+time.Duration(i%4)*15*time.Minute, nil)
	}
	if n, err := e.shp.RefreshEstimates(context.Background(), now); err != nil || n != 40 {
		t.Fatalf("refresh: %d, %v", n, err)
	}
	const open, late, done = "SD500000000001", "SD500000000002", "SD400000000000"
	estimateParcel(t, e, open, now.Add(-time.Hour), 0, nil)
	missed := now.Add(-30 * time.Minute)
	estimateParcel(t, e, late, now.Add(-time.Hour), 0, &missed)

	zone := shipments.DefaultZone
	page := func(est estimateJSON, lang string, late bool) string {
		from, to := est.Estimate.From.In(zone), est.Estimate.To.In(zone)
		if from.YearDay() != to.YearDay() {
			t.Skip("the window spans midnight at this hour; the same-day text is checked at other hours")
		}
		if lang == "en" && late {
			return fmt.Sprintf("We are sorry: this parcel is later than we promised. New estimate: %s, %s–%s.", from.Format("2 Jan"), from.Format("15:04"), to.Format("15:04"))
		}
		if lang == "en" {
			return fmt.Sprintf("Expected %s, %s–%s", from.Format("2 Jan"), from.Format("15:04"), to.Format("15:04"))
		}
		if late {
			return fmt.Sprintf("很抱歉,您的包裹已晚于承诺时间。新的预计:%d月%d日 %s–%s 送达。", from.Month(), from.Day(), from.Format("15:04"), to.Format("15:04"))
		}
		return fmt.Sprintf("预计 %d月%d日 %s–%s 送达", from.Month(), from.Day(), from.Format("15:04"), to.Format("15:04"))
	}
	b := newBrowser(t, e.srv)
	for _, c := range []struct {
		tn   string
		late bool
	}{{open, false}, {late, true}} {
		var pub, full estimateJSON
		if code := e.do("GET", "/api/v1/track/"+c.tn, "", nil, &pub); code != 200 || pub.Estimate == nil {
			t.Fatalf("%s: public API %d, estimate %+v", c.tn, code, pub.Estimate)
		}
		if code := e.do("GET", "/api/v1/shipments/"+c.tn, e.key, nil, &full); code != 200 || full.Estimate == nil || *full.Estimate != *pub.Estimate {
			t.Fatalf("%s: shipment API %d, estimate %+v, public %+v", c.tn, code, full.Estimate, pub.Estimate)
		}
		// learned on the lane from pickup: 10 h to 10 h 45 min after it.
		picked := now.Add(-time.Hour)
		if pub.Estimate.Basis != "lane" || pub.Estimate.From.Before(picked.Add(10*time.Hour-time.Second)) || pub.Estimate.To.After(picked.Add(11*time.Hour)) {
			t.Errorf("%s: estimate %+v, want on the lane, pickup+10h..+11h", c.tn, pub.Estimate)
		}
		for _, lang := range []string{"zh", "en"} {
			code, body, _ := b.do("GET", "/track/"+c.tn+"?lang="+lang, nil)
			if want := page(pub, lang, c.late); code != 200 || !strings.Contains(body, want) {
				t.Errorf("%s %s: %d, %q missing", c.tn, lang, code, want)
			}
			if c.late && lang == "zh" && strings.Contains(body, "很抱歉,您的包裹已晚于承诺时间,我们正在加紧处理。") {
				t.Errorf("%s: the bare apology is shown though there is a new estimate", c.tn)
			}
		}
	}
	var del map[string]any
	if code := e.do("GET", "/api/v1/track/"+done, "", nil, &del); code != 200 {
		t.Fatalf("delivered: %d", code)
	}
	if _, ok := del["estimate"]; ok {
		t.Errorf("a delivered parcel has an estimate: %v", del["estimate"])
	}
	if _, body, _ := b.do("GET", "/track/"+done, nil); strings.Contains(body, "预计") {
		t.Error("the page of a delivered parcel shows an estimate")
	}
}

// The estimate is times and a basis, nothing else: on the demo parcels the privacy test
// walks (its setup learns the estimate), every public estimate has exactly from, to and
// basis, and some parcels have one.
func TestEstimateRevealsNoPII(t *testing.T) {
	t.Parallel()
	e, numbers := privacyEnv(t, 300)
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc}, portal.Config{PublicURL: "http://lcrm.test"}) // no limiter
	with := 0
	for _, tn := range numbers {
		var out map[string]any
		if code := e.do("GET", "/api/v1/track/"+tn, "", nil, &out); code != 200 {
			t.Fatalf("%s: %d", tn, code)
		}
		est, ok := out["estimate"].(map[string]any)
		if !ok {
			continue
		}
		with++
		if len(est) != 3 || est["from"] == nil || est["to"] == nil || (est["basis"] != "lane" && est["basis"] != "province" && est["basis"] != "service") {
			t.Errorf("%s: estimate %v, want only from, to and basis", tn, est)
		}
	}
	if with == 0 {
		t.Errorf("none of %d demo parcels has an estimate", len(numbers))
	}
	t.Logf("%d of %d demo parcels have an estimate", with, len(numbers))
}
