package site

import (
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"lcrm/customers"
	"lcrm/portal/web"
	"lcrm/shipments"
)

// The page a visitor sees is the same whether parcelHTML writes a parcel's article or
// track.html does (as every parcel was written before parcelHTML): byte for byte, in both
// languages, for public, delivered, late, returned, estimated parcels, parcels with no
// events and hostile text; and hostile text stays escaped.
func TestParcelHTMLSameAsTemplate(t *testing.T) {
	t.Parallel()
	zone := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	core, err := web.New(web.Deps{Now: func() time.Time { return now }}, web.Config{Zone: zone, Secret: []byte("test secret")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Zone: zone, Secret: []byte("test secret")}
	fast := &handler{Core: core, cfg: cfg}
	slow := &handler{Core: core, cfg: cfg, templateParcels: true}

	at := now.Add(-30 * time.Hour)
	hostile := `<script>alert("x")</script> & 'q' + a` + "\x00b"
	parcel := func(no string, st shipments.Code, events ...shipments.Event) *shipments.Detail {
		d := &shipments.Detail{}
		d.ID = int64(len(no))
		d.TrackingNo, d.Status, d.OriginCity = no, st, "深圳"
		d.Dest = customers.Address{Province: "湖北", City: "武汉", District: "洪山", Street: "珞喻路 1 号"}
		d.PromisedAt, d.CreatedAt = now.Add(6*time.Hour), at
		d.Addressee = shipments.Addressee{Name: "张三丰", Phone: "13800138000"}
		d.Shipper.Name = "顺达 + 商贸"
		d.Events = events
		return d
	}
	ev := func(c shipments.Code, h int, loc, note string) shipments.Event {
		return shipments.Event{Key: strconv.Itoa(h), Code: c, OccurredAt: at.Add(time.Duration(h) * time.Hour), Location: loc, Note: note}
	}
	delivered := parcel("SD100000000002", shipments.Delivered, ev(shipments.Created, 0, "深圳", ""), ev(shipments.PickedUp, 1, "深圳", ""),
		ev(shipments.Delivered, 20, "武汉", "本人签收"))
	dAt := at.Add(20 * time.Hour)
	delivered.DeliveredAt, delivered.SignedBy = &dAt, "张三丰"
	lateDelivered := parcel("SD100000000003", shipments.Delivered, ev(shipments.Created, 0, "深圳", ""), ev(shipments.Delivered, 29, "武汉", ""))
	lAt := at.Add(29 * time.Hour)
	lateDelivered.DeliveredAt, lateDelivered.PromisedAt, lateDelivered.SignedBy = &lAt, at.Add(20*time.Hour), "门卫"
	late := parcel("SD100000000004", shipments.InTransit, ev(shipments.Created, 0, "深圳", ""), ev(shipments.InTransit, 3, "长沙", ""))
	late.PromisedAt = now.Add(-time.Hour)
	returned := parcel("SD100000000005", shipments.Returned, ev(shipments.Created, 0, "深圳", ""), ev(shipments.PickedUp, 1, "深圳", ""),
		ev(shipments.Returned, 25, "深圳", "拒收"))
	evil := parcel("SD100000000006", shipments.InTransit, ev(shipments.Created, 0, hostile, hostile), ev(shipments.InTransit, 2, "广州", hostile))
	evil.OriginCity, evil.Dest.City, evil.Shipper.Name, evil.Addressee.Name = hostile, hostile, hostile, hostile
	odd := parcel("SD-10000000010", shipments.InTransit, ev(shipments.Created, 0, "深圳", ""))
	archivedAt := at
	archived := parcel("SD100000000011", shipments.InTransit)
	archived.EventsArchivedAt = &archivedAt

	cases := []struct {
		name     string
		d        *shipments.Detail
		number   string
		estimate *shipments.Estimate // set on the result, as result does from a learned model
		late     bool                // the estimate after a missed promise
		tweak    func(r *trackResult)
		fast     bool // parcelHTML writes it (else the template, both ways)
	}{
		{name: "public in transit", d: parcel("SD100000000001", shipments.InTransit, ev(shipments.Created, 0, "深圳", ""), ev(shipments.PickedUp, 1, "深圳", "快件已揽收"), ev(shipments.InTransit, 5, "长沙", "")), fast: true},
		{name: "delivered", d: delivered, fast: true},
		{name: "delivered late (apology, template)", d: lateDelivered},
		{name: "late", d: late, fast: true},
		{name: "returned", d: returned, fast: true},
		{name: "no events", d: parcel("SD100000000007", shipments.Created), fast: true},
		{name: "estimate in one day", d: parcel("SD100000000008", shipments.OutForDelivery, ev(shipments.Created, 0, "深圳", ""), ev(shipments.OutForDelivery, 28, "武汉", "")),
			estimate: &shipments.Estimate{From: now.Add(time.Hour), To: now.Add(3 * time.Hour)}, fast: true},
		{name: "estimate over days after a missed promise", d: late,
			estimate: &shipments.Estimate{From: now.Add(time.Hour), To: now.Add(40 * time.Hour)}, late: true, fast: true},
		{name: "hostile text", d: evil, fast: true},
		{name: "verify failed", d: delivered, tweak: func(r *trackResult) { r.VerifyFailed = true }, fast: true},
		{name: "verified (template)", d: delivered, tweak: func(r *trackResult) { r.Verified = true }},
		{name: "sent from the complaint form (template)", d: late, tweak: func(r *trackResult) { r.NeedVerify = true }},
		{name: "disruption (template)", d: late, tweak: func(r *trackResult) {
			r.Disruption = &disruptionNotice{Text: hostile, Reason: "weather", From: at, To: now}
		}},
		{name: "archived events (template)", d: archived},
		{name: "number with a hyphen (template)", d: odd},
		{name: "not found (template)", number: "SD199999999999"},
		{name: "no tracking number (template)", number: `<b>"x"`},
	}
	for i, tc := range cases {
		for _, lang := range []string{"zh", "en"} {
			render := func(s *handler) (string, bool) {
				app := fiber.New()
				var usedFast bool
				app.Get("/t", func(c *fiber.Ctx) error {
					number := tc.number
					if tc.d != nil {
						number = tc.d.TrackingNo
					}
					r := s.result(c, number, tc.d)
					if tc.estimate != nil {
						r.Estimate = estimateFor(tc.estimate, tc.late, lang, zone)
					}
					if tc.tweak != nil {
						tc.tweak(&r)
					}
					s.fastParcel(c, &r, "")
					usedFast = r.HTML != ""
					return s.Render(c, "track", fiber.Map{"Query": number, "Results": []trackResult{r}})
				})
				req := httptest.NewRequest("GET", "/t?lang="+lang, nil)
				req.Header.Set("Cookie", "lcrm_csrf="+strings.Repeat("a", 43))
				resp, err := app.Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				return string(body), usedFast
			}
			want, _ := render(slow)
			got, usedFast := render(fast)
			if usedFast != tc.fast {
				t.Errorf("%d %s (%s): written by parcelHTML = %v, want %v", i, tc.name, lang, usedFast, tc.fast)
			}
			if got != want {
				t.Errorf("%d %s (%s): page differs from the template's\n--- template:\n%s\n--- parcelHTML:\n%s", i, tc.name, lang, want, got)
			}
			if !strings.Contains(got, "<article") {
				t.Errorf("%d %s (%s): no article in\n%s", i, tc.name, lang, got)
			}
			if tc.d == evil {
				for _, bad := range []string{"<script>", `"x"`, "'q'", "\x00", "+ a"} {
					if strings.Contains(got, bad) {
						t.Errorf("%s (%s): unescaped %q", tc.name, lang, bad)
					}
				}
				if !strings.Contains(got, "&lt;script&gt;") {
					t.Errorf("%s (%s): hostile text missing", tc.name, lang)
				}
			}
			if tc.estimate != nil && !strings.Contains(got, `<p class="estimate`) {
				t.Errorf("%s (%s): estimate not shown", tc.name, lang)
			}
		}
	}
}

// BenchmarkTrackPageRender renders a public parcel's page (8 events) through the template
// only, as before parcelHTML, and with parcelHTML: the rendering cost without the read.
func BenchmarkTrackPageRender(b *testing.B) {
	zone := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	core, err := web.New(web.Deps{Now: func() time.Time { return now }}, web.Config{Zone: zone, Secret: []byte("test secret")})
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{Zone: zone, Secret: []byte("test secret")}
	d := &shipments.Detail{}
	d.ID, d.TrackingNo, d.Status, d.OriginCity = 1, "SD100000000001", shipments.OutForDelivery, "深圳"
	d.Dest = customers.Address{Province: "湖北", City: "武汉"}
	d.PromisedAt, d.CreatedAt = now.Add(6*time.Hour), now.Add(-30*time.Hour)
	d.Addressee = shipments.Addressee{Name: "张三丰", Phone: "13800138000"}
	d.Shipper.Name = "顺达商贸"
	for i, c := range []shipments.Code{shipments.Created, shipments.PickedUp, shipments.InTransit, shipments.InTransit,
		shipments.InTransit, shipments.ArrivedAtStation, shipments.ArrivedAtStation, shipments.OutForDelivery} {
		d.Events = append(d.Events, shipments.Event{Key: strconv.Itoa(i), Code: c, OccurredAt: d.CreatedAt.Add(time.Duration(i) * time.Hour), Location: "长沙", Note: "快件已到达"})
	}
	for _, bc := range []struct {
		name string
		s    *handler
	}{{"template", &handler{Core: core, cfg: cfg, templateParcels: true}}, {"parcelHTML", &handler{Core: core, cfg: cfg}}} {
		b.Run(bc.name, func(b *testing.B) {
			app := fiber.New()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				fctx := &fasthttp.RequestCtx{}
				fctx.Request.SetRequestURI("/track/SD100000000001")
				fctx.Request.Header.SetCookie("lcrm_csrf", strings.Repeat("a", 43))
				c := app.AcquireCtx(fctx)
				r := bc.s.result(c, d.TrackingNo, d)
				bc.s.fastParcel(c, &r, "")
				if err := bc.s.Render(c, "track", fiber.Map{"Query": d.TrackingNo, "Results": []trackResult{r}}); err != nil {
					b.Fatal(err)
				}
				app.ReleaseCtx(c)
			}
		})
	}
}
