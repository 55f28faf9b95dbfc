package i18n

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/roster"
)

// Every message key written in the code is in the catalogue.
func TestEveryKeyUsedIsInTheCatalogue(t *testing.T) {
	prefixes := map[string]bool{}
	for _, m := range catalogues() {
		for k := range m {
			prefixes[strings.SplitN(k, ".", 2)[0]] = true
		}
	}
	for _, m := range pluralCatalogues() {
		for k := range m {
			prefixes[strings.SplitN(k, ".", 2)[0]] = true
		}
	}
	keyRE := regexp.MustCompile(`"([a-z]+)\.([a-z_]+)"`)
	found := 0
	for _, root := range []string{"../../web", "../../internal/server"} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, "_templ.go") || strings.HasSuffix(path, "_test.go") ||
				!(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".templ")) {
				return nil
			}
			b, _ := os.ReadFile(path)
			for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
				if !prefixes[m[1]] {
					continue
				}
				found++
				if key := m[1] + "." + m[2]; !Has(key) {
					t.Errorf("%s: message %q is not in the catalogue", path, key)
				}
			}
			return nil
		})
	}
	if found < 100 {
		t.Errorf("found only %d message keys in the code; the scan is broken", found)
	}
	// Keys made at run time.
	for _, k := range roster.BuiltinRoles {
		if !Has("role." + k) {
			t.Errorf("no name for built-in role %q", k)
		}
	}
	for _, s := range roster.InvitationStatuses {
		if !Has("istatus." + s) {
			t.Errorf("no label for invitation status %q", s)
		}
	}
	for _, u := range []string{"minutes", "hours", "days", "months", "years"} {
		if !Has("time."+u+"_ago") || !Has("time.in_"+u) {
			t.Errorf("no relative time for %s", u)
		}
	}
}

func TestLocaleChoiceAndFormats(t *testing.T) {
	date := time.Date(2026, 3, 4, 15, 30, 0, 0, time.UTC)
	tests := []struct {
		accept, want, number, date string
	}{
		{"", "en-US", "1,000,000", "Mar 4, 2026"},
		{"en-GB,en;q=0.8", "en-GB", "1,000,000", "4 Mar 2026"},
		{"en-IN", "en-IN", "10,00,000", "4 Mar 2026"},
		{"en-AU", "en-AU", "1,000,000", "4 Mar 2026"},
		{"en-CA", "en-CA", "1,000,000", "Mar 4, 2026"},
		{"xx-YY", "en-US", "1,000,000", "Mar 4, 2026"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", tt.accept)
		l := FromRequest(r, "")
		if got := l.Lang(); got != tt.want {
			t.Errorf("%q: locale %s, want %s", tt.accept, got, tt.want)
		}
		if got := l.Number(1000000); got != tt.number {
			t.Errorf("%s: 1000000 is %q, want %q", tt.want, got, tt.number)
		}
		if got := l.Date(date); got != tt.date {
			t.Errorf("%s: date %q, want %q", tt.want, got, tt.date)
		}
	}
	// A saved choice wins over the browser.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "en-US")
	if got := FromRequest(r, "en-GB").Lang(); got != "en-GB" {
		t.Errorf("saved en-GB gave %s", got)
	}
}

func TestPluralsAndRelativeTime(t *testing.T) {
	l := New("en-US")
	for n, want := range map[int]string{0: "0 people", 1: "1 person", 2: "2 people", 12345: "12,345 people"} {
		if got := l.T("people.count", n); got != want {
			t.Errorf("people.count %d = %q, want %q", n, got, want)
		}
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-30 * time.Second:     "just now",
		-1 * time.Minute:      "1 minute ago",
		-3 * time.Hour:        "3 hours ago",
		-24 * time.Hour:       "1 day ago",
		5 * 24 * time.Hour:    "in 5 days",
		-90 * 24 * time.Hour:  "3 months ago",
		-800 * 24 * time.Hour: "2 years ago",
	} {
		if got := l.Relative(now.Add(d), now); got != want {
			t.Errorf("Relative(%v) = %q, want %q", d, got, want)
		}
	}
}

// The messages kept formatted (without arguments, with one small number,
// around one string) read exactly as formatting them anew does, in every
// locale, for every message of the catalogue; a name is put in as it is.
func TestKeptMessagesReadAsFormatted(t *testing.T) {
	if !knownKeys["time.days_ago"] || !knownKeys["bulk.select"] {
		t.Fatal("plural or plain keys are not kept")
	}
	for i := range Locales {
		l := localizer(i, false)
		for key := range knownKeys {
			for _, n := range []int{0, 1, 2, 5, 21, 999} {
				if got, want := l.T(key, n), l.groups(l.printer.Sprintf(key, n)); got != want {
					t.Errorf("%s %s(%d) = %q, want %q", l.Lang(), key, n, got, want)
				}
			}
			for _, name := range []string{"Ada Lovelace", "", "Zoë d'Arcy <b>", "%s %d"} {
				if got, want := l.T(key, name), l.groups(l.printer.Sprintf(key, name)); got != want {
					t.Errorf("%s %s(%q) = %q, want %q", l.Lang(), key, name, got, want)
				}
			}
			if got, want := l.T(key), l.groups(l.printer.Sprintf(key)); got != want {
				t.Errorf("%s %s() = %q, want %q", l.Lang(), key, got, want)
			}
		}
	}
	es := New("es-ES")
	if got := es.T("bulk.select", "Sala 1.234"); !strings.Contains(got, "Sala 1.234") {
		t.Errorf("a name is changed by number grouping: %q", got)
	}
}
