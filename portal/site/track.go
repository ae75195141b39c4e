package site

import (
	"crypto/subtle"
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/customers"
	"lcrm/internal/config"
	"lcrm/shipments"
)

// wrongAnswersLimit is how many wrong verification answers a parcel takes per hour.
const wrongAnswersLimit = 5

// step is one box of the progress bar; Returned marks the last box of a parcel sent back.
type step struct {
	Label          string
	Done, Returned bool
}

// timelineHTML writes the progress steps and the event timeline of one parcel as HTML,
// the newest event first and marked (class "latest"), places in English on the English
// page (shipments.PlaceEN; notes stay as the courier wrote them). They are the page's only
// loops (a dozen events is common), and every action inside a template loop costs
// reflective calls (the value, then its escaper): written here, with every text escaped,
// the tracking page went from 56% to 70% of the JSON API's rate (BENCHMARKS.md, issue 3).
func (s *handler) timelineHTML(d *shipments.Detail, lang string) (steps, events template.HTML) {
	var b strings.Builder
	for _, st := range s.progress(d, lang) {
		switch {
		case st.Returned:
			b.WriteString(`<li class="done returned">`)
		case st.Done:
			b.WriteString(`<li class="done">`)
		default:
			b.WriteString(`<li>`)
		}
		b.WriteString(html.EscapeString(st.Label))
		b.WriteString(`</li>`)
	}
	steps = template.HTML(b.String())
	b.Reset()
	for i := len(d.Events) - 1; i >= 0; i-- {
		e := d.Events[i]
		if i == len(d.Events)-1 {
			b.WriteString("\n<li class=\"latest\">")
		} else {
			b.WriteString("\n<li>")
		}
		b.WriteString(string(s.When(e.OccurredAt)))
		b.WriteString(" <strong>")
		b.WriteString(html.EscapeString(s.Text(lang, "status."+string(e.Code))))
		b.WriteString("</strong> ")
		b.WriteString(html.EscapeString(placeIn(lang, e.Location)))
		if e.Note != "" {
			b.WriteString(" · ")
			b.WriteString(html.EscapeString(e.Note))
		}
		b.WriteString("</li>")
	}
	return steps, template.HTML(b.String())
}

// placeIn writes a city or an event's place for a page in lang.
func placeIn(lang, place string) string {
	if lang == "en" {
		return shipments.PlaceEN(place)
	}
	return place
}

var stepCodes = []shipments.Code{shipments.Created, shipments.PickedUp, shipments.InTransit, shipments.ArrivedAtStation, shipments.OutForDelivery, shipments.Delivered}

// trackResult is one number's answer on the tracking page.
type trackResult struct {
	Number, Status, Origin, Dest                         string
	Found, Late, Verified, VerifyFailed                  bool
	NeedVerify                                           bool          // sent here from the complaint form: verification needed (again)
	Problem                                              string        // shipments.Problem*: why the typed text is no tracking number
	Steps, Timeline                                      template.HTML // see timelineHTML
	Promised                                             time.Time
	Delivered                                            *time.Time
	LateBy                                               string // delivered after the promise: by how much, in words
	SurveyURL                                            string // verified and delivered: this parcel's survey
	SignedBy, ConsigneeName, ConsigneePhone, ShipperName string
	Address                                              string
	Estimate                                             *estimateView
	Requests                                             *requestsPanel    // verified only: see track_requests.go
	Disruption                                           *disruptionNotice // see track_disruption.go
	Archived                                             *time.Time        // events archived then (partial _archived.html)
	HTML                                                 template.HTML     // the whole article when parcelHTML writes it; else track.html does
}

// estimateView is the learned delivery window as the page writes it, in the site's zone:
// the date of each end (the same when the window stays inside one day) and their times.
type estimateView struct {
	Key                    string // estimate.window(_days), or estimate.late(_days) after a missed promise
	FromDate, ToDate       string
	From, To               string
	SpansDays, AfterMissed bool
}

// estimateFor writes e for the page in lang, in zone; nil stays nil.
func estimateFor(e *shipments.Estimate, late bool, lang string, zone *time.Location) *estimateView {
	if e == nil {
		return nil
	}
	if zone == nil {
		zone = shipments.DefaultZone
	}
	from, to := e.From.In(zone), e.To.In(zone)
	date := func(t time.Time) string {
		if lang == "en" {
			return t.Format("2 Jan")
		}
		return fmt.Sprintf("%d月%d日", t.Month(), t.Day())
	}
	v := &estimateView{FromDate: date(from), ToDate: date(to), From: from.Format("15:04"), To: to.Format("15:04"), AfterMissed: late}
	v.SpansDays = from.YearDay() != to.YearDay() || from.Year() != to.Year()
	v.Key = "estimate.window"
	if late {
		v.Key = "estimate.late"
	}
	if v.SpansDays {
		v.Key += "_days"
	}
	return v
}

// progress is the bar of steps. A returned parcel never reached its consignee: its bar
// ends in a "returned" box after the steps it did reach, instead of a last "delivered"
// box left open that would make it look almost there.
func (s *handler) progress(d *shipments.Detail, lang string) []step {
	reached := map[shipments.Code]bool{}
	for _, e := range d.Events {
		reached[e.Code] = true
	}
	codes := stepCodes
	returned := d.Status == shipments.Returned
	if returned {
		codes = stepCodes[:len(stepCodes)-1]
	}
	if d.Status == shipments.Delivered {
		for _, c := range stepCodes {
			reached[c] = true
		}
	}
	// A later step implies the earlier ones, even when a scan was missed.
	out := make([]step, len(codes), len(codes)+1)
	seenLater := false
	for i := len(codes) - 1; i >= 0; i-- {
		seenLater = seenLater || reached[codes[i]]
		out[i] = step{Label: s.Text(lang, "step."+string(codes[i])), Done: seenLater}
	}
	if returned {
		out = append(out, step{Label: s.Text(lang, "step.returned"), Done: true, Returned: true})
	}
	return out
}

// result builds one number's view: shipments.Detail.Public unless this browser verified
// the parcel. Verified or not, the consignee is the parcel's as its shipper sent it, never
// the shared record another shipper may have written (a shipper can verify with its own
// phone).
func (s *handler) result(c *fiber.Ctx, number string, d *shipments.Detail) trackResult {
	if d == nil {
		return trackResult{Number: number, Problem: shipments.TrackingNoProblem(number)}
	}
	lang, now := s.Lang(c), s.Now(c)
	r := trackResult{Number: d.TrackingNo, Found: true, Status: string(d.Status), Origin: placeIn(lang, d.OriginCity),
		Dest: placeIn(lang, d.Dest.City), Late: d.Late(now), Promised: d.PromisedAt, Delivered: d.DeliveredAt,
		Verified: s.IsVerified(c, d.ID), VerifyFailed: c.Query("vf") == "1", NeedVerify: c.Query("need") == "complaint"}
	if d.DeliveredAt != nil && r.Late {
		r.LateBy = s.duration(lang, d.DeliveredAt.Sub(d.PromisedAt))
	}
	if r.Verified && d.DeliveredAt != nil && now.Before(d.DeliveredAt.Add(config.DefaultSurveyValid)) {
		// The same link as the thank-you SMS (care): one survey per parcel, whichever way.
		r.SurveyURL = "/survey/" + customers.SurveyToken(s.cfg.Secret, d.ID, d.DeliveredAt.Add(config.DefaultSurveyValid))
	}
	r.Estimate = estimateFor(d.Estimate(now), r.Late, lang, s.cfg.Zone)
	r.Disruption = s.disruptionFor(c, d, lang)
	r.Archived = d.EventsArchivedAt
	if r.Verified {
		r.Steps, r.Timeline = s.timelineHTML(d, lang)
		r.SignedBy, r.ConsigneeName, r.ConsigneePhone, r.ShipperName = d.SignedBy, d.Addressee.Name, d.Addressee.Phone, d.Shipper.Name
		r.Address = strings.Join([]string{d.Dest.Province, d.Dest.City, d.Dest.District, d.Dest.Street}, " ")
		r.Requests = s.requestsFor(c, d)
		return r
	}
	p := d.Public(now)
	masked := *d
	masked.Events = p.Events
	r.Steps, r.Timeline = s.timelineHTML(&masked, lang)
	r.SignedBy, r.ConsigneeName, r.ConsigneePhone, r.ShipperName = p.SignedBy, p.ConsigneeName, p.ConsigneePhone, p.ShipperName
	return r
}

// fastParcel lets parcelHTML write r's article when it can (the page's $.D.Unsub is unsub).
func (s *handler) fastParcel(c *fiber.Ctx, r *trackResult, unsub string) {
	if !s.templateParcels {
		r.HTML = s.parcelHTML(r, s.Lang(c), s.CSRFToken(c), unsub)
	}
}

// trackView is the tracking read this browser needs: the public one unless it has verified
// some parcel (the read then adds the address, which result shows only for a parcel this
// browser verified). The verified ids are known from the cookie before the read, so the
// page stays one round trip and a visitor who verified nothing never has the address read.
func (s *handler) trackView(c *fiber.Ctx) shipments.TrackView {
	if len(s.VerifiedIDs(c)) > 0 {
		return shipments.VerifiedView
	}
	return shipments.PublicView
}

// favicon answers browsers that ask for /favicon.ico without reading the page's link.
func favicon(c *fiber.Ctx) error {
	return c.Redirect("/static/favicon.svg", fiber.StatusMovedPermanently)
}

// home is the search page.
func (s *handler) home(c *fiber.Ctx) error {
	return s.Render(c, "home", "")
}

// trackMany answers GET /track?q=…: up to 20 numbers in one query; more are named in a
// notice and not looked up. Several numbers get a summary list (status and route only,
// nothing personal) above the parcels.
func (s *handler) trackMany(c *fiber.Ctx) error {
	numbers, over := shipments.SplitNumbers(c.Query("q"))
	if len(numbers) == 0 {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	if err := s.LimitLookup(c, len(numbers)); err != nil {
		return err
	}
	var found map[string]*shipments.Detail
	err := s.deps.Track(c, func(st *shipments.Store) (err error) {
		found, err = st.TrackMany(c.UserContext(), numbers, s.trackView(c))
		return err
	})
	if err != nil {
		return err
	}
	results := make([]trackResult, len(numbers))
	for i, n := range numbers {
		results[i] = s.result(c, n, found[n])
		s.fastParcel(c, &results[i], "")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "track", fiber.Map{"Query": strings.Join(numbers, " "), "Results": results,
		"Summary": len(results) > 1, "Over": over, "Max": shipments.MaxLookup})
}

// trackOne answers the shareable GET /track/:no.
func (s *handler) trackOne(c *fiber.Ctx) error {
	if err := s.LimitLookup(c, 1); err != nil {
		return err
	}
	number := strings.ToUpper(strings.TrimSpace(c.Params("no")))
	var d *shipments.Detail
	err := s.deps.Track(c, func(st *shipments.Store) (err error) {
		d, err = st.Track(c.UserContext(), number, s.trackView(c))
		return err
	})
	if err != nil && err != shipments.ErrNotFound {
		return err
	}
	if d == nil {
		c.Status(fiber.StatusNotFound)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	r := s.result(c, number, d)
	unsub := c.Query("unsub")
	s.fastParcel(c, &r, unsub)
	return s.Render(c, "track", fiber.Map{"Query": number, "Results": []trackResult{r}, "Sub": c.Query("sub"), "Unsub": unsub})
}

// verify handles POST /track/:no/verify: the last 4 digits of the consignee's or the
// shipper's phone unlock full detail for this browser. Every answer is counted before it is
// checked (takeAnswer: per parcel and per client address); a right one is then taken back,
// so at most wrongAnswersLimit wrong answers per parcel per hour are ever compared. The
// answer never says which part was wrong, and an unknown number behaves like a wrong answer.
func (s *handler) verify(c *fiber.Ctx) error {
	number := trackingParam(c) // tracking numbers are short; keep limiter keys small
	attempt, err := s.TakeAnswer(c, "verify:"+number, wrongAnswersLimit)
	if err != nil {
		return err
	}
	guess := strings.TrimSpace(c.FormValue("last4"))
	d, err := s.deps.Shipments.Get(c.UserContext(), number)
	if err != nil && err != shipments.ErrNotFound {
		return err
	}
	if d != nil && d.Answers(guess) {
		if err := s.RightAnswer(c, attempt); err != nil {
			return err
		}
		s.GrantVerified(c, d.ID)
		if c.FormValue("next") == "complaint" { // came from the complaint form: back to it
			return c.Redirect("/track/"+d.TrackingNo+"/complaint", fiber.StatusSeeOther)
		}
		return c.Redirect("/track/"+d.TrackingNo, fiber.StatusSeeOther)
	}
	if c.FormValue("next") == "complaint" {
		return c.Redirect("/track/"+urlPathEscape(number)+"?vf=1&need=complaint", fiber.StatusSeeOther)
	}
	return c.Redirect("/track/"+urlPathEscape(number)+"?vf=1", fiber.StatusSeeOther)
}

// duration writes a length of time in words, to the minute, in its two largest units:
// "1 天 3 小时", "2 hours 5 minutes", "45 分钟".
func (s *handler) duration(lang string, d time.Duration) string {
	m := max(1, int(d.Round(time.Minute)/time.Minute)) // late is late: never "0 minutes"
	type part struct {
		n    int
		unit string
	}
	var parts []part
	switch days, hours, mins := m/(24*60), m/60%24, m%60; {
	case days > 0:
		parts = []part{{days, "day"}, {hours, "hour"}}
	case hours > 0:
		parts = []part{{hours, "hour"}, {mins, "minute"}}
	default:
		parts = []part{{mins, "minute"}}
	}
	var out []string
	for i, p := range parts {
		if p.n == 0 && i > 0 {
			continue
		}
		key := "track.dur." + p.unit
		if p.n != 1 {
			key += "s"
		}
		out = append(out, strconv.Itoa(p.n)+" "+s.Text(lang, key))
	}
	return strings.Join(out, " ")
}

func same(a, b string) bool { return b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
