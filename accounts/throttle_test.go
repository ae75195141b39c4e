package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"lcrm/accounts"
	"lcrm/internal/testdb"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }

func newThrottled(t *testing.T) (*accounts.Store, *clock, *accounts.User) {
	t.Helper()
	st := accounts.NewStore(testdb.New(t))
	clk := &clock{t: time.Date(2026, 12, 1, 9, 1, 0, 0, time.UTC)}
	st.Now = clk.now
	u, err := st.CreateUser(context.Background(), accounts.NewUser{Email: "boss@x.test", Password: "the right password", Role: accounts.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	return st, clk, u
}

// After five wrong passwords from one address, that address waits 1, 2, 4 ... minutes
// between attempts (at most an hour); the password is not checked while it waits; a
// success starts afresh.
func TestLoginGrowingDelays(t *testing.T) {
	t.Parallel()
	st, clk, _ := newThrottled(t)
	ctx := context.Background()
	const a = "203.0.113.1"
	try := func(pw string) error { _, err := st.LoginFrom(ctx, "boss@x.test", pw, a); return err }
	for i := 0; i < accounts.MaxFailures; i++ {
		if err := try("wrong"); !errors.Is(err, accounts.ErrBadLogin) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	steps := []struct {
		wait time.Duration
		pw   string
		want error
	}{
		{0, "the right password", accounts.ErrLocked},
		{59 * time.Second, "the right password", accounts.ErrLocked},
		{2 * time.Second, "wrong", accounts.ErrBadLogin}, // 1 min passed: one attempt
		{time.Second, "the right password", accounts.ErrLocked},
		{119 * time.Second, "wrong", accounts.ErrBadLogin}, // 2 min passed
		{3 * time.Minute, "the right password", accounts.ErrLocked},
		{61 * time.Second, "the right password", nil}, // 4 min passed: in
		{0, "wrong", accounts.ErrBadLogin},            // afresh: five more tries
	}
	for i, s := range steps {
		clk.add(s.wait)
		checks := st.PasswordChecks()
		err := try(s.pw)
		if s.want == nil && err != nil || s.want != nil && !errors.Is(err, s.want) {
			t.Fatalf("step %d (+%s, %q): %v, want %v", i, s.wait, s.pw, err, s.want)
		}
		if errors.Is(err, accounts.ErrLocked) && st.PasswordChecks() != checks {
			t.Errorf("step %d: a locked attempt checked the password", i)
		}
	}
	// The delay stops growing at an hour.
	for i := 0; i < 20; i++ {
		clk.add(2 * time.Hour)
		try("wrong")
	}
	clk.add(time.Hour - time.Second)
	var locked *accounts.LockedError
	if err := try("wrong"); !errors.As(err, &locked) || locked.Retry > time.Second {
		t.Errorf("after many failures: %v, want at most an hour's wait", err)
	}
	// A day later the count starts afresh: four wrong passwords go through unblocked.
	clk.add(accounts.PairForget + time.Second)
	for i := 0; i < accounts.MaxFailures-1; i++ {
		if err := try("wrong"); !errors.Is(err, accounts.ErrBadLogin) {
			t.Fatalf("a day later, failure %d: %v", i+1, err)
		}
	}
}

// Many addresses together: past AccountFailuresPerHour the account allows one check per
// AccountSlowEvery to new addresses, while an address the owner logged in from before is
// not slowed down.
func TestLoginAccountWideSlowdown(t *testing.T) {
	t.Parallel()
	st, clk, _ := newThrottled(t)
	ctx := context.Background()
	const home = "192.0.2.10"
	if _, err := st.LoginFrom(ctx, "boss@x.test", "the right password", home); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < accounts.AccountFailuresPerHour; i++ {
		if _, err := st.LoginFrom(ctx, "boss@x.test", "guess", fmt.Sprintf("198.18.%d.%d", i/200, i%200)); !errors.Is(err, accounts.ErrBadLogin) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := st.LoginFrom(ctx, "boss@x.test", "guess", "198.19.0.1"); !errors.Is(err, accounts.ErrBadLogin) {
		t.Fatalf("first attempt past the cap: %v, want a check", err)
	}
	checks := st.PasswordChecks()
	var locked *accounts.LockedError
	if _, err := st.LoginFrom(ctx, "boss@x.test", "the right password", "198.19.0.2"); !errors.As(err, &locked) || locked.Scope != accounts.ScopeAccount {
		t.Fatalf("second new address within %s: %v, want locked", accounts.AccountSlowEvery, err)
	}
	if st.PasswordChecks() != checks {
		t.Error("the slowed attempt checked the password")
	}
	if _, err := st.LoginFrom(ctx, "boss@x.test", "the right password", home); err != nil {
		t.Errorf("the owner's known address: %v, want in", err)
	}
	clk.add(accounts.AccountSlowEvery)
	if _, err := st.LoginFrom(ctx, "boss@x.test", "the right password", "198.19.0.2"); err != nil {
		t.Errorf("new address after %s: %v, want in", accounts.AccountSlowEvery, err)
	}
}
