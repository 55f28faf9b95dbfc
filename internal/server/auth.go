package server

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/page"
)

// MinPasswordLength (characters) and MaxPasswordLength (bytes) bound new
// passwords (roster.PasswordProblem has the whole rule).
const (
	MinPasswordLength = roster.MinPasswordLength
	MaxPasswordLength = roster.MaxPasswordBytes
)

// HashPassword hashes a password with bcrypt. The password is first
// reduced with SHA-256 so that bcrypt's 72-byte limit never silently cuts
// a long passphrase.
func HashPassword(password string, cost int) (string, error) {
	b, err := bcrypt.GenerateFromPassword(prehash(password), cost)
	return string(b), err
}

func checkPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), prehash(password)) == nil
}

func prehash(p string) []byte {
	sum := sha256.Sum256([]byte(p))
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}

// dummyHash is compared against when no such person exists, so that a
// wrong email takes as long as a wrong password.
var dummyHash, _ = HashPassword("roster-timing-equaliser", bcrypt.DefaultCost)

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	a, _ := actorFrom(r.Context())
	switch {
	case a == nil:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case a.CanOpenHub():
		http.Redirect(w, r, "/users", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/account", http.StatusSeeOther)
	}
	return nil
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) error {
	if a, _ := actorFrom(r.Context()); a != nil {
		return s.handleHome(w, r)
	}
	return render(w, r, http.StatusOK, page.Login(page.LoginForm{
		Next:      safeNext(r.URL.Query().Get("next")),
		SignedOut: r.URL.Query().Get("signed_out") == "1",
	}))
}

// clientIP is the address throttles count a client by: the connection's,
// or behind a trusted proxy the last address it appended to
// X-Forwarded-For (earlier entries are the client's to forge).
func (s *Server) clientIP(r *http.Request) string {
	if s.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	return remoteIP(r)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// handleLogin signs a person in. Every failure reads the same, whether the
// email is unknown, the password wrong or the person deactivated; repeated
// failures per address and per client are throttled.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	form := page.LoginForm{Email: email, Next: safeNext(r.PostFormValue("next"))}
	now := s.Now()
	emailKey, ipKey := "e:"+strings.ToLower(email), "ip:"+s.clientIP(r)
	if s.throttle.blocked(emailKey, now) || s.ipThrottle.blocked(ipKey, now) {
		form.Throttle = true
		w.Header().Set("Retry-After", "900")
		return render(w, r, http.StatusTooManyRequests, page.Login(form))
	}
	u, hash, err := s.Accounts.Credentials(r.Context(), email)
	if err != nil && roster.ErrorCode(err) != roster.ENOTFOUND {
		return err
	}
	ok := false
	if err == nil && hash != "" && len(password) <= MaxPasswordLength {
		ok = checkPassword(hash, password)
	} else {
		checkPassword(dummyHash, password)
	}
	if ok && u.Status != roster.StatusActive {
		ok = false
	}
	if !ok {
		s.throttle.fail(emailKey, now)
		s.ipThrottle.fail(ipKey, now)
		form.Failed = true
		return render(w, r, http.StatusUnprocessableEntity, page.Login(form))
	}
	s.throttle.reset(emailKey)
	if err := s.startSession(w, r, u.AccountID, u.ID); err != nil {
		return err
	}
	to := form.Next
	if to == "" {
		to = "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// startSession makes a new session (a fresh id at every sign-in) and sets
// its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, accountID, userID int64) error {
	token, err := s.Accounts.CreateSession(r.Context(), accountID, userID)
	if err != nil {
		return err
	}
	sess, _ := s.cookies.New(r, sessionCookie)
	sess.Values["t"] = token
	sess.Options.Secure = s.secureRequest(r)
	return sess.Save(r, w)
}

// tokenCookie writes the session cookie's one value, the session's token
// ("t"), as its bytes (signed and encrypted by securecookie as before).
// gob, securecookie's default, compiled its type description again for
// every request it decoded: 5 % of the server's CPU under the People
// table's load. A cookie gob wrote reads as an unknown token: its holder
// signs in again.
type tokenCookie struct{}

func (tokenCookie) Serialize(src any) ([]byte, error) {
	v, _ := src.(map[any]any)
	t, _ := v["t"].(string)
	kept := 0
	if t != "" {
		kept = 1
	}
	if len(v) != kept {
		return nil, errors.New("session cookie: only the token is kept")
	}
	return []byte(t), nil
}

func (tokenCookie) Deserialize(src []byte, dst any) error {
	v, ok := dst.(*map[any]any)
	if !ok || *v == nil {
		return errors.New("session cookie: no values to fill")
	}
	if len(src) > 0 {
		(*v)["t"] = string(src)
	}
	return nil
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	sess, _ := s.cookies.New(r, sessionCookie)
	sess.Options.MaxAge = -1
	sess.Options.Secure = s.secureRequest(r)
	sess.Save(r, w)
}

// secureRequest reports whether the browser reached us over https: TLS
// here, SECURE_COOKIES, or a trusted proxy saying X-Forwarded-Proto: https.
// Cookies are then marked Secure.
func (s *Server) secureRequest(r *http.Request) bool {
	return r.TLS != nil || s.SecureCookies ||
		(s.TrustProxy && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https"))
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if token, _ := r.Context().Value(keySessionToken).(string); token != "" {
		if err := s.Accounts.DeleteSession(r.Context(), token); err != nil {
			return err
		}
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/login?signed_out=1", http.StatusSeeOther)
	return nil
}

func (s *Server) handleLogoutEverywhere(w http.ResponseWriter, r *http.Request) error {
	a, _ := actorFrom(r.Context())
	if err := s.Accounts.SignOutEverywhere(r.Context(), a.User.AccountID, a.User.ID); err != nil {
		return err
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/login?signed_out=1", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-sign-in destination only when it is a path on
// this site (no open redirect to another host).
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return ""
	}
	return next
}

func (s *Server) handleSignupPage(w http.ResponseWriter, r *http.Request) error {
	return render(w, r, http.StatusOK, page.Signup(page.SignupForm{}))
}

// signupForm is the posted business sign-up.
type signupForm struct {
	AccountName, Name, Email, Password string
}

// Valid returns the problems of each field (message keys).
func (f signupForm) Valid() map[string]string {
	p := map[string]string{}
	if f.AccountName == "" {
		p["account"] = "signup.problem_account"
	} else if utf8.RuneCountInString(f.AccountName) > 200 {
		p["account"] = "form.max_200"
	}
	if f.Name == "" {
		p["name"] = "signup.problem_name"
	} else if utf8.RuneCountInString(f.Name) > 200 {
		p["name"] = "form.max_200"
	}
	if a, err := mail.ParseAddress(f.Email); err != nil || a.Address != f.Email || len(f.Email) > 254 {
		p["email"] = "signup.problem_email"
	}
	switch roster.PasswordProblem(f.Password) {
	case roster.PasswordTooShort:
		p["password"] = "signup.problem_password_short"
	case roster.PasswordTooLong:
		p["password"] = "signup.problem_password_long"
	case roster.PasswordCommon:
		p["password"] = "signup.problem_password_common"
	}
	return p
}

func (s *Server) handleSignup(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	f := signupForm{
		AccountName: strings.TrimSpace(r.PostFormValue("account")),
		Name:        strings.TrimSpace(r.PostFormValue("name")),
		Email:       strings.TrimSpace(r.PostFormValue("email")),
		Password:    r.PostFormValue("password"),
	}
	view := page.SignupForm{AccountName: f.AccountName, Name: f.Name, Email: f.Email, Problems: f.Valid()}
	if len(view.Problems) > 0 {
		return render(w, r, http.StatusUnprocessableEntity, page.Signup(view))
	}
	hash, err := HashPassword(f.Password, s.PasswordCost)
	if err != nil {
		return err
	}
	acc, u, err := s.Accounts.CreateAccount(r.Context(), roster.Signup{AccountName: f.AccountName, Name: f.Name, Email: f.Email, PasswordHash: hash, Locale: chosenLocale(r)})
	if roster.ErrorCode(err) == roster.ECONFLICT {
		view.Problems = map[string]string{"email": "signup.problem_email_taken"}
		return render(w, r, http.StatusUnprocessableEntity, page.Signup(view))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(w, r, acc.ID, u.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return nil
}
