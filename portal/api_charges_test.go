package portal_test

import (
	"context"
	"net/http"
	"testing"
)

// TestAPICharges: charges go in with POST /api/v1/shipments (optional; absent is not
// known), a negative or too large one is a 422 naming the field, and GET shows freight
// and surcharge to every key but our cost only to staff keys.
func TestAPICharges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	cases := []struct {
		name    string
		charges map[string]any
		want    int
		field   string
	}{
		{"all three", map[string]any{"freight_fen": 1850, "surcharge_fen": 200, "cost_fen": 1100}, http.StatusCreated, ""},
		{"none", nil, http.StatusCreated, ""},
		{"negative freight", map[string]any{"freight_fen": -1}, http.StatusUnprocessableEntity, "freight_fen"},
		{"cost too big", map[string]any{"cost_fen": 1_000_000_001}, http.StatusUnprocessableEntity, "cost_fen"},
		{"surcharge not a number", map[string]any{"surcharge_fen": "12"}, http.StatusBadRequest, "surcharge_fen"},
	}
	nos := []string{"SD100000000011", "SD100000000012", "SD100000000013", "SD100000000014", "SD100000000015"}
	for i, c := range cases {
		body := shipmentJSON(nos[i])
		for k, v := range c.charges {
			body[k] = v
		}
		var ae apiErr
		got := e.do("POST", "/api/v1/shipments", e.key, body, &ae)
		if got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
			continue
		}
		if c.field != "" && (len(ae.Error.Fields) == 0 || ae.Error.Fields[0].Field != c.field || ae.Error.Fields[0].Message == "") {
			t.Errorf("%s: fields %+v, want %s with a message", c.name, ae.Error.Fields, c.field)
		}
	}
	var staff map[string]any
	if got := e.do("GET", "/api/v1/shipments/"+nos[0], e.key, nil, &staff); got != 200 ||
		staff["freight_fen"] != 1850.0 || staff["surcharge_fen"] != 200.0 || staff["cost_fen"] != 1100.0 {
		t.Errorf("staff GET: %d freight %v surcharge %v cost %v", got, staff["freight_fen"], staff["surcharge_fen"], staff["cost_fen"])
	}
	var none map[string]any
	e.do("GET", "/api/v1/shipments/"+nos[1], e.key, nil, &none)
	if v, ok := none["freight_fen"]; !ok || v != nil {
		t.Errorf("no charges: freight_fen = %v (present %v), want null", v, ok)
	}
	if v, ok := none["cost_fen"]; !ok || v != nil {
		t.Errorf("no charges: cost_fen = %v (present %v), want null for a staff key", v, ok)
	}
	sh, err := e.cus.ShipperByCode(ctx, "ACME")
	if err != nil {
		t.Fatal(err)
	}
	key, _, _ := e.acc.CreateAPIKey(ctx, "acme", sh.ID)
	var own map[string]any
	if got := e.do("GET", "/api/v1/shipments/"+nos[0], key, nil, &own); got != 200 || own["freight_fen"] != 1850.0 {
		t.Errorf("shipper GET: %d freight %v", got, own["freight_fen"])
	}
	if _, ok := own["cost_fen"]; ok {
		t.Errorf("a shipper's key sees our cost: %v", own["cost_fen"])
	}
	var track map[string]any
	e.do("GET", "/api/v1/track/"+nos[0], "", nil, &track)
	if _, ok := track["freight_fen"]; ok {
		t.Error("the public track view shows charges")
	}
}
