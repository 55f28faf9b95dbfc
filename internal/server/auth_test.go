package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roster-hub/roster/internal/postgres"
)

func TestSignInFailuresLookTheSame(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	var bodies []string
	for _, creds := range [][2]string{
		{postgres.DemoAdminEmail, "wrong-password"},
		{"nobody@nowhere.example", "whatever-password"},
		{"", ""},
	} {
		req := url.Values{"email": {creds[0]}, "password": {creds[1]}}
		res, err := a.client(t).PostForm(a.URL+"/login", req)
		if err != nil {
			t.Fatal(err)
		}
		doc := parse(t, readAll(res))
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%q: status %d, want 422", creds[0], res.StatusCode)
		}
		bodies = append(bodies, doc.Find("#login-error").Text())
		if c := res.Cookies(); len(c) > 0 {
			t.Errorf("%q: failed sign-in set a cookie", creds[0])
		}
	}
	if bodies[0] == "" || bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Errorf("failure messages differ: %q", bodies)
	}
}

func TestSignInIsThrottledPerAddress(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	for i := range 10 {
		if res := a.post(t, c, "/login", url.Values{"email": {postgres.DemoMemberEmail}, "password": {"nope"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: status %d", i+1, res.StatusCode)
		}
	}
	// Even the right password is refused while throttled.
	res := a.post(t, c, "/login", url.Values{"email": {postgres.DemoMemberEmail}, "password": {postgres.DemoMemberPassword}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("11th attempt: status %d, want 429 with Retry-After", res.StatusCode)
	}
	// Another address is not affected.
	if res := a.post(t, c, "/login", url.Values{"email": {postgres.DemoAdminEmail}, "password": {postgres.DemoAdminPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("other address: status %d", res.StatusCode)
	}
}

func TestSessionCookieAndNewSessionAtSignIn(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.client(t)
	res := a.post(t, c, "/login", url.Values{"email": {postgres.DemoAdminEmail}, "password": {postgres.DemoAdminPassword}})
	var first *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "roster_session" {
			first = ck
		}
	}
	if first == nil || !first.HttpOnly || first.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax", first)
	}
	res = a.post(t, c, "/login", url.Values{"email": {postgres.DemoAdminEmail}, "password": {postgres.DemoAdminPassword}})
	for _, ck := range res.Cookies() {
		if ck.Name == "roster_session" && ck.Value == first.Value {
			t.Errorf("sign-in reused the session cookie")
		}
	}
}

func TestSignOutAndSignOutEverywhere(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	laptop := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	phone := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	tablet := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)

	// Sign out ends only this session.
	if res := a.post(t, tablet, "/logout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if res, _ := a.get(t, tablet, "/users"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after sign out: %d, want redirect to sign-in", res.StatusCode)
	}
	if res, _ := a.get(t, phone, "/users"); res.StatusCode != http.StatusOK {
		t.Errorf("other session after sign out: %d", res.StatusCode)
	}
	// Sign out everywhere ends them all on their next request.
	if res := a.post(t, laptop, "/logout/everywhere", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout everywhere: %d", res.StatusCode)
	}
	for name, c := range map[string]*http.Client{"laptop": laptop, "phone": phone} {
		if res, _ := a.get(t, c, "/users"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("%s after sign out everywhere: %d", name, res.StatusCode)
		}
	}
}

func TestDeactivationEndsSessionsOnNextRequest(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoMemberEmail, postgres.DemoMemberPassword)
	if res, _ := a.get(t, c, "/account"); res.StatusCode != http.StatusOK {
		t.Fatalf("before: %d", res.StatusCode)
	}
	if _, err := a.Pool.Exec(t.Context(), `UPDATE users SET status = 'deactivated' WHERE email = $1`, postgres.DemoMemberEmail); err != nil {
		t.Fatal(err)
	}
	if res, _ := a.get(t, c, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after deactivation: %d, want redirect to sign-in", res.StatusCode)
	}
	if res := a.post(t, a.client(t), "/login", url.Values{"email": {postgres.DemoMemberEmail}, "password": {postgres.DemoMemberPassword}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("deactivated sign-in: %d, want 422", res.StatusCode)
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	for _, path := range []string{"/logout", "/logout/everywhere", "/login", "/signup"} {
		res := a.post(t, c, path, url.Values{"email": {"x@y.example"}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin POST %s: %d, want 403", path, res.StatusCode)
		}
	}
	// The session survived the refused sign-out.
	if res, _ := a.get(t, c, "/users"); res.StatusCode != http.StatusOK {
		t.Errorf("session after refused cross-origin sign-out: %d", res.StatusCode)
	}
}

func TestSignupCreatesAccountAndAdministrator(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	// Problems are shown field by field, and nothing is created.
	res, err := c.PostForm(a.URL+"/signup", url.Values{"account": {""}, "name": {"Ana"}, "email": {"not-an-email"}, "password": {"short"}})
	if err != nil {
		t.Fatal(err)
	}
	doc := parse(t, readAll(res))
	if res.StatusCode != http.StatusUnprocessableEntity || doc.Find(".problem").Length() != 3 {
		t.Errorf("invalid signup: status %d, %d problems", res.StatusCode, doc.Find(".problem").Length())
	}
	if v, _ := doc.Find("#signup-name").Attr("value"); v != "Ana" {
		t.Errorf("typed name lost: %q", v)
	}
	// A taken email is refused, whatever its case.
	res, _ = c.PostForm(a.URL+"/signup", url.Values{"account": {"Other"}, "name": {"Eve"}, "email": {strings.ToUpper(postgres.DemoAdminEmail)}, "password": {"a-long-enough-pass"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(readAll(res), "already has a Roster account") {
		t.Errorf("taken email: status %d", res.StatusCode)
	}
	res = a.post(t, c, "/signup", url.Values{"account": {"Globex Ltd"}, "name": {"Ana Núñez"}, "email": {"ana@globex.example"}, "password": {"correct horse battery"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/users" {
		t.Fatalf("signup: status %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res2, body := a.get(t, c, "/users")
	doc = parse(t, body)
	if res2.StatusCode != http.StatusOK {
		t.Fatalf("hub after signup: %d", res2.StatusCode)
	}
	rows := doc.Find("#people-table tbody tr")
	if rows.Length() != 1 || !strings.Contains(rows.Text(), "Ana Núñez") || !strings.Contains(rows.Text(), "Administrator") {
		t.Errorf("new account's people: %q", rows.Text())
	}
	if strings.Contains(body, "Acme") {
		t.Errorf("new account sees the demo account's data")
	}
	var roles int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM roles r JOIN accounts a ON a.id = r.account_id WHERE a.name = 'Globex Ltd'`).Scan(&roles)
	if roles != 5 {
		t.Errorf("new account has %d roles, want 5", roles)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	res, _ := a.get(t, a.client(t), "/login")
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("no nosniff")
	}
}
