package faketwilio_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lcrm/internal/faketwilio"
)

func TestFake(t *testing.T) {
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
	for q, want := range map[string]int{
		"To=%2B8613900000001":                       1,
		"To=%2B8613900000002&DateSent%3E=" + past:   1,
		"To=%2B8613900000001&DateSent%3E=" + future: 0,
		"": 2,
	} {
		v, _ := url.ParseQuery(q)
		if got := list(v); got != want {
			t.Errorf("list %q: %d, want %d", q, got, want)
		}
	}
}
