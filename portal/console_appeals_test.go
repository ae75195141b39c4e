package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"lcrm/complaints"
)

// multipart posts a multipart form (fields and named files under "files") with b's
// cookies and CSRF token.
func (b *browser) multipart(path string, fields map[string]string, files map[string][]byte) (int, string) {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fields["_csrf"] = b.cookies["lcrm_csrf"]
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for name, data := range files {
		fw, err := w.CreateFormFile("files", name)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	code, body, _ := b.send(req)
	return code, body
}

// appealForm is the registration form received at `at` (desk zone Asia/Shanghai).
func appealForm(no string, at time.Time) url.Values {
	return url.Values{"source": {"hotline_12305"}, "appeal_no": {no},
		"received_at": {at.In(complaints.DefaultZone).Format("2006-01-02T15:04")}}
}

// Registering from the desk: supervisors only, the same number twice is one appeal; the
// queue filters and badges appeals, the wallboard counts them.
func TestDeskAppealRegisterQueueWallboard(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	ctx := context.Background()
	c := e.file(complaints.Billing, "运费多扣了")
	plain := e.file(complaints.Delayed, "还没到")
	sup, agent := e.as("supervisor"), e.as("agent")
	form := appealForm("12305-2026-0001", time.Now().Add(-time.Hour))

	if code, _, _ := agent.do("POST", path(c.ID, "appeal"), form); code != 403 {
		t.Errorf("agent registering = %d, want 403", code)
	}
	for _, want := range []string{"done=appeal", "done=appeal_again"} {
		code, _, h := sup.do("POST", path(c.ID, "appeal"), form)
		if code != 303 || !strings.HasSuffix(h.Get("Location"), want) {
			t.Fatalf("register = %d %q, want %s", code, h.Get("Location"), want)
		}
	}
	if got := e.get(c.ID).Priority; got != complaints.P1 {
		t.Errorf("priority %s, want P1", got)
	}
	var n int
	_ = e.pool.QueryRow(ctx, `SELECT count(*) FROM appeals`).Scan(&n)
	if n != 1 {
		t.Errorf("%d appeals, want 1", n)
	}
	// The same number on another complaint, and bad input: told on the page, nothing stored.
	code, body, _ := sup.do("POST", path(plain.ID, "appeal"), form)
	if code != 409 || !strings.Contains(body, "该申诉编号已登记在另一条投诉上") {
		t.Errorf("number taken = %d", code)
	}
	code, body, _ = sup.do("POST", path(plain.ID, "appeal"), url.Values{"source": {"fax"}, "appeal_no": {""}, "received_at": {"yesterday"}})
	if code != 422 || !strings.Contains(body, "请按“年-月-日 时:分”填写时间") && !strings.Contains(body, "请填写接收时间") {
		t.Errorf("bad form = %d", code)
	}
	code, body, _ = sup.do("POST", path(plain.ID, "appeal"), url.Values{"source": {"fax"}, "appeal_no": {""}, "received_at": {form.Get("received_at")}})
	if code != 422 || !strings.Contains(body, "请选择申诉来源") || !strings.Contains(body, "请填写申诉编号") {
		t.Errorf("bad form = %d", code)
	}

	_, body, _ = agent.do("GET", "/console/queue?appeal=1", nil)
	if !strings.Contains(body, fmt.Sprintf(`id="appeal-badge-%d"`, c.ID)) || strings.Contains(body, plain.Ref) {
		t.Errorf("appeal queue lacks the appeal's badge or lists the plain complaint")
	}
	_, body, _ = agent.do("GET", "/console/queue", nil)
	if !strings.Contains(body, plain.Ref) || strings.Contains(body, fmt.Sprintf(`id="appeal-badge-%d"`, plain.ID)) ||
		!strings.Contains(body, fmt.Sprintf(`id="appeal-badge-%d"`, c.ID)) {
		t.Errorf("full queue: badges wrong")
	}
	_, body, _ = agent.do("GET", "/console/wallboard", nil)
	if !regexp.MustCompile(`id="wb-appeals">1<`).MatchString(body) {
		t.Errorf("wallboard does not count the waiting appeal")
	}
	_, body, _ = agent.do("GET", path(c.ID, ""), nil)
	if !strings.Contains(body, `id="appeal-no">12305-2026-0001<`) || strings.Contains(body, `id="verdict-form"`) {
		t.Errorf("agent's detail page: no appeal section, or a verdict form")
	}
}

// The formal reply is staff only: an attacker with everything the customer has (the
// reference and the phone's last 4 digits), or a shipper login, never sees its text or files.
func TestAppealFormalReplyNeverShownToCustomer(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	c := e.file(complaints.Lost, "包裹丢了")
	sup := e.as("supervisor")
	if code, _, _ := sup.do("POST", path(c.ID, "appeal"), appealForm("SECRET-APPEAL-7", time.Now())); code != 303 {
		t.Fatalf("register = %d", code)
	}
	const reply = "致省邮政管理局：经核查系分拨中心错分，已赔付，责任人已处理（内部编号 HX-4471）。"
	pdf := []byte("%PDF-1.4\n% formal reply letter HX-4471\n%%EOF")
	fields := map[string]string{"text": reply, "nonce": "nonce-123"}
	for range 2 { // a double submit is one reply
		if code, body := sup.multipart(path(c.ID, "appeal/reply"), fields, map[string][]byte{"回复函.pdf": pdf}); code != 303 {
			t.Fatalf("formal reply = %d %s", code, body)
		}
	}
	var replies int
	var fileID int64
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*), max(f.id) FROM appeal_replies r JOIN appeal_files f ON f.reply_id = r.id`).Scan(&replies, &fileID)
	if replies != 1 {
		t.Fatalf("%d stored replies, want 1", replies)
	}
	_, body, _ := sup.do("GET", path(c.ID, ""), nil)
	if !strings.Contains(body, "HX-4471") || !strings.Contains(body, "回复函.pdf") {
		t.Fatal("staff page lacks the formal reply")
	}
	file := fmt.Sprintf("/console/complaints/%d/appeal/files/%d", c.ID, fileID)
	if code, got, h := sup.do("GET", file, nil); code != 200 || got != string(pdf) || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
		t.Errorf("staff download = %d %q", code, h.Get("Content-Disposition"))
	}

	// The attacker: the customer's own lookup, then every public page of the complaint.
	customer := e.as("")
	code, _, h := customer.do("POST", "/complaint/lookup", url.Values{"ref": {c.Ref}, "last4": {"8000"}})
	if code != 303 {
		t.Fatalf("customer lookup = %d", code)
	}
	for _, p := range []string{h.Get("Location"), h.Get("Location") + "?lang=en", "/track/SD300000000001"} {
		code, body, _ := customer.do("GET", p, nil)
		if code != 200 {
			t.Fatalf("%s = %d", p, code)
		}
		for _, secret := range []string{"HX-4471", "SECRET-APPEAL-7", "回复函", "邮政管理局", "申诉"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows %q to the customer", p, secret)
			}
		}
	}
	for who, b := range map[string]*browser{"anonymous": e.as(""), "customer": customer, "shipper": e.as("shipper")} {
		if code, got, _ := b.do("GET", file, nil); code == 200 || strings.Contains(got, "HX-4471") {
			t.Errorf("%s fetched the formal reply's file: %d", who, code)
		}
		if code, got, _ := b.do("GET", path(c.ID, ""), nil); code == 200 || strings.Contains(got, "HX-4471") {
			t.Errorf("%s opened the staff page: %d", who, code)
		}
	}
}

// The KPI page's appeal section: appeals per million delivered, in total and by province
// (over that province's deliveries), category and department.
func TestKPIAppeals(t *testing.T) {
	t.Parallel()
	k := newKPIEnv(t)
	ctx := context.Background()
	var id int64
	if err := k.pool.QueryRow(ctx, `SELECT c.id FROM complaints c JOIN shipments s ON s.id = c.shipment_id
		WHERE s.tracking_no = 'SD400000000001'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	sup := complaints.Actor{UserID: k.users["supervisor"].ID, Name: "Sup Zhao"}
	if _, _, err := k.cs.RegisterAppeal(ctx, id, sup, complaints.AppealRegistration{Source: complaints.SourceHotline12305,
		No: "KPI-1", ReceivedAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := k.cs.SetVerdict(ctx, id, sup, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, body, _ := k.as("manager").do("GET", "/console/kpi?lang=en&"+k.query, nil)
	cells := func(table string) []string {
		i := strings.Index(body, `id="`+table+`"`)
		if i < 0 {
			t.Fatalf("no table %s", table)
		}
		rest := body[i:]
		rest = rest[:strings.Index(rest, "</table>")]
		var out []string
		for _, m := range regexp.MustCompile(`<td>([^<]*)</td>`).FindAllStringSubmatch(rest, -1) {
			out = append(out, m[1])
		}
		return strings.Fields(strings.Join(out, " "))
	}
	for _, c := range []struct {
		table string
		want  string
	}{
		{"kpi-appeals-total", "Total 1 1 3 333333.3 333333.3"},
		{"kpi-appeals-provinces", "广东省 1 1 2 500000.0 500000.0 浙江省 0 0 1 0.0 0.0"},
		{"kpi-appeals-categories", "Damaged 1 1 3 333333.3 333333.3"},
		{"kpi-appeals-departments", "派送部 1 1 3 333333.3 333333.3"},
	} {
		if got := strings.Join(cells(c.table), " "); got != c.want {
			t.Errorf("%s = %q, want %q", c.table, got, c.want)
		}
	}
}

// The staff API registers appeals like the desk: 201, then 200 for the same number; a
// shipper's key may not; bad input is a 4xx naming the field.
func TestAPIRegisterAppeal(t *testing.T) {
	t.Parallel()
	e := newDeskEnv(t)
	ctx := context.Background()
	c := e.file(complaints.Lost, "丢件")
	staff, _, err := e.acc.CreateAPIKey(ctx, "ops", 0)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := e.cus.ShipperByCode(ctx, "ACME")
	if err != nil {
		t.Fatal(err)
	}
	shipperKey, _, err := e.acc.CreateAPIKey(ctx, "acme", sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	api := &env{t: t, srv: e.srv}
	body := map[string]any{"source": "provincial_bureau", "appeal_no": "ZJ-2026-77", "received_at": time.Now().Add(-time.Hour).Format(time.RFC3339)}
	var out struct {
		ID       int64     `json:"id"`
		AppealNo string    `json:"appeal_no"`
		ReplyDue time.Time `json:"reply_due"`
	}
	for _, want := range []int{201, 200} {
		if code := api.do("POST", "/api/v1/complaints/"+c.Ref+"/appeal", staff, body, &out); code != want || out.AppealNo != "ZJ-2026-77" {
			t.Fatalf("register = %d %+v, want %d", code, out, want)
		}
	}
	if code := api.do("POST", "/api/v1/complaints/"+c.Ref+"/appeal", shipperKey, body, nil); code != 403 {
		t.Errorf("shipper key = %d, want 403", code)
	}
	var bad apiErr
	if code := api.do("POST", "/api/v1/complaints/"+c.Ref+"/appeal", staff, map[string]any{"source": "hotline_12305", "appeal_no": "X", "received_at": "yesterday"}, &bad); code != 422 || len(bad.Error.Fields) == 0 || bad.Error.Fields[0].Field != "received_at" {
		t.Errorf("bad time = %d %+v", code, bad)
	}
	if code := api.do("POST", "/api/v1/complaints/C-AAA-BBB-CCC/appeal", staff, body, nil); code != 404 {
		t.Errorf("unknown complaint = %d", code)
	}
	if got := e.get(c.ID).Priority; got != complaints.P1 {
		t.Errorf("priority %s", got)
	}
}
