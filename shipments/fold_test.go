package shipments

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// stored is the row RecordEvents keeps for d.
func stored(d Derived) current {
	return current{status: string(d.Status), picked: d.PickedUpAt, arrived: d.ArrivedAtStationAt, out: d.OutForDeliveryAt,
		delivered: d.DeliveredAt, signedAt: d.DeliveredAt, signedBy: d.SignedBy, pod: d.PODURL, last: d.LastEventAt}
}

// Folding batches of events onto the stored row, one batch after another, gives Derive of
// all the events whenever fold says it can; when it cannot, the row is derived from all
// events (as deriveSQL does) and folding goes on from there. Random journeys over few
// instants and few ids, so ties of time, rank and id are common.
func TestFoldIsDerive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	keys := []string{"a", "B", "b", "Z", "é", "1", "a1"}
	folded, fellBack := 0, 0
	for run := 0; run < 20000; run++ {
		all := []Event{{Key: "lcrm:created", Code: Created, OccurredAt: t0}}
		n := 1 + r.IntN(7)
		used := map[string]bool{}
		for len(all) < n+1 {
			k := keys[r.IntN(len(keys))] + fmt.Sprint(r.IntN(2))
			if used[k] {
				continue
			}
			used[k] = true
			e := Event{Key: k, Code: Codes[1+r.IntN(len(Codes)-1)], OccurredAt: t0.Add(time.Duration(r.IntN(4)) * time.Hour)}
			if e.Code == Delivered {
				e.SignedBy, e.PODURL = "s"+k, "p"+k
			}
			all = append(all, e)
		}
		// The created event alone, then the rest in random batches.
		c := stored(Derive(all[:1]))
		for i := 1; i < len(all); {
			j := i + 1 + r.IntN(len(all)-i)
			want := Derive(all[:j])
			d, ok := c.fold(all[i:j])
			if ok {
				folded++
				if d.StatusEvent != "" && (d.StatusEvent != want.StatusEvent || !d.StatusAt.Equal(*want.StatusAt)) {
					t.Fatalf("%v + %v: status set by %q, Derive says %q", all[:i], all[i:j], d.StatusEvent, want.StatusEvent)
				}
				if d.StatusEvent == "" && d.Status != Code(c.status) {
					t.Fatalf("%v + %v: status changed to %s with no event", all[:i], all[i:j], d.Status)
				}
				d.StatusEvent, d.StatusAt = want.StatusEvent, want.StatusAt
				if !reflect.DeepEqual(d, want) {
					t.Fatalf("%v + %v:\nfold   %+v\nDerive %+v", all[:i], all[i:j], d, want)
				}
			} else {
				fellBack++
			}
			c, i = stored(want), j
		}
	}
	// Most batches fold; the rest (a return's time, same-instant deliveries) fall back.
	if folded < 4*fellBack {
		t.Errorf("folded %d batches, fell back on %d", folded, fellBack)
	}
	t.Logf("folded %d batches, fell back on %d", folded, fellBack)
}
