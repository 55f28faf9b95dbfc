package i18n

import (
	"regexp"
	"slices"
	"testing"
)

// The languages every page and email must be available in besides English.
var requiredLanguages = []string{"fr", "es", "it", "de"}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// placeholders returns the message's fmt verbs, sorted, with explicit
// argument indexes dropped (a translation may reorder them).
func placeholders(s string) []string {
	var out []string
	for _, m := range verbRE.FindAllString(s, -1) {
		out = append(out, regexp.MustCompile(`\[\d+\]`).ReplaceAllString(m, ""))
	}
	slices.Sort(out)
	return out
}

// Every English message exists in every language, with the same
// placeholders, and no language has a key English lacks.
func TestEveryLanguageHasEveryMessage(t *testing.T) {
	en, enPlural := map[string]string{}, map[string][2]string{}
	for _, m := range catalogues() {
		for k, v := range m {
			en[k] = v
		}
	}
	for _, m := range pluralCatalogues() {
		for k, v := range m {
			enPlural[k] = v
		}
	}
	for _, lang := range requiredLanguages {
		tr := translations[lang]
		if tr == nil {
			t.Errorf("%s: no catalogue", lang)
			continue
		}
		for k, v := range en {
			got, ok := tr.messages[k]
			if !ok {
				t.Errorf("%s: missing %q", lang, k)
				continue
			}
			if !slices.Equal(placeholders(got), placeholders(v)) {
				t.Errorf("%s: %q has placeholders %v, English %v", lang, k, placeholders(got), placeholders(v))
			}
		}
		for k, v := range enPlural {
			got, ok := tr.plurals[k]
			if !ok {
				t.Errorf("%s: missing plural %q", lang, k)
				continue
			}
			for i := range 2 {
				if !slices.Equal(placeholders(got[i]), placeholders(v[i])) {
					t.Errorf("%s: plural %q form %d has placeholders %v, English %v", lang, k, i, placeholders(got[i]), placeholders(v[i]))
				}
			}
		}
		for k := range tr.messages {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: %q is not an English key", lang, k)
			}
		}
		for k := range tr.plurals {
			if _, ok := enPlural[k]; !ok {
				t.Errorf("%s: plural %q is not an English key", lang, k)
			}
		}
	}
}
