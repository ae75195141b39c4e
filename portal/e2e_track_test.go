package portal_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"lcrm/shipments"
)

func TestE2ELookupSeveralNumbers(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newSiteEnv(t)
	base := serveSite(t, e)
	step(t, tab, "search several numbers",
		chromedp.Navigate(base+"/?lang=zh"),
		chromedp.SendKeys(chromedp.CSS("#q"), "sd100000000001\nSD100000000002, SD999999999999"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#p-SD999999999999")))
	if got := text(t, tab, "#p-SD100000000001 .badge"); got != "已下单" {
		t.Errorf("status badge = %q", got)
	}
	if got := text(t, tab, "#p-SD999999999999"); !strings.Contains(got, "未找到") {
		t.Errorf("unknown number shows %q", got)
	}
	if got := text(t, tab, "#p-SD100000000002 .facts"); !strings.Contains(got, "张*明") || strings.Contains(got, "望京") {
		t.Errorf("unverified facts = %q", got)
	}
}

func TestE2EVerifyWithLastFourDigits(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newSiteEnv(t)
	base := serveSite(t, e)
	step(t, tab, "wrong digits",
		chromedp.Navigate(base+"/track/SD100000000001"),
		chromedp.SendKeys(chromedp.CSS("#v-SD100000000001"), "1111"),
		chromedp.Submit(chromedp.CSS("form.verify")),
		chromedp.WaitVisible(chromedp.CSS("form.verify .error")))
	step(t, tab, "right digits",
		chromedp.SendKeys(chromedp.CSS("#v-SD100000000001"), "8000"),
		chromedp.Submit(chromedp.CSS("form.verify")),
		chromedp.WaitVisible(chromedp.CSS("p.ok")))
	if got := text(t, tab, "#p-SD100000000001 .facts"); !strings.Contains(got, "张小明") || !strings.Contains(got, "望京街10号") {
		t.Errorf("verified facts = %q", got)
	}
}

func TestE2EShipperFilterAndDownload(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newSiteEnv(t)
	base := serveSite(t, e)
	step(t, tab, "log in",
		chromedp.Navigate(base+"/shipper"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "ops@acme.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("table.list")))
	step(t, tab, "filter by number",
		chromedp.SetValue(chromedp.CSS(`input[name="q"]`), "SD100000000002"),
		chromedp.Submit(chromedp.CSS("form.filters")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/shipper/shipments/SD100000000002"]`)))
	if got := text(t, tab, "table.list tbody"); strings.Contains(got, "SD100000000001") {
		t.Errorf("filtered list still shows the other shipment: %q", got)
	}
	// Fetch what the "download" link points at, from inside the page (its session cookie).
	b64, err := chromedp.Run(tab, chromedp.Evaluate[string](`fetch(document.querySelector("#export").href)
		.then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status))
		.then(b => { let s = ""; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s) })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download the workbook: %v", err)
	}
	raw, _ := base64.StdEncoding.DecodeString(b64)
	file := filepath.Join(t.TempDir(), "export.xlsx")
	os.WriteFile(file, raw, 0o644)
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatalf("open the downloaded workbook: %v", err)
	}
	defer f.Close()
	// The workbook is in the page's language (the browser's, as negotiated).
	lang, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.documentElement.lang === "en" ? "en" : "zh"`))
	if err != nil {
		t.Fatal(err)
	}
	header := map[string]string{"zh": "运单号", "en": "Tracking number"}[lang]
	rows, err := f.GetRows(shipments.ExportSheet(lang))
	if err != nil || len(rows) != 2 || header == "" || rows[0][0] != header || rows[1][0] != "SD100000000002" || rows[1][7] != "+8613800138000" {
		t.Errorf("workbook (page language %q) rows = %v, %v", lang, rows, err)
	}
}

func TestE2ESwitchLanguageAndPhoneWidth(t *testing.T) {
	t.Parallel()
	tab := newTab(t)
	e := newSiteEnv(t)
	base := serveSite(t, e)
	step(t, tab, "switch to English",
		chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(base+"/track/SD100000000001?lang=zh"),
		chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[hreflang="zh"]`)))
	if got := text(t, tab, "h3"); got != "Timeline" {
		t.Errorf("after switching: heading %q", got)
	}
	step(t, tab, "English stays on the next page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#q")))
	if got := text(t, tab, "h1"); got != "Track a parcel" {
		t.Errorf("home in English: %q", got)
	}
	// At 360 px nothing may scroll sideways.
	step(t, tab, "tracking page at 360 px", chromedp.Navigate(base+"/track?q=SD100000000001+SD100000000002"), chromedp.WaitVisible(chromedp.CSS(".parcel")))
	width, err := chromedp.Run(tab, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	if err != nil || width > 360 {
		t.Errorf("page is %d px wide at a 360 px viewport (%v)", width, err)
	}
	if png, err := chromedp.Run(tab, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(artifactDir(), "track-360px.png"), png, 0o644)
	}
}

// Times are written in the site's zone (Asia/Shanghai) and shown in the viewer's own zone
// by /static/localtime.js; a viewer in the site's zone sees the server's text unchanged.
func TestE2ETimesInViewersZone(t *testing.T) {
	t.Parallel()
	e := newSiteEnv(t)
	base := serveSite(t, e)
	cases := []struct{ zone, suffix string }{
		{"America/New_York", " E"}, // EST or EDT
		{"Asia/Shanghai", ""},
	}
	for _, c := range cases {
		tab := newTab(t)
		var stamp string
		step(t, tab, "open the tracking page in "+c.zone,
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: c.zone})
				return err
			}),
			chromedp.Navigate(base+"/track/SD100000000001"),
			chromedp.WaitVisible(chromedp.CSS(".timeline time")))
		ctx, cancel := context.WithTimeout(tab, 10*time.Second)
		attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(".timeline time"), "datetime"))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		stamp = attr.Value
		at, err := time.Parse(time.RFC3339, stamp)
		if err != nil {
			t.Fatalf("%s: datetime %q: %v", c.zone, stamp, err)
		}
		zone, _ := time.LoadLocation(c.zone)
		want := at.In(zone).Format("2006-01-02 15:04") + c.suffix
		if got := text(t, tab, ".timeline time"); !strings.HasPrefix(got, want) {
			t.Errorf("%s: time shows %q, want %q…", c.zone, got, want)
		}
	}
}
