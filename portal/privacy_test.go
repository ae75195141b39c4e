package portal_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lcrm/customers"
	"lcrm/demo"
	"lcrm/internal/ratelimit"
	"lcrm/portal"
	"lcrm/shipments"
)

// secrets is what an unverified visitor must never learn about one parcel: every name of a
// person, the street, and the last four digits of each phone the verify form accepts.
type secrets struct {
	names, streets, last4 []string
}

func secretsOf(d *shipments.Detail) secrets {
	var s secrets
	person := func(n string) {
		n = strings.TrimSpace(n)
		// One-character names cannot be told from words; roles ("本人", "快递柜") are no one.
		if utf8.RuneCountInString(n) >= 2 && customers.MaskSigner(n) != n {
			s.names = append(s.names, n)
		}
	}
	person(d.Consignee.Name)
	person(d.Addressee.Name)
	person(d.Shipper.ContactName)
	person(d.SignedBy)
	for _, e := range d.Events {
		person(e.SignedBy)
	}
	for _, st := range []string{d.Dest.Street, d.Consignee.Address.Street} {
		if st != "" {
			s.streets = append(s.streets, st)
		}
	}
	for _, p := range []string{d.Consignee.Phone, d.Addressee.Phone, d.Shipper.Phone} {
		if l := customers.PhoneLast4(p); len(l) == 4 {
			s.last4 = append(s.last4, l)
		}
	}
	return s
}

var (
	// Times and dates on pages and in JSON, which carry digits of their own.
	timesRe = regexp.MustCompile(`\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?|\b\d{1,2}:\d{2}\b`)
	csrfRe  = regexp.MustCompile(`name="_csrf" value="[^"]*"`)
	digitRe = regexp.MustCompile(`[0-9０-９]+`)
)

// leaks lists what of s appears in body. Digits are compared after removing what is
// not a phone (the tracking number, times, the CSRF token and the survey token), so a last
// four that happens to be the year is not a false alarm, but any digit run holding one is.
func leaks(body string, s secrets, tn string, tokens ...string) []string {
	var out []string
	for _, n := range s.names {
		if strings.Contains(body, n) {
			out = append(out, "name "+n)
		}
	}
	for _, st := range s.streets {
		if strings.Contains(body, st) {
			out = append(out, "street "+st)
		}
	}
	digits := strings.ReplaceAll(strings.ReplaceAll(body, tn, ""), strings.ToLower(tn), "")
	for _, t := range tokens {
		digits = strings.ReplaceAll(digits, t, "")
	}
	digits = csrfRe.ReplaceAllString(timesRe.ReplaceAllString(digits, ""), "")
	// Full-width digits count too.
	digits = strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		return r
	}, digits)
	for _, run := range digitRe.FindAllString(digits, -1) {
		for _, l := range s.last4 {
			if strings.Contains(run, l) {
				out = append(out, "phone-last-four "+l+" in "+run)
			}
		}
	}
	return out
}

// privacyEnv is a portal over demo-like data: demo parcels (their delivered events read
// "已由家人 李燕洁 代签收" and the like) plus parcels whose notes name people and phones in
// every way a courier might type them.
func privacyEnv(t *testing.T, parcels int) (*siteEnv, []string) {
	t.Helper()
	e := newSiteEnv(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, e.shp.Pool(), demo.Options{Shipments: parcels, Seed: 11, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	sj := shipmentJSON("SD100000000009")
	sj["shipper"] = map[string]any{"code": "NOTES", "name": "宁波海风电器", "contact_name": "周海波", "phone": "13912345678"}
	if got := e.do("POST", "/api/v1/shipments", e.key, sj, nil); got != 201 && got != 200 {
		t.Fatalf("create: %d", got)
	}
	at := time.Now().Add(-5 * time.Hour).UTC()
	var evs []any
	for i, ev := range []struct{ code, loc, note, signer string }{
		{"picked_up", "宁波北仑营业部 周海波 13912345678", "已揽收,寄件人周海波", ""},
		{"out_for_delivery", "北京朝阳区望京营业部", "派送员联系收件人 张小明 (138 0013 8000),尾号8000", ""},
		{"delivery_failed", "北京朝阳区望京营业部", "张小明电话 +86-138-0013-8000 无人接听,请回电 0571-8888 6666", ""},
		{"delivered", "北京朝阳区望京营业部", "已由邻居 王大锤 代签收,签收人:王大锤", "王大锤"},
	} {
		evs = append(evs, map[string]any{"tracking_no": "SD100000000009", "event_id": fmt.Sprint("n", i), "code": ev.code,
			"occurred_at": at.Add(time.Duration(i) * time.Hour).Format(time.RFC3339), "location": ev.loc, "note": ev.note, "signed_by": ev.signer})
	}
	var res struct{ Stored int }
	if got := e.do("POST", "/api/v1/events", e.key, map[string]any{"events": evs}, &res); got != 200 || res.Stored != 4 {
		t.Fatalf("events: %d %+v", got, res)
	}
	// The delivery estimate is learned, so the pages walked below show it too.
	if _, err := e.shp.RefreshEstimates(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	rows, err := e.shp.Pool().Query(ctx, `SELECT tracking_no FROM shipments ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, n)
	}
	return e, numbers
}

// An attacker holding tracking numbers walks every page and endpoint an unverified visitor
// can reach for each parcel: the tracking page (both languages), the lookup of many, the
// public JSON API, the complaint form (which must send them back), the survey link, the
// 404 and 429 pages. None may show a person's full name, the street, or any phone's last
// four digits, which is what the verify form asks for.
func TestUnverifiedVisitorLearnsNothing(t *testing.T) {
	t.Parallel()
	e, numbers := privacyEnv(t, 300)
	ctx := context.Background()
	secret := []byte("privacy-test-secret-0123456789ab")
	e.srv = portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc}, portal.Config{PublicURL: "http://lcrm.test", Secret: secret})
	b := newBrowser(t, e.srv)
	b.do("GET", "/", nil)
	var pages, withNames, signerNotes int
	leaky := map[string]map[string]bool{} // kind of leak -> parcels
	var examples []string
	for _, tn := range numbers {
		d, err := e.shp.Get(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		s := secretsOf(d)
		if len(s.names) > 2 {
			withNames++
		}
		for _, ev := range d.Events {
			if strings.Contains(ev.Note, "代签收") && customers.MaskSigner(ev.SignedBy) != ev.SignedBy {
				signerNotes++
			}
		}
		token := customers.SurveyToken(secret, d.ID, time.Now().Add(time.Hour))
		for _, path := range []string{"/track/" + tn, "/track/" + strings.ToLower(tn) + "?lang=en", "/track?q=" + url.QueryEscape(tn+" SD000000000404"),
			"/api/v1/track/" + tn, "/track/" + tn + "/complaint", "/survey/" + token} {
			code, body, _ := b.do("GET", path, nil)
			pages++
			if code >= 500 {
				t.Fatalf("%s: %d", path, code)
			}
			for _, l := range leaks(body, s, tn, token, "SD000000000404", "sd000000000404") {
				kind, _, _ := strings.Cut(l, " ")
				if leaky[kind] == nil {
					leaky[kind] = map[string]bool{}
				}
				leaky[kind][tn] = true
				if len(examples) < 5 {
					examples = append(examples, path+": "+l)
				}
			}
		}
	}
	for kind, parcels := range leaky {
		t.Errorf("%d of %d parcels show a %s to an unverified visitor", len(parcels), len(numbers), kind)
	}
	if len(examples) > 0 {
		t.Errorf("for example: %v", examples)
	}
	if signerNotes < 10 || withNames < 100 {
		t.Fatalf("the data does not test much: %d signer notes, %d parcels with names", signerNotes, withNames)
	}
	// The masked phone still helps a person recognise their parcel.
	if _, body, _ := b.do("GET", "/track/SD100000000009", nil); !strings.Contains(body, "138********") || !strings.Contains(body, "张*明") || !strings.Contains(body, "王*锤") {
		t.Error("the masked parcel lost what helps recognise it")
	}
	// The 429 page of a visitor over the lookup limit.
	limited := portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc, Limiter: ratelimit.New(e.shp.Pool())},
		portal.Config{PublicURL: "http://lcrm.test", LookupsPerMinute: 1})
	lb := newBrowser(t, limited)
	d, _ := e.shp.Get(ctx, "SD100000000009")
	for i := 0; i < 3; i++ {
		_, body, _ := lb.do("GET", "/track/SD100000000009", nil)
		if l := leaks(body, secretsOf(d), "SD100000000009"); len(l) > 0 {
			t.Fatalf("lookup %d shows %v", i, l)
		}
	}
	t.Logf("%d parcels, %d pages walked, %d delivered notes naming a signer", len(numbers), pages, signerNotes)
}

// The verify flow still works with the new mask: the consignee's or the shipper's last
// four unlock the full detail in that browser, shown whole; a wrong answer does not.
func TestVerifyStillUnlocks(t *testing.T) {
	t.Parallel()
	e, _ := privacyEnv(t, 50)
	for _, tt := range []struct {
		name, last4 string
		ok          bool
	}{
		{"consignee", "8000", true},
		{"shipper", "5678", true},
		{"wrong", "1234", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, e.srv)
			b.do("GET", "/track/SD100000000009", nil)
			b.do("POST", "/track/SD100000000009/verify", url.Values{"last4": {tt.last4}})
			_, body, _ := b.do("GET", "/track/SD100000000009", nil)
			for _, w := range []string{"张小明", "8613800138000", "望京街10号", "王大锤", "138 0013 8000", "周海波 13912345678"} {
				if strings.Contains(body, w) != tt.ok {
					t.Errorf("last four %s: %q shown = %v, want %v", tt.last4, w, !tt.ok, tt.ok)
				}
			}
		})
	}
}

// Each tracking read a visitor reaches carries no name, phone or address of another
// parcel's consignee: the public view (the JSON API, the page, the lookup of many) for a
// browser that verified nothing, and the verified view's read (which adds the address)
// for a browser that verified one parcel and then looks at others, alone or in one lookup
// with its own. The verified parcel is shown whole in that browser, so the read really was
// the verified one.
func TestEveryTrackViewHidesTheConsignee(t *testing.T) {
	t.Parallel()
	e, numbers := privacyEnv(t, 60)
	ctx := context.Background()
	const mine = "SD100000000009"
	own, err := e.shp.Get(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	// No limiter: a few hundred lookups from one address.
	srv := portal.New(portal.Deps{Shipments: e.shp, Customers: e.cus, Accounts: e.acc}, portal.Config{PublicURL: "http://lcrm.test"})
	tests := []struct {
		name   string
		verify bool // this browser verified mine first
		path   func(tn string) string
	}{
		{"public api", false, func(tn string) string { return "/api/v1/track/" + tn }},
		{"public page", false, func(tn string) string { return "/track/" + tn }},
		{"public lookup", false, func(tn string) string { return "/track?q=" + url.QueryEscape(tn+" "+mine) }},
		{"verified browser, api", true, func(tn string) string { return "/api/v1/track/" + tn }},
		{"verified browser, page", true, func(tn string) string { return "/track/" + tn + "?lang=en" }},
		{"verified browser, lookup with its own", true, func(tn string) string { return "/track?q=" + url.QueryEscape(mine+" "+tn) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, srv)
			b.do("GET", "/track/"+mine, nil)
			if tt.verify {
				b.do("POST", "/track/"+mine+"/verify", url.Values{"last4": {"8000"}})
				if _, body, _ := b.do("GET", "/track/"+mine, nil); !strings.Contains(body, "望京街10号") || !strings.Contains(body, "张小明") {
					t.Fatal("the verified parcel is not shown whole")
				}
			}
			checked := 0
			for _, tn := range numbers {
				if tn == mine {
					continue
				}
				d, err := e.shp.Get(ctx, tn)
				if err != nil {
					t.Fatal(err)
				}
				if d.Consignee.ID == own.Consignee.ID { // the same person as mine's (shipmentJSON's)
					continue
				}
				code, body, _ := b.do("GET", tt.path(tn), nil)
				if code != 200 {
					t.Fatalf("%s: %d", tt.path(tn), code)
				}
				if l := leaks(body, secretsOf(d), tn, mine, strings.ToLower(mine)); len(l) > 0 {
					t.Errorf("%s shows %v", tt.path(tn), l)
				}
				checked++
			}
			if checked < 50 {
				t.Fatalf("only %d parcels checked", checked)
			}
		})
	}
}
