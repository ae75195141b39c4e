// Package faketwilio is a fake of Twilio's REST Messages API for tests: an HTTP server
// that accepts POST /2010-04-01/Accounts/{sid}/Messages.json and GET of the same path (the
// Messages list, filtered by To and DateSent>), checks basic auth and the form fields,
// answers with Twilio-shaped JSON and Twilio-shaped errors, records every accepted message,
// and fails on script: per recipient (a Twilio error code, an HTTP status, a dropped
// connection) or per call number.
//
// Point twilio-go at it with notify's Twilio driver option APIBase = Server.URL.
package faketwilio

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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
}

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
}

// New starts a fake for the given credentials; it is closed when the test ends.
func New(t interface{ Cleanup(func()) }, accountSID, authToken string) *Server {
	s := &Server{AccountSID: accountSID, AuthToken: authToken,
		byTo: map[string][]Failure{}, byCall: map[int]Failure{}, sticky: map[string]Failure{}}
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

// Messages returns a copy of every accepted message, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
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
	_ = json.NewEncoder(w).Encode(s.shape(m))
}

func (s *Server) shape(m Message) map[string]any {
	from := any(m.From)
	if m.From == "" {
		from = nil
	}
	n, _ := segmentsOf(m.Body)
	return map[string]any{
		"sid": m.SID, "account_sid": s.AccountSID, "to": m.To, "from": from, "body": m.Body,
		"messaging_service_sid": m.MessagingServiceSID, "status": "queued", "direction": "outbound-api",
		"num_segments": fmt.Sprint(n), "date_created": m.Created.Format(time.RFC1123Z),
		"date_updated": m.Created.Format(time.RFC1123Z), "date_sent": m.Created.Format(time.RFC1123Z),
		"error_code": nil, "error_message": nil, "api_version": "2010-04-01",
		"uri": "/2010-04-01/Accounts/" + s.AccountSID + "/Messages/" + m.SID + ".json",
	}
}

// list serves the Messages list filtered by To and DateSent> (second resolution, like
// Twilio), newest first, in one page.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	to := q.Get("To")
	var after time.Time
	if v := q.Get("DateSent>"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02", v); err != nil {
				writeErr(w, 400, 20001, "bad DateSent>")
				return
			}
		}
		after = t
	}
	s.mu.Lock()
	var out []map[string]any
	for i := len(s.msgs) - 1; i >= 0; i-- {
		m := s.msgs[i]
		if (to == "" || m.To == to) && !m.Created.Truncate(time.Second).Before(after.Truncate(time.Second)) {
			out = append(out, s.shape(m))
		}
	}
	s.mu.Unlock()
	if out == nil {
		out = []map[string]any{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": out, "next_page_uri": nil,
		"page": 0, "page_size": len(out), "uri": r.URL.RequestURI(), "first_page_uri": r.URL.RequestURI()})
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
