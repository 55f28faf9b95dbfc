package i18n

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// EnglishLeaks returns the English text of the catalogue that shows in
// text although it should be in lang ("fr"): for each English message, its
// parts between placeholders that are at least five letters long, that
// its translation does not keep and that no other message of lang holds
// either (such as "CSV" or "Roster"). A message lang lacks reads in
// English, so it is found too. Tests walk every page and email with it.
func EnglishLeaks(lang, text string) []string {
	text = squeeze(text)
	var out []string
	for _, f := range leakFragments(lang) {
		if containsWords(text, f) {
			out = append(out, f)
		}
	}
	return out
}

var (
	leakMu    sync.Mutex
	leakCache = map[string][]string{}
	splitRE   = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]|\n`)
)

func leakFragments(lang string) []string {
	leakMu.Lock()
	defer leakMu.Unlock()
	if f, ok := leakCache[lang]; ok {
		return f
	}
	tr := translations[lang]
	var all []string // every message of lang, to keep words it shares with English
	if tr != nil {
		for _, m := range tr.messages {
			all = append(all, squeeze(m))
		}
		for _, p := range tr.plurals {
			all = append(all, squeeze(p[0]), squeeze(p[1]))
		}
	}
	kept := func(f string) bool {
		for _, m := range all {
			if containsWords(m, f) {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	var out []string
	add := func(english string) {
		for _, part := range splitRE.Split(english, -1) {
			f := squeeze(strings.TrimFunc(part, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }))
			if utf8.RuneCountInString(f) < 5 || seen[f] || !strings.ContainsFunc(f, unicode.IsLetter) {
				continue
			}
			seen[f] = true
			if !kept(f) {
				out = append(out, f)
			}
		}
	}
	for _, m := range catalogues() {
		for _, v := range m {
			add(v)
		}
	}
	for _, m := range pluralCatalogues() {
		for _, v := range m {
			add(v[0])
			add(v[1])
		}
	}
	leakCache[lang] = out
	return out
}

// squeeze writes every run of white space as one space.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// containsWords reports whether f is in s and not inside a longer word.
func containsWords(s, f string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], f)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(f)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (start == 0 || !unicode.IsLetter(before)) && (end == len(s) || !unicode.IsLetter(after)) {
			return true
		}
		i = start + 1
	}
}
