package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"lcrm/complaints"
)

// seenOf reads the reply form's last-seen entry id from a complaint page.
func seenOf(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="seen" value="(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the reply form carries no last-seen entry")
	}
	return m[1]
}

// Two agents on one complaint over HTTP: each page shows the other as present; a reply
// from a page older than the other's reply is not sent but shown with theirs (409, the
// text kept, "仍然发送"); sending again from that page sends it.
func TestDeskTwoAgentsPresenceAndCrossing(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	c := e.file(complaints.Lost, "包裹丢了")
	agent, sup := e.as("agent"), e.as("supervisor")
	if code, _, _ := agent.do("POST", path(c.ID, "claim"), url.Values{}); code != 303 {
		t.Fatalf("claim: %d", code)
	}
	code, agentPage, _ := agent.do("GET", path(c.ID, ""), nil)
	if code != 200 || !strings.Contains(agentPage, `id="presence"`) || strings.Contains(agentPage, "Sup Zhao") {
		t.Fatalf("agent's page alone: %d", code)
	}
	_, supPage, _ := sup.do("GET", path(c.ID, ""), nil)
	if !strings.Contains(supPage, "同时在看此投诉：") || !strings.Contains(supPage, "Agent Wang") {
		t.Error("the supervisor's page does not show the agent has it open")
	}
	code, js, _ := agent.do("GET", path(c.ID, "presence"), nil)
	var p struct{ Others []string }
	if code != 200 || json.Unmarshal([]byte(js), &p) != nil || len(p.Others) != 1 || p.Others[0] != "Sup Zhao" {
		t.Errorf("presence JSON: %d %s", code, js)
	}
	if code, _, _ := agent.do("GET", "/console/complaints/999999/presence", nil); code != 200 {
		t.Errorf("presence of a missing complaint: %d", code)
	}

	// Both pages were drawn; the supervisor replies first.
	agentSeen, supSeen := seenOf(t, agentPage), seenOf(t, supPage)
	if code, _, _ := sup.do("POST", path(c.ID, "reply"), url.Values{"text": {"我已处理,请勿重复联系"}, "public": {"1"}, "seen": {supSeen}}); code != 303 {
		t.Fatalf("supervisor's reply: %d", code)
	}
	code, body, _ := agent.do("POST", path(c.ID, "reply"), url.Values{"text": {"我们正在核实"}, "public": {"1"}, "seen": {agentSeen}})
	if code != 409 {
		t.Fatalf("crossing reply: %d, want 409", code)
	}
	for _, want := range []string{`id="reply-crossed"`, "我已处理,请勿重复联系", "Sup Zhao", "仍然发送", ">我们正在核实</textarea>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the crossing page lacks %q", want)
		}
	}
	tl, err := e.cs.Timeline(context.Background(), c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range tl {
		if en.Text == "我们正在核实" {
			t.Fatal("the crossing reply was sent")
		}
	}
	// "Send anyway" posts the form of the page that showed the other reply.
	if code, _, _ := agent.do("POST", path(c.ID, "reply"), url.Values{"text": {"我们正在核实"}, "public": {"1"}, "seen": {seenOf(t, body)}}); code != 303 {
		t.Errorf("send anyway: %d", code)
	}
	// A form without the field (an old page, a script) is not checked.
	if code, _, _ := agent.do("POST", path(c.ID, "reply"), url.Values{"text": {"内部备注"}, "public": {"0"}}); code != 303 {
		t.Errorf("reply without seen: %d", code)
	}
}

// The console speaks to agents: the statuses and the customer's message in agents' words,
// system lines of the timeline in the viewer's language only.
func TestDeskAgentWording(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	ctx := context.Background()
	c := e.file(complaints.Lost, "包裹丢了")
	agent := e.as("agent")
	if code, _, _ := agent.do("POST", path(c.ID, "claim"), url.Values{}); code != 303 {
		t.Fatal("claim")
	}
	if code, _, _ := agent.do("POST", path(c.ID, "status"), url.Values{"to": {"waiting_customer"}}); code != 303 {
		t.Fatal("status")
	}
	if err := e.cs.AddCustomerMessage(ctx, c.ID, "请尽快"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lang      string
		want, not []string
	}{
		{"zh", []string{"Agent Wang 认领了投诉", "客户留言", "等待客户回复"}, []string{"claimed by", "您的留言", "等待您的回复"}},
		{"en", []string{"claimed by Agent Wang", "Customer&#39;s message", "Waiting for the customer"}, []string{"认领了投诉", "Your message"}},
	}
	for _, tc := range cases {
		_, body, _ := agent.do("GET", path(c.ID, "")+"?lang="+tc.lang, nil)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s page lacks %q", tc.lang, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("%s page shows %q", tc.lang, n)
			}
		}
	}
}

// The audit log shows complaints by reference and values for people (labels, statuses,
// names, yuan), not raw JSON.
func TestAuditLogForPeople(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	c := e.file(complaints.Lost, "包裹丢了")
	agent := e.as("agent")
	agent.do("POST", path(c.ID, "claim"), url.Values{})
	if code, _, _ := agent.do("POST", path(c.ID, "resolve"), url.Values{"root_cause": {"courier"}, "department": {"北京网点"},
		"code": {"compensated"}, "compensation": {"12.5"}, "note": {"已赔偿"}}); code != 303 {
		t.Fatalf("resolve: %d", code)
	}
	code, body, _ := e.as("admin").do("GET", "/console/admin/audit?entity=complaint", nil)
	if code != 200 {
		t.Fatalf("audit page: %d", code)
	}
	for _, want := range []string{fmt.Sprintf(`<a href="/console/complaints/%d">%s</a>`, c.ID, c.Ref), "处理人", "Agent Wang",
		"已解决", "¥12.50", "责任部门", "北京网点"} {
		if !strings.Contains(body, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	for _, not := range []string{"complaint #", `{&#34;`, `"assignee_id"`, "compensation_fen"} {
		if strings.Contains(body, not) {
			t.Errorf("audit page shows %q", not)
		}
	}
}
