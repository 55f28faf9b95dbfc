package i18n

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Every locale writes numbers, dates and plural messages in its own form.
func TestLocaleFormats(t *testing.T) {
	date := time.Date(2026, 3, 4, 15, 30, 0, 0, time.UTC)
	morning := time.Date(2026, 3, 4, 9, 5, 0, 0, time.UTC)
	tests := []struct {
		locale, number, date, long, short, dateTime, morning string
	}{
		{"en-US", "1,234,567", "Mar 4, 2026", "Wednesday, March 4, 2026", "Mar 4", "Mar 4, 2026, 3:30 PM UTC", "Mar 4, 2026, 9:05 AM UTC"},
		{"en-CA", "1,234,567", "Mar 4, 2026", "Wednesday, March 4, 2026", "Mar 4", "Mar 4, 2026, 3:30 p.m. UTC", "Mar 4, 2026, 9:05 a.m. UTC"},
		{"fr-CA", "1\u00a0234\u00a0567", "4 mars 2026", "mercredi 4 mars 2026", "4 mars", "4 mars 2026, 15 h 30 UTC", "4 mars 2026, 09 h 05 UTC"},
		{"es-MX", "1,234,567", "4 mar 2026", "miércoles, 4 de marzo de 2026", "4 mar", "4 mar 2026, 3:30 p.m. UTC", "4 mar 2026, 9:05 a.m. UTC"},
		{"en-GB", "1,234,567", "4 Mar 2026", "Wednesday 4 March 2026", "4 Mar", "4 Mar 2026, 15:30 UTC", "4 Mar 2026, 09:05 UTC"},
		{"fr-FR", "1\u202f234\u202f567", "4 mars 2026", "mercredi 4 mars 2026", "4 mars", "4 mars 2026, 15:30 UTC", "4 mars 2026, 09:05 UTC"},
		{"it-IT", "1.234.567", "4 mar 2026", "mercoledì 4 marzo 2026", "4 mar", "4 mar 2026, 15:30 UTC", "4 mar 2026, 09:05 UTC"},
		{"es-ES", "1.234.567", "4 mar 2026", "miércoles, 4 de marzo de 2026", "4 mar", "4 mar 2026, 15:30 UTC", "4 mar 2026, 9:05 UTC"},
		{"de-DE", "1.234.567", "04.03.2026", "Mittwoch, 4. März 2026", "4. März", "04.03.2026, 15:30 UTC", "04.03.2026, 09:05 UTC"},
		{"en-IN", "12,34,567", "4 Mar 2026", "Wednesday, 4 March 2026", "4 Mar", "4 Mar 2026, 3:30 pm UTC", "4 Mar 2026, 9:05 am UTC"},
		{"en-AU", "1,234,567", "4 Mar 2026", "Wednesday, 4 March 2026", "4 Mar", "4 Mar 2026, 3:30 pm UTC", "4 Mar 2026, 9:05 am UTC"},
	}
	if len(tests) != len(Locales) {
		t.Errorf("%d locales tested, %d supported", len(tests), len(Locales))
	}
	for _, tt := range tests {
		l := New(tt.locale)
		if got := l.Lang(); got != tt.locale || l.Default {
			t.Errorf("New(%q) is %s (default %v)", tt.locale, got, l.Default)
			continue
		}
		check := func(what, got, want string) {
			t.Helper()
			if got != want {
				t.Errorf("%s %s: %q, want %q", tt.locale, what, got, want)
			}
		}
		check("number", l.Number(1234567), tt.number)
		check("date", l.Date(date), tt.date)
		check("long date", l.LongDate(date), tt.long)
		check("short date", l.ShortDate(date), tt.short)
		check("date-time", l.DateTime(date), tt.dateTime)
		check("morning", l.DateTime(morning), tt.morning)
	}
}

// Large numbers: the groupings the rollout countries write.
func TestMillions(t *testing.T) {
	for locale, want := range map[string]string{
		"de-DE": "1.000.000", "fr-FR": "1\u202f000\u202f000", "fr-CA": "1\u00a0000\u00a0000",
		"en-IN": "10,00,000", "en-US": "1,000,000", "es-MX": "1,000,000", "it-IT": "1.000.000",
	} {
		if got := New(locale).Number(1000000); got != want {
			t.Errorf("%s: 1000000 is %q, want %q", locale, got, want)
		}
	}
	// Spain and Italy group from five digits on (CLDR's minimum grouping
	// digits), also inside messages.
	for locale, want := range map[string][3]string{
		"es-ES": {"1234", "12.345", "-1234"}, "it-IT": {"1234", "12.345", "-1234"},
		"es-MX": {"1,234", "12,345", "-1,234"}, "de-DE": {"1.234", "12.345", "-1.234"}, "fr-FR": {"1\u202f234", "12\u202f345", "-1\u202f234"},
	} {
		l := New(locale)
		for i, n := range []int64{1234, 12345, -1234} {
			if got := l.Number(n); got != want[i] {
				t.Errorf("%s: %d is %q, want %q", locale, n, got, want[i])
			}
		}
	}
	if got := New("es-ES").T("people.count", 1234); !strings.HasPrefix(got, "1234 ") {
		t.Errorf("es-ES: 1234 people = %q", got)
	}
	if got := New("it-IT").groups("1.234 e 5.678, 12.345 e 1.234.567"); got != "1234 e 5678, 12.345 e 1.234.567" {
		t.Errorf("it-IT groups: %q", got)
	}
}

// Every month and weekday has its name in every language.
func TestDateNames(t *testing.T) {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, loc := range Locales {
		l := New(loc.Tag.String())
		seen := map[string]bool{}
		for m := range 12 {
			d := start.AddDate(0, m, 0)
			s := l.LongDate(d)
			if seen[s] || s == "" {
				t.Errorf("%s: %s written %q twice", loc.Tag, d.Format("Jan"), s)
			}
			seen[s] = true
		}
		for wd := range 7 {
			d := start.AddDate(0, 0, wd)
			if l.names.weekdays[d.Weekday()] == "" {
				t.Errorf("%s: no name for %s", loc.Tag, d.Weekday())
			}
		}
	}
	if got := New("fr-FR").format(time.Date(2026, 7, 14, 0, 0, 0, 0, time.UTC), "EEE d MMM"); got != "mar 14 juil." {
		t.Errorf("short weekday: %q", got)
	}
}

// Plural messages choose their form by the language's own rules (in
// French 0 and 1 are singular) and write the number in the locale's form.
func TestPluralsPerLocale(t *testing.T) {
	register("fr", nil, map[string][2]string{"test.plural_people": {"%d personne", "%d personnes"}})
	register("de", nil, map[string][2]string{"test.plural_people": {"%d Person", "%d Personen"}})
	register("es", nil, map[string][2]string{"test.plural_people": {"%d persona", "%d personas"}})
	register("it", nil, map[string][2]string{"test.plural_people": {"%d persona", "%d persone"}})
	t.Cleanup(func() {
		for _, lang := range []string{"fr", "de", "es", "it"} {
			delete(translations[lang].plurals, "test.plural_people")
		}
	})
	tests := map[string][4]string{ // 0, 1, 2, 1234567
		"fr-FR": {"0 personne", "1 personne", "2 personnes", "1\u202f234\u202f567 personnes"},
		"fr-CA": {"0 personne", "1 personne", "2 personnes", "1\u00a0234\u00a0567 personnes"},
		"de-DE": {"0 Personen", "1 Person", "2 Personen", "1.234.567 Personen"},
		"es-ES": {"0 personas", "1 persona", "2 personas", "1.234.567 personas"},
		"es-MX": {"0 personas", "1 persona", "2 personas", "1,234,567 personas"},
		"it-IT": {"0 persone", "1 persona", "2 persone", "1.234.567 persone"},
	}
	for locale, want := range tests {
		l := New(locale)
		for i, n := range []int{0, 1, 2, 1234567} {
			if got := l.T("test.plural_people", n); got != want[i] {
				t.Errorf("%s: %d people = %q, want %q", locale, n, got, want[i])
			}
		}
	}
	for _, locale := range []string{"en-US", "en-CA", "en-GB", "en-IN", "en-AU"} {
		l := New(locale)
		if got := l.T("people.count", 1); got != "1 person" {
			t.Errorf("%s: one person = %q", locale, got)
		}
		want := "1,234,567 people"
		if locale == "en-IN" {
			want = "12,34,567 people"
		}
		if got := l.T("people.count", 1234567); got != want {
			t.Errorf("%s: many people = %q, want %q", locale, got, want)
		}
	}
}

// A regional locale reads its language's catalogue: fr-CA and fr-FR the
// "fr" one, es-MX and es-ES "es", and so on; English fills any gap.
func TestRegionalLocalesFallBackToTheirLanguage(t *testing.T) {
	register("fr", map[string]string{"test.fallback": "bonjour"}, nil)
	register("es", map[string]string{"test.fallback": "hola"}, nil)
	register("it", map[string]string{"test.fallback": "ciao"}, nil)
	register("de", map[string]string{"test.fallback": "hallo"}, nil)
	t.Cleanup(func() {
		for _, lang := range []string{"fr", "de", "es", "it"} {
			delete(translations[lang].messages, "test.fallback")
		}
	})
	for locale, want := range map[string]string{
		"fr-CA": "bonjour", "fr-FR": "bonjour", "es-MX": "hola", "es-ES": "hola", "it-IT": "ciao", "de-DE": "hallo",
	} {
		if got := New(locale).T("test.fallback"); got != want {
			t.Errorf("%s: %q, want %q", locale, got, want)
		}
	}
	if got := New("fr-CA").T("nav.skip"); got == "nav.skip" || got == "" {
		t.Errorf("fr-CA nav.skip = %q", got)
	}
}

// The language comes from the first choice naming a supported one; close
// regions count; nothing known gives en-US marked as the default.
func TestLocaleChoice(t *testing.T) {
	tests := []struct {
		choices []string
		want    string
		def     bool
	}{
		{[]string{"", "fr"}, "fr-FR", false},
		{[]string{"", "fr-BE,fr;q=0.9"}, "fr-FR", false},
		{[]string{"", "fr-CA"}, "fr-CA", false},
		{[]string{"", "es-AR,es;q=0.8"}, "es-MX", false},
		{[]string{"", "es"}, "es-ES", false},
		{[]string{"", "de-AT"}, "de-DE", false},
		{[]string{"", "de-CH,de;q=0.9,en;q=0.8"}, "de-DE", false},
		{[]string{"", "it-CH"}, "it-IT", false},
		{[]string{"en-GB", "de-DE"}, "en-GB", false},
		{[]string{"xx", "nl-NL,nl;q=0.9"}, "en-US", true},
		{[]string{"", "nl-NL", "it-IT"}, "it-IT", false},
		{nil, "en-US", true},
	}
	for _, tt := range tests {
		l := New(tt.choices...)
		if l.Lang() != tt.want || l.Default != tt.def {
			t.Errorf("New(%q) = %s default %v, want %s default %v", tt.choices, l.Lang(), l.Default, tt.want, tt.def)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "de-DE,de;q=0.9")
	if got := FromRequest(r, "fr-CA").Lang(); got != "fr-CA" {
		t.Errorf("saved fr-CA with a German browser gave %s", got)
	}
	for _, s := range []string{"fr-ca", "de-DE", "en-IN"} {
		if _, ok := Supported(s); !ok {
			t.Errorf("%s not supported", s)
		}
	}
	for _, s := range []string{"fr", "pt-BR", "", "de-AT"} {
		if _, ok := Supported(s); ok {
			t.Errorf("%q supported", s)
		}
	}
	if got := LocaleName("de-DE"); got != "Deutsch (Deutschland)" {
		t.Errorf("LocaleName(de-DE) = %q", got)
	}
}

// EnglishLeaks finds English catalogue text in another language's text,
// but not words the translation shares with English.
func TestEnglishLeaks(t *testing.T) {
	register("fr", map[string]string{"test.leak": "Exporter les personnes (CSV UTF-8)"}, nil)
	t.Cleanup(func() { delete(translations["fr"].messages, "test.leak"); delete(leakCache, "fr") })
	delete(leakCache, "fr")
	en := New("en-US")
	if got := EnglishLeaks("fr", "Roster · "+en.T("nav.sign_out_everywhere")); len(got) == 0 {
		t.Errorf("English sign-out text not found")
	}
	if got := EnglishLeaks("fr", "Exporter les personnes (CSV UTF-8) Roster Acme Corporation"); len(got) != 0 {
		t.Errorf("leaks found in French text: %q", got)
	}
}
