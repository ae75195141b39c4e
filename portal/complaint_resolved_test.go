package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"lcrm/complaints"
)

func TestComplaintActionsAfterResolution(t *testing.T) {
	t.Parallel()
	e, cs := newComplaintEnv(t)
	ctx := context.Background()
	cp := fileDirect(t, e, cs, "resolved-1")
	page := "/complaint/" + cp.Ref
	if status, _, _ := e.send("POST", "/complaint/lookup", url.Values{"ref": {cp.Ref}, "last4": {"9000"}}, ""); status != 303 {
		t.Fatalf("lookup = %d", status)
	}
	staff := complaints.Actor{Name: "客服小王"}
	if _, err := cs.Reply(ctx, cp.ID, staff, "已联系网点，今天派送", true); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Reply(ctx, cp.ID, staff, "INTERNAL: 网点人手不足", false); err != nil {
		t.Fatal(err)
	}
	if err := cs.Resolve(ctx, cp.ID, staff, complaints.Resolution{RootCause: complaints.RootCauses[0], Department: "配送部",
		Code: complaints.ResolutionCodes[0], Note: "已退运费"}); err != nil {
		t.Fatal(err)
	}
	status, _, body := e.send("GET", page, nil, "")
	if status != 200 || !strings.Contains(body, "已联系网点，今天派送") || strings.Contains(body, "INTERNAL") {
		t.Fatalf("progress page = %d (public reply shown, internal note hidden?)\n%s", status, body)
	}
	for _, form := range []string{"/confirm", "/rate", "/reopen"} {
		if !strings.Contains(body, `action="`+page+form+`"`) {
			t.Errorf("a resolved complaint lacks the %s form", form)
		}
	}
	steps := []struct {
		name     string
		path     string
		form     url.Values
		location string
		check    func(c *complaints.Complaint) bool
	}{
		{"rate", "/rate", url.Values{"stars": {"4"}}, "?done=rate", func(c *complaints.Complaint) bool { return c.Rating == 4 }},
		{"rate again overwrites", "/rate", url.Values{"stars": {"5"}}, "?done=rate", func(c *complaints.Complaint) bool { return c.Rating == 5 }},
		{"confirm", "/confirm", url.Values{}, "?done=confirm", func(c *complaints.Complaint) bool { return c.Status == complaints.StatusClosed }},
		{"reopen without reason", "/reopen", url.Values{"reason": {""}}, "?err=message", func(c *complaints.Complaint) bool { return c.Status == complaints.StatusClosed }},
		{"reopen", "/reopen", url.Values{"reason": {"杯子还是碎的"}}, "?done=reopen", func(c *complaints.Complaint) bool { return c.Status == complaints.StatusReopened }},
	}
	for _, s := range steps {
		status, loc, body := e.send("POST", page+s.path, s.form, "")
		if status != 303 || loc != page+s.location {
			t.Errorf("%s: %d %q, want 303 %q\n%s", s.name, status, loc, page+s.location, body)
		}
		got, err := cs.ByID(ctx, cp.ID)
		if err != nil || !s.check(got) {
			t.Errorf("%s: stored %+v, %v", s.name, got, err)
		}
	}

	// Eight days after a resolution, reopening is refused.
	if err := cs.Resolve(ctx, cp.ID, staff, complaints.Resolution{RootCause: complaints.RootCauses[0], Department: "配送部",
		Code: complaints.ResolutionCodes[0]}); err != nil {
		t.Fatal(err)
	}
	prev := cs.Now
	cs.Now = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
	defer func() { cs.Now = prev }()
	if status, loc, _ := e.send("POST", page+"/reopen", url.Values{"reason": {"again"}}, ""); status != 303 || loc != page+"?err=reopen_expired" {
		t.Errorf("late reopen = %d %q", status, loc)
	}
}
