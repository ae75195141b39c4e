package portal_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// servePublic starts the env's portal on a random loopback port and returns its base URL.
func servePublic(t *testing.T, e *publicEnv) string {
	return serveSite(t, &siteEnv{env: &env{t: t, srv: e.srv}})
}

// evalAwait runs a script in the page, awaiting a promise, and returns its result.
func evalAwait[T any](t *testing.T, tab context.Context, js string) T {
	t.Helper()
	return kpiEval[T](t, tab, js, chromedp.EvalAwaitPromise)
}

// The public tracking page as a visitor sees it in Chromium: a late delivery's apology, a
// returned parcel's bar, the newest event on top, and the favicon.
func TestE2EPublicParcelStates(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newPublicEnv(t)
	base := servePublic(t, e)

	step(t, tab, "late delivery", chromedp.Navigate(base+"/track/PL100000000001?lang=zh"), chromedp.WaitVisible(chromedp.CSS(".delivered-late")))
	if got := text(t, tab, ".delivered-late"); !strings.Contains(got, "比承诺时间晚了 1 天 4 小时") || !strings.Contains(got, "可以提交投诉或评价这次配送") {
		t.Errorf("late delivery says %q", got)
	}
	if got := text(t, tab, "article.parcel"); strings.Contains(got, "加紧处理") {
		t.Errorf("delivered parcel still says we are working on it: %q", got)
	}
	// The newest event is first and stands out.
	first := evalAwait[string](t, tab, `(() => { const li = document.querySelector(".timeline li");
		return li.className + "|" + li.innerText + "|" + getComputedStyle(li).borderLeftColor })()`)
	parts := strings.SplitN(first, "|", 3)
	if len(parts) != 3 || parts[0] != "latest" || !strings.Contains(parts[1], "已签收") || parts[2] != "rgb(11, 92, 173)" {
		t.Errorf("first timeline entry = %q", first)
	}
	if n := evalAwait[int](t, tab, `document.querySelectorAll(".timeline li.latest").length`); n != 1 {
		t.Errorf("%d entries marked newest", n)
	}
	// The favicon the page links is served as SVG.
	if got := evalAwait[string](t, tab, `fetch(document.querySelector('link[rel="icon"]').href).then(r => r.status + " " + r.headers.get("content-type"))`); !strings.HasPrefix(got, "200 image/svg+xml") {
		t.Errorf("favicon fetch = %q", got)
	}

	step(t, tab, "returned parcel", chromedp.Navigate(base+"/track/PL100000000002"), chromedp.WaitVisible(chromedp.CSS(".steps")))
	last := evalAwait[string](t, tab, `(() => { const li = document.querySelector(".steps li:last-child");
		return li.innerText + "|" + li.className + "|" + getComputedStyle(li).backgroundColor })()`)
	if last != "退回|done returned|rgb(156, 42, 31)" {
		t.Errorf("returned bar ends in %q", last)
	}
	if got := text(t, tab, ".steps"); strings.Contains(got, "签收") {
		t.Errorf("returned bar = %q", got)
	}
}

// Typing 21 numbers on the home page: 20 are searched, the 21st is named in a notice, and a
// summary list comes first.
func TestE2EPublic21Numbers(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newPublicEnv(t)
	base := servePublic(t, e)
	var nums []string
	for i := 1; i <= 21; i++ {
		nums = append(nums, fmt.Sprintf("PL1000000000%02d", i))
	}
	step(t, tab, "search 21 numbers",
		chromedp.Navigate(base+"/?lang=zh"),
		chromedp.SendKeys(chromedp.CSS("#q"), strings.Join(nums, "\n")),
		chromedp.Click(chromedp.CSS(`.search button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#track-over")))
	if got := text(t, tab, "#track-over"); !strings.Contains(got, "一次最多查询 20 个运单号") || !strings.Contains(got, "PL100000000021") {
		t.Errorf("notice = %q", got)
	}
	if n := evalAwait[int](t, tab, `document.querySelectorAll("article.parcel").length`); n != 20 {
		t.Errorf("%d parcels shown, want 20", n)
	}
	// The summary comes before the first parcel and links to it.
	order := evalAwait[bool](t, tab, `!!(document.querySelector(".summary").compareDocumentPosition(document.querySelector("article.parcel")) & Node.DOCUMENT_POSITION_FOLLOWING)`)
	if !order {
		t.Error("the summary list is not above the parcels")
	}
	if got := text(t, tab, ".summary-list tbody"); !strings.Contains(got, "已延误") || !strings.Contains(got, "已退回") || strings.Contains(got, "李") {
		t.Errorf("summary = %q", got)
	}
}

// The search buttons stay on one line at 360 px, in both languages: the button is no
// taller than one line of its text plus its padding ("查/询" on two lines would double it).
func TestE2EPublicSearchButtonAt360(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newPublicEnv(t)
	base := servePublic(t, e)
	step(t, tab, "phone width", chromedp.EmulateViewport(360, 740))
	for _, c := range []struct{ path, button string }{
		{"/track?lang=zh&q=PL100000000001+PL100000000002", ".again button"},
		{"/?lang=zh", ".search button"},
		{"/track?lang=en&q=PL100000000001+PL100000000002", ".again button"},
		{"/track/PL100000000001?lang=zh", "form.verify button"},
	} {
		step(t, tab, "open "+c.path, chromedp.Navigate(base+c.path), chromedp.WaitVisible(chromedp.CSS(c.button)))
		got := evalAwait[string](t, tab, `(() => { const b = document.querySelector(`+"`"+c.button+"`"+`), s = getComputedStyle(b);
			const lh = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.5;
			const inner = b.getBoundingClientRect().height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
			return inner.toFixed(1) + " " + lh.toFixed(1) + " " + document.documentElement.scrollWidth + " " + b.innerText })()`)
		var inner, lh float64
		var width int
		var label string
		fmt.Sscanf(got, "%f %f %d %s", &inner, &lh, &width, &label)
		if lh == 0 || inner > lh*1.2 {
			t.Errorf("%s: %q is %.1f px tall inside, one line is %.1f px: it wraps", c.path, label, inner, lh)
		}
		if width > 360 {
			t.Errorf("%s: page is %d px wide at 360 px", c.path, width)
		}
	}
	if png, err := chromedp.Run(tab, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(artifactDir(), "public-track-360px.png"), png, 0o644)
	}
}
