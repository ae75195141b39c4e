package audit_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"lcrm/audit"
	"lcrm/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestRecordAndList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	for i, e := range []audit.Entry{
		{Actor: "system", Action: "complaint.close", Object: "complaint", ObjectID: 7, At: t0},
		{Actor: "王芳", Action: "complaint.priority", Object: "complaint", ObjectID: 7,
			Before: map[string]string{"priority": "P3"}, After: map[string]string{"priority": "P1"}, At: t0.Add(time.Minute)},
		{Actor: "王芳", Action: "canned.save", Object: "canned_reply", ObjectID: 1, After: "x", At: t0.Add(2 * time.Minute)},
	} {
		if err := audit.Record(ctx, pool, e); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if err := audit.Record(ctx, pool, audit.Entry{Action: "x", Object: "y", Before: func() {}}); err == nil {
		t.Error("unencodable value recorded")
	}
	for _, tc := range []struct {
		name string
		f    audit.Filter
		want []string
	}{
		{"all, newest first", audit.Filter{}, []string{"canned.save", "complaint.priority", "complaint.close"}},
		{"one object", audit.Filter{Object: "complaint", ObjectID: 7}, []string{"complaint.priority", "complaint.close"}},
		{"by action", audit.Filter{Action: "complaint.close"}, []string{"complaint.close"}},
		{"time window", audit.Filter{Since: t0.Add(time.Minute), Until: t0.Add(2 * time.Minute)}, []string{"complaint.priority"}},
		{"limit", audit.Filter{Limit: 1}, []string{"canned.save"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := audit.List(ctx, pool, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range got {
				actions = append(actions, e.Action)
			}
			if len(actions) != len(tc.want) {
				t.Fatalf("actions = %v, want %v", actions, tc.want)
			}
			for i := range actions {
				if actions[i] != tc.want[i] {
					t.Fatalf("actions = %v, want %v", actions, tc.want)
				}
			}
		})
	}
	got, _ := audit.List(ctx, pool, audit.Filter{Action: "complaint.priority"})
	var after map[string]string
	if len(got) != 1 || json.Unmarshal(got[0].After.(json.RawMessage), &after) != nil || after["priority"] != "P1" || got[0].ActorID != 0 {
		t.Errorf("entry = %+v", got)
	}
}

// TestPagingWithTies pages through entries that share one instant (as entries recorded
// in one transaction do) with the (at, id) cursor: every entry is seen exactly once.
func TestPagingWithTies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	at := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	for i := range 7 {
		e := audit.Entry{Actor: "system", Action: "complaint.assign", Object: "complaint", ObjectID: int64(i + 1), At: at}
		if i == 6 {
			e.At = at.Add(-time.Second)
		}
		if err := audit.Record(ctx, pool, e); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[int64]int{}
	f := audit.Filter{Limit: 3}
	for pages := 0; pages < 10; pages++ {
		list, err := audit.List(ctx, pool, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			seen[e.ObjectID]++
		}
		if len(list) < f.Limit {
			break
		}
		last := list[len(list)-1]
		f.Until, f.BeforeID = last.At, last.ID
	}
	if len(seen) != 7 {
		t.Errorf("saw %d distinct entries, want 7: %v", len(seen), seen)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("entry %d seen %d times", id, n)
		}
	}
	// Without the id, the time cursor alone skips the entries sharing the boundary.
	list, err := audit.List(ctx, pool, audit.Filter{Until: at})
	if err != nil || len(list) != 1 {
		t.Errorf("time-only cursor = %d entries, %v; want only the earlier one", len(list), err)
	}
}
