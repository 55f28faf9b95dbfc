package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

func (a *app) count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Request bodies are capped before any handler reads them: a form over
// 1 MiB is refused with a clear page (413; for htmx a flash fragment), a
// body of unknown length is cut off at the cap, and the CSV upload has its
// own, larger cap.
func TestRequestBodiesAreCapped(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	before := a.count(t, "invitations")
	big := url.Values{"emails": {"x@big.example"}, "message": {strings.Repeat("m", 2<<20)}}
	res, body := a.admPost(t, c, "/users/invite", big)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "too much to send at once") {
		t.Errorf("2 MiB form: %d", res.StatusCode)
	}
	res, body = a.admPost(t, c, "/users/invite", big, "HX-Request", "true", "HX-Target", "dialog-body")
	if res.StatusCode != http.StatusRequestEntityTooLarge || strings.Contains(body, "<html") || res.Header.Get("HX-Retarget") != "#flash" {
		t.Errorf("2 MiB form from htmx: %d %q", res.StatusCode, res.Header.Get("HX-Retarget"))
	}
	// No declared length: read up to the cap, then refused.
	for _, path := range []string{"/users/invite", "/settings", "/groups", "/users/bulk"} {
		req, _ := http.NewRequest(http.MethodPost, a.URL+path, io.MultiReader(strings.NewReader("emails=y%40big.example&name=x&message="),
			bytes.NewReader(bytes.Repeat([]byte("m"), 3<<20))))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		res.Body.Close()
		if res.StatusCode < 400 || res.StatusCode >= 500 || (path == "/users/invite" && res.StatusCode != http.StatusRequestEntityTooLarge) {
			t.Errorf("%s with a 3 MiB body of unknown length: %d, want a 4xx (413 where the handler reads the whole form)", path, res.StatusCode)
		}
	}
	if n := a.count(t, "invitations"); n != before {
		t.Errorf("oversized posts made invitations: %d -> %d", before, n)
	}
	// The CSV upload takes more than the forms' cap (up to 20 MB).
	csv := "email,name,notes\nbig.file@newhire.example,Big File," + strings.Repeat("n", 3<<19) + "\n"
	if res, body := a.upload(t, c, "big.csv", []byte(csv), asDialog...); res.StatusCode != http.StatusOK || !strings.Contains(body, "big.file@newhire.example") {
		t.Errorf("1.5 MB CSV: %d", res.StatusCode)
	}
}

// Every free-text field has a limit, refused with a message that says it
// (422), and nothing is made.
func TestFieldLengthLimits(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	a := f.a
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	token, _ := f.inviteByEmail(t, "long.names@newhire.example", "")
	linkToken, _ := f.newLink(t, postgresLink("Long names"))
	root := rootGroup(t, a, a.admAccount(t))
	long := func(n int) string { return strings.Repeat("é", n) } // characters, not bytes
	tables := "users, invitations, groups, roles, join_requests, accounts"
	before := map[string]int{}
	for _, tb := range strings.Split(tables, ", ") {
		before[tb] = a.count(t, tb)
	}
	for _, tc := range []struct {
		name, path string
		form       url.Values
		signedIn   bool
		want       string
	}{
		{"business name", "/signup", url.Values{"account": {long(201)}, "name": {"N"}, "email": {"n@long.example"}, "password": {"violet tram 42 marmalade"}}, false, "at most 200 characters"},
		{"your name", "/signup", url.Values{"account": {"A"}, "name": {long(201)}, "email": {"n@long.example"}, "password": {"violet tram 42 marmalade"}}, false, "at most 200 characters"},
		{"personal message", "/users/invite", url.Values{"emails": {"m@long.example"}, "message": {long(1001)}}, true, "at most 1,000 characters"},
		{"link label", "/users/links", url.Values{"label": {long(101)}, "max_uses": {"5"}, "validity": {"24"}}, true, "at most 100 characters"},
		{"group name", "/groups", url.Values{"parent": {id(root)}, "name": {long(101)}}, true, "at most 100 characters"},
		{"role name", "/roles", url.Values{"name": {long(101)}, "description": {"d"}}, true, "at most 100 characters"},
		{"role description", "/roles", url.Values{"name": {"Long role"}, "description": {long(301)}}, true, "at most 300 characters"},
		{"name accepting an invitation", "/invite/" + token, url.Values{"name": {long(201)}, "password": {"violet tram 42 marmalade"}}, false, "at most 200 characters"},
		{"name joining through a link", "/join/" + linkToken, url.Values{"email": {"j@newhire.example"}, "name": {long(201)}, "password": {"violet tram 42 marmalade"}}, false, "at most 200 characters"},
	} {
		client := a.client(t)
		if tc.signedIn {
			client = c
		}
		res, body := a.admPost(t, client, tc.path, tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tc.name, res.StatusCode)
			continue
		}
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s: the page does not say %q", tc.name, tc.want)
		}
	}
	for tb, n := range before {
		if got := a.count(t, tb); got != n {
			t.Errorf("%s: %d -> %d rows", tb, n, got)
		}
	}
}

// Unknown or malformed filter values in the URL are dropped with a visible
// note (pages) or ignored (exports, suggestions): never a 5xx.
func TestMalformedFiltersNeverFail(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	bad := []string{
		"q=%ff%fe%00&status=%3Cscript%3E&role=1e9&role=-2&group=9223372036854775808&sub=x&never=2&nogroup=yes&invited_by=abc&sort=%27&dir=%22&order=x:y",
		"after=" + strings.Repeat("A", 2000),
		"before=%00%01&after=",
		"role=" + strings.Join(strings.Fields(strings.Repeat("7 ", 1)+"1 2 3 4 5 6 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25"), "&role="),
		"tab=invitations&istatus=%00&iq=" + strings.Repeat("%E2%80%AE", 300) + "&igroup=-1&irole=x&iinvited_by=1.5&iafter=%%%",
	}
	for _, q := range bad {
		for _, path := range []string{"/users?", "/users/export.csv?", "/invitations/export.csv?"} {
			res, body := a.get(t, c, path+q)
			if res.StatusCode >= 500 {
				t.Errorf("%s%.80s: %d", path, q, res.StatusCode)
			}
			if path == "/users?" && res.StatusCode == http.StatusOK && q != "before=%00%01&after=" && parse(t, body).Find(".notes").Length() == 0 {
				t.Errorf("%s%.80s: no note about the values ignored", path, q)
			}
		}
	}
	for _, q := range []string{"actor=x&action=%3Cb%3E&target=" + strings.Repeat("t", 300) + "&from=2026-13-01&to=yesterday", "after=%ff", "before=" + strings.Repeat("z", 600)} {
		res, body := a.get(t, c, "/audit?"+q)
		if res.StatusCode != http.StatusOK {
			t.Errorf("/audit?%.60s: %d", q, res.StatusCode)
		} else if parse(t, body).Find(".notes").Length() == 0 {
			t.Errorf("/audit?%.60s: no note", q)
		}
		if res, _ := a.get(t, c, "/audit/people?target=%00"+q); res.StatusCode >= 500 {
			t.Errorf("/audit/people: %d", res.StatusCode)
		}
	}
}

// HTML and script in what people type (names, labels, group names) are
// shown escaped on every page that shows them.
func TestMarkupInNamesIsEscaped(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	acc := a.admAccount(t)
	uid := a.id(t, `INSERT INTO users (account_id, email, name) VALUES ($1, 'markup@acme.example', $2) RETURNING id`, acc, "Mal "+evil)
	if res, _ := a.admPost(t, c, "/groups", url.Values{"parent": {id(rootGroup(t, a, acc))}, "name": {"G " + evil[:40]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("group: %d", res.StatusCode)
	}
	if res, _ := a.admPost(t, c, "/users/links", url.Values{"label": {"L " + evil[:50]}, "max_uses": {"5"}, "validity": {"24"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("link: %d", res.StatusCode)
	}
	for _, path := range []string{"/users?q=markup", "/users/" + id(uid), "/groups", "/users?tab=invitations", "/audit", "/users/add"} {
		_, body := a.get(t, c, path)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s shows markup unescaped", path)
		}
	}
	_, body := a.get(t, c, "/users?q=markup")
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the name is not shown (escaped) at all")
	}
}

func postgresLink(label string) roster.LinkInvite {
	return roster.LinkInvite{Label: label, ValidityHours: 24, MaxUses: 5, Approval: true}
}
