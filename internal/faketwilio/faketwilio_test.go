package faketwilio_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	twilio "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"lcrm/internal/faketwilio"
)

func TestFake(t *testing.T) {
	t.Parallel()
	f := faketwilio.New(t, "AC1", "tok")
	path := f.URL + "/2010-04-01/Accounts/AC1/Messages.json"
	post := func(user, pass string, form url.Values) (int, map[string]any) {
		req, _ := http.NewRequest("POST", path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return -1, nil
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	ok := url.Values{"To": {"+8613900000001"}, "From": {"+15005550006"}, "Body": {"hi"}}
	f.FailTo("+8613900000002", faketwilio.Failure{Status: 400, Code: 21211})
	f.FailCall(4, faketwilio.Failure{Status: 429, Code: 20429})
	cases := []struct {
		name       string
		user, pass string
		form       url.Values
		status     int
		code       float64
	}{
		{"accepted", "AC1", "tok", ok, 201, 0},
		{"wrong token", "AC1", "nope", ok, 401, 20003},
		{"no sender", "AC1", "tok", url.Values{"To": {"+8613900000001"}, "Body": {"hi"}}, 400, 21603},
		{"scripted per recipient", "AC1", "tok", url.Values{"To": {"+8613900000002"}, "MessagingServiceSid": {"MG1"}, "Body": {"x"}}, 400, 21211},
		{"recipient script used up", "AC1", "tok", url.Values{"To": {"+8613900000002"}, "MessagingServiceSid": {"MG1"}, "Body": {"x"}}, 201, 0},
		{"scripted per call", "AC1", "tok", ok, 429, 20429},
	}
	for _, c := range cases {
		status, body := post(c.user, c.pass, c.form)
		if status != c.status {
			t.Errorf("%s: status %d %v, want %d", c.name, status, body, c.status)
		}
		if c.code != 0 && body["code"] != c.code {
			t.Errorf("%s: code %v, want %v", c.name, body["code"], c.code)
		}
		if status == 201 && (!strings.HasPrefix(body["sid"].(string), "SM") || body["status"] != "queued") {
			t.Errorf("%s: %v", c.name, body)
		}
	}
	if n := len(f.Messages()); n != 2 {
		t.Errorf("recorded %d, want 2", n)
	}
	list := func(q url.Values) int {
		req, _ := http.NewRequest("GET", path+"?"+q.Encode(), nil)
		req.SetBasicAuth("AC1", "tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Messages []map[string]any }
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return len(body.Messages)
	}
	past, future := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	cases2 := []struct {
		q                    string
		queued, afterDeliver int
	}{
		{"To=%2B8613900000001", 1, 1},
		{"From=%2B15005550006", 1, 1},
		{"From=%2B15005550007", 0, 0},
		// Like Twilio, a queued message has no date_sent, so no DateSent filter finds it.
		{"To=%2B8613900000002&DateSent%3E=" + past, 0, 1},
		{"DateSent=" + time.Now().UTC().Format("2006-01-02"), 0, 2},
		{"DateSent%3C=" + future, 0, 2},
		{"To=%2B8613900000001&DateSent%3E=" + future, 0, 0},
		{"", 2, 2},
	}
	for _, c := range cases2 {
		v, _ := url.ParseQuery(c.q)
		if got := list(v); got != c.queued {
			t.Errorf("list %q while queued: %d, want %d", c.q, got, c.queued)
		}
	}
	f.Deliver()
	for _, c := range cases2 {
		v, _ := url.ParseQuery(c.q)
		if got := list(v); got != c.afterDeliver {
			t.Errorf("list %q after Deliver: %d, want %d", c.q, got, c.afterDeliver)
		}
	}
}

// TestQueuedThenSent checks the message life Twilio shows: queued with date_sent null when
// created, sent with a date_sent after SendDelay; twilio-go reads both shapes and walks
// the pages by next_page_uri.
func TestQueuedThenSent(t *testing.T) {
	t.Parallel()
	f := faketwilio.New(t, "AC1", "tok")
	f.SendDelay = 300 * time.Millisecond
	hc := &http.Client{Transport: rebase{f.URL}}
	c := &client.Client{Credentials: client.NewCredentials("AC1", "tok"), HTTPClient: hc}
	c.SetAccountSid("AC1")
	rest := twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
	for i := 0; i < 5; i++ {
		p := &api.CreateMessageParams{}
		p.SetTo("+8613900000001").SetFrom("+15005550006").SetBody(fmt.Sprint("hi ", i))
		m, err := rest.Api.CreateMessage(p)
		if err != nil {
			t.Fatal(err)
		}
		if *m.Status != "queued" || m.DateSent != nil || m.DateCreated == nil {
			t.Errorf("created: status %v date_sent %v date_created %v", *m.Status, m.DateSent, m.DateCreated)
		}
	}
	list := func(p *api.ListMessageParams) []api.ApiV2010Message {
		t.Helper()
		ms, err := rest.Api.ListMessage(p.SetTo("+8613900000001").SetPageSize(2))
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	since := time.Now().Add(-time.Minute)
	if ms := list(&api.ListMessageParams{}); len(ms) != 5 || *ms[0].Body != "hi 4" || ms[0].DateSent != nil || *ms[0].Status != "queued" {
		t.Errorf("all pages while queued: %d messages, first %+v", len(ms), ms)
	}
	if ms := list((&api.ListMessageParams{}).SetDateSentAfter(since)); len(ms) != 0 {
		t.Errorf("DateSent> while queued: %d messages, want 0", len(ms))
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(list((&api.ListMessageParams{}).SetDateSentAfter(since))) < 5 {
		if time.Now().After(deadline) {
			t.Fatal("messages never left the queue")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ms := list(&api.ListMessageParams{})
	if _, err := time.Parse(time.RFC1123Z, *ms[0].DateSent); err != nil || *ms[0].Status != "sent" {
		t.Errorf("after SendDelay: status %v date_sent %v (%v)", *ms[0].Status, *ms[0].DateSent, err)
	}
	if m := f.Messages()[0]; m.Sent.IsZero() || m.Sent.Before(m.Created) {
		t.Errorf("Messages: %+v", m)
	}
}

// rebase sends twilio-go's api.twilio.com requests to the fake.
type rebase struct{ base string }

func (r rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	u, _ := url.Parse(r.base)
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = u.Scheme, u.Host, u.Host
	return http.DefaultTransport.RoundTrip(req)
}
