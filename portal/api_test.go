package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func shipmentJSON(tn string) map[string]any {
	return map[string]any{
		"tracking_no": tn, "shipper": map[string]any{"code": "ACME", "name": "杭州云裳服饰有限公司", "tier": "key", "phone": "057188886666"},
		"consignee":     map[string]any{"name": "张小明", "phone": "138 0013 8000", "province": "北京市", "city": "北京", "district": "朝阳区", "street": "望京街10号"},
		"service_level": "express", "origin_city": "杭州", "weight_g": 1200, "declared_value_fen": 19900,
	}
}

func TestAPIAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, key string
		want      int
	}{
		{"no key", "", http.StatusUnauthorized},
		{"wrong key", "lcrm_nottherightkey", http.StatusUnauthorized},
		{"garbage", "Basic abc", http.StatusUnauthorized},
		{"good key", e.key, http.StatusNotFound},
	}
	for _, tt := range tests {
		var out apiErr
		if got := e.do("GET", "/api/v1/shipments/SD000000000001", tt.key, nil, &out); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
		if out.Error.Code == "" || out.Error.Message == "" {
			t.Errorf("%s: error body %+v lacks code/message", tt.name, out)
		}
	}
}

func TestAPICreateShipments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var one map[string]any
	if got := e.do("POST", "/api/v1/shipments", e.key, shipmentJSON("SD100000000001"), &one); got != http.StatusCreated || one["status"] != "created" {
		t.Fatalf("create one: %d %v", got, one)
	}
	if got := e.do("POST", "/api/v1/shipments", e.key, shipmentJSON("SD100000000001"), &one); got != http.StatusOK || one["status"] != "exists" {
		t.Fatalf("retry one: %d %v", got, one)
	}
	bad := shipmentJSON("bad")
	bad["weight_g"] = -5
	bad["promised_at"] = "tomorrow"
	var ae apiErr
	if got := e.do("POST", "/api/v1/shipments", e.key, bad, &ae); got != http.StatusUnprocessableEntity {
		t.Fatalf("invalid one: %d", got)
	}
	if len(ae.Error.Fields) == 0 || ae.Error.Fields[0].Field != "promised_at" {
		t.Errorf("invalid one fields = %+v", ae.Error.Fields)
	}
	var batch struct {
		Results []struct {
			Index  int
			Status string
			Errors []struct{ Field, Message string }
		}
		Created, Exists, Invalid int
	}
	items := []any{shipmentJSON("SD100000000002"), shipmentJSON("SD100000000001"), bad, shipmentJSON("SD100000000003")}
	if got := e.do("POST", "/api/v1/shipments", e.key, map[string]any{"shipments": items}, &batch); got != http.StatusOK {
		t.Fatalf("batch: %d", got)
	}
	if batch.Created != 2 || batch.Exists != 1 || batch.Invalid != 1 || batch.Results[2].Status != "invalid" || batch.Results[2].Index != 2 {
		t.Fatalf("batch = %+v", batch)
	}
	// Bad requests as a whole.
	tests := []struct {
		name string
		body any
		want int
	}{
		{"not an object", []int{1, 2}, http.StatusBadRequest},
		{"empty batch", map[string]any{"shipments": []any{}}, http.StatusRequestEntityTooLarge},
		{"too many", map[string]any{"shipments": make([]map[string]any, 1001)}, http.StatusRequestEntityTooLarge},
		{"wrong type", map[string]any{"shipments": "x"}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		var ae apiErr
		if got := e.do("POST", "/api/v1/shipments", e.key, tt.body, &ae); got != tt.want || ae.Error.Message == "" {
			t.Errorf("%s: %d %+v, want %d with a message", tt.name, got, ae, tt.want)
		}
	}
}

func TestAPIEventsAndTrack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do("POST", "/api/v1/shipments", e.key, shipmentJSON("SD100000000001"), nil)
	base := time.Now().Add(-30 * time.Hour).UTC()
	var evs []any
	for i, code := range []string{"picked_up", "in_transit", "out_for_delivery", "delivered"} {
		ev := map[string]any{"tracking_no": "sd100000000001", "event_id": fmt.Sprint("ev", i), "code": code,
			"occurred_at": base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339), "location": "北京朝阳区望京营业部"}
		if code == "delivered" {
			ev["signed_by"] = "张小明"
		}
		evs = append(evs, ev)
	}
	evs = append(evs, map[string]any{"tracking_no": "SD100000000001", "event_id": "x", "code": "in_transit", "occurred_at": "yesterday"})
	evs = append(evs, map[string]any{"tracking_no": "SD999999999999", "event_id": "y", "code": "in_transit", "occurred_at": base.Format(time.RFC3339)})
	var res struct{ Stored, Duplicate, Invalid, Unknown_tracking_no int }
	if got := e.do("POST", "/api/v1/events", e.key, map[string]any{"events": evs}, &res); got != 200 || res.Stored != 4 || res.Invalid != 1 || res.Unknown_tracking_no != 1 {
		t.Fatalf("events: %d %+v", got, res)
	}
	e.do("POST", "/api/v1/events", e.key, map[string]any{"events": evs}, &res)
	if res.Stored != 0 || res.Duplicate != 4 {
		t.Fatalf("replay: %+v", res)
	}
	// Public view: masked, no address, no key needed.
	var track map[string]any
	if got := e.do("GET", "/api/v1/track/sd100000000001", "", nil, &track); got != 200 {
		t.Fatalf("track: %d", got)
	}
	c := track["consignee"].(map[string]any)
	if c["name"] != "张*明" || c["phone"] != "138********" || track["status"] != "delivered" || track["signed_by"] != "张*明" {
		t.Errorf("track = %v", track)
	}
	if s := fmt.Sprint(track); strings.Contains(s, "望京街") || strings.Contains(s, "13800138000") || strings.Contains(s, "云裳") {
		t.Errorf("public track leaks personal data: %s", s)
	}
	if got := e.do("GET", "/api/v1/track/SD000000000404", "", nil, nil); got != 404 {
		t.Errorf("unknown number: %d", got)
	}
	if got := e.do("GET", "/api/v1/track/<script>", "", nil, nil); got != 404 {
		t.Errorf("malformed number: %d, want the same 404", got)
	}
	// Authenticated: full record.
	var full map[string]any
	e.do("GET", "/api/v1/shipments/SD100000000001", e.key, nil, &full)
	if full["consignee"].(map[string]any)["phone"] != "+8613800138000" || len(full["events"].([]any)) != 5 || full["signed_by"] != "张小明" {
		t.Errorf("full = %v", full)
	}
}

func TestAPIShipperKeyScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.do("POST", "/api/v1/shipments", e.key, shipmentJSON("SD100000000001"), nil)
	other, err := e.cus.CreateShipper(ctx, testShipper("OTHER"))
	if err != nil {
		t.Fatal(err)
	}
	key, _, _ := e.acc.CreateAPIKey(ctx, "other", other.ID)
	if got := e.do("GET", "/api/v1/shipments/SD100000000001", key, nil, nil); got != 404 {
		t.Errorf("other shipper's key sees a foreign shipment: %d", got)
	}
	// A shipment created with a shipper key belongs to that shipper whatever the body says.
	var one map[string]any
	e.do("POST", "/api/v1/shipments", key, shipmentJSON("SD100000000002"), &one)
	if got := e.do("GET", "/api/v1/shipments/SD100000000002", key, nil, &one); got != 200 || one["shipper"].(map[string]any)["code"] != "OTHER" {
		t.Errorf("own shipment: %d %v", got, one["shipper"])
	}
	if got := e.do("POST", "/api/v1/events", key, map[string]any{"events": []any{}}, nil); got != http.StatusForbidden {
		t.Errorf("shipper key posting events: %d, want 403", got)
	}
}

func TestAPIImportUpload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	csv := "tracking_no,shipper_code,shipper_name,origin_city,consignee_name,consignee_phone,city,weight_g\n" +
		"SD600000000001,ACME,Acme,杭州,张三,13800138000,北京,100\nSD600000000002,ACME,,杭州,李四,13900001111,上海,abc\n"
	upload := func(path, key string) (int, map[string]any) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "batch.csv")
		fw.Write([]byte(csv))
		mw.Close()
		req := httptest.NewRequest("POST", path, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := e.srv.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	code, out := upload("/api/v1/import/shipments", e.key)
	errs, _ := out["errors"].([]any)
	if code != 422 || out["committed"] != false || len(errs) != 1 || errs[0].(map[string]any)["row"] != float64(3) {
		t.Fatalf("all-or-nothing upload: %d %v", code, out)
	}
	code, out = upload("/api/v1/import/shipments?skip_invalid=true", e.key)
	if code != 200 || out["imported"] != float64(1) || out["invalid"] != float64(1) {
		t.Fatalf("skip-invalid upload: %d %v", code, out)
	}
	if code, _ := upload("/api/v1/import/parcels", e.key); code != 404 {
		t.Errorf("unknown kind: %d", code)
	}
}
