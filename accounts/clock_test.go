package accounts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lcrm/accounts"
	lclock "lcrm/internal/clock"
	"lcrm/internal/testdb"
)

// Sessions live and die by the store's clock alone: with the clock set far from the wall
// clock (SQL now()), a session's idle and absolute ends are the clock's. Were SQL now()
// mixed in, a session started "eight days ago" would still be alive.
func TestSessionsFollowTheStoreClock(t *testing.T) {
	t.Parallel()
	st := accounts.NewStore(testdb.New(t))
	ctx := context.Background()
	u, err := st.CreateUser(ctx, accounts.NewUser{Email: "clock@x.test", Password: "the right password", Role: accounts.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Now()
	var every6h []time.Duration // 27 reads 6 hours apart: 162 hours, alive throughout
	for range 27 {
		every6h = append(every6h, 6*time.Hour)
	}
	for _, c := range []struct {
		name  string
		start time.Time       // the clock when the session starts
		steps []time.Duration // the clock moves by each, then the session is read
		alive bool            // after the last step
	}{
		{"read at once, years ago", wall.AddDate(-3, 0, 0), []time.Duration{0}, true},
		{"read at once, years ahead", wall.AddDate(3, 0, 0), []time.Duration{0}, true},
		{"within idle", wall, []time.Duration{accounts.SessionIdle - time.Minute}, true},
		{"idle too long", wall, []time.Duration{accounts.SessionIdle + time.Minute}, false},
		{"idle too long, long ago", wall.AddDate(0, -2, 0), []time.Duration{accounts.SessionIdle + time.Minute}, false},
		{"kept alive past SessionMax", wall, append(every6h, 7*time.Hour), false}, // 169 hours, never idle 12
		{"eight days later", wall, []time.Duration{8 * 24 * time.Hour}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := lclock.NewManual(c.start)
			st.Now = clk.Now
			id, err := st.StartSession(ctx, u.ID, "203.0.113.9", "test")
			if err != nil {
				t.Fatal(err)
			}
			var got error
			for i, d := range c.steps {
				clk.Add(d)
				_, got = st.SessionUser(ctx, id)
				if i < len(c.steps)-1 && got != nil {
					t.Fatalf("step %d (%v after start): %v", i, clk.Now().Sub(c.start), got)
				}
			}
			if c.alive && got != nil {
				t.Fatalf("session dead at %v after start: %v", clk.Now().Sub(c.start), got)
			}
			if !c.alive && !errors.Is(got, accounts.ErrNoSession) {
				t.Fatalf("session alive at %v after start (err %v)", clk.Now().Sub(c.start), got)
			}
		})
	}
}

// An API key's last use is the store clock's instant, written at most once a minute of
// that clock.
func TestAPIKeyLastUseFollowsTheStoreClock(t *testing.T) {
	t.Parallel()
	st := accounts.NewStore(testdb.New(t))
	ctx := context.Background()
	past := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	clk := lclock.NewManual(past)
	st.Now = clk.Now
	key, _, err := st.CreateAPIKey(ctx, "warehouse", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		move time.Duration
		want time.Time
	}{
		{0, past},                // first use: stamped
		{30 * time.Second, past}, // within the minute: kept
		{31 * time.Second, past.Add(61 * time.Second)}, // past it: stamped again
	} {
		clk.Add(c.move)
		k, err := st.Authenticate(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if k.LastUsedAt == nil || !k.LastUsedAt.Equal(c.want) {
			t.Fatalf("at %v: last used %v, want %v", clk.Now(), k.LastUsedAt, c.want)
		}
	}
}
