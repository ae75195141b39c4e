package portal_test

// End-to-end helpers: the real portal served over HTTP on 127.0.0.1 and driven by Debian's
// headless Chromium through chromedp. One browser per test binary, a fresh tab (with its
// own cookies: an incognito-like browser context) per test. When a test fails, a
// screenshot of its page is saved and its path logged. Without /usr/bin/chromium the
// tests skip and say so.

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  string
)

// chromiumPath finds Debian's chromium (LCRM_CHROMIUM overrides).
func chromiumPath() string {
	if p := os.Getenv("LCRM_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// serveSite starts the env's portal on a random loopback port and returns its base URL.
func serveSite(t *testing.T, e *siteEnv) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.App.Listener(ln)
	t.Cleanup(func() { e.srv.Shutdown(2 * time.Second) })
	return "http://" + ln.Addr().String()
}

// newTab returns a browser tab for t, or skips t when Chromium is not installed.
func newTab(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end browser test (not in -short)")
	}
	path := chromiumPath()
	if path == "" {
		t.Skip("chromium is not installed (apt-get install chromium): skipping the browser test")
	}
	browserOnce.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
			chromedp.WindowSize(1200, 900))
		alloc, _ := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, _ := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil { // start the browser now, without a deadline
			browserErr = err.Error()
			return
		}
		browserCtx = ctx
	})
	if browserCtx == nil {
		t.Fatalf("chromium did not start: %s", browserErr)
	}
	tab, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	// Create the tab now without a deadline: a deadline on a tab's first run would close
	// the tab when it expires, and every later step derives its own deadline from tab.
	if err := chromedp.Do(tab); err != nil {
		cancel()
		t.Fatalf("open a browser tab: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			shot := filepath.Join(artifactDir(), strings.ReplaceAll(t.Name(), "/", "_")+".png")
			sctx, c := context.WithTimeout(tab, 5*time.Second)
			if png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)); err == nil && os.WriteFile(shot, png, 0o644) == nil {
				t.Logf("screenshot of the failing page: %s", shot)
			}
			c()
		}
		cancel()
	})
	return tab
}

// artifactDir is where failure screenshots go (LCRM_E2E_ARTIFACTS, default a temp folder).
func artifactDir() string {
	dir := os.Getenv("LCRM_E2E_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "lcrm-e2e")
	}
	os.MkdirAll(dir, 0o755)
	return dir
}

// step runs browser actions with a deadline, failing the test with what was attempted.
func step(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text returns the visible text of the first element matching sel.
func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}
