package notify

import (
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body string
		n    int
		ucs2 bool
	}{
		{strings.Repeat("a", 160), 1, false},
		{strings.Repeat("a", 161), 2, false},
		{strings.Repeat("a", 306), 2, false},
		{strings.Repeat("a", 307), 3, false},
		{strings.Repeat("€", 80), 1, false}, // extension chars count 2
		{strings.Repeat("€", 81), 2, false}, // 162 septets
		{strings.Repeat("中", 70), 1, true},
		{strings.Repeat("中", 71), 2, true},
		{strings.Repeat("中", 134), 2, true},
		{strings.Repeat("中", 135), 3, true},
		{strings.Repeat("😀", 35), 1, true}, // surrogate pairs: 2 code units each
		{strings.Repeat("😀", 36), 2, true},
	}
	for _, c := range cases {
		n, u := Segments(c.body)
		if n != c.n || u != c.ucs2 {
			t.Errorf("%d runes of %q: got %d %v, want %d %v", len([]rune(c.body)), []rune(c.body)[0], n, u, c.n, c.ucs2)
		}
	}
}

func TestRenderKeepsLinkWithinSegments(t *testing.T) {
	t.Parallel()
	link := "https://track.example.com/t/SD123456789"
	for _, max := range []int{1, 2, 3} {
		body, err := render(KindComplaintReply, "zh", "【顺达物流】", map[string]string{
			"ref": "C-1", "link": link, "text": strings.Repeat("您好我们已经处理", 60)}, max)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := Segments(body); n > max {
			t.Errorf("max %d: %d segments", max, n)
		}
		if !strings.HasSuffix(body, link) || !strings.Contains(body, "…") {
			t.Errorf("max %d: %q", max, body)
		}
	}
}
