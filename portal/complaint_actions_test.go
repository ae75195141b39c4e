package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"lcrm/accounts"
)

func TestComplaintActionsBeforeResolution(t *testing.T) {
	t.Parallel()
	e, cs := newComplaintEnv(t)
	ctx := context.Background()
	cp := fileDirect(t, e, cs, "actions-1")
	page := "/complaint/" + cp.Ref
	if status, loc, _ := e.send("POST", "/complaint/lookup", url.Values{"ref": {cp.Ref}, "last4": {"9000"}}, ""); status != 303 || loc != page {
		t.Fatalf("lookup = %d %q", status, loc)
	}
	tests := []struct {
		name     string
		path     string
		form     url.Values
		status   int
		location string
	}{
		{"no CSRF token", page + "/message", url.Values{"text": {"hi"}, "_csrf": {""}}, 403, ""},
		{"empty message", page + "/message", url.Values{"text": {"  "}}, 303, page + "?err=message"},
		{"message", page + "/message", url.Values{"text": {"<i>请尽快</i>"}}, 303, page + "?done=message"},
		{"rate before resolution", page + "/rate", url.Values{"stars": {"5"}}, 303, page + "?err=not_resolved"},
		{"rating off the scale", page + "/rate", url.Values{"stars": {"9"}}, 303, page + "?err=rating"},
		{"confirm an open complaint", page + "/confirm", url.Values{}, 303, page + "?err=state"},
		{"unknown reference", "/complaint/C2601-999999/message", url.Values{"text": {"hi"}}, 403, ""},
	}
	for _, tt := range tests {
		status, loc, body := e.send("POST", tt.path, tt.form, "")
		if status != tt.status || loc != tt.location {
			t.Errorf("%s: %d %q, want %d %q\n%s", tt.name, status, loc, tt.status, tt.location, body)
		}
	}
	entries, err := cs.Timeline(ctx, cp.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	var messages int
	for _, en := range entries {
		if en.Kind == "customer_message" {
			messages++
		}
	}
	if messages != 1 {
		t.Errorf("customer messages in the timeline = %d, want 1: %+v", messages, entries)
	}
	status, _, body := e.send("GET", page+"?done=message", nil, "")
	if status != 200 || !strings.Contains(body, "留言已发送") || !strings.Contains(body, "&lt;i&gt;请尽快") {
		t.Errorf("page after message = %d\n%s", status, body)
	}
	if strings.Contains(body, `action="`+page+`/rate"`) || strings.Contains(body, `action="`+page+`/reopen"`) {
		t.Errorf("an open complaint offers rating or reopening")
	}
}

func TestShipperComplaints(t *testing.T) {
	t.Parallel()
	e, cs := newComplaintEnv(t)
	ctx := context.Background()
	cp := fileDirect(t, e, cs, "shipper-1")
	d, err := e.shp.Get(ctx, "SD300000000001")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.acc.CreateUser(ctx, accounts.NewUser{Email: "ops@acme.test", Name: "Acme Ops", Password: "correct horse battery",
		Role: accounts.RoleShipper, ShipperID: d.ShipperID}); err != nil {
		t.Fatal(err)
	}
	if status, loc, _ := e.send("GET", "/shipper/complaints", nil, ""); status != 303 || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("anonymous = %d %q, want the login page", status, loc)
	}
	if status, _, body := e.send("POST", "/login", url.Values{"email": {"ops@acme.test"}, "password": {"correct horse battery"}}, ""); status != 303 {
		t.Fatalf("login = %d\n%s", status, body)
	}
	status, _, body := e.send("GET", "/shipper/complaints", nil, "")
	if status != 200 || !strings.Contains(body, cp.Ref) || !strings.Contains(body, "延误") {
		t.Fatalf("shipper complaints = %d\n%s", status, body)
	}
}
