package mail_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/roster-hub/roster/internal/i18n"
)

// Every "email." key written in this package is in the catalogue.
func TestEveryEmailKeyIsInTheCatalogue(t *testing.T) {
	t.Parallel()
	keyRE := regexp.MustCompile(`"(email\.[a-z_.]+)"`)
	l := i18n.New("en-US")
	files, _ := filepath.Glob("*")
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "_templ.go") ||
			!(strings.HasSuffix(f, ".go") || strings.HasSuffix(f, ".templ")) {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			found++
			key := m[1]
			if i18n.Has(key) {
				continue
			}
			// The email plurals are known to Has once i18n.go lists
			// englishEmailPlurals beside the other maps; until then a
			// plural key must at least be a message.
			if l.T(key, 1) == key || l.T(key, 2) == key {
				t.Errorf("%s: message %q is not in the catalogue", f, key)
			}
		}
	}
	if found < 40 {
		t.Errorf("found only %d message keys; the scan is broken", found)
	}
}
