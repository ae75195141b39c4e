package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/internal/ratelimit"
)

// answersPerAddress bounds the wrong answers (a parcel's last 4 digits, a complaint's
// reference and last 4) one client address may give per hour, over every number together,
// so an attacker cannot spread guesses over many parcels either.
const answersPerAddress = 20

// TakeAnswer counts one answer before it is checked: against key (per number, perKey per
// hour) and against this client address. Over either limit it returns a 429 and the answer
// must not be checked at all. Counting first is what makes a burst safe: of 1,000
// simultaneous guesses only the first perKey are ever compared. A right answer is handed to
// rightAnswer, which takes it back, so only wrong answers are held against anyone.
func (s *Core) TakeAnswer(c *fiber.Ctx, key string, perKey int) (ratelimit.Attempt, error) {
	if s.deps.Limiter == nil {
		return ratelimit.Attempt{OK: true}, nil
	}
	a, err := s.deps.Limiter.Take(c.UserContext(),
		ratelimit.Rule{Key: key, Limit: perKey, Window: time.Hour},
		ratelimit.Rule{Key: "answers:" + ClientKey(c), Limit: answersPerAddress, Window: time.Hour})
	if err != nil {
		return a, err
	}
	if !a.OK {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(a.RetryAfter.Seconds())+1))
		return a, &Error{Status: fiber.StatusTooManyRequests, Code: "rate_limited", Message: "error.rate_limited"}
	}
	return a, nil
}

// RightAnswer takes back the count of an answer that was right.
func (s *Core) RightAnswer(c *fiber.Ctx, a ratelimit.Attempt) error {
	if s.deps.Limiter == nil {
		return nil
	}
	return s.deps.Limiter.Refund(c.UserContext(), a)
}
