// Package i18n is Roster's message catalogue and regional formatting: every
// user-facing string goes through T, every date and number through the
// Localizer, so adding a language is adding a catalogue.
package i18n

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Locale describes one supported regional form.
type Locale struct {
	Tag  language.Tag
	Name string // the locale's own name, in its own language, for the picker
	// Date, DateTime, ShortDate and LongDate are patterns of the
	// formatter in dates.go (CLDR-like: "d MMM y", "EEEE d MMMM y").
	Date      string // a date ("Mar 4, 2026", "4 mars 2026", "04.03.2026")
	DateTime  string // a date with the time of day
	ShortDate string // day and month
	LongDate  string // the date written out, weekday included
	AM, PM    string // day periods of 12-hour times ("a" in a pattern)
	// narrowGroup writes the no-break space x/text puts between digit
	// groups as CLDR's narrow no-break space (U+202F), as fr-FR has it.
	narrowGroup bool
	// minGrouping2 leaves four-digit numbers ungrouped (CLDR's minimum
	// grouping digits of 2: 1234 but 12.345), as Spain and Italy write them.
	minGrouping2 bool
}

// Locales are the regions Roster serves, in the order the language picker
// lists them; the first is the default.
var Locales = []Locale{
	{Tag: language.MustParse("en-US"), Name: "English (United States)", Date: "MMM d, y", DateTime: "MMM d, y, h:mm a", ShortDate: "MMM d", LongDate: "EEEE, MMMM d, y", AM: "AM", PM: "PM"},
	{Tag: language.MustParse("en-CA"), Name: "English (Canada)", Date: "MMM d, y", DateTime: "MMM d, y, h:mm a", ShortDate: "MMM d", LongDate: "EEEE, MMMM d, y", AM: "a.m.", PM: "p.m."},
	{Tag: language.MustParse("fr-CA"), Name: "Français (Canada)", Date: "d MMM y", DateTime: "d MMM y, HH 'h' mm", ShortDate: "d MMM", LongDate: "EEEE d MMMM y"},
	{Tag: language.MustParse("es-MX"), Name: "Español (México)", Date: "d MMM y", DateTime: "d MMM y, h:mm a", ShortDate: "d MMM", LongDate: "EEEE, d 'de' MMMM 'de' y", AM: "a.m.", PM: "p.m."},
	{Tag: language.MustParse("en-GB"), Name: "English (United Kingdom)", Date: "d MMM y", DateTime: "d MMM y, HH:mm", ShortDate: "d MMM", LongDate: "EEEE d MMMM y"},
	{Tag: language.MustParse("fr-FR"), Name: "Français (France)", Date: "d MMM y", DateTime: "d MMM y, HH:mm", ShortDate: "d MMM", LongDate: "EEEE d MMMM y", narrowGroup: true},
	{Tag: language.MustParse("it-IT"), Name: "Italiano (Italia)", Date: "d MMM y", DateTime: "d MMM y, HH:mm", ShortDate: "d MMM", LongDate: "EEEE d MMMM y", minGrouping2: true},
	{Tag: language.MustParse("es-ES"), Name: "Español (España)", Date: "d MMM y", DateTime: "d MMM y, H:mm", ShortDate: "d MMM", LongDate: "EEEE, d 'de' MMMM 'de' y", minGrouping2: true},
	{Tag: language.MustParse("de-DE"), Name: "Deutsch (Deutschland)", Date: "dd.MM.y", DateTime: "dd.MM.y, HH:mm", ShortDate: "d. MMM", LongDate: "EEEE, d. MMMM y"},
	{Tag: language.MustParse("en-IN"), Name: "English (India)", Date: "d MMM y", DateTime: "d MMM y, h:mm a", ShortDate: "d MMM", LongDate: "EEEE, d MMMM y", AM: "am", PM: "pm"},
	{Tag: language.MustParse("en-AU"), Name: "English (Australia)", Date: "d MMM y", DateTime: "d MMM y, h:mm a", ShortDate: "d MMM", LongDate: "EEEE, d MMMM y", AM: "am", PM: "pm"},
}

// matchOrder is the order the matcher weighs the locales in: after the
// default, each language's main region first, so that fr-BE or fr-CH
// read as fr-FR and de-AT as de-DE, while es-AR and es-419 still go to
// es-MX (Latin American Spanish).
var matchOrder = []string{"en-US", "en-GB", "en-CA", "en-AU", "en-IN", "fr-FR", "fr-CA", "es-ES", "es-MX", "it-IT", "de-DE"}

var (
	cat     = catalog.NewBuilder(catalog.Fallback(language.English))
	matcher language.Matcher
	// matchIndex maps the matcher's index to the index in Locales.
	matchIndex []int
)

func init() {
	// English is also the root (und) of every language, so a message a
	// language lacks reads in English rather than as its key: lookups go
	// fr-CA -> fr -> und.
	for _, m := range catalogues() {
		for key := range m {
			knownKeys[key] = true
		}
	}
	for _, m := range pluralCatalogues() {
		for key := range m {
			knownKeys[key] = true
		}
	}
	for _, tag := range []language.Tag{language.English, language.Und} {
		for _, m := range catalogues() {
			for key, msg := range m {
				if err := cat.SetString(tag, key, msg); err != nil {
					panic(err)
				}
			}
		}
		one := "one"
		if tag == language.Und {
			one = "=1" // und has no plural categories
		}
		for _, m := range pluralCatalogues() {
			for key, forms := range m {
				if err := cat.Set(tag, key, plural.Selectf(1, "%d", one, forms[0], "other", forms[1])); err != nil {
					panic(err)
				}
			}
		}
	}
	var tags []language.Tag
	for _, name := range matchOrder {
		for i, l := range Locales {
			if l.Tag.String() == name {
				tags = append(tags, l.Tag)
				matchIndex = append(matchIndex, i)
			}
		}
	}
	if len(tags) != len(Locales) {
		panic("i18n: matchOrder does not list every locale once")
	}
	matcher = language.NewMatcher(tags)
}

// translations are the non-English catalogues by base language ("fr"),
// each filled by the init of its messages_*_<lang>.go files through register.
var translations = map[string]*translation{}

type translation struct {
	messages map[string]string
	plurals  map[string][2]string // {one, other}
}

// register adds messages and plural messages {one, other} for lang (a base
// language such as "fr") to the catalogue. Files call it from init.
func register(lang string, messages map[string]string, plurals map[string][2]string) {
	tag := language.MustParse(lang)
	t := translations[lang]
	if t == nil {
		t = &translation{messages: map[string]string{}, plurals: map[string][2]string{}}
		translations[lang] = t
	}
	for key, msg := range messages {
		t.messages[key] = msg
		if err := cat.SetString(tag, key, msg); err != nil {
			panic(err)
		}
	}
	for key, forms := range plurals {
		t.plurals[key] = forms
		if err := cat.Set(tag, key, plural.Selectf(1, "%d", "one", forms[0], "other", forms[1])); err != nil {
			panic(err)
		}
	}
}

// Localizer renders messages, dates and numbers for one locale.
type Localizer struct {
	Locale Locale
	// Default is true when none of the choices it was made from named a
	// supported language, so it is the default (en-US); a caller that
	// knows a better default (the account's, an invitation's) may use it.
	Default bool
	printer *message.Printer
	names   *dateNames
	idx     int // into Locales
}

// plainTexts keeps, per locale, the messages without arguments once
// formatted: a page asks for the same labels once a row, and formatting
// one goes through the catalogue's interpreter (a fifth of the server's
// time on the Invitations table).
var plainTexts = make([]sync.Map, len(Locales))

// knownKeys are the English catalogue's keys: only their texts are kept
// (a key from elsewhere never grows the cache).
var knownKeys = map[string]bool{}

// New returns the Localizer of the first of choices that names a
// supported language, else en-US. Each choice is a saved locale
// ("fr-CA") or an Accept-Language header ("de-AT,de;q=0.9,en;q=0.5");
// empty ones are skipped. Close regions count: fr-BE reads as fr-FR,
// es-AR as es-MX, en-NZ as en-GB.
func New(choices ...string) *Localizer {
	for _, c := range choices {
		if i, ok := match(c); ok {
			return localizer(i, false)
		}
	}
	return localizer(0, true)
}

// match returns the index in Locales of the best supported match of a
// choice, and whether there is one.
func match(choice string) (int, bool) {
	if choice == "" {
		return 0, false
	}
	tags, _, err := language.ParseAcceptLanguage(choice)
	if err != nil || len(tags) == 0 {
		return 0, false
	}
	_, idx, conf := matcher.Match(tags...)
	if conf < language.High { // Low is a guess, such as English for Klingon
		return 0, false
	}
	return matchIndex[idx], true
}

func localizer(i int, def bool) *Localizer {
	loc := Locales[i]
	return &Localizer{Locale: loc, Default: def, printer: message.NewPrinter(loc.Tag, message.Catalog(cat)), names: namesOf(loc.Tag), idx: i}
}

// FromRequest picks the locale of a request: the person's saved choice,
// else the browser's Accept-Language, else English.
func FromRequest(r *http.Request, saved string) *Localizer {
	return New(saved, r.Header.Get("Accept-Language"))
}

// Supported returns the tag of the supported locale named exactly by s
// ("fr-CA", any case) and whether there is one.
func Supported(s string) (string, bool) {
	t, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	for _, l := range Locales {
		if l.Tag == t {
			return l.Tag.String(), true
		}
	}
	return "", false
}

// LocaleName is the own name of a supported locale ("Deutsch
// (Deutschland)"), or tag itself when it is not one.
func LocaleName(tag string) string {
	if t, ok := Supported(tag); ok {
		for _, l := range Locales {
			if l.Tag.String() == t {
				return l.Name
			}
		}
	}
	return tag
}

// Translations returns key's message in English and in every other
// language of the catalogue (for input that may come in any language, such
// as CSV headers), without repeats.
func Translations(key string) []string {
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		if s != "" {
			out = append(out, s)
		}
	}
	for _, m := range catalogues() {
		if v, ok := m[key]; ok {
			add(v)
		}
	}
	for _, lang := range sortedLanguages() {
		add(translations[lang].messages[key])
	}
	return out
}

// T returns the message for key, formatted with args (numbers in the
// locale's form; a plural message chooses its form by its first argument).
func (l *Localizer) T(key string, args ...any) string {
	if knownKeys[key] {
		switch len(args) {
		case 0:
			if s, ok := plainTexts[l.idx].Load(key); ok {
				return s.(string)
			}
			s := l.groups(l.printer.Sprintf(key))
			plainTexts[l.idx].Store(key, s)
			return s
		case 1:
			switch a := args[0].(type) {
			case int:
				if a >= 0 && a < maxKeptNumber {
					return l.numberText(key, a)
				}
			case string:
				if p := l.around(key); p != nil {
					return p[0] + a + p[1]
				}
			}
		}
	}
	return l.groups(l.printer.Sprintf(key, args...))
}

// maxKeptNumber bounds the numbers whose messages are kept formatted.
const maxKeptNumber = 1000

// numberKey is a message and the number it is formatted with.
type numberKey struct {
	key string
	n   int
}

// numberTexts keeps, per locale, the messages of one small number once
// formatted ("3 days ago": a People page says one on every row).
var numberTexts = make([]sync.Map, len(Locales))

func (l *Localizer) numberText(key string, n int) string {
	k := numberKey{key, n}
	if s, ok := numberTexts[l.idx].Load(k); ok {
		return s.(string)
	}
	s := l.groups(l.printer.Sprintf(key, n))
	numberTexts[l.idx].Store(k, s)
	return s
}

// aroundTexts keeps, per locale, the text of each message of one string
// argument around that argument (the text before it and after it), or
// nil when the message does not say its argument exactly once: "Select
// Ada Lovelace" is then "Select " + the name + "". A string chooses no
// plural form, so the text around it is the same for every string.
var aroundTexts = make([]sync.Map, len(Locales))

func (l *Localizer) around(key string) []string {
	if p, ok := aroundTexts[l.idx].Load(key); ok {
		return p.([]string)
	}
	var p []string
	if before, after, ok := strings.Cut(l.groups(l.printer.Sprintf(key, "\x00")), "\x00"); ok && !strings.Contains(after, "\x00") {
		p = []string{before, after}
	}
	aroundTexts[l.idx].Store(key, p)
	return p
}

// Number formats n with the locale's grouping (1,000,000 / 1.000.000 /
// 1 000 000 / 10,00,000).
func (l *Localizer) Number(n int64) string { return l.groups(l.printer.Sprintf("%d", n)) }

// groups corrects the digit grouping x/text writes where CLDR has since
// changed: the narrow no-break space of fr-FR, and four-digit numbers left
// whole in es-ES and it-IT.
func (l *Localizer) groups(s string) string {
	if l.Locale.minGrouping2 && strings.Contains(s, ".") {
		for range 2 { // twice: matches that share a separator do not overlap
			s = fourDigitsRE.ReplaceAllString(s, "$1$2$3$4")
		}
	}
	if !l.Locale.narrowGroup || !strings.ContainsRune(s, '\u00a0') {
		return s
	}
	r := []rune(s)
	for i := 1; i+1 < len(r); i++ {
		if r[i] == '\u00a0' && unicode.IsDigit(r[i-1]) && unicode.IsDigit(r[i+1]) {
			r[i] = '\u202f'
		}
	}
	return string(r)
}

// fourDigitsRE is a number of four digits grouped as "1.234", alone.
// (A comma after it ends a clause unless a digit follows: then it is the
// decimal separator.)
var fourDigitsRE = regexp.MustCompile(`(^|[^\d.,])(\d)\.(\d{3})($|[^\d.,]|,\D|,$)`)

// Date formats t as a date in the locale's form ("Mar 4, 2026", "4 mars
// 2026", "04.03.2026").
func (l *Localizer) Date(t time.Time) string { return l.format(t, l.Locale.Date) }

// LongDate writes the date out in full, weekday included ("Wednesday,
// March 4, 2026", "mercredi 4 mars 2026"), as emails state an expiry.
func (l *Localizer) LongDate(t time.Time) string { return l.format(t, l.Locale.LongDate) }

// ShortDate formats t as day and month.
func (l *Localizer) ShortDate(t time.Time) string { return l.format(t, l.Locale.ShortDate) }

// DateTime formats t as a date and time in the locale's form (UTC).
func (l *Localizer) DateTime(t time.Time) string {
	var buf [64]byte
	return string(l.AppendDateTime(buf[:0], t))
}

// AppendDate appends t as Date writes it.
func (l *Localizer) AppendDate(b []byte, t time.Time) []byte {
	return l.appendFormat(b, t, l.Locale.Date)
}

// AppendDateTime appends t as DateTime writes it.
func (l *Localizer) AppendDateTime(b []byte, t time.Time) []byte {
	return append(l.appendFormat(b, t.UTC(), l.Locale.DateTime), " UTC"...)
}

// Lang is the BCP 47 tag for the html lang attribute.
func (l *Localizer) Lang() string { return l.Locale.Tag.String() }

// Relative says how far t is from now in words ("3 days ago", "in 2 hours").
func (l *Localizer) Relative(t, now time.Time) string {
	d := t.Sub(now)
	future := d > 0
	if !future {
		d = -d
	}
	var n int
	var unit string
	switch {
	case d < time.Minute:
		return l.T("time.just_now")
	case d < time.Hour:
		n, unit = int(d/time.Minute), "minutes"
	case d < 24*time.Hour:
		n, unit = int(d/time.Hour), "hours"
	case d < 60*24*time.Hour:
		n, unit = int(d/(24*time.Hour)), "days"
	case d < 730*24*time.Hour:
		n, unit = int(d/(30*24*time.Hour)), "months"
	default:
		n, unit = int(d/(365*24*time.Hour)), "years"
	}
	if future {
		return l.T("time.in_"+unit, n)
	}
	return l.T("time."+unit+"_ago", n)
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	ok := false
	for _, m := range catalogues() {
		if _, in := m[key]; in {
			ok = true
		}
	}
	for _, m := range pluralCatalogues() {
		if _, in := m[key]; in {
			ok = true
		}
	}
	return ok
}

// catalogues are the English message maps, one per part of the product.
func catalogues() []map[string]string {
	return []map[string]string{english, englishEmail, englishInvitee, englishAdmin, englishGroups, englishCSV, englishSecurity, englishLanguages}
}

// sortedLanguages are the base languages of the translations, sorted.
func sortedLanguages() []string {
	out := make([]string, 0, len(translations))
	for lang := range translations {
		out = append(out, lang)
	}
	sort.Strings(out)
	return out
}

// pluralCatalogues are the English plural messages: {one, other}.
func pluralCatalogues() []map[string][2]string {
	return []map[string][2]string{englishPlurals, englishEmailPlurals, englishAdminPlurals, englishGroupsPlurals, englishCSVPlurals, englishSecurityPlurals}
}

type ctxKey struct{}

// WithLocalizer returns ctx carrying l.
func WithLocalizer(ctx context.Context, l *Localizer) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the Localizer in ctx, or en-US.
func From(ctx context.Context) *Localizer {
	if l, ok := ctx.Value(ctxKey{}).(*Localizer); ok {
		return l
	}
	return New()
}

// T is From(ctx).T: the message for key in the request's language.
func T(ctx context.Context, key string, args ...any) string { return From(ctx).T(key, args...) }

// N is From(ctx).Number.
func N(ctx context.Context, n int64) string { return From(ctx).Number(n) }
