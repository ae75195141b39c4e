// Package faketwilio is a fake of Twilio's REST Messages API for tests: an HTTP server
// that accepts POST /2010-04-01/Accounts/{sid}/Messages.json and GET of the same path (the
// Messages list, filtered by To, From and DateSent, paged), checks basic auth and the form
// fields, answers with Twilio-shaped JSON and Twilio-shaped errors, records every accepted
// message, and fails on script: per recipient (a Twilio error code, an HTTP status, a
// dropped connection) or per call number.
//
// Like Twilio, an accepted message is "queued" with date_sent null at first, and moves to
// "sent" with a date_sent only later (Server.SendDelay after its creation, or at Deliver).
// A list filtered by DateSent leaves out messages without a date_sent, as Twilio's does:
// code that looks a just-created message up by DateSent does not find it here either.
//
// Point twilio-go at it with notify's Twilio driver option APIBase = Server.URL.
package faketwilio

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Failure is a scripted answer instead of acceptance.
type Failure struct {
	Status int  // HTTP status, e.g. 400, 429, 500
	Code   int  // Twilio error code, e.g. 21211, 21610 (0: none)
	Drop   bool // close the connection without answering
	// AfterAccept accepts and records the message, then drops the connection: the client
	// never learns the SID (the "crashed between Twilio's accept and our commit" case).
	AfterAccept bool
}

// Message is one message the fake accepted.
type Message struct {
	SID, To, From, MessagingServiceSID, Body, StatusCallback string
	Created                                                  time.Time
	// Sent is when the message left the queue (Twilio's date_sent); zero while queued.
	Sent time.Time
	// sendAt is when it leaves the queue (zero: not scheduled, waits for Deliver).
	sendAt time.Time
}

// DefaultSendDelay is how long New's fake keeps a message queued before it is sent.
const DefaultSendDelay = time.Second

// Server is a running fake.
type Server struct {
	*httptest.Server
	AccountSID, AuthToken string

	mu      sync.Mutex
	msgs    []Message
	calls   int
	byTo    map[string][]Failure // consumed one per call to that recipient; last one sticks if Sticky
	byCall  map[int]Failure      // by 1-based call number of POSTs
	sticky  map[string]Failure
	Latency time.Duration // added to every POST
	// SendDelay is how long an accepted message stays "queued" with no date_sent before
	// it becomes "sent" (Twilio: usually about a second, longer under load). Negative:
	// messages stay queued until Deliver. Set it before the first message.
	SendDelay time.Duration
}

// New starts a fake for the given credentials; it is closed when the test ends.
func New(t interface{ Cleanup(func()) }, accountSID, authToken string) *Server {
	s := &Server{AccountSID: accountSID, AuthToken: authToken,
		byTo: map[string][]Failure{}, byCall: map[int]Failure{}, sticky: map[string]Failure{},
		SendDelay: DefaultSendDelay}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// FailTo makes the next calls to phone fail in turn, one failure per call.
func (s *Server) FailTo(phone string, f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byTo[phone] = append(s.byTo[phone], f...)
}

// AlwaysFailTo makes every call to phone fail with f.
func (s *Server) AlwaysFailTo(phone string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sticky[phone] = f
}

// FailCall makes the n-th POST (1-based, counting all recipients) fail with f.
func (s *Server) FailCall(n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byCall[n] = f
}

// Messages returns a copy of every accepted message, in order, as they stand now.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = m.at(now)
	}
	return out
}

// Deliver sends every message still queued now: they get date_sent = now.
func (s *Server) Deliver() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC()
	for i, m := range s.msgs {
		if m = m.at(now); m.Sent.IsZero() {
			s.msgs[i].sendAt = now
		}
	}
}

// at is m as it stands at now: sent once its time has come.
func (m Message) at(now time.Time) Message {
	if !m.sendAt.IsZero() && !now.Before(m.sendAt) {
		m.Sent = m.sendAt
	}
	return m
}

// Calls is how many POSTs the fake received.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := "/2010-04-01/Accounts/" + s.AccountSID + "/Messages.json"
	if r.URL.Path != path {
		writeErr(w, 404, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != s.AccountSID || p != s.AuthToken {
		writeErr(w, 401, 20003, "Authenticate")
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.create(w, r)
	case http.MethodGet:
		s.list(w, r)
	default:
		writeErr(w, 405, 20004, "Method not allowed")
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeErr(w, 400, 21100, "bad form")
		return
	}
	if s.Latency > 0 {
		time.Sleep(s.Latency)
	}
	m := Message{To: r.PostForm.Get("To"), From: r.PostForm.Get("From"),
		MessagingServiceSID: r.PostForm.Get("MessagingServiceSid"), Body: r.PostForm.Get("Body"),
		StatusCallback: r.PostForm.Get("StatusCallback")}
	switch {
	case m.To == "":
		writeErr(w, 400, 21604, "A 'To' phone number is required.")
		return
	case m.From == "" && m.MessagingServiceSID == "":
		writeErr(w, 400, 21603, "A 'From' phone number is required.")
		return
	case m.Body == "":
		writeErr(w, 400, 21602, "Message body is required.")
		return
	}
	s.mu.Lock()
	s.calls++
	f, failing := s.byCall[s.calls]
	if !failing {
		if q := s.byTo[m.To]; len(q) > 0 {
			f, failing, s.byTo[m.To] = q[0], true, q[1:]
		} else if sf, ok := s.sticky[m.To]; ok {
			f, failing = sf, true
		}
	}
	accept := !failing || f.AfterAccept
	if accept {
		m.SID = fmt.Sprintf("SM%032x", len(s.msgs)+1)
		m.Created = time.Now().UTC()
		if s.SendDelay >= 0 {
			m.sendAt = m.Created.Add(s.SendDelay)
		}
		s.msgs = append(s.msgs, m)
	}
	s.mu.Unlock()
	if failing && (f.Drop || f.AfterAccept) {
		drop(w)
		return
	}
	if failing {
		msg := map[int]string{21211: "The 'To' number " + m.To + " is not a valid phone number.",
			21610: "Attempt to send to unsubscribed recipient"}[f.Code]
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		writeErr(w, f.Status, f.Code, msg)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(201)
	// Twilio answers a create with the message queued and no date_sent.
	m.Sent = time.Time{}
	_ = json.NewEncoder(w).Encode(s.shape(m))
}

func (s *Server) shape(m Message) map[string]any {
	from := any(m.From)
	if m.From == "" {
		from = nil
	}
	n, _ := segmentsOf(m.Body)
	// Twilio writes dates in RFC 2822 form ("Mon, 16 Aug 2010 03:45:01 +0000"); date_sent
	// is null until the message leaves the queue.
	status, sent, updated := "queued", any(nil), m.Created
	if !m.Sent.IsZero() {
		status, sent, updated = "sent", m.Sent.Format(time.RFC1123Z), m.Sent
	}
	return map[string]any{
		"sid": m.SID, "account_sid": s.AccountSID, "to": m.To, "from": from, "body": m.Body,
		"messaging_service_sid": m.MessagingServiceSID, "status": status, "direction": "outbound-api",
		"num_segments": fmt.Sprint(n), "date_created": m.Created.Format(time.RFC1123Z),
		"date_updated": updated.Format(time.RFC1123Z), "date_sent": sent,
		"error_code": nil, "error_message": nil, "api_version": "2010-04-01",
		"uri": "/2010-04-01/Accounts/" + s.AccountSID + "/Messages/" + m.SID + ".json",
	}
}

// list serves the Messages list, newest first: filtered by To, From and DateSent (exact
// day, DateSent< and DateSent>, at second resolution; a message with no date_sent matches
// no DateSent filter, as at Twilio), PageSize rows a page (default 50, at most 1000), with
// next_page_uri pointing at the next page while there is one.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	to, from := q.Get("To"), q.Get("From")
	var on, before, after time.Time
	for _, f := range []struct {
		key string
		t   *time.Time
	}{{"DateSent", &on}, {"DateSent<", &before}, {"DateSent>", &after}} {
		v := q.Get(f.key)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02", v); err != nil {
				writeErr(w, 400, 20001, "Invalid "+f.key+" "+v)
				return
			}
		}
		*f.t = t.UTC().Truncate(time.Second)
	}
	dated := !on.IsZero() || !before.IsZero() || !after.IsZero()
	size := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeErr(w, 400, 20001, "Invalid PageSize "+v)
			return
		}
		size = n
	}
	page, _ := strconv.Atoi(q.Get("Page"))
	if page < 0 {
		page = 0
	}
	s.mu.Lock()
	now := time.Now().UTC()
	var match []map[string]any
	for i := len(s.msgs) - 1; i >= 0; i-- {
		m := s.msgs[i].at(now)
		if to != "" && m.To != to || from != "" && m.From != from {
			continue
		}
		if dated {
			sent := m.Sent.Truncate(time.Second)
			if m.Sent.IsZero() || !on.IsZero() && !sameDay(sent, on) ||
				!before.IsZero() && sent.After(before) || !after.IsZero() && sent.Before(after) {
				continue
			}
		}
		match = append(match, s.shape(m))
	}
	s.mu.Unlock()
	start := min(page*size, len(match))
	end := min(start+size, len(match))
	out := match[start:end]
	if out == nil {
		out = []map[string]any{}
	}
	pageURI := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "Page" && k != "PageToken" {
				v[k] = vs
			}
		}
		v.Set("PageSize", strconv.Itoa(size))
		v.Set("Page", strconv.Itoa(n))
		if n > 0 {
			v.Set("PageToken", fmt.Sprintf("PA%d", n*size))
		}
		return r.URL.Path + "?" + v.Encode()
	}
	var next, prev any
	if end < len(match) {
		next = pageURI(page + 1)
	}
	if page > 0 {
		prev = pageURI(page - 1)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": out, "next_page_uri": next,
		"previous_page_uri": prev, "first_page_uri": pageURI(0), "uri": r.URL.RequestURI(),
		"page": page, "page_size": size, "start": start, "end": max(start, end-1)})
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func writeErr(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)}
	if code == 0 {
		body["code"] = nil
	}
	_ = json.NewEncoder(w).Encode(body)
}

func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// segmentsOf is a rough count for num_segments (the fake does not need notify's exact one).
func segmentsOf(body string) (int, bool) {
	ucs2 := strings.IndexFunc(body, func(r rune) bool { return r > 0x7f }) >= 0
	n := len([]rune(body))
	if ucs2 {
		if n <= 70 {
			return 1, true
		}
		return (n + 66) / 67, true
	}
	if n <= 160 {
		return 1, false
	}
	return (n + 152) / 153, false
}
