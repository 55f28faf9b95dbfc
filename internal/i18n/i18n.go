// Package i18n is Roster's message catalogue and regional formatting: every
// user-facing string goes through T, every date and number through the
// Localizer, so adding a language is adding a catalogue.
package i18n

import (
	"context"
	"net/http"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Locale describes one supported regional form.
type Locale struct {
	Tag       language.Tag
	Name      string // the locale's own name, for the picker
	Date      string // time layout of a date
	DateTime  string // time layout of a date with time
	ShortDate string // day and month
	LongDate  string // the date written out, weekday included
}

// Locales are the regions Roster serves today. The other rollout locales
// (fr-CA, es-MX, fr-FR, it-IT, es-ES, de-DE) join with their catalogues.
var Locales = []Locale{
	{language.MustParse("en-US"), "English (United States)", "Jan 2, 2006", "Jan 2, 2006, 3:04 PM", "Jan 2", "Monday, January 2, 2006"},
	{language.MustParse("en-CA"), "English (Canada)", "Jan 2, 2006", "Jan 2, 2006, 3:04 p.m.", "Jan 2", "Monday, January 2, 2006"},
	{language.MustParse("en-GB"), "English (United Kingdom)", "2 Jan 2006", "2 Jan 2006, 15:04", "2 Jan", "Monday 2 January 2006"},
	{language.MustParse("en-IN"), "English (India)", "2 Jan 2006", "2 Jan 2006, 3:04 pm", "2 Jan", "Monday, 2 January 2006"},
	{language.MustParse("en-AU"), "English (Australia)", "2 Jan 2006", "2 Jan 2006, 3:04 pm", "2 Jan", "Monday, 2 January 2006"},
}

var (
	cat     = catalog.NewBuilder(catalog.Fallback(language.English))
	matcher language.Matcher
)

func init() {
	for _, m := range catalogues() {
		for key, msg := range m {
			if err := cat.SetString(language.English, key, msg); err != nil {
				panic(err)
			}
		}
	}
	for _, m := range pluralCatalogues() {
		for key, forms := range m {
			if err := cat.Set(language.English, key, plural.Selectf(1, "%d", "one", forms[0], "other", forms[1])); err != nil {
				panic(err)
			}
		}
	}
	tags := make([]language.Tag, len(Locales))
	for i, l := range Locales {
		tags[i] = l.Tag
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
	Locale  Locale
	printer *message.Printer
}

// New returns the Localizer for the best supported match of the given
// preferences (a saved choice, then Accept-Language), else en-US.
func New(prefs ...string) *Localizer {
	var tags []language.Tag
	for _, p := range prefs {
		if p == "" {
			continue
		}
		if t, _, err := language.ParseAcceptLanguage(p); err == nil {
			tags = append(tags, t...)
		}
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		idx = 0
	}
	loc := Locales[idx]
	return &Localizer{Locale: loc, printer: message.NewPrinter(loc.Tag, message.Catalog(cat))}
}

// FromRequest picks the locale of a request: the person's saved choice,
// else the browser's Accept-Language, else English.
func FromRequest(r *http.Request, saved string) *Localizer {
	return New(saved, r.Header.Get("Accept-Language"))
}

// T returns the message for key, formatted with args (numbers in the
// locale's form; a plural message chooses its form by its first argument).
func (l *Localizer) T(key string, args ...any) string { return l.printer.Sprintf(key, args...) }

// Number formats n with the locale's grouping (1,000,000 / 10,00,000).
func (l *Localizer) Number(n int64) string { return l.printer.Sprintf("%d", n) }

// Date formats t as a date in the locale's form.
func (l *Localizer) Date(t time.Time) string { return t.Format(l.Locale.Date) }

// LongDate writes the date out in full ("Monday, January 2, 2006"), as
// emails state an expiry.
func (l *Localizer) LongDate(t time.Time) string { return t.Format(l.Locale.LongDate) }

// ShortDate formats t as day and month.
func (l *Localizer) ShortDate(t time.Time) string { return t.Format(l.Locale.ShortDate) }

// DateTime formats t as a date and time in the locale's form (UTC).
func (l *Localizer) DateTime(t time.Time) string { return t.UTC().Format(l.Locale.DateTime) + " UTC" }

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
	return []map[string]string{english, englishEmail, englishInvitee, englishAdmin, englishGroups, englishCSV, englishSecurity}
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
