// Command screenshots signs in to a running Roster (the `make run` demo)
// in headless Chromium and saves the screenshots of docs/screenshots/.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roster-hub/roster/internal/browser"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "address of the running demo")
	out := flag.String("out", "docs/screenshots", "folder for the PNG files")
	flag.Parse()
	if err := run(*base, *out); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

type shot struct {
	name, path    string
	width, height int
	prepare       []chromedp.Action[chromedp.Void]
	as            string // who signs in: the demo administrator unless set
}

func run(base, out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	shots := []shot{
		{name: "login.png", path: "/login", width: 1280, height: 800},
		{name: "hub.png", path: "/users", width: 1440, height: 1000},
		{name: "hub-filtered.png", path: "/users?q=gar&status=active&order=signin:desc", width: 1440, height: 1000},
		{name: "invitations.png", path: "/users?tab=invitations", width: 1440, height: 1000},
		{name: "hub-mobile.png", path: "/users", width: 390, height: 900},
		{name: "add-users.png", path: "/users?tab=invitations", width: 1440, height: 1000, prepare: []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS("#add-users")),
			chromedp.WaitVisible(chromedp.CSS("dialog[open] #add-emails")),
			chromedp.SendKeys(chromedp.CSS("#add-emails"), "Nina Petrova <nina@newhire.example>, omar@newhire.example, bad@"),
			chromedp.Sleep(800 * time.Millisecond),
		}},
		{name: "invite-link.png", path: "/users?tab=invitations", width: 1440, height: 1000, prepare: []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS("#add-users")),
			chromedp.WaitVisible(chromedp.CSS("dialog[open] #add-tab-link")),
			chromedp.Click(chromedp.CSS("#add-tab-link")),
			chromedp.WaitVisible(chromedp.CSS("#link-label")),
		}},
		{name: "group-admin.png", path: "/users", width: 1440, height: 1000, as: "finance.lead@acme.example"},
		{name: "bulk-all.png", path: "/users?status=active", width: 1440, height: 1000, prepare: []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS("#people-table tbody input[type=checkbox]")),
			// Reactivating active people changes nothing: the demo stays as it is.
			chromedp.SetValue(chromedp.CSS("#bulk-action"), "reactivate"),
			chromedp.Click(chromedp.CSS("#bulk-people input[name=all]")),
			chromedp.Click(chromedp.CSS("#bulk-people button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#bulk-progress")),
		}},
	}
	for _, s := range shots {
		dir, err := os.MkdirTemp("", "roster-chromium-")
		if err != nil {
			return err
		}
		tab, stop, err := browser.Start(ctx, dir, s.width, s.height)
		if err != nil {
			return err
		}
		if s.path != "/login" {
			email, password := "admin@acme.example", "roster-demo-admin"
			if s.as != "" {
				email, password = s.as, "roster-demo-member"
			}
			if err := browser.SignIn(tab, base, email, password); err != nil {
				stop()
				return fmt.Errorf("sign in: %w", err)
			}
		}
		err = chromedp.Do(tab, chromedp.Navigate(base+s.path))
		if err == nil {
			err = browser.WaitIdle(tab)
		}
		if err == nil && len(s.prepare) > 0 {
			err = chromedp.Do(tab, s.prepare...)
			if err == nil {
				err = browser.WaitIdle(tab)
			}
		}
		if err == nil {
			err = browser.Screenshot(tab, filepath.Join(out, s.name))
		}
		stop()
		os.RemoveAll(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Println("wrote", filepath.Join(out, s.name))
	}
	return nil
}
