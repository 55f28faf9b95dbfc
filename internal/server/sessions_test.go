package server_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"golang.org/x/crypto/bcrypt"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/server"
)

// serverWith is another server on a's database, with deps changed by mod.
func (a *app) serverWith(t testing.TB, mod func(*server.Deps)) *server.Server {
	d := server.Deps{
		Accounts: postgres.NewAccountStore(a.Pool), Users: postgres.NewUserStore(a.Pool), Groups: postgres.NewGroupStore(a.Pool),
		Invitations: a.Invitations, Audit: postgres.NewAuditStore(a.Pool), Settings: postgres.NewSettingsStore(a.Pool),
		Logger: discardLogger(), PasswordCost: bcrypt.MinCost,
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef"), []byte("abcdef0123456789abcdef0123456789")},
	}
	if mod != nil {
		mod(&d)
	}
	return server.NewServer(d)
}

func sessionCookieOf(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == "roster_session" {
			return c
		}
	}
	return nil
}

func signInRecorded(t *testing.T, h http.Handler, headers ...string) *http.Response {
	t.Helper()
	form := url.Values{"email": {postgres.DemoAdminEmail}, "password": {postgres.DemoAdminPassword}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", rec.Code)
	}
	return rec.Result()
}

// The session cookie is HttpOnly and SameSite=Lax always, and Secure when
// the browser came over TLS, when SECURE_COOKIES says so, or when a
// trusted proxy (TRUST_PROXY) says X-Forwarded-Proto: https — and only a
// trusted proxy is believed.
func TestSessionCookieSecureOverTLSAndTrustedProxy(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	plain := a.serverWith(t, nil)
	proxied := a.serverWith(t, func(d *server.Deps) { d.TrustProxy = true })
	forced := a.serverWith(t, func(d *server.Deps) { d.SecureCookies = true })
	for _, tc := range []struct {
		name    string
		h       http.Handler
		headers []string
		secure  bool
	}{
		{"plain http", plain, nil, false},
		{"untrusted X-Forwarded-Proto", plain, []string{"X-Forwarded-Proto", "https"}, false},
		{"trusted proxy over https", proxied, []string{"X-Forwarded-Proto", "https"}, true},
		{"trusted proxy over http", proxied, []string{"X-Forwarded-Proto", "http"}, false},
		{"SECURE_COOKIES", forced, nil, true},
	} {
		c := sessionCookieOf(signInRecorded(t, tc.h, tc.headers...))
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure || c.Path != "/" {
			t.Errorf("%s: cookie %+v, want HttpOnly, SameSite=Lax, Secure=%v", tc.name, c, tc.secure)
		}
	}
	// Over real TLS.
	ts := httptest.NewTLSServer(plain)
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(ts.URL+"/login", url.Values{"email": {postgres.DemoAdminEmail}, "password": {postgres.DemoAdminPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if c := sessionCookieOf(res); c == nil || !c.Secure {
		t.Errorf("over TLS: cookie %+v, want Secure", c)
	}
}

// Sessions end after SESSION_IDLE unused and SESSION_MAX after sign-in,
// whatever the cookie says; a fresh id is made at every sign-in.
func TestSessionIdleAndAbsoluteTimeouts(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	admin := a.admUserID(t, postgres.DemoAdminEmail)
	count := func() int {
		var n int
		a.Pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE user_id = $1`, admin).Scan(&n)
		return n
	}
	before := count()
	idle := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	if count() != before+1 {
		t.Fatal("sign-in did not make a new session")
	}
	var idleID []byte
	a.Pool.QueryRow(ctx, `SELECT id_hash FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`, admin).Scan(&idleID)
	old := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	var oldID []byte
	a.Pool.QueryRow(ctx, `SELECT id_hash FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`, admin).Scan(&oldID)
	for _, c := range []*http.Client{idle, old} {
		if res, _ := a.get(t, c, "/users"); res.StatusCode != http.StatusOK {
			t.Fatalf("fresh session: %d", res.StatusCode)
		}
	}
	// Unused for 12 hours and a minute (the default SESSION_IDLE is 12h).
	a.Pool.Exec(ctx, `UPDATE sessions SET last_seen_at = now() - interval '12 hours 1 minute' WHERE id_hash = $1`, idleID)
	// Made 7 days and a minute ago, though used a moment ago (SESSION_MAX 168h).
	a.Pool.Exec(ctx, `UPDATE sessions SET created_at = now() - interval '7 days 1 minute', last_seen_at = now() WHERE id_hash = $1`, oldID)
	for name, c := range map[string]*http.Client{"idle": idle, "absolute": old} {
		res, _ := a.get(t, c, "/users")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("%s timeout: %d %q, want a redirect to sign in", name, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// Losing the Administrator role takes effect on the next request.
func TestRoleRemovalEffectiveOnNextRequest(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	acc := a.admAccount(t)
	hash, _ := server.HashPassword("second-admin-passphrase", bcrypt.MinCost)
	var uid, root, adminRole int64
	a.Pool.QueryRow(ctx, `SELECT id FROM groups WHERE account_id = $1 AND parent_id IS NULL`, acc).Scan(&root)
	a.Pool.QueryRow(ctx, `SELECT id FROM roles WHERE account_id = $1 AND key = 'administrator'`, acc).Scan(&adminRole)
	if err := a.Pool.QueryRow(ctx, `INSERT INTO users (account_id, email, name, password_hash) VALUES ($1, 'second.admin@acme.example', 'Sam Second', $2) RETURNING id`,
		acc, hash).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewUserStore(a.Pool).AddToGroup(ctx, acc, a.admUserID(t, postgres.DemoAdminEmail), []int64{uid}, root, []int64{adminRole}, nowUTC()); err != nil {
		t.Fatal(err)
	}
	second := a.signIn(t, "second.admin@acme.example", "second-admin-passphrase")
	if res, _ := a.get(t, second, "/users"); res.StatusCode != http.StatusOK {
		t.Fatalf("second admin before: %d", res.StatusCode)
	}
	first := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	if res := a.post(t, first, "/users/bulk", url.Values{"action": {"revoke_role"}, "id": {strconv.FormatInt(uid, 10)}, "role": {strconv.FormatInt(adminRole, 10)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res, _ := a.get(t, second, "/users"); res.StatusCode == http.StatusOK {
		t.Errorf("after losing Administrator: %d, want no hub", res.StatusCode)
	}
}

// Sign-in failures are throttled per client too (an office shares an
// address, so more loosely: 50 in 15 minutes), across any addresses.
func TestSignInIsThrottledPerClient(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	for i := range 50 {
		email := "nobody" + strconv.Itoa(i) + "@nowhere.example"
		if res := a.post(t, c, "/login", url.Values{"email": {email}, "password": {"wrong-password"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
		}
	}
	// The same client is now refused even for a real account and password.
	res, body := a.admPost(t, c, "/login", url.Values{"email": {postgres.DemoAdminEmail}, "password": {postgres.DemoAdminPassword}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many attempts") {
		t.Errorf("51st attempt: %d", res.StatusCode)
	}
	// Behind a trusted proxy, clients are told apart by X-Forwarded-For.
	h := a.serverWith(t, func(d *server.Deps) { d.TrustProxy = true })
	for i := range 50 {
		form := url.Values{"email": {"x" + strconv.Itoa(i) + "@nowhere.example"}, "password": {"wrong-password"}}
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	blocked := signInStatus(h, "203.0.113.7")
	other := signInStatus(h, "198.51.100.9")
	forged := signInStatus(h, "198.51.100.9, 203.0.113.7") // the proxy appends the real address last
	if blocked != http.StatusTooManyRequests || other != http.StatusSeeOther || forged != http.StatusTooManyRequests {
		t.Errorf("behind a proxy: blocked %d, other client %d, forged prefix %d", blocked, other, forged)
	}
}

func signInStatus(h http.Handler, xff string) int {
	form := url.Values{"email": {postgres.DemoAdminEmail}, "password": {postgres.DemoAdminPassword}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", xff)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// Token pages: a client that keeps opening links that name nothing is
// answered 429 (a page, or for htmx a fragment) before its guesses reach
// the database, and so is its next real link, for a while.
func TestTokenPagesAreThrottled(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	for i := range 30 {
		path := "/invite/" + randomToken()
		if i%2 == 1 {
			path = "/join/" + randomToken()
		}
		if res, _ := a.get(t, c, path); res.StatusCode != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i+1, res.StatusCode)
		}
	}
	res, body := a.get(t, c, "/join/"+randomToken())
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many requests") ||
		res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("31st guess: %d", res.StatusCode)
	}
	res, body = a.get(t, c, "/invite/"+randomToken(), "HX-Request", "true")
	if res.StatusCode != http.StatusTooManyRequests || strings.Contains(body, "<html") || !strings.Contains(body, "Too many attempts") {
		t.Errorf("htmx guess: %d %.200s", res.StatusCode, body)
	}
	res = a.post(t, c, "/join/"+randomToken(), url.Values{"email": {"a@b.example"}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("POST guess: %d", res.StatusCode)
	}
}

func nowUTC() time.Time { return time.Now().UTC() }

// The session cookie carries the session's token alone, signed and
// encrypted; a cookie written in the earlier form (gob) signs its holder
// out instead of failing the request.
func TestSessionCookieCarriesOnlyTheToken(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	h := a.serverWith(t, nil)
	c := sessionCookieOf(signInRecorded(t, h))
	if c == nil {
		t.Fatal("no session cookie")
	}
	keys := [][]byte{[]byte("0123456789abcdef0123456789abcdef"), []byte("abcdef0123456789abcdef0123456789")}
	raw := securecookie.New(keys[0], keys[1]).SetSerializer(securecookie.NopEncoder{})
	var token []byte
	if err := raw.Decode("roster_session", c.Value, &token); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(token) < 32 || strings.ContainsFunc(string(token), func(r rune) bool { return r < '!' || r > '~' }) {
		t.Errorf("cookie carries %q, want the session token alone", token)
	}
	get := func(c *http.Cookie) int {
		req := httptest.NewRequest(http.MethodGet, "/users", nil)
		req.AddCookie(c)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := get(c); code != http.StatusOK {
		t.Fatalf("/users with the cookie: %d", code)
	}
	old, err := securecookie.EncodeMulti("roster_session", map[any]any{"t": string(token)}, securecookie.New(keys[0], keys[1]))
	if err != nil {
		t.Fatal(err)
	}
	if code := get(&http.Cookie{Name: "roster_session", Value: old}); code != http.StatusSeeOther {
		t.Errorf("/users with a gob cookie: %d, want a redirect to sign in", code)
	}
}
