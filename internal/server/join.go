package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/page"
)

// Invitee pages: /invite/{token} (email invitations) and /join/{token}
// (invite links), for people who are not signed in yet. Opening a page
// never changes anything (mail scanners open links); only the POSTs act.
//
// Tokens live only in paths and in the pages' own form actions: the request
// log records route patterns, and no response header carries a token (no
// redirect ever points at a token address; tokenPage sets
// Referrer-Policy: no-referrer so the address does not leak onwards).

// inviteeFormLimit bounds the body of an invitee form.
const inviteeFormLimit = 16 << 10

// linkView returns what the page of the token in the address shows. A
// token of the other kind (a link's token under /invite/) is as unknown as
// one that never existed.
func (s *Server) linkView(r *http.Request, kind string) (roster.InviteView, string, error) {
	token := chi.URLParam(r, "token")
	v, err := s.Invitations.ViewInvitation(r.Context(), token, s.Now())
	if err == nil && v.Kind != kind {
		return roster.InviteView{}, token, errNotFound
	}
	if err == nil {
		withInvitationLocale(r, v.Locale)
	}
	return v, token, err
}

// linkStateOf returns the state of an invitation that stopped working
// between its page and the POST (the store's ECONFLICT with the state as
// message), or "".
func linkStateOf(err error) string {
	if roster.ErrorCode(err) != roster.ECONFLICT {
		return ""
	}
	switch m := roster.ErrorMessage(err); m {
	case roster.LinkExpired, roster.LinkRevoked, roster.LinkUsed, roster.LinkUsedUp:
		return m
	}
	return ""
}

// inviteeProblem returns the message key for a refusal of the store that
// the invitee can act on, or "" for any other error. The store's own keys
// are matched by their parts, so the catalogue check does not take them
// for keys of this package's catalogue.
func inviteeProblem(err error) string {
	msg := roster.ErrorMessage(err)
	if msg == "a person with this email already exists" {
		return "invitee.problem_email_exists"
	}
	ns, name, _ := strings.Cut(msg, ".")
	switch ns {
	case "join":
		switch name {
		case "email_taken":
			return "invitee.problem_email_taken"
		case "already_requested":
			return "invitee.problem_already_asked"
		case "domain_not_allowed":
			return "invitee.problem_domain"
		case "wrong_code":
			return "invitee.problem_wrong_code"
		case "code_expired":
			return "invitee.problem_code_expired"
		case "too_many_attempts":
			return "invitee.problem_code_attempts"
		}
	case "invite":
		if name == "other_person" {
			return "invitee.problem_other_person"
		}
	}
	return ""
}

// renderUnknown is the page of a token that names nothing: 404, and not a
// word about any account.
func (s *Server) renderUnknown(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	return render(w, r, http.StatusNotFound, page.NoticePage(page.Notice{
		Title: i18n.T(ctx, "invitee.unknown_title"),
		Lines: []string{i18n.T(ctx, "invitee.unknown_text")},
		Href:  "/login", Link: i18n.T(ctx, "invitee.go_sign_in"),
	}))
}

// renderDead is the page of an invitation or link that no longer works
// (410 Gone), with the "Ask for a new invitation" form.
func (s *Server) renderDead(w http.ResponseWriter, r *http.Request, status int, v roster.InviteView, token, state string) error {
	d := page.DeadLink{View: v, State: state, Ask: "/invite/" + token + "/ask"}
	if v.Kind == roster.KindLink {
		d.Ask = "/join/" + token + "/ask"
	}
	return s.renderDeadPage(w, r, status, d)
}

func (s *Server) renderDeadPage(w http.ResponseWriter, r *http.Request, status int, d page.DeadLink) error {
	return render(w, r, status, page.Dead(d))
}

// linkFailure renders the page for an error of an invitee page's store
// call when it has one: unknown token, or a link that died meanwhile. Any
// other error is returned.
func (s *Server) linkFailure(w http.ResponseWriter, r *http.Request, v roster.InviteView, token string, err error) error {
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return s.renderUnknown(w, r)
	}
	if st := linkStateOf(err); st != "" && v.ID != 0 {
		return s.renderDead(w, r, http.StatusGone, v, token, st)
	}
	return err
}

// browserLocale is the invitee's language when they chose one or their
// browser asks for one Roster offers; "" keeps the one the invitation was
// made in.
func browserLocale(r *http.Request) string { return chosenLocale(r) }

// newPasswordProblem is the problem of a new password, as at sign-up.
func newPasswordProblem(password string) string {
	switch roster.PasswordProblem(password) {
	case roster.PasswordTooShort:
		return "invitee.problem_password_short"
	case roster.PasswordTooLong:
		return "invitee.problem_password_long"
	case roster.PasswordCommon:
		return "invitee.problem_password_common"
	}
	return ""
}

func nameProblem(name string) string {
	switch {
	case name == "":
		return "invitee.problem_name"
	case utf8.RuneCountInString(name) > 200:
		return "form.max_200"
	}
	return ""
}

func validEmail(email string) bool {
	a, err := mail.ParseAddress(email)
	return err == nil && a.Address == email && len(email) <= 254
}

// ---- Email invitations --------------------------------------------------

// inviteForm is the invitation's page for whoever is looking: a new person
// creates an account; a person of the account signs in, or, when signed in
// already, just accepts.
func (s *Server) inviteForm(r *http.Request, v roster.InviteView, token string) page.InviteForm {
	f := page.InviteForm{View: v, Action: "/invite/" + token, Mode: page.InviteNew, Problems: map[string]string{}}
	a, _ := actorFrom(r.Context())
	if v.ExistingUserID != 0 {
		f.Mode = page.InviteSignIn
		if a != nil && a.User.ID == v.ExistingUserID && a.User.AccountID == v.AccountID {
			f.Mode = page.InviteAccept
		}
	}
	if a != nil && f.Mode != page.InviteAccept {
		f.SignedInAs = a.User.Name + " (" + a.User.Email + ")"
	}
	return f
}

func (s *Server) handleInvitePage(w http.ResponseWriter, r *http.Request) error {
	v, token, err := s.linkView(r, roster.KindEmail)
	if err != nil {
		return s.linkFailure(w, r, v, token, err)
	}
	if v.State != roster.LinkOK {
		return s.renderDead(w, r, http.StatusGone, v, token, v.State)
	}
	return render(w, r, http.StatusOK, page.Invite(s.inviteForm(r, v, token)))
}

// handleInviteAccept accepts an email invitation: a new person with a name
// and password, or a person of the account who signs in with it (or is
// signed in already). Then they are signed in and sent to their start page.
func (s *Server) handleInviteAccept(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, inviteeFormLimit)
	ctx := r.Context()
	v, token, err := s.linkView(r, roster.KindEmail)
	if err != nil {
		return s.linkFailure(w, r, v, token, err)
	}
	if v.State != roster.LinkOK {
		return s.renderDead(w, r, http.StatusGone, v, token, v.State)
	}
	f := s.inviteForm(r, v, token)
	var acc roster.Acceptance
	switch f.Mode {
	case page.InviteAccept:
		a, _ := actorFrom(ctx)
		acc.UserID = a.User.ID
	case page.InviteSignIn:
		u, status, err := s.checkInviteePassword(r, v, r.PostFormValue("password"), &f)
		if err != nil {
			return err
		}
		if status != 0 {
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "900")
			}
			return render(w, r, status, page.Invite(f))
		}
		acc.UserID = u.ID
	default:
		f.Name = strings.TrimSpace(r.PostFormValue("name"))
		password := r.PostFormValue("password")
		if p := nameProblem(f.Name); p != "" {
			f.Problems["name"] = p
		}
		if p := newPasswordProblem(password); p != "" {
			f.Problems["password"] = p
		}
		if len(f.Problems) > 0 {
			return render(w, r, http.StatusUnprocessableEntity, page.Invite(f))
		}
		hash, err := HashPassword(password, s.PasswordCost)
		if err != nil {
			return err
		}
		acc = roster.Acceptance{Name: f.Name, PasswordHash: hash, Locale: browserLocale(r)}
	}
	u, err := s.Invitations.AcceptInvitation(ctx, token, acc, s.Now())
	if err != nil {
		if st := linkStateOf(err); st != "" {
			return s.renderDead(w, r, http.StatusGone, v, token, st)
		}
		if roster.ErrorCode(err) == roster.ENOTFOUND {
			return s.renderUnknown(w, r)
		}
		key := inviteeProblem(err)
		if key == "" {
			return err
		}
		if key == "invitee.problem_email_exists" {
			// Someone with this address appeared meanwhile: of this account
			// (they sign in now) or of another one (nothing to do here).
			name := f.Name
			if v, err = s.Invitations.ViewInvitation(ctx, token, s.Now()); err != nil {
				return s.linkFailure(w, r, v, token, err)
			}
			f = s.inviteForm(r, v, token)
			f.Name = name
			if v.ExistingUserID == 0 {
				key = "invitee.problem_other_account"
			}
		}
		f.Alert = key
		return render(w, r, http.StatusUnprocessableEntity, page.Invite(f))
	}
	if f.Mode != page.InviteAccept {
		if err := s.startSession(w, r, u.AccountID, u.ID); err != nil {
			return err
		}
	}
	redirect(w, r, "/")
	return nil
}

// checkInviteePassword checks the password of the invited person of the
// account, as /login does (the same bcrypt check, the same throttles). A
// non-zero status means the form was refused, its problem set on f.
func (s *Server) checkInviteePassword(r *http.Request, v roster.InviteView, password string, f *page.InviteForm) (roster.User, int, error) {
	if password == "" {
		f.Problems["password"] = "invitee.problem_password_empty"
		return roster.User{}, http.StatusUnprocessableEntity, nil
	}
	now := s.Now()
	emailKey, ipKey := "e:"+strings.ToLower(v.Email), "ip:"+s.clientIP(r)
	if s.throttle.blocked(emailKey, now) || s.ipThrottle.blocked(ipKey, now) {
		f.Alert = "invitee.problem_throttled"
		return roster.User{}, http.StatusTooManyRequests, nil
	}
	u, hash, err := s.Accounts.Credentials(r.Context(), v.Email)
	if err != nil && roster.ErrorCode(err) != roster.ENOTFOUND {
		return u, 0, err
	}
	ok := false
	if err == nil && hash != "" && len(password) <= MaxPasswordLength {
		ok = checkPassword(hash, password)
	} else {
		checkPassword(dummyHash, password)
	}
	if !ok {
		s.throttle.fail(emailKey, now)
		s.ipThrottle.fail(ipKey, now)
		f.Problems["password"] = "invitee.problem_password_wrong"
		return u, http.StatusUnprocessableEntity, nil
	}
	s.throttle.reset(emailKey)
	switch {
	case u.Status != roster.StatusActive:
		f.Alert = "invitee.problem_deactivated"
		return u, http.StatusUnprocessableEntity, nil
	case u.ID != v.ExistingUserID || u.AccountID != v.AccountID:
		f.Alert = "invitee.problem_other_person"
		return u, http.StatusUnprocessableEntity, nil
	}
	return u, 0, nil
}

// ---- Invite links ----------------------------------------------------------

func (s *Server) joinForm(v roster.InviteView, token string) page.JoinForm {
	return page.JoinForm{View: v, Action: "/join/" + token, Problems: map[string]string{}}
}

func (s *Server) handleJoinPage(w http.ResponseWriter, r *http.Request) error {
	v, token, err := s.linkView(r, roster.KindLink)
	if err != nil {
		return s.linkFailure(w, r, v, token, err)
	}
	if v.State != roster.LinkOK {
		return s.renderDead(w, r, http.StatusGone, v, token, v.State)
	}
	return render(w, r, http.StatusOK, page.Join(s.joinForm(v, token)))
}

// handleJoinStart records someone joining through a link and emails them a
// code: nothing is active until the address is confirmed, so a link never
// lets anyone claim someone else's address.
func (s *Server) handleJoinStart(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, inviteeFormLimit)
	ctx := r.Context()
	v, token, err := s.linkView(r, roster.KindLink)
	if err != nil {
		return s.linkFailure(w, r, v, token, err)
	}
	if v.State != roster.LinkOK {
		return s.renderDead(w, r, http.StatusGone, v, token, v.State)
	}
	f := s.joinForm(v, token)
	f.Email = strings.TrimSpace(r.PostFormValue("email"))
	f.Name = strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	switch {
	case !validEmail(f.Email):
		f.Problems["email"] = "invitee.problem_email"
	case len(v.AllowedDomains) > 0 && !slices.Contains(v.AllowedDomains, roster.EmailDomain(f.Email)):
		f.Problems["email"] = "invitee.problem_domain"
	}
	if p := nameProblem(f.Name); p != "" {
		f.Problems["name"] = p
	}
	if p := newPasswordProblem(password); p != "" {
		f.Problems["password"] = p
	}
	if len(f.Problems) > 0 {
		return render(w, r, http.StatusUnprocessableEntity, page.Join(f))
	}
	// Each start emails the address: bound how often one address, or one
	// client, can make a link send mail.
	now := s.Now()
	emailKey, ipKey := "join:"+strings.ToLower(f.Email), "join-ip:"+s.clientIP(r)
	if s.throttle.blocked(emailKey, now) || s.ipThrottle.blocked(ipKey, now) {
		w.Header().Set("Retry-After", "900")
		f.Alert = "invitee.problem_throttled"
		return render(w, r, http.StatusTooManyRequests, page.Join(f))
	}
	hash, err := HashPassword(password, s.PasswordCost)
	if err != nil {
		return err
	}
	id, err := s.Invitations.StartJoin(ctx, token, roster.JoinStart{Email: f.Email, Name: f.Name, PasswordHash: hash, Locale: browserLocale(r)}, now)
	if err != nil {
		if key := inviteeProblem(err); key != "" {
			f.Problems["email"] = key
			return render(w, r, http.StatusUnprocessableEntity, page.Join(f))
		}
		return s.linkFailure(w, r, v, token, err)
	}
	s.throttle.fail(emailKey, now)
	s.ipThrottle.fail(ipKey, now)
	return render(w, r, http.StatusOK, page.JoinCode(page.CodeForm{
		AccountName: v.AccountName, Action: "/join/" + token + "/confirm", Request: s.sealJoinRequest(token, id, f.Email),
		Email: f.Email, Restart: "/join/" + token,
	}))
}

// handleJoinConfirmCode confirms a joiner's address with the emailed code.
func (s *Server) handleJoinConfirmCode(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, inviteeFormLimit)
	ctx := r.Context()
	v, token, err := s.linkView(r, roster.KindLink)
	if err != nil {
		return s.linkFailure(w, r, v, token, err)
	}
	f := page.CodeForm{AccountName: v.AccountName, Action: "/join/" + token + "/confirm", Request: r.PostFormValue("request"),
		Email: r.PostFormValue("email"), Restart: "/join/" + token}
	id, ok := s.openJoinRequest(token, f.Request, f.Email)
	if !ok {
		return roster.Errorf(roster.EINVALID, "error.invalid")
	}
	code := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(r.PostFormValue("code")))
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		f.Problem = "invitee.problem_code_format"
		return render(w, r, http.StatusUnprocessableEntity, page.JoinCode(f))
	}
	out, err := s.Invitations.ConfirmJoin(ctx, roster.JoinConfirmation{RequestID: id, Code: code}, s.Now())
	if err != nil {
		switch key := inviteeProblem(err); {
		case key == "invitee.problem_email_exists":
			f.Problem = "invitee.problem_joined_meanwhile"
		case key != "":
			f.Problem = key
		case roster.ErrorCode(err) == roster.ENOTFOUND:
			// The request was replaced by a newer start (a new code).
			f.Problem = "invitee.problem_code_gone"
		default:
			return s.linkFailure(w, r, v, token, err)
		}
		return render(w, r, http.StatusUnprocessableEntity, page.JoinCode(f))
	}
	return s.joinOutcome(w, r, v.AccountName, out)
}

// joinOutcome shows where a confirmed join ends: signed in at once, or
// waiting for an administrator.
func (s *Server) joinOutcome(w http.ResponseWriter, r *http.Request, accountName string, out roster.JoinOutcome) error {
	ctx := r.Context()
	if out.User != nil {
		if err := s.startSession(w, r, out.User.AccountID, out.User.ID); err != nil {
			return err
		}
		redirect(w, r, "/")
		return nil
	}
	n := page.Notice{AccountName: accountName}
	switch out.Request.Status {
	case "pending":
		n.Title = i18n.T(ctx, "invitee.waiting_title")
		if accountName != "" {
			n.Lines = append(n.Lines, i18n.T(ctx, "invitee.waiting_text", accountName))
		} else {
			n.Lines = append(n.Lines, i18n.T(ctx, "invitee.waiting_text_unnamed"))
		}
		n.Lines = append(n.Lines, i18n.T(ctx, "invitee.waiting_next", out.Request.Email))
	case "approved":
		n.Title = i18n.T(ctx, "invitee.already_joined_title")
		n.Lines = []string{i18n.T(ctx, "invitee.already_joined_text")}
		n.Href, n.Link = "/login", i18n.T(ctx, "invitee.sign_in")
	case "denied":
		n.Title = i18n.T(ctx, "invitee.denied_title")
		n.Lines = []string{i18n.T(ctx, "invitee.denied_text")}
	default:
		return roster.Errorf(roster.EINTERNAL, "join request %d is %q after confirming", out.Request.ID, out.Request.Status)
	}
	return render(w, r, http.StatusOK, page.NoticePage(n))
}

// handleJoinConfirmLinkPage is the page of the emailed confirmation link:
// only its button (a POST) confirms, since mail scanners open links.
func (s *Server) handleJoinConfirmLinkPage(w http.ResponseWriter, r *http.Request) error {
	token := chi.URLParam(r, "token")
	if !roster.ValidTokenShape(token) {
		return s.renderConfirmUnknown(w, r)
	}
	return render(w, r, http.StatusOK, page.JoinConfirmLink("/join/confirm/"+token))
}

func (s *Server) handleJoinConfirmLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	if !roster.ValidTokenShape(token) {
		return s.renderConfirmUnknown(w, r)
	}
	out, err := s.Invitations.ConfirmJoin(ctx, roster.JoinConfirmation{Token: token}, s.Now())
	if err != nil {
		n := page.Notice{Href: "/login", Link: i18n.T(ctx, "invitee.go_sign_in")}
		status := http.StatusGone
		switch key := inviteeProblem(err); {
		case roster.ErrorCode(err) == roster.ENOTFOUND:
			return s.renderConfirmUnknown(w, r)
		case key == "invitee.problem_code_expired":
			n.Title, n.Lines = i18n.T(ctx, "invitee.confirm_expired_title"), []string{i18n.T(ctx, "invitee.confirm_expired_text")}
			n.Href = ""
		case key == "invitee.problem_email_exists":
			status = http.StatusConflict
			n.Title, n.Lines = i18n.T(ctx, "invitee.confirm_taken_title"), []string{i18n.T(ctx, "invitee.confirm_taken_text")}
		case linkStateOf(err) != "":
			// The link died meanwhile. Its own token is not known here, so
			// the page cannot offer to ask for a new one itself.
			n.Title = page.DeadTitle(ctx, roster.KindLink, linkStateOf(err))
			n.Lines = []string{i18n.T(ctx, "invitee.confirm_dead_text")}
			n.Href = ""
		default:
			return err
		}
		return render(w, r, status, page.NoticePage(n))
	}
	return s.joinOutcome(w, r, out.AccountName, out)
}

func (s *Server) renderConfirmUnknown(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	return render(w, r, http.StatusNotFound, page.NoticePage(page.Notice{
		Title: i18n.T(ctx, "invitee.confirm_unknown_title"),
		Lines: []string{i18n.T(ctx, "invitee.confirm_unknown_text")},
		Href:  "/login", Link: i18n.T(ctx, "invitee.go_sign_in"),
	}))
}

// ---- Asking for a new invitation ----------------------------------------

// handleAskNewInvitation passes "Ask for a new invitation" on to the
// inviter (the store asks at most once a day per invitation).
func (s *Server) handleAskNewInvitation(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, inviteeFormLimit)
	ctx := r.Context()
	kind := roster.KindLink
	if strings.HasPrefix(r.URL.Path, "/invite/") {
		kind = roster.KindEmail
	}
	v, token, err := s.linkView(r, kind)
	if err != nil {
		return s.linkFailure(w, r, v, token, err)
	}
	if v.State == roster.LinkOK {
		// It works (again): nothing to ask, show it.
		if kind == roster.KindEmail {
			return render(w, r, http.StatusOK, page.Invite(s.inviteForm(r, v, token)))
		}
		return render(w, r, http.StatusOK, page.Join(s.joinForm(v, token)))
	}
	requester := ""
	if kind == roster.KindLink {
		requester = strings.TrimSpace(r.PostFormValue("email"))
		if requester != "" && !validEmail(requester) {
			return s.renderDeadPage(w, r, http.StatusUnprocessableEntity, page.DeadLink{View: v, State: v.State,
				Ask: "/join/" + token + "/ask", Email: requester, Problem: "invitee.problem_email"})
		}
	}
	if err := s.Invitations.AskForNewInvitation(ctx, token, requester, s.Now()); err != nil {
		return s.linkFailure(w, r, v, token, err)
	}
	inviter := v.InvitedByName
	if inviter == "" {
		inviter = i18n.T(ctx, "invitee.an_administrator")
	}
	return render(w, r, http.StatusOK, page.NoticePage(page.Notice{
		AccountName: v.AccountName,
		Title:       i18n.T(ctx, "invitee.asked_title", inviter),
		Lines:       []string{i18n.T(ctx, "invitee.asked_text", inviter, v.AccountName)},
	}))
}

// ---- Sealed join requests ----------------------------------------------------

// The code form carries its join request's id sealed with a MAC over the
// link's token and the address, so a code can only be tried against the
// request this browser started through this link: nobody can aim guesses
// at someone else's request (and be signed in as them), nor use up its
// attempts.

// joinKeys are the keys of the seal: the session hash keys (the first
// signs; the others, rotating out, still open).
func (s *Server) joinKeys() [][]byte {
	var keys [][]byte
	for i := 0; i < len(s.SessionKeys); i += 2 {
		keys = append(keys, s.SessionKeys[i])
	}
	if len(keys) == 0 {
		keys = [][]byte{processJoinKey}
	}
	return keys
}

// processJoinKey seals when the server has no session keys (never in
// production, where sessions need them).
var processJoinKey = func() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}()

func joinMAC(key []byte, token string, id int64, email string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("roster join request\x00" + token + "\x00" + strconv.FormatInt(id, 10) + "\x00" + strings.ToLower(email)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

func (s *Server) sealJoinRequest(token string, id int64, email string) string {
	return strconv.FormatInt(id, 10) + "." + joinMAC(s.joinKeys()[0], token, id, email)
}

func (s *Server) openJoinRequest(token, sealed, email string) (int64, bool) {
	idText, mac, ok := strings.Cut(sealed, ".")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id <= 0 {
		return 0, false
	}
	for _, k := range s.joinKeys() {
		if hmac.Equal([]byte(mac), []byte(joinMAC(k, token, id, email))) {
			return id, true
		}
	}
	return 0, false
}
