package site

import (
	"crypto/subtle"
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/shipments"
)

// wrongAnswersLimit is how many wrong verification answers a parcel takes per hour.
const wrongAnswersLimit = 5

// step is one box of the progress bar.
type step struct {
	Label string
	Done  bool
}

// timelineHTML writes the progress steps and the event timeline of one parcel as HTML.
// They are the page's only loops (a dozen events is common), and every action inside a
// template loop costs reflective calls (the value, then its escaper): written here, with
// every text escaped, the tracking page went from 56% to 70% of the JSON API's rate
// (BENCHMARKS.md, issue 3).
func (s *handler) timelineHTML(d *shipments.Detail, lang string) (steps, events template.HTML) {
	var b strings.Builder
	for _, st := range s.progress(d, lang) {
		if st.Done {
			b.WriteString(`<li class="done">`)
		} else {
			b.WriteString(`<li>`)
		}
		b.WriteString(html.EscapeString(st.Label))
		b.WriteString(`</li>`)
	}
	steps = template.HTML(b.String())
	b.Reset()
	for _, e := range d.Events {
		b.WriteString("\n<li>")
		b.WriteString(string(s.When(e.OccurredAt)))
		b.WriteString(" <strong>")
		b.WriteString(html.EscapeString(s.Text(lang, "status."+string(e.Code))))
		b.WriteString("</strong> ")
		b.WriteString(html.EscapeString(e.Location))
		if e.Note != "" {
			b.WriteString(" · ")
			b.WriteString(html.EscapeString(e.Note))
		}
		b.WriteString("</li>")
	}
	return steps, template.HTML(b.String())
}

var stepCodes = []shipments.Code{shipments.Created, shipments.PickedUp, shipments.InTransit, shipments.ArrivedAtStation, shipments.OutForDelivery, shipments.Delivered}

// trackResult is one number's answer on the tracking page.
type trackResult struct {
	Number, Status, Origin, Dest                         string
	Found, Late, Verified, VerifyFailed                  bool
	Steps, Timeline                                      template.HTML // see timelineHTML
	Promised                                             time.Time
	Delivered                                            *time.Time
	SignedBy, ConsigneeName, ConsigneePhone, ShipperName string
	Address                                              string
	Estimate                                             *estimateView
	Disruption                                           *disruptionNotice // see track_disruption.go
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

func (s *handler) progress(d *shipments.Detail, lang string) []step {
	reached := map[shipments.Code]bool{}
	for _, e := range d.Events {
		reached[e.Code] = true
	}
	if d.Status == shipments.Delivered {
		for _, c := range stepCodes {
			reached[c] = true
		}
	}
	// A later step implies the earlier ones, even when a scan was missed.
	out := make([]step, len(stepCodes))
	seenLater := false
	for i := len(stepCodes) - 1; i >= 0; i-- {
		seenLater = seenLater || reached[stepCodes[i]]
		out[i] = step{Label: s.Text(lang, "step."+string(stepCodes[i])), Done: seenLater}
	}
	return out
}

// result builds one number's view: shipments.Detail.Public unless this browser verified
// the parcel. Verified or not, the consignee is the parcel's as its shipper sent it, never
// the shared record another shipper may have written (a shipper can verify with its own
// phone).
func (s *handler) result(c *fiber.Ctx, number string, d *shipments.Detail) trackResult {
	if d == nil {
		return trackResult{Number: number}
	}
	lang := s.Lang(c)
	r := trackResult{Number: d.TrackingNo, Found: true, Status: string(d.Status), Origin: d.OriginCity, Dest: d.Dest.City,
		Late: d.Late(s.Now(c)), Promised: d.PromisedAt, Delivered: d.DeliveredAt,
		Verified: s.IsVerified(c, d.ID), VerifyFailed: c.Query("vf") == "1"}
	r.Estimate = estimateFor(d.Estimate(s.Now(c)), r.Late, lang, s.cfg.Zone)
	r.Disruption = s.disruptionFor(c, d, lang)
	if r.Verified {
		r.Steps, r.Timeline = s.timelineHTML(d, lang)
		r.SignedBy, r.ConsigneeName, r.ConsigneePhone, r.ShipperName = d.SignedBy, d.Addressee.Name, d.Addressee.Phone, d.Shipper.Name
		r.Address = strings.Join([]string{d.Dest.Province, d.Dest.City, d.Dest.District, d.Dest.Street}, " ")
		return r
	}
	p := d.Public(s.Now(c))
	masked := *d
	masked.Events = p.Events
	r.Steps, r.Timeline = s.timelineHTML(&masked, lang)
	r.SignedBy, r.ConsigneeName, r.ConsigneePhone, r.ShipperName = p.SignedBy, p.ConsigneeName, p.ConsigneePhone, p.ShipperName
	return r
}

// home is the search page.
func (s *handler) home(c *fiber.Ctx) error {
	return s.Render(c, "home", "")
}

// trackMany answers GET /track?q=…: up to 20 numbers in one query.
func (s *handler) trackMany(c *fiber.Ctx) error {
	numbers := shipments.SplitNumbers(c.Query("q"))
	if len(numbers) == 0 {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	if err := s.LimitLookup(c, len(numbers)); err != nil {
		return err
	}
	found, err := s.deps.Shipments.GetMany(c.UserContext(), numbers)
	if err != nil {
		return err
	}
	results := make([]trackResult, len(numbers))
	for i, n := range numbers {
		results[i] = s.result(c, n, found[n])
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "track", fiber.Map{"Query": strings.Join(numbers, " "), "Results": results})
}

// trackOne answers the shareable GET /track/:no.
func (s *handler) trackOne(c *fiber.Ctx) error {
	if err := s.LimitLookup(c, 1); err != nil {
		return err
	}
	number := strings.ToUpper(strings.TrimSpace(c.Params("no")))
	d, err := s.deps.Shipments.Get(c.UserContext(), number)
	if err != nil && err != shipments.ErrNotFound {
		return err
	}
	if d == nil {
		c.Status(fiber.StatusNotFound)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.Render(c, "track", fiber.Map{"Query": number, "Results": []trackResult{s.result(c, number, d)}, "Sub": c.Query("sub"), "Unsub": c.Query("unsub")})
}

// verify handles POST /track/:no/verify: the last 4 digits of the consignee's or the
// shipper's phone unlock full detail for this browser. Every answer is counted before it is
// checked (takeAnswer: per parcel and per client address); a right one is then taken back,
// so at most wrongAnswersLimit wrong answers per parcel per hour are ever compared. The
// answer never says which part was wrong, and an unknown number behaves like a wrong answer.
func (s *handler) verify(c *fiber.Ctx) error {
	number := strings.ToUpper(strings.TrimSpace(c.Params("no")))
	if len(number) > 40 { // tracking numbers are short; keep limiter keys small
		number = number[:40]
	}
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
		return c.Redirect("/track/"+d.TrackingNo, fiber.StatusSeeOther)
	}
	return c.Redirect("/track/"+urlPathEscape(number)+"?vf=1", fiber.StatusSeeOther)
}

func same(a, b string) bool { return b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
