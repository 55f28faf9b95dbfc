// Package browser drives Debian's Chromium through chromedp for the
// browser tests and `make screenshots`: start it, sign in, run axe-core,
// take screenshots.
package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// ExecPath returns the Chromium binary (CHROMIUM, else the usual names), or
// "" when none is installed.
func ExecPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches a headless Chromium with a fresh profile in dir and
// returns a context for a tab of a window width×height.
func Start(ctx context.Context, dir string, width, height int) (context.Context, context.CancelFunc, error) {
	path := ExecPath()
	if path == "" {
		return nil, nil, errors.New("chromium not found (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tctx, cancelTab := chromedp.NewContext(actx)
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		cancelTab()
		cancelAlloc()
		return nil, nil, err
	}
	return tctx, func() { cancelTab(); cancelAlloc() }, nil
}

// NewWindow opens a second, separate browser (its own cookies) for another
// person in the same test.
func NewWindow(ctx context.Context, dir string, width, height int) (context.Context, context.CancelFunc, error) {
	return Start(ctx, dir, width, height)
}

// SignIn signs in through the sign-in form and waits for the next page.
func SignIn(ctx context.Context, base, email, password string) error {
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("form[action='/login'] button[type=submit]")),
	)
	if err != nil {
		return err
	}
	// The sign-in page has a heading too: wait to have left it. Evaluating
	// during the navigation fails, so errors only mean "not yet".
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		left, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname !== "/login" && document.readyState === "complete"`))
		if err == nil && left {
			return chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#main h1")))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("sign-in did not leave the sign-in page")
}

// Screenshot saves a PNG of the visible part of the page to path.
func Screenshot(ctx context.Context, path string) error {
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}

// Violation is an axe-core finding.
type Violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
}

// AxeSource reads axe-core from node_modules (installed by `npm ci`),
// searching up from the working folder.
func AxeSource() (string, error) {
	dir, _ := os.Getwd()
	for {
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
		if err == nil {
			return string(b), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("axe-core not found: run `npm ci`")
		}
		dir = parent
	}
}

// Axe runs axe-core (WCAG 2.1 A and AA rules) on the current page and
// returns its serious and critical violations. The page's CSP forbids
// inline scripts, but DevTools evaluation is not subject to it.
func Axe(ctx context.Context) ([]Violation, error) {
	src, err := AxeSource()
	if err != nil {
		return nil, err
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+";true")); err != nil {
		return nil, fmt.Errorf("inject axe: %w", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" "))}))))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe: %w", err)
	}
	var all []Violation
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		return nil, err
	}
	var bad []Violation
	for _, v := range all {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v)
		}
	}
	return bad, nil
}

// WaitIdle waits until htmx has no request in flight and the DOM has
// settled.
func WaitIdle(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		busy, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(".htmx-request") !== null || document.readyState !== "complete"`))
		if err != nil {
			return err
		}
		if !busy {
			return chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond))
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(50*time.Millisecond)); err != nil {
			return err
		}
	}
	return errors.New("page did not settle within 10s")
}
