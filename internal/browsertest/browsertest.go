// Package browsertest starts the headless Chromium that the page tests
// (the schedule page, the lab's report) look at pages with.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path returns the browser: $ROTA_CHROMIUM, else chromium on $PATH or
// /usr/bin/chromium. Without one the test skips, except on CI (CI set:
// .ci/run installs Debian's chromium), where it fails.
func Path(t testing.TB) string {
	t.Helper()
	names := []string{"chromium", "chromium-browser", "/usr/bin/chromium"}
	if p := os.Getenv("ROTA_CHROMIUM"); p != "" {
		names = []string{p}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no browser: none of %s (Debian: apt-get install chromium; or set ROTA_CHROMIUM)", strings.Join(names, ", "))
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip("skipped: " + msg)
	return ""
}

// Start starts the headless browser at path, with env added to its
// environment (such as "TZ=America/New_York"), and returns its context;
// it is stopped when the test ends.
func Start(t testing.TB, path string, env ...string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU)
	if len(env) > 0 {
		opts = append(opts, chromedp.Env(env...))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil { // starts the browser, without a timeout
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// UpdateScreenshot writes a full-page screenshot of the page ctx shows to
// docs/NAME at the repository's root (the test runs one folder below it),
// when ROTA_UPDATE_SCREENSHOT=1; otherwise it does nothing.
func UpdateScreenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("ROTA_UPDATE_SCREENSHOT") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join("..", "docs", name)
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, len(png))
}
