package reports

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestPercentile checks the selection-based percentile against percentile_cont's
// definition computed on a sorted copy, on inputs with and without ties.
func TestPercentile(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name string
		vals func(n int) []float64
	}{
		{"distinct", func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = r.Float64() * 86400
			}
			return v
		}},
		{"many ties", func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(r.IntN(5) * 600)
			}
			return v
		}},
		{"sorted", func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(i) * 1.5
			}
			return v
		}},
		{"reversed", func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(n-i) * 7
			}
			return v
		}},
	}
	for _, c := range cases {
		for _, n := range []int{1, 2, 3, 10, 11, 1000, 4097} {
			for _, q := range []float64{0, 0.5, 0.9, 1} {
				v := c.vals(n)
				sorted := slices.Clone(v)
				slices.Sort(sorted)
				pos := q * float64(n-1)
				lo := int(pos)
				hi := min(lo+1, n-1)
				x := sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
				want := time.Duration(x * float64(time.Second)).Round(time.Second)
				if got := percentile(v, q); *got != want {
					t.Errorf("%s n=%d q=%v: %v, want %v", c.name, n, q, *got, want)
				}
			}
		}
	}
}
