package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/roster-hub/roster/internal/postgres"
)

func TestHubRoutesFullPageAndFragments(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	tests := []struct {
		name, path, target string
		want               []string // selectors that must be present
		notWant            []string // selectors that must be absent
	}{
		// The bulk bar lists the groups in a whole page; in a fragment it
		// names the filter's picker, already in the page, to copy them
		// from (app.js).
		{"hub page", "/users", "", []string{"html", "#dashboard .card", "#hub-body", "#people-table tbody tr", "form.filters input[name=q]", "#bulk-group option:not([value=''])"},
			[]string{"#bulk-group[data-groups-from]"}},
		{"people fragment", "/users?q=gar", "people-results", []string{"#people-table tbody tr", "#bulk-group[data-groups-from=people-group]"},
			[]string{"html head title", "#dashboard", "form.filters", "#bulk-group option:not([value=''])"}},
		{"tab body fragment", "/users?tab=invitations", "hub-body", []string{"#hub-body", "#invitations-table tbody tr"}, []string{"#dashboard", "html head title"}},
		{"invitations fragment", "/users?tab=invitations&istatus=pending", "invites-results", []string{"#invitations-table tbody tr"}, []string{"#hub-body", "html head title"}},
		{"invitations page", "/users?tab=invitations", "", []string{"#dashboard", "#invitations-table"}, []string{"#people-table"}},
		{"my account", "/account", "", []string{"main h1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.target != "" {
				headers = []string{"HX-Request", "true", "HX-Target", tt.target}
			}
			res, body := a.get(t, c, tt.path, headers...)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if tt.path == "/users" || strings.HasPrefix(tt.path, "/users?") {
				if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "HX-Request") {
					t.Errorf("Vary = %q, want HX-Request", res.Header.Values("Vary"))
				}
			}
			if tt.target != "" {
				if strings.Contains(body, "<html") {
					t.Errorf("fragment contains a whole page")
				}
				if res.Header.Get("HX-Push-Url") == "" {
					t.Errorf("fragment has no canonical HX-Push-Url")
				}
			}
			doc := parse(t, body)
			for _, sel := range tt.want {
				if doc.Find(sel).Length() == 0 {
					t.Errorf("missing %s", sel)
				}
			}
			for _, sel := range tt.notWant {
				if doc.Find(sel).Length() != 0 {
					t.Errorf("unexpected %s", sel)
				}
			}
		})
	}
}

func TestBoostedAndHistoryRequestsGetWholePage(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	for _, h := range [][]string{
		{"HX-Request", "true", "HX-Boosted", "true", "HX-Target", "people-results"},
		{"HX-Request", "true", "HX-History-Restore-Request", "true", "HX-Target", "people-results"},
	} {
		_, body := a.get(t, c, "/users?q=gar", h...)
		if doc := parse(t, body); doc.Find("#dashboard").Length() != 1 || doc.Find("head title").Length() != 1 {
			t.Errorf("headers %v: want the whole page", h)
		}
	}
}

func TestSignedOutIsRedirectedToLogin(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.client(t)
	for _, path := range []string{"/users", "/users?tab=invitations", "/account"} {
		res, _ := a.get(t, c, path)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Errorf("%s: status %d location %q, want 303 to /login", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// htmx requests get HX-Redirect instead of a redirect htmx would swap in.
	res, _ := a.get(t, c, "/users", "HX-Request", "true", "HX-Target", "people-results")
	if res.Header.Get("HX-Redirect") == "" {
		t.Errorf("htmx request signed out: no HX-Redirect")
	}
	// Sign-in returns to where the person was going, and only on this site.
	res = a.post(t, c, "/login", url.Values{"email": {postgres.DemoAdminEmail}, "password": {postgres.DemoAdminPassword}, "next": {"/users?status=active"}})
	if got := res.Header.Get("Location"); got != "/users?status=active" {
		t.Errorf("after sign-in went to %q", got)
	}
	res = a.post(t, a.client(t), "/login", url.Values{"email": {postgres.DemoAdminEmail}, "password": {postgres.DemoAdminPassword}, "next": {"//evil.example/x"}})
	if got := res.Header.Get("Location"); got != "/" {
		t.Errorf("open redirect: went to %q", got)
	}
}

func TestNonAdministratorGetsMyAccountAndForbiddenHub(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoMemberEmail, postgres.DemoMemberPassword)
	res, _ := a.get(t, c, "/")
	if res.Header.Get("Location") != "/account" {
		t.Errorf("member lands on %q, want /account", res.Header.Get("Location"))
	}
	for _, path := range []string{"/users", "/users?tab=invitations"} {
		res, body := a.get(t, c, path)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", path, res.StatusCode)
		}
		if strings.Contains(body, "people-table") {
			t.Errorf("%s: 403 page shows the table", path)
		}
	}
	res, body := a.get(t, c, "/users", "HX-Request", "true", "HX-Target", "people-results")
	if res.StatusCode != http.StatusForbidden || res.Header.Get("HX-Retarget") != "#flash" || strings.Contains(body, "<html") {
		t.Errorf("htmx 403: status %d retarget %q", res.StatusCode, res.Header.Get("HX-Retarget"))
	}
	res, body = a.get(t, c, "/account")
	doc := parse(t, body)
	if res.StatusCode != http.StatusOK || !strings.Contains(doc.Find("table.data").Text(), "Payables") {
		t.Errorf("my account: status %d, groups %q", res.StatusCode, doc.Find("table.data").Text())
	}
	if doc.Find(`nav a[href="/users"]`).Length() != 0 {
		t.Errorf("member sees a link to the hub")
	}
}

var countRE = regexp.MustCompile(`[\d,]+`)

func countIn(t *testing.T, s string) int {
	t.Helper()
	m := countRE.FindString(s)
	n, err := strconv.Atoi(strings.ReplaceAll(m, ",", ""))
	if err != nil {
		t.Fatalf("no number in %q", s)
	}
	return n
}

// Each dashboard card links to the table filtered to exactly the set it counts.
func TestDashboardCardsMatchTheirTables(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	_, body := a.get(t, c, "/users")
	doc := parse(t, body)
	cards := doc.Find("#dashboard a.card")
	if cards.Length() != 8 {
		t.Fatalf("%d cards, want 8", cards.Length())
	}
	for i := range cards.Length() {
		card := cards.Eq(i)
		href, _ := card.Attr("href")
		label := card.Find(".card-label").Text()
		want := countIn(t, card.Find(".card-value").Text())
		_, body := a.get(t, c, href)
		d := parse(t, body)
		sel := "#people-result-count"
		if strings.Contains(href, "tab=invitations") {
			sel = "#inv-result-count"
		}
		got := d.Find(sel)
		if got.Length() != 1 {
			t.Errorf("%s (%s): no result count", label, href)
			continue
		}
		if n := countIn(t, got.Text()); n != want {
			t.Errorf("%s: card says %d, table %s says %d", label, want, href, n)
		}
		if want == 0 {
			t.Errorf("%s: demo data should make this card non-zero", label)
		}
	}
}

func TestBadFilterValuesAreIgnoredWithANote(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	for _, path := range []string{
		"/users?status=bogus&role=x&group=-3&sort=nope&dir=sideways&never=maybe",
		"/users?after=not*a*cursor",
		"/users?after=bm9jb2xvbg",
		"/users?sort=added&after=" + url.QueryEscape("MTpub3QtYS10aW1l"),
		"/users?group=999999999",
		"/users?tab=invitations&istatus=weird&iafter=zzz",
	} {
		res, body := a.get(t, c, path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", path, res.StatusCode)
			continue
		}
		if parse(t, body).Find(".notes").Length() == 0 {
			t.Errorf("%s: no note about ignored values", path)
		}
	}
}

func TestPeopleSearchAndFilters(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	ctx := context.Background()
	// Accent-insensitive contains search: "garcia" finds "García".
	var want int
	a.Pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE name_key LIKE '%garcia%' OR email_key LIKE '%garcia%'`).Scan(&want)
	_, body := a.get(t, c, "/users?q=GARCIA", "HX-Request", "true", "HX-Target", "people-results")
	doc := parse(t, body)
	if n := countIn(t, doc.Find("#people-result-count").Text()); n != want || want == 0 {
		t.Errorf("search GARCIA: %d results, database has %d", n, want)
	}
	doc.Find("#people-table tbody tr").Each(func(_ int, s *goquery.Selection) {
		if !strings.Contains(strings.ToLower(s.Find(".person-email").Text()), "garcia") {
			t.Errorf("row %q does not match", s.Find(".person-name").Text())
		}
	})
	// Paging: the next link gives the following 50, none repeated.
	_, body = a.get(t, c, "/users?status=active")
	doc = parse(t, body)
	first := doc.Find("#people-table tbody tr").Map(func(_ int, s *goquery.Selection) string { v, _ := s.Attr("data-user-id"); return v })
	next, ok := doc.Find(`.pager a[rel=next]`).Attr("href")
	if !ok || len(first) != 50 {
		t.Fatalf("first page: %d rows, next %v", len(first), ok)
	}
	_, body = a.get(t, c, next)
	doc = parse(t, body)
	seen := map[string]bool{}
	for _, id := range first {
		seen[id] = true
	}
	doc.Find("#people-table tbody tr").Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-user-id")
		if seen[id] {
			t.Errorf("person %s on two pages", id)
		}
		if s.Find(".badge").Text() != "Active" {
			t.Errorf("status filter lost on page 2")
		}
	})
	prev, _ := doc.Find(`.pager a[rel=prev]`).Attr("href")
	_, body = a.get(t, c, prev)
	back := parse(t, body).Find("#people-table tbody tr").Map(func(_ int, s *goquery.Selection) string { v, _ := s.Attr("data-user-id"); return v })
	if strings.Join(back, ",") != strings.Join(first, ",") {
		t.Errorf("previous page differs from the first page")
	}
}
