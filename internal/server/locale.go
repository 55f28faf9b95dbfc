package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/layout"
	"github.com/roster-hub/roster/web/page"
)

// Choosing the language of a page: the person's saved choice (users.locale)
// when signed in, else the language chosen with the picker while signed
// out (a cookie), else the browser's Accept-Language, else the account's
// default language (or, on an invitee's page, the invitation's), else
// en-US. See localize and loadSession.

// localeCookie keeps the language chosen with the picker by someone who is
// not signed in (an invitee, the sign-in page).
const localeCookie = "roster_locale"

// LocaleStore saves a person's language (implemented by the user store).
type LocaleStore interface {
	// SetLocale saves the language a person chose and records it in the
	// audit trail, in one transaction. ENOTFOUND for an unknown person.
	SetLocale(ctx context.Context, accountID, userID int64, locale string) error
}

// cookieLocale is the language chosen with the picker while signed out, or "".
func cookieLocale(r *http.Request) string {
	c, err := r.Cookie(localeCookie)
	if err != nil {
		return ""
	}
	tag, _ := i18n.Supported(c.Value)
	return tag
}

// requestLocalizer is the language of a request from what the person and
// their browser say, then the fallback (an account's or invitation's
// language), then en-US.
func requestLocalizer(r *http.Request, saved, fallback string) *i18n.Localizer {
	l := i18n.New(saved, cookieLocale(r), r.Header.Get("Accept-Language"))
	if l.Default && fallback != "" {
		if f := i18n.New(fallback); !f.Default {
			f.Default = true // still not the person's own choice
			return f
		}
	}
	return l
}

// withInvitationLocale writes an invitee page in the invitation's
// language (or its account's) when neither the invitee nor their browser
// has chosen one. It changes r's context in place, as the invitee
// handlers read the language from it after loading the invitation.
func withInvitationLocale(r *http.Request, locale string) {
	if l := i18n.From(r.Context()); l.Default && locale != "" {
		*r = *r.WithContext(i18n.WithLocalizer(r.Context(), requestLocalizer(r, "", locale)))
	}
}

// chosenLocale is the language the person or their browser chose, or ""
// when the page is in a default language.
func chosenLocale(r *http.Request) string {
	if l := i18n.From(r.Context()); !l.Default {
		return l.Lang()
	}
	return ""
}

// handleSetLocale is the language picker's form: signed in, it saves the
// person's choice (and audits it); signed out, it keeps it in a cookie
// for a year. Then back (303) to the page it was posted from.
func (s *Server) handleSetLocale(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	locale, ok := i18n.Supported(r.PostFormValue("locale"))
	back := safeReturn(r.PostFormValue("return"), r)
	if !ok {
		return roster.Errorf(roster.EINVALID, "lang.problem")
	}
	if a, _ := actorFrom(r.Context()); a != nil {
		st, ok := s.Users.(LocaleStore)
		if !ok {
			return errNotFound
		}
		if a.User.Locale != locale {
			if err := st.SetLocale(r.Context(), a.User.AccountID, a.User.ID, locale); err != nil {
				return err
			}
		}
	}
	// The cookie too, so the language stays after signing out.
	http.SetCookie(w, &http.Cookie{
		Name: localeCookie, Value: locale, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	if hasToken(back) {
		// No response header may carry a link token: go on from a page.
		return render(w, r, http.StatusOK, layout.Continue(back))
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// hasToken reports whether a path has a segment shaped like a link token.
func hasToken(path string) bool {
	p, _, _ := strings.Cut(path, "?")
	for _, seg := range strings.Split(p, "/") {
		if roster.ValidTokenShape(seg) {
			return true
		}
	}
	return false
}

// safeReturn is a path on this site to go back to after choosing a
// language (the form's, else the page it was posted from); anything else
// goes home.
func safeReturn(p string, r *http.Request) string {
	if p == "" {
		if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && r.Host != "" {
			p = ref.RequestURI()
		}
	}
	p = safeNext(p)
	if p == "" {
		return "/"
	}
	if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" || strings.HasPrefix(u.Path, "/locale") {
		return "/"
	}
	return p
}

// formLocale reads the language of an invitation from an Add users form
// (the account's default when the form has none) into v, or a problem.
func formLocale(r *http.Request, v *page.AddUsers) {
	posted := r.PostFormValue("locale")
	if posted == "" {
		return
	}
	if tag, ok := i18n.Supported(posted); ok {
		v.Locale = tag
	} else {
		v.Problems["locale"] = "lang.problem"
	}
}

// importHeaders are the header names of the CSV import's columns in every
// language (the template's, which are also the export's), by ImportKey.
func importHeaders() map[string]string {
	h := map[string]string{}
	for key, col := range map[string]string{
		"csv.col_email": "email", "csv.col_name": "name", "csv.col_groups": "groups", "csv.col_roles": "roles", "lang.csv_header": "language",
	} {
		for _, name := range i18n.Translations(key) {
			h[roster.ImportKey(name)] = col
		}
	}
	return h
}

// importLocale reads the language cell of a CSV import row: a locale
// ("fr-CA", "fr_CA"), a language ("de": its main region) or a locale's
// own name ("Deutsch (Deutschland)"); nothing else, so that a typing
// mistake is an error of the row, not a guess.
func importLocale(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, l := range i18n.Locales {
		if strings.EqualFold(s, l.Name) {
			return l.Tag.String(), true
		}
	}
	s = strings.ReplaceAll(s, "_", "-")
	if tag, ok := i18n.Supported(s); ok {
		return tag, true
	}
	// A language alone, in its main region: "de" is de-DE, "es" es-ES.
	if l := i18n.New(s); !l.Default && strings.EqualFold(s, l.Lang()[:2]) {
		return l.Lang(), true
	}
	return "", false
}
