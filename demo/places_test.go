package demo

import (
	"strings"
	"testing"

	"lcrm/shipments"
)

// Every city of the demo's places list, and every shipper's home city, has an English
// name, so the English tracking page never shows one in Chinese.
func TestCitiesHaveEnglishNames(t *testing.T) {
	t.Parallel()
	n := 0
	for _, p := range provinces {
		for _, c := range p.cities {
			n++
			if !shipments.KnownCity(c.name) {
				t.Errorf("city %s (%s) has no English name in shipments.PlaceEN", c.name, p.name)
			}
		}
	}
	for _, sh := range shipperList {
		if city := strings.Split(sh, "|")[1]; !shipments.KnownCity(city) {
			t.Errorf("shipper home city %s has no English name", city)
		}
	}
	if n < 30 {
		t.Fatalf("only %d cities read from the places list", n)
	}
}
