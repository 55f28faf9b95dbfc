package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/component"
	"github.com/roster-hub/roster/web/page"
)

// SettingsStore changes an account's settings.
type SettingsStore interface {
	// UpdateSettings saves the account defaults and records the change in
	// the audit trail, in one transaction. EINVALID for a value out of
	// bounds; ENOTFOUND for an unknown account.
	UpdateSettings(ctx context.Context, accountID, actorID int64, s roster.Settings) error
}

// settingsRoutes registers the routes of this file: The account settings screen.
func (s *Server) settingsRoutes(r chi.Router) {
	r.Get("/settings", s.handle(s.handleSettings))
	r.Post("/settings", s.handle(s.handleSaveSettings))
}

// settingsForm is the posted settings form, as typed.
type settingsForm page.SettingsForm

// Valid returns the settings the form asks for and the problem of each
// field that is not in bounds (message keys).
func (f settingsForm) Valid(ctx context.Context) (roster.Settings, map[string]string) {
	p := map[string]string{}
	var out roster.Settings
	var ok bool
	if out.InviteValidityDays, ok = wholeNumber(f.InviteValidityDays, roster.MinInviteValidityDays, roster.MaxInviteValidityDays); !ok {
		p["invite_validity"] = "settings.problem_invite_validity"
	}
	out.RemindersEnabled = f.Reminders
	if out.ExpiringSoonDays, ok = wholeNumber(f.ExpiringSoonDays, roster.MinExpiringSoonDays, roster.MaxExpiringSoonDays); !ok {
		p["expiring_soon"] = "settings.problem_expiring_soon"
	}
	per := 1
	switch f.LinkValidityUnit {
	case page.UnitDays:
		per = 24
	case page.UnitHours:
	default:
		p["link_validity"] = "settings.problem_link_validity"
	}
	n, ok := wholeNumber(f.LinkValidity, 1, roster.MaxLinkValidityHours)
	if out.LinkValidityHours = n * per; !ok || out.LinkValidityHours < roster.MinLinkValidityHours || out.LinkValidityHours > roster.MaxLinkValidityHours {
		p["link_validity"] = "settings.problem_link_validity"
	}
	if out.LinkMaxUses, ok = wholeNumber(f.LinkMaxUses, roster.MinLinkMaxUses, roster.MaxLinkMaxUses); !ok {
		p["link_max_uses"] = "settings.problem_link_max_uses"
	}
	if out.InvitesPerAdminPerDay, ok = wholeNumber(f.InvitesPerDay, roster.MinInvitesPerDay, roster.MaxInvitesPerDay); !ok {
		p["invites_per_day"] = "settings.problem_invites_per_day"
	}
	if out.DefaultLocale, ok = i18n.Supported(f.DefaultLocale); !ok {
		p["default_locale"] = "lang.problem"
	}
	return out, p
}

// wholeNumber reads a whole number typed with or without grouping
// ("5,000", "5 000") and checks it is within [lo, hi].
func wholeNumber(s string, lo, hi int) (int, bool) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ',', ' ', '\u00a0', '\u202f', '_', '\'':
			return -1
		}
		return r
	}, s)
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi || strings.HasPrefix(s, "+") {
		return 0, false
	}
	return n, true
}

// formFromSettings is the form showing the saved settings.
func formFromSettings(st roster.Settings) page.SettingsForm {
	f := page.SettingsForm{
		InviteValidityDays: strconv.Itoa(st.InviteValidityDays),
		Reminders:          st.RemindersEnabled,
		ExpiringSoonDays:   strconv.Itoa(st.ExpiringSoonDays),
		LinkValidity:       strconv.Itoa(st.LinkValidityHours),
		LinkValidityUnit:   page.UnitHours,
		LinkMaxUses:        strconv.Itoa(st.LinkMaxUses),
		InvitesPerDay:      strconv.Itoa(st.InvitesPerAdminPerDay),
		DefaultLocale:      st.DefaultLocale,
	}
	if st.LinkValidityHours%24 == 0 {
		f.LinkValidity, f.LinkValidityUnit = strconv.Itoa(st.LinkValidityHours/24), page.UnitDays
	}
	return f
}

func (s *Server) settingsView(r *http.Request) (page.SettingsView, error) {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	if !a.AccountAdmin {
		return page.SettingsView{}, errForbid
	}
	return page.SettingsView{
		Shell:    shell(a, acc, i18n.T(ctx, "settings.title"), "settings"),
		Form:     formFromSettings(acc.Settings),
		Problems: map[string]string{},
	}, nil
}

// handleSettings shows the account settings; after a save without
// JavaScript (?saved=1, or ?saved=0 when nothing changed) it says so.
func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.settingsView(r)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("saved") {
	case "1":
		v.Flash = i18n.T(r.Context(), "settings.saved")
	case "0":
		v.Flash = i18n.T(r.Context(), "settings.unchanged")
	}
	return render(w, r, http.StatusOK, page.Settings(v))
}

// handleSaveSettings validates every field, re-showing the form with its
// problems and the values as typed (422), or saves and says so.
func (s *Server) handleSaveSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, acc := actorFrom(ctx)
	v, err := s.settingsView(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return roster.Errorf(roster.EINVALID, "form too large")
	}
	f := settingsForm{
		InviteValidityDays: strings.TrimSpace(r.PostFormValue("invite_validity_days")),
		Reminders:          r.PostFormValue("reminders") == "1",
		ExpiringSoonDays:   strings.TrimSpace(r.PostFormValue("expiring_soon_days")),
		LinkValidity:       strings.TrimSpace(r.PostFormValue("link_validity")),
		LinkValidityUnit:   r.PostFormValue("link_validity_unit"),
		LinkMaxUses:        strings.TrimSpace(r.PostFormValue("link_max_uses")),
		InvitesPerDay:      strings.TrimSpace(r.PostFormValue("invites_per_day")),
		DefaultLocale:      r.PostFormValue("default_locale"),
	}
	if _, sent := r.PostForm["invites_per_day"]; !sent { // a form from before the setting existed
		f.InvitesPerDay = strconv.Itoa(acc.Settings.InvitesPerAdminPerDay)
	}
	if f.DefaultLocale == "" { // a form without the field keeps the language
		f.DefaultLocale = acc.Settings.DefaultLocale
	}
	v.Form = page.SettingsForm(f)
	next, problems := f.Valid(ctx)
	if len(problems) > 0 {
		v.Problems = problems
		return s.renderSettingsForm(w, r, http.StatusUnprocessableEntity, v)
	}
	changed := len(acc.Settings.Changes(next)) > 0
	if err := s.Settings.UpdateSettings(ctx, acc.ID, a.User.ID, next); err != nil {
		return err
	}
	if !isFragment(r) {
		to := "/settings?saved=1"
		if !changed {
			to = "/settings?saved=0"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	v.Form = formFromSettings(next)
	if changed {
		v.Flash = i18n.T(ctx, "settings.saved")
	} else {
		v.Flash = i18n.T(ctx, "settings.unchanged")
	}
	return s.renderSettingsForm(w, r, http.StatusOK, v)
}

// renderSettingsForm answers a save: for htmx the form (and any flash,
// out of band), else the whole page.
func (s *Server) renderSettingsForm(w http.ResponseWriter, r *http.Request, status int, v page.SettingsView) error {
	if !isFragment(r) {
		return render(w, r, status, page.Settings(v))
	}
	if v.Flash == "" {
		return render(w, r, status, page.SettingsFormView(v))
	}
	flash := v.Flash
	v.Flash = ""
	return render(w, r, status, join(page.SettingsFormView(v), component.FlashOK(flash)))
}
