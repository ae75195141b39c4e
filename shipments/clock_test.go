package shipments_test

import (
	"context"
	"testing"
	"time"

	"lcrm/internal/clock"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// "Late only" is judged by the store's clock, not the database's: with the clock set years
// from the wall clock, an undelivered parcel is late once the clock passes its promise.
// Were SQL now() mixed in, a parcel promised in 2022 would be late at any clock.
func TestLateOnlyFollowsTheStoreClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := shipments.NewStore(testdb.New(t))
	for _, c := range []struct {
		name  string
		start time.Time // the clock when the parcel is created (express: promised 24h later)
		tn    string
	}{
		{"years ago", time.Date(2022, 6, 1, 9, 0, 0, 0, time.UTC), "SD200000000001"},
		{"a year ahead", time.Now().AddDate(1, 0, 0).Truncate(time.Second), "SD200000000002"},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := clock.NewManual(c.start)
			st.Now = clk.Now
			res, err := st.CreateShipments(ctx, []shipments.NewShipment{newShipment(c.tn, "13800138000")})
			if err != nil || res[0].Status != shipments.ResultCreated {
				t.Fatalf("create: %+v, %v", res, err)
			}
			s, err := st.Get(ctx, c.tn)
			if err != nil {
				t.Fatal(err)
			}
			for _, step := range []struct {
				at   time.Duration // after creation
				late bool
			}{{time.Hour, false}, {23 * time.Hour, false}, {25 * time.Hour, true}, {30 * 24 * time.Hour, true}} {
				clk.Set(c.start.Add(step.at))
				rows, err := st.ListForShipper(ctx, s.ShipperID, shipments.ListFilter{Query: c.tn, LateOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				if got := len(rows) == 1; got != step.late {
					t.Errorf("%v after creation: late = %v, want %v", step.at, got, step.late)
				}
			}
		})
	}
}
