package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/portal"
)

// pngBytes is a real PNG of about n bytes (noise does not compress).
func pngBytes(t *testing.T, side int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	seed := uint32(7)
	for i := range img.Pix {
		seed = seed*1664525 + 1013904223
		img.Pix[i] = uint8(seed >> 24)
	}
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload is one file of a multipart form.
type upload struct {
	name string
	data []byte
}

// multipartForm encodes fields (with the test CSRF token) and "photos" files.
func multipartForm(t *testing.T, fields map[string]string, files []upload) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if _, ok := fields["_csrf"]; !ok {
		w.WriteField("_csrf", testCSRF)
	}
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, f := range files {
		fw, err := w.CreateFormFile("photos", f.name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(f.data)
	}
	w.Close()
	return w.FormDataContentType(), &b
}

// newComplaintEnv is a selfEnv with the complaints store and a shipper login.
func newComplaintEnv(t *testing.T) (*selfEnv, *complaints.Store) {
	t.Helper()
	var cs *complaints.Store
	e := newSelfEnv(t, func(d *portal.Deps) {
		cs = complaints.NewStore(d.Shipments.Pool())
		d.Complaints, d.Accounts = cs, accounts.NewStore(d.Shipments.Pool())
	})
	return e, cs
}

var filedRe = regexp.MustCompile(`^/complaint/(C-[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3})/filed$`)

// file posts the complaint form and returns status, location and body.
func (e *selfEnv) file(fields map[string]string, files []upload) (int, string, string) {
	e.t.Helper()
	ct, body := multipartForm(e.t, fields, files)
	return e.sendRaw("POST", "/track/SD300000000001/complaint", ct, body, "")
}

func TestComplaintFiling(t *testing.T) {
	t.Parallel()
	e, cs := newComplaintEnv(t)
	ctx := context.Background()
	good := map[string]string{"category": "damaged", "description": "外箱<script>alert(1)</script>破损", "phone": "13800138000", "idem": "idem-token-0123456789abcdef"}

	// Before the last-4 check: back to the tracking page, saying why; a filing sent
	// without (or after the expiry of) the check comes back with what was typed, nothing filed.
	if status, loc, _ := e.send("GET", "/track/SD300000000001/complaint", nil, ""); status != 303 || loc != "/track/SD300000000001?need=complaint#v-SD300000000001" {
		t.Fatalf("unverified form = %d %q", status, loc)
	}
	if status, _, body := e.file(good, nil); status != 403 || !strings.Contains(body, "您的验证已过期") || !strings.Contains(body, "外箱&lt;script&gt;") || strings.Contains(body, "8613800138000") {
		t.Fatalf("unverified filing = %d\n%s", status, body)
	}
	e.verify()
	status, _, body := e.send("GET", "/track/SD300000000001/complaint", nil, "")
	if status != 200 || !strings.Contains(body, `name="idem"`) || !strings.Contains(body, "8613800138000") || strings.Count(body, "<option value=\"") != 10 {
		t.Fatalf("form = %d\n%s", status, body)
	}

	photo := pngBytes(t, 40)
	big := pngBytes(t, 1300) // > 5 MB of noise
	if len(big) <= 5<<20 {
		t.Fatalf("test photo only %d bytes", len(big))
	}
	tests := []struct {
		name     string
		fields   map[string]string
		files    []upload
		status   int
		contains []string
	}{
		{"no CSRF token", map[string]string{"_csrf": "nope", "category": "damaged"}, nil, 403, nil},
		{"missing fields keep what was typed", map[string]string{"category": "", "description": "", "phone": "12345", "idem": "idem-token-bad-0000000000"}, nil, 422,
			[]string{"请选择问题类型", "请填写有效的手机或电话号码", `value="12345"`}},
		{"four photos", good, []upload{{"a.png", photo}, {"b.png", photo}, {"c.png", photo}, {"d.png", photo}}, 422, []string{"最多上传 3 张照片", "外箱&lt;script&gt;"}},
		{"text named .jpg", good, []upload{{"evil.jpg", []byte("<html><script>alert(1)</script></html>")}}, 422, []string{"只接受 JPEG、PNG 或 WebP"}},
		{"photo over 5 MB", good, []upload{{"big.png", big}}, 422, []string{"每张照片不能超过 5 MB"}},
	}
	for _, tt := range tests {
		status, _, body := e.file(tt.fields, tt.files)
		if status != tt.status {
			t.Errorf("%s: %d, want %d\n%s", tt.name, status, tt.status, body)
		}
		for _, s := range tt.contains {
			if !strings.Contains(body, s) {
				t.Errorf("%s: body lacks %q", tt.name, s)
			}
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("%s: typed text shown as HTML", tt.name)
		}
	}
	if list, err := cs.ListByShipment(ctx, e.shipID); err != nil || len(list) != 0 {
		t.Fatalf("refused filings stored %d complaints (%v)", len(list), err)
	}

	// A double click: the same form twice files one complaint.
	var ref string
	for i := 0; i < 2; i++ {
		status, loc, body := e.file(good, []upload{{"box.png", photo}})
		m := filedRe.FindStringSubmatch(loc)
		if status != 303 || m == nil || (ref != "" && m[1] != ref) {
			t.Fatalf("filing %d = %d %q\n%s", i, status, loc, body)
		}
		ref = m[1]
	}
	list, err := cs.ListByShipment(ctx, e.shipID)
	if err != nil || len(list) != 1 {
		t.Fatalf("double submit stored %d complaints (%v)", len(list), err)
	}
	status, _, body = e.send("GET", "/complaint/"+ref+"/filed", nil, "")
	if status != 200 || !strings.Contains(body, ref) || !strings.Contains(body, `href="/complaint/`+ref+`"`) {
		t.Fatalf("filed page = %d\n%s", status, body)
	}
	status, _, body = e.send("GET", "/complaint/"+ref, nil, "")
	if status != 200 || !strings.Contains(body, "外箱&lt;script&gt;") || !strings.Contains(body, "/photos/") {
		t.Fatalf("progress page = %d\n%s", status, body)
	}
	photos, err := cs.PhotoList(ctx, list[0].ID)
	if err != nil || len(photos) != 1 {
		t.Fatalf("photos = %v, %v", photos, err)
	}
	status, _, got := e.send("GET", fmt.Sprintf("/complaint/%s/photos/%d", ref, photos[0].ID), nil, "")
	if status != 200 || got != string(photo) {
		t.Errorf("photo = %d, %d bytes; want the uploaded %d bytes", status, len(got), len(photo))
	}
	if status, _, _ := e.send("GET", fmt.Sprintf("/complaint/%s/photos/%d", ref, photos[0].ID+99), nil, ""); status != 404 {
		t.Errorf("unknown photo = %d, want 404", status)
	}
}

// fileDirect files a complaint through the store and returns it.
func fileDirect(t *testing.T, e *selfEnv, cs *complaints.Store, key string) *complaints.Complaint {
	t.Helper()
	cp, err := cs.File(context.Background(), complaints.Filing{ShipmentID: e.shipID, Category: complaints.Category("delayed"),
		Description: "三天没有动静", ContactPhone: "+8613900139000", IdempotencyKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func TestComplaintLookup(t *testing.T) {
	t.Parallel()
	e, cs := newComplaintEnv(t)
	cp := fileDirect(t, e, cs, "lookup-1")
	page := "/complaint/" + cp.Ref
	if status, loc, _ := e.send("GET", page, nil, ""); status != 303 || loc != "/complaint?ref="+url.QueryEscape(cp.Ref) {
		t.Fatalf("unverified progress page = %d %q", status, loc)
	}
	if status, _, _ := e.send("GET", page+"/photos/1", nil, ""); status != 403 {
		t.Errorf("unverified photo = %d, want 403", status)
	}
	if status, _, _ := e.send("POST", page+"/message", url.Values{"text": {"hi"}}, ""); status != 403 {
		t.Errorf("unverified message = %d, want 403", status)
	}
	if status, _, body := e.send("GET", "/complaint?ref="+cp.Ref, nil, ""); status != 200 || !strings.Contains(body, `value="`+cp.Ref+`"`) {
		t.Errorf("lookup form = %d", status)
	}
	wrong := url.Values{"ref": {strings.ToLower(cp.Ref)}, "last4": {"0000"}}
	unknown := url.Values{"ref": {"C2601-999999"}, "last4": {"9000"}}
	_, _, wrongBody := e.send("POST", "/complaint/lookup", wrong, "")
	_, _, unknownBody := e.send("POST", "/complaint/lookup", unknown, "")
	if !strings.Contains(wrongBody, "信息不匹配") || !strings.Contains(unknownBody, "信息不匹配") {
		t.Errorf("a wrong phone and an unknown reference must answer alike")
	}
	for i := 2; i <= 5; i++ {
		if status, _, _ := e.send("POST", "/complaint/lookup", wrong, ""); status != 422 {
			t.Fatalf("wrong answer %d = %d, want 422", i, status)
		}
	}
	right := url.Values{"ref": {cp.Ref}, "last4": {"9000"}}
	if status, _, _ := e.send("POST", "/complaint/lookup", right, ""); status != 429 {
		t.Fatalf("after 5 wrong answers = %d, want 429", status)
	}
	// Another complaint is not locked by the first one's wrong answers.
	other := fileDirect(t, e, cs, "lookup-2")
	status, loc, _ := e.send("POST", "/complaint/lookup", url.Values{"ref": {strings.ToLower(other.Ref)}, "last4": {"9000"}}, "")
	if status != 303 || loc != "/complaint/"+other.Ref {
		t.Fatalf("right answer = %d %q", status, loc)
	}
	status, _, body := e.send("GET", "/complaint/"+other.Ref, nil, "en")
	if status != 200 || !strings.Contains(body, "Expected resolution") || !strings.Contains(body, "三天没有动静") {
		t.Fatalf("progress page = %d\n%s", status, body)
	}
	if status, loc, _ := e.send("GET", page, nil, ""); status != 303 || !strings.HasPrefix(loc, "/complaint?ref=") {
		t.Errorf("access to one complaint opened another: %d %q", status, loc)
	}
}
