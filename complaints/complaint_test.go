package complaints_test

import (
	"errors"
	"strings"
	"testing"

	"lcrm/complaints"
)

func TestLifecycle(t *testing.T) {
	t.Parallel()
	allowed := map[string]bool{
		"new>acknowledged": true, "new>in_progress": true, "new>resolved": true,
		"acknowledged>in_progress": true, "acknowledged>waiting_customer": true, "acknowledged>resolved": true,
		"in_progress>waiting_customer": true, "in_progress>resolved": true,
		"waiting_customer>in_progress": true, "waiting_customer>resolved": true,
		"resolved>closed": true, "resolved>reopened": true,
		"closed>reopened":      true,
		"reopened>in_progress": true, "reopened>waiting_customer": true, "reopened>resolved": true,
	}
	n := 0
	for _, from := range complaints.Statuses {
		for _, to := range complaints.Statuses {
			key := string(from) + ">" + string(to)
			if got := complaints.Can(from, to); got != allowed[key] {
				t.Errorf("Can(%s, %s) = %v, want %v", from, to, got, allowed[key])
			}
			n++
		}
	}
	if n != 49 {
		t.Fatalf("checked %d pairs, want 49", n)
	}
	if complaints.Can("bogus", complaints.StatusClosed) || complaints.Can(complaints.StatusNew, "bogus") {
		t.Error("unknown statuses must not move")
	}
}

func TestPriorityFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cat  complaints.Category
		tier string
		want complaints.Priority
	}{
		{complaints.Lost, "key", complaints.P1},
		{complaints.Lost, "regular", complaints.P2},
		{complaints.Lost, "small", complaints.P3},
		{complaints.NotReceivedButSigned, "key", complaints.P1},
		{complaints.Damaged, "regular", complaints.P2},
		{complaints.Delayed, "key", complaints.P2},
		{complaints.Delayed, "regular", complaints.P3},
		{complaints.CourierAttitude, "small", complaints.P4},
		{complaints.Billing, "regular", complaints.P4},
		{complaints.Billing, "small", complaints.P4}, // never below P4
		{complaints.Other, "key", complaints.P3},
		{"unknown", "regular", complaints.P4},
	} {
		if got := complaints.PriorityFor(tc.cat, tc.tier); got != tc.want {
			t.Errorf("PriorityFor(%s, %s) = %s, want %s", tc.cat, tc.tier, got, tc.want)
		}
	}
}

func TestCategories(t *testing.T) {
	t.Parallel()
	want := "delayed damaged lost not_received_but_signed courier_attitude wrong_address billing unconsented_locker other"
	var got []string
	for _, c := range complaints.Categories {
		got = append(got, string(c))
		if !c.Valid() {
			t.Errorf("%s not valid", c)
		}
	}
	if strings.Join(got, " ") != want {
		t.Errorf("Categories = %v", got)
	}
	if complaints.Category("nope").Valid() {
		t.Error("unknown category valid")
	}
}

// errIs is a helper for table tests expecting a sentinel error or none.
func errIs(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}
