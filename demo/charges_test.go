package demo_test

import (
	"context"
	"testing"

	"lcrm/internal/testdb"
)

// TestDemoCharges: the demo's charges look like a real book of business: freight grows
// with weight and is dearer by express, key shippers pay less per parcel than small ones
// on the same lane and service, most costed parcels make money but some shippers lose it,
// one shipper has no charges at all, and the last three days are not costed yet.
func TestDemoCharges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	load(t, pool, 3, 3000)
	var (
		profitable, costed, uncharged, recentCosted, losers, shippers int64
		expressDearer, heavierDearer, keyCheaper                      bool
	)
	err := pool.QueryRow(ctx, `
WITH s AS (SELECT s.*, sh.tier FROM shipments s JOIN shippers sh ON sh.id = s.shipper_id),
lane AS (SELECT tier, avg(freight_fen) AS f FROM s WHERE service_level = 'standard' AND weight_g <= 1000
         AND origin_city = '杭州市' GROUP BY tier),
per AS (SELECT shipper_id, sum(freight_fen + COALESCE(surcharge_fen, 0)) AS rev, sum(cost_fen) AS cost
        FROM s WHERE cost_fen IS NOT NULL GROUP BY 1)
SELECT (SELECT count(*) FROM s WHERE cost_fen < freight_fen),
       (SELECT count(*) FROM s WHERE cost_fen IS NOT NULL),
       (SELECT count(DISTINCT shipper_id) FROM s WHERE freight_fen IS NULL),
       (SELECT count(*) FROM s WHERE cost_fen IS NOT NULL AND created_at > $1::timestamptz - interval '3 days'),
       (SELECT count(*) FROM per WHERE cost > rev),
       (SELECT count(*) FROM per),
       (SELECT avg(freight_fen) FILTER (WHERE service_level = 'express') > avg(freight_fen) FILTER (WHERE service_level = 'standard') FROM s),
       (SELECT avg(freight_fen) FILTER (WHERE weight_g > 3000) > 2 * avg(freight_fen) FILTER (WHERE weight_g <= 1000) FROM s WHERE service_level = 'standard'),
       COALESCE((SELECT (SELECT f FROM lane WHERE tier = 'key') < (SELECT f FROM lane WHERE tier = 'small')), true)`, now).
		Scan(&profitable, &costed, &uncharged, &recentCosted, &losers, &shippers, &expressDearer, &heavierDearer, &keyCheaper)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("profitable %d of %d costed, %d uncharged shippers, %d of %d shippers lose money", profitable, costed, uncharged, losers, shippers)
	if share := float64(profitable) / float64(costed); share < 0.6 || share > 0.98 {
		t.Errorf("profitable share %.2f, want most but not all", share)
	}
	if uncharged != 1 || recentCosted != 0 {
		t.Errorf("uncharged shippers %d (want 1), costed in the last 3 days %d (want 0)", uncharged, recentCosted)
	}
	if losers == 0 || losers*3 > shippers {
		t.Errorf("%d of %d shippers lose money, want some but few", losers, shippers)
	}
	if !expressDearer || !heavierDearer || !keyCheaper {
		t.Errorf("express dearer %v, heavy dearer %v, key cheaper %v", expressDearer, heavierDearer, keyCheaper)
	}
}
